"""A damaged index never takes the site down (issue 9, bug 4), and an unwritable index folder
gives a clear message (bug 5).

Each damage (a truncated or overwritten segment, a damaged table of contents, a damaged CURRENT
or generation metadata): searches answer 503 with a plain message while the rest of the site
works, `kb stats` / `kb search` say what is wrong and that `kb ingest --rebuild` repairs it, an
incremental ingest rebuilds into a new generation by itself, and afterwards all is well. With
each engine (its files: Whoosh's segments and table of contents, tantivy's segment files and
meta.json).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from index import IndexDamagedError, IndexStore, SearchFailedError, SearchRequest, search
from ingest import run_ingest
from search_app.app import create_app
from search_app.cli import main
from tests.browser.appdata import settings_for
from tests.helpers import server_process
from tests.test_ingest import write_corpus

pytestmark = pytest.mark.engines


def _live(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def _tantivy(index: Path) -> bool:
    return (_live(index) / "tantivy.json").is_file()


def _segment(index: Path) -> Path:
    """A segment file every search for words reads (tantivy: the documents' postings)."""
    if _tantivy(index):
        return next(_live(index).glob("docs-*/*.idx"))
    return next(_live(index).glob("*.seg"))


def _toc(index: Path) -> Path:
    """What lists the segments (tantivy: the documents index's meta.json)."""
    if _tantivy(index):
        return next(_live(index).glob("docs-*/meta.json"))
    return next(_live(index).glob("_MAIN_*.toc"))


def _overwrite(path: Path, where: float, size: int = 4096) -> None:
    with open(path, "r+b") as fh:
        fh.seek(int(path.stat().st_size * where))
        fh.write(os.urandom(size))


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncated segment": lambda ix: os.truncate(_segment(ix), _segment(ix).stat().st_size // 2),
    "segment cut at the end": lambda ix: os.truncate(_segment(ix),
                                                     _segment(ix).stat().st_size - 100),
    "overwritten segment": lambda ix: _overwrite(_segment(ix), 0.4),
    "damaged table of contents": lambda ix: _overwrite(_toc(ix), 0.0, 200),
    "missing table of contents": lambda ix: _toc(ix).unlink(),
    "damaged CURRENT": lambda ix: (ix / "CURRENT").write_bytes(b"\x00\xffgarbage"),
    "CURRENT naming no generation": lambda ix: (ix / "CURRENT").write_text("gen-gone\n"),
    "damaged generation metadata": lambda ix: (_live(ix) / "kb-meta.json").write_text("{"),
    "missing segment file": lambda ix: _segment(ix).unlink(),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    corpus = write_corpus(root / "corpus")
    run_ingest(corpus, root / "index", workers=1)
    return root


@pytest.fixture
def site(pristine: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(pristine, tmp_path / "site", symlinks=True)
    return tmp_path / "site"


def kb(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        return 99, "".join(traceback.format_exception(result.exception))
    return result.exit_code, result.output


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_index_is_reported_everywhere_and_rebuilt(site: Path, damage: str) -> None:
    index, corpus = site / "index", site / "corpus"
    DAMAGES[damage](index)
    with pytest.raises(IndexDamagedError, match="kb ingest --rebuild"):
        search(IndexStore(index), SearchRequest(query="export"))

    for command in (["stats"], ["search", "export"]):
        code, output = kb(*command, "--index", str(index))
        assert code == 1 and "damaged" in output and "kb ingest --rebuild" in output, output
        assert "Traceback" not in output

    with TestClient(create_app(settings_for(index, corpus)),
                    raise_server_exceptions=False) as client:
        for path in ("/api/search?q=export", "/api/facets", "/api/suggest?q=exp",
                     "/api/export.csv?q=export", "/api/documents/news-export-txt"):
            r = client.get(path)
            assert r.status_code == 503, (path, r.status_code, r.text[:300])
            assert "damaged" in r.json()["error"]["message"]
            assert "kb ingest --rebuild" in r.json()["error"]["message"]
        for path in ("/?q=export", "/files/news/export.txt"):  # which files are indexed?
            r = client.get(path)
            assert r.status_code == 503 and "damaged" in r.text, (path, r.status_code)
            assert "`" not in r.text, r.text  # the page is text, not Markdown
            # the page does not also say the documents were never indexed (run `kb ingest`)
            assert "have not been indexed" not in r.text and "<code>kb ingest</code>" not in r.text
        for path in ("/help", "/docs", "/openapi.json", "/admin", "/static/style.css"):
            assert client.get(path).status_code == 200, path

    # An incremental ingest sees the damage, says so, and rebuilds into a new generation.
    code, output = kb("ingest", str(corpus), "--index", str(index), "-q")
    assert code == 0, output
    assert "rebuild" in output and "damaged" in output, output
    assert search(IndexStore(index), SearchRequest(query="export")).total >= 1
    code, output = kb("stats", "--index", str(index))
    assert code == 0 and "Documents: 2" in output, output


def test_kb_ingest_rebuild_repairs_a_damaged_index(site: Path) -> None:
    index, corpus = site / "index", site / "corpus"
    DAMAGES["truncated segment"](index)
    code, output = kb("ingest", str(corpus), "--index", str(index), "--rebuild", "-q")
    assert code == 0, output
    assert search(IndexStore(index), SearchRequest(query="export")).total >= 1


def test_damage_without_checksums_is_still_a_clear_error(site: Path, engine: str) -> None:
    """An index written before the checksums were recorded: Whoosh's own reading errors."""
    if engine != "whoosh":
        pytest.skip("the Whoosh engine's record of checksums (tantivy's are in its footers)")
    index = site / "index"
    for record in _live(index).glob("kb-files-*.json"):
        record.unlink()
    DAMAGES["truncated segment"](index)
    with pytest.raises(IndexDamagedError, match="kb ingest --rebuild"):
        search(IndexStore(index), SearchRequest(query="export"))


def test_an_incremental_ingest_keeps_checksums_of_each_commit(site: Path, engine: str) -> None:
    """A file of the last commit overwritten inside (its size unchanged) is found by its
    checksum (Whoosh: recorded beside the commit; tantivy: in each file's footer)."""
    index, corpus = site / "index", site / "corpus"
    (corpus / "news" / "new.md").write_text("# New\n\nThe quokkagrant scheme.\n")
    run_ingest(corpus, index, workers=1)
    if engine == "whoosh":
        records = sorted(p.name for p in _live(index).glob("kb-files-*.json"))
        assert len(records) == 1  # the latest commit's; older ones are dropped
    segment = max(_segment(index).parent.glob(_segment(index).stem + ".*"),
                  key=lambda p: p.stat().st_size)
    size = segment.stat().st_size
    _overwrite(segment, 0.3, size // 4)
    assert segment.stat().st_size == size
    with pytest.raises(IndexDamagedError, match="overwritten"):
        search(IndexStore(index), SearchRequest(query="quokkagrant"))


@pytest.mark.parametrize("kept", [64, 0])
def test_a_segment_truncated_under_a_running_server_gives_503_not_a_crash(site: Path,
                                                                          kept: int) -> None:
    """With memory maps a search reading the lost pages of a truncated live file would kill
    the process with SIGBUS. The Whoosh engine reads through file handles, so the server
    answers 503 and keeps running. tantivy maps its files: each search first compares the
    sizes of the open commit's files with those it opened (kept 64 bytes, the page stays:
    that read garbage and panicked; emptied, SIGBUS killed the server)."""
    index, corpus = site / "index", site / "corpus"
    env = {"KB_INDEX": str(index), "KB_CORPUS": str(corpus), "KB_CACHE_SIZE": "0"}
    with server_process(env, ready="/api/search?q=export", quiet=True) as (base, proc):
        os.truncate(_segment(index), kept)
        statuses = {httpx.get(base + "/api/search", params={"q": q}, timeout=30).status_code
                    for q in ("talent", "missions", "skilled workers", "Bavaria", "export")}
        assert proc.poll() is None, f"the server died (exit {proc.returncode})"
        assert statuses <= {200, 503} and 503 in statuses, statuses
        assert httpx.get(base + "/help", timeout=30).status_code == 200


def _postings_of_the_documents(index: Path) -> tuple[Path, int]:
    """The segment file and where in it the postings of ``kind:doc`` start (every search
    reads them first: which records are documents)."""
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(_live(index)), readonly=True, supports_mmap=False)
    with storage.open_index("MAIN").reader() as reader:
        matcher = reader.postings("kind", b"doc")
        where = matcher._postfile.file._offset + matcher._startoffset
    return _segment(index), where


#: Bytes written over the postings of kind:doc, and what Whoosh then raises: its header (a
#: bare Exception "Block tag error"), the pickled block information after the block's length
#: (ValueError: unsupported pickle protocol 74; TypeError: an int where a tuple belongs).
POSTINGS_DAMAGES = {"header": (0, b"XXXX"), "pickle protocol": (8, b"\x80\x4a"),
                    "block information": (8, b"K\x05.")}


@pytest.mark.parametrize("damage", list(POSTINGS_DAMAGES))
def test_damaged_postings_without_checksums_answer_503_not_500(site: Path, engine: str,
                                                               damage: str) -> None:
    """An older index (no kb-files records) with overwritten postings: every error Whoosh
    raises for it is damage; the site starts, and says so (503), as `kb search` does."""
    if engine != "whoosh":
        pytest.skip("the Whoosh engine's postings")
    index, corpus = site / "index", site / "corpus"
    for record in _live(index).glob("kb-files-*.json"):
        record.unlink()
    segment, where = _postings_of_the_documents(index)
    at, data = POSTINGS_DAMAGES[damage]
    with open(segment, "r+b") as fh:
        fh.seek(where + at)
        fh.write(data)
    with pytest.raises(IndexDamagedError, match="kb ingest --rebuild"):
        search(IndexStore(index), SearchRequest(query="export"))
    for command in (["stats"], ["search", "export"]):
        code, output = kb(*command, "--index", str(index))
        assert code == 1 and "damaged" in output and "kb ingest --rebuild" in output, output
    with TestClient(create_app(settings_for(index, corpus)),
                    raise_server_exceptions=False) as client:
        r = client.get("/api/search?q=export")
        assert r.status_code == 503, (r.status_code, r.text[:300])
        assert "kb ingest --rebuild" in r.json()["error"]["message"]
        r = client.get("/?q=export")
        assert r.status_code == 503 and "damaged" in r.text, r.status_code


def test_a_failing_search_at_start_does_not_stop_the_site(
        site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Whatever the first search (the warm-up) raises, the site starts and logs it."""
    import search_app.app as app_module

    def failing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("an unforeseen error")

    monkeypatch.setattr(app_module, "search", failing)
    index, corpus = site / "index", site / "corpus"
    with TestClient(create_app(settings_for(index, corpus)),
                    raise_server_exceptions=False) as client:
        assert client.get("/help").status_code == 200
    assert "an unforeseen error" in caplog.text


def _fail_next_search(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next search meets what a damaged file raises in the engine (tantivy: a real panic
    of its Rust code; Whoosh: struct.error), once, whatever the files."""
    import struct

    failed: list[bool] = []
    if engine == "tantivy":
        import tantivy

        from index.tantivy.reader import TantivyReader

        real = TantivyReader._full

        def full(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not failed:
                failed.append(True)
                builder = tantivy.SchemaBuilder()
                builder.add_text_field("text")
                searcher = tantivy.Index(builder.build()).searcher()
                searcher.search(tantivy.Query.all_query(), limit=0)  # panics
            return real(self, *args, **kwargs)

        monkeypatch.setattr(TantivyReader, "_full", full)
        return
    from index.whoosh.reader import WhooshReader

    real_search = WhooshReader.search

    def search_once(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not failed:
            failed.append(True)
            raise struct.error("unpack requires a buffer of 4 bytes")
        return real_search(self, *args, **kwargs)

    monkeypatch.setattr(WhooshReader, "search", search_once)


def test_one_failing_search_on_sound_files_is_not_damage(site: Path, engine: str,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """A reading error is damage only when the files' checksums, checked again, say so:
    otherwise that one search fails with a clear message (400) and the site keeps serving."""
    index, corpus = site / "index", site / "corpus"
    with TestClient(create_app(settings_for(index, corpus)),
                    raise_server_exceptions=False) as client:
        assert client.get("/api/search?q=export").status_code == 200
        _fail_next_search(engine, monkeypatch)
        r = client.get("/api/search?q=export+vouchers")
        assert r.status_code == 400, r.text[:300]
        assert "could not be run" in r.json()["error"]["message"]
        r = client.get("/api/search?q=export+vouchers")
        assert r.status_code == 200 and r.json()["total"] >= 1, r.text[:300]
    store = IndexStore(index)
    search(store, SearchRequest(query="export"))
    _fail_next_search(engine, monkeypatch)
    with pytest.raises(SearchFailedError):
        search(store, SearchRequest(query="vouchers"))
    assert search(store, SearchRequest(query="export")).total >= 1
    code, output = kb("search", "export", "--index", str(index))
    assert code == 0, output


def test_failing_searches_in_a_row_check_the_files_once(site: Path, engine: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A query the engine fails on, sent again and again, costs one check of the files (a
    pass over all of them), not one per request: within RECHECK_SECONDS the error is the
    query's."""
    import index.store as store_module

    store = IndexStore(site / "index")
    assert search(store, SearchRequest(query="export")).total >= 1
    checks: list[bool] = []
    live = store._live()
    assert live is not None
    engine_type = type(store._engine_of(live))
    real_check = engine_type.check

    def counting(self, gen, key, *, strict=False):  # type: ignore[no-untyped-def]
        checks.append(strict)
        return real_check(self, gen, key, strict=strict)

    monkeypatch.setattr(engine_type, "check", counting)
    for _ in range(3):
        _fail_next_search(engine, monkeypatch)
        with pytest.raises(SearchFailedError):
            search(store, SearchRequest(query="vouchers"))
    assert checks.count(True) == 1
    monkeypatch.setattr(store_module, "RECHECK_SECONDS", 0.0)
    _fail_next_search(engine, monkeypatch)
    with pytest.raises(SearchFailedError):
        search(store, SearchRequest(query="vouchers"))
    assert checks.count(True) == 2
    assert search(store, SearchRequest(query="export")).total >= 1


def test_a_failing_search_on_damaged_files_is_damage(site: Path, engine: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The same error with a file overwritten since the commit was opened (its size
    unchanged): the check finds it, and every search answers that the index is damaged."""
    index = site / "index"
    store = IndexStore(index)
    assert search(store, SearchRequest(query="export")).total >= 1
    segment = _segment(index)
    _overwrite(segment, 0.3, 64)
    _fail_next_search(engine, monkeypatch)
    for _ in range(2):
        with pytest.raises(IndexDamagedError, match="overwritten"):
            search(store, SearchRequest(query="export"))


# -- bug 5: an index folder that cannot be written ----------------------------------------------
def test_ingest_into_an_unwritable_index_folder_says_so(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, corpus = site / "index", site / "corpus"
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).startswith(str(index)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    code, output = kb("ingest", str(corpus), "--index", str(index), "-q")
    assert code == 1 and "Traceback" not in output, output
    assert f"the index folder {index} cannot be written (Permission denied" in output, output
    assert "make it writable" in output


def test_ingest_into_a_folder_below_a_file_says_so(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    (tmp_path / "file").write_text("not a folder")
    code, output = kb("ingest", str(corpus), "--index", str(tmp_path / "file" / "index"), "-q")
    assert code == 1 and "Traceback" not in output, output
    assert "cannot be written" in output, output


def _fail_next_read(engine: str, method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next call of the engine reader's ``method`` meets what a damaged file raises
    (Whoosh: struct.error; tantivy: ValueError), once, whatever the files."""
    import struct

    from index.tantivy.reader import TantivyReader
    from index.whoosh.reader import WhooshReader

    kind, error = ((TantivyReader, ValueError("corrupted")) if engine == "tantivy"
                   else (WhooshReader, struct.error("unpack requires a buffer of 4 bytes")))
    real = getattr(kind, method)
    failed: list[bool] = []

    def once(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not failed:
            failed.append(True)
            raise error
        return real(self, *args, **kwargs)

    monkeypatch.setattr(kind, method, once)


def test_a_failing_read_on_sound_files_says_what_failed_not_try_other_words(
        site: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine failing on sound files is one request's failure; the document page and `kb
    stats` say what could not be read (a search's "try other words" makes no sense there)."""
    index, corpus = site / "index", site / "corpus"
    with TestClient(create_app(settings_for(index, corpus)),
                    raise_server_exceptions=False) as client:
        doc_id = client.get("/api/search?q=export").json()["hits"][0]["id"]
        _fail_next_read(engine, "documents", monkeypatch)
        r = client.get(f"/documents/{doc_id}")
        assert "This document could not be shown" in r.text, r.text[:500]
        assert "other words" not in r.text
        assert client.get(f"/documents/{doc_id}").status_code == 200
    _fail_next_read(engine, "counts", monkeypatch)
    code, output = kb("stats", "--index", str(index))
    assert code == 1 and "statistics could not be read" in output, output
    assert "other words" not in output
    code, output = kb("stats", "--index", str(index))
    assert code == 0, output


def test_the_admin_pages_say_the_index_is_damaged(site: Path) -> None:
    """The overview showed the last run's counts as for a sound index and the documents page
    every file as "not yet" indexed; nothing told the admin that an ingest repairs it."""
    from tests.test_admin import SECRET, login

    index, corpus = site / "index", site / "corpus"
    settings = settings_for(index, corpus, admin_secret=SECRET)
    with TestClient(create_app(settings)) as client:
        login(client)
        for path in ("/admin", "/admin/documents", "/admin/ingest"):
            r = client.get(path)
            assert r.status_code == 200 and "damaged" not in r.text, path
    DAMAGES["overwritten segment"](index)
    with TestClient(create_app(settings)) as client:
        login(client)
        for path in ("/admin", "/admin/documents", "/admin/ingest"):
            r = client.get(path)
            assert r.status_code == 200, path
            assert "The index is damaged" in r.text and "An ingest rebuilds it" in r.text, path
