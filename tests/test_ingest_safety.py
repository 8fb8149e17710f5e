"""Ingest reads only the corpus: links out of it are skipped and reported (issue 9, bug 3)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from index import IndexStore, SearchRequest, search
from ingest import CatalogError, discover, load_taxonomy, run_ingest
from ingest.paths import OUTSIDE_CORPUS, corpus_file
from ingest.pipeline import ParseJob, SourceFile, parse_job
from ingest.workers import JobFailed
from search_app.cli import main
from search_app.watch import watched_folders
from tests.helpers import wait_until, watching
from tests.test_ingest import write_corpus

SECRET = "Zanzibarsecret credentials of the machine\n"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text(SECRET)
    (outside / "more.md").write_text("# Hidden\n\nZanzibarsecret in a folder.\n")
    return outside


def found(index: Path, word: str) -> int:
    return search(IndexStore(index), SearchRequest(query=word)).total


def test_a_link_to_a_file_outside_the_corpus_is_skipped_and_reported(
    tmp_path: Path, secret: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "p.txt").symlink_to(secret / "passwd.txt")
    (corpus / "news" / "linked-folder").symlink_to(secret, target_is_directory=True)
    (corpus / "news" / "same.txt").symlink_to(corpus / "news" / "export.txt")  # stays inside
    (corpus / "news" / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    index = tmp_path / "index"
    report = run_ingest(corpus, index, workers=1)
    assert {"path": "news/p.txt", "reason": OUTSIDE_CORPUS} in report.skipped
    assert "news/same.txt" in report.added  # a link inside the corpus stays readable
    assert not any("linked-folder" in p for p in report.added)
    assert found(index, "Zanzibarsecret") == 0
    assert found(index, "Transdanubia") == 2
    # the next run says so again, and still reads nothing of it
    again = run_ingest(corpus, index, workers=1)
    assert {"path": "news/p.txt", "reason": OUTSIDE_CORPUS} in again.skipped
    assert found(index, "Zanzibarsecret") == 0
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--index", str(index), "-q"])
    assert result.exit_code == 0, result.output
    assert f"skipped: news/p.txt: {OUTSIDE_CORPUS}" in result.output


def test_discover_lists_no_link_out_of_the_corpus(tmp_path: Path, secret: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "p.txt").symlink_to(secret / "passwd.txt")
    outside: list[str] = []
    paths = {s.path for s in discover(corpus, outside)}
    assert "news/p.txt" not in paths and outside == ["news/p.txt"]
    assert "news/p.txt" not in {s.path for s in discover(corpus)}


def test_a_file_replaced_by_a_link_after_listing_is_not_read(tmp_path: Path,
                                                               secret: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    src = next(s for s in discover(corpus) if s.path == "news/export.txt")
    (corpus / "news" / "export.txt").unlink()
    (corpus / "news" / "export.txt").symlink_to(secret / "passwd.txt")
    job = ParseJob(str(corpus), SourceFile(src.path, src.size, src.mtime), "x", {},
                   load_taxonomy(corpus), "")
    with pytest.raises(JobFailed, match="outside the corpus"):
        parse_job(job)


def test_a_file_gone_after_listing_fails_with_a_plain_reason(tmp_path: Path) -> None:
    # It failed as "unexpected error: FileNotFoundError: [Errno 2] ... '/the/absolute/path'".
    from ingest.pipeline import GONE_WHILE_READING

    corpus = write_corpus(tmp_path / "corpus")
    src = next(s for s in discover(corpus) if s.path == "news/export.txt")
    job = ParseJob(str(corpus), SourceFile(src.path, src.size, src.mtime), "x", {},
                   load_taxonomy(corpus), "")
    (corpus / "news" / "export.txt").unlink()
    with pytest.raises(JobFailed, match="removed or replaced"):
        parse_job(job)
    (corpus / "news" / "export.txt").mkdir()
    with pytest.raises(JobFailed) as failed:
        parse_job(job)
    assert failed.value.reason == GONE_WHILE_READING


def test_a_page_nested_too_deeply_fails_with_a_plain_reason(tmp_path: Path) -> None:
    # 200,000 nested <div>s (a browser shows the page): it failed as "unexpected error:
    # RecursionError: maximum recursion depth exceeded"
    from ingest.reading import NESTED_TOO_DEEPLY

    corpus = write_corpus(tmp_path / "corpus")
    depth = 200_000
    (corpus / "news" / "deep.html").write_text(
        "<html><body>" + "<div>" * depth + "export deep" + "</div>" * depth + "</body></html>")
    src = next(s for s in discover(corpus) if s.path == "news/deep.html")
    job = ParseJob(str(corpus), SourceFile(src.path, src.size, src.mtime), "x", {},
                   load_taxonomy(corpus), "")
    with pytest.raises(JobFailed) as failed:
        parse_job(job)
    assert failed.value.reason == NESTED_TOO_DEEPLY


def test_catalog_taxonomy_and_sidecars_linked_out_of_the_corpus_are_not_read(
    tmp_path: Path, secret: Path
) -> None:
    (secret / "meta.yaml").write_text("title: Zanzibarsecret title\n")
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "export.txt.meta.yaml").symlink_to(secret / "meta.yaml")
    report = run_ingest(corpus, tmp_path / "index", workers=1)
    failure = next(f for f in report.failed if f["path"] == "news/export.txt")
    assert OUTSIDE_CORPUS in failure["reason"]
    assert found(tmp_path / "index", "Zanzibarsecret") == 0
    (corpus / "catalog.yaml").symlink_to(secret / "meta.yaml")
    with pytest.raises(CatalogError, match="outside the corpus"):
        run_ingest(corpus, tmp_path / "index", workers=1)


# -- kb ingest --watch ----------------------------------------------------------------------------
def test_watch_does_not_follow_links_out_of_the_corpus(tmp_path: Path, secret: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "linked").symlink_to(secret, target_is_directory=True)
    index = tmp_path / "index"
    assert watched_folders(corpus.resolve(), index) == [corpus.resolve(),
                                                        corpus.resolve() / "news"]
    run_ingest(corpus, index, workers=1)
    with watching(corpus, index, debounce_ms=200) as runs:
        (secret / "new-outside.md").write_text("# Outside\n\nNothing to see.\n")
        time.sleep(1.5)
        assert runs == []  # a change outside the corpus, behind a link, is not seen
        (corpus / "reports").mkdir()  # a new folder is watched too
        (corpus / "reports" / "a.md").write_text("# A\n\nThe wombatgrant scheme.\n")
        wait_until(lambda: found(index, "wombatgrant") > 0)
        assert found(index, "wombatgrant") == 1
        time.sleep(0.5)
        (corpus / "reports" / "b.md").write_text("# B\n\nThe wombatgrant scheme, again.\n")
        wait_until(lambda: found(index, "wombatgrant") >= 2)
        assert found(index, "wombatgrant") == 2


def test_a_path_no_file_can_have_is_none(tmp_path: Path) -> None:
    # a name over 255 bytes or a path over 4096 made every look-up of it raise
    # (ENAMETOOLONG): /files answered 500, the admin's document routes 503
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.md").write_text("# A\n")
    assert corpus_file(tmp_path, "news/a.md") == (tmp_path / "news" / "a.md").resolve()
    assert corpus_file(tmp_path, "news/" + "a" * 252 + ".md") is not None  # 255 bytes
    for rel in ("a" * 256, "news/" + "b" * 300 + ".md", "news/" + "é" * 127 + ".md",
                "x/" * 2100 + "a.md"):
        assert corpus_file(tmp_path, rel) is None, rel[:20]


def _latin1_names(corpus: Path) -> None:
    """A file and a folder whose names are Latin-1, not UTF-8 (an old zip, a Windows share)."""
    news = bytes(corpus / "news")
    with open(news + b"/caf\xe9.md", "wb") as fh:
        fh.write(b"# Cafe\n\nQuetzalword in a file with a Latin-1 name.\n")
    folder = news + b"/r\xe9gion"
    Path(folder.decode("utf-8", "surrogateescape")).mkdir()
    with open(folder + b"/inside.md", "wb") as fh:
        fh.write(b"# Inside\n\nQuetzalword in a folder with a Latin-1 name.\n")


def test_a_name_that_is_not_utf8_is_skipped_and_reported(tmp_path: Path) -> None:
    # Such a name reached the report as a lone surrogate: `kb ingest` ended in a traceback
    # (UnicodeEncodeError saving the report) after its commit, on every run, and the file was
    # indexed under a path with U+FFFD that no /files link could open.
    from ingest import NOT_UTF8_NAME

    corpus = write_corpus(tmp_path / "corpus")
    _latin1_names(corpus)
    index = tmp_path / "index"
    for _ in range(2):
        report = run_ingest(corpus, index, workers=1)
        assert {"path": "news/caf\ufffd.md", "reason": NOT_UTF8_NAME} in report.skipped
        assert {"path": "news/r\ufffdgion/", "reason": NOT_UTF8_NAME} in report.skipped
        assert found(index, "Quetzalword") == 0
        assert found(index, "Transdanubia") == 1  # the other files are read
        assert IndexStore(index).reports(limit=1)  # and the report is saved
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--index", str(index), "-q"])
    assert result.exit_code == 0, result.output
    assert f"skipped: news/caf\ufffd.md: {NOT_UTF8_NAME}" in result.output
    outside: list[str] = []
    assert all("\ufffd" not in s.path and "Quetzal" not in s.path
               for s in discover(corpus, outside))


#: names ingest reads, whose links must open: a backslash (a Windows zip's folder separator
#: kept in the name), spaces, "#" and "?", and other scripts ("%" too, but TestClient decodes
#: a path twice: "%2541" reaches the app as "A")
ODD_NAMES = ("back\\slash.md", "two  spaces #1?.md", "Észak-Alföld ünnep.md")


def test_a_name_with_a_control_character_is_skipped_and_other_names_open(
        tmp_path: Path) -> None:
    # A file named with a backslash was indexed, but its /files link answered 404 (the path
    # was refused as if it led out of the corpus); one named with a line break was indexed
    # too, and no route could match its link (a route's path holds no line break).
    from fastapi.testclient import TestClient

    from ingest import CONTROL_CHARACTER_NAME
    from search_app.app import create_app
    from tests.browser.appdata import settings_for

    corpus = write_corpus(tmp_path / "corpus")
    for name in ODD_NAMES:
        (corpus / "news" / name).write_text(f"# {name}\n\nQuetzalword in {name}.\n")
    for name in ("new\nline.md", "tab\there.md", "esc\x1b.md", "c1\x85.md"):
        (corpus / "news" / name).write_text("# Control\n\nWombatword in a control name.\n")
    (corpus / "news" / "fold\ner").mkdir()
    (corpus / "news" / "fold\ner" / "inside.md").write_text("# In\n\nWombatword inside.\n")
    index = tmp_path / "index"
    report = run_ingest(corpus, index, workers=1)
    skipped = {s["path"]: s["reason"] for s in report.skipped}
    assert skipped == {
        "news/new\ufffdline.md": CONTROL_CHARACTER_NAME,
        "news/tab\ufffdhere.md": CONTROL_CHARACTER_NAME,
        "news/esc\ufffd.md": CONTROL_CHARACTER_NAME,
        "news/c1\ufffd.md": CONTROL_CHARACTER_NAME,
        "news/fold\ufffder/": CONTROL_CHARACTER_NAME,
    }, report.skipped
    assert found(index, "Wombatword") == 0
    assert found(index, "Quetzalword") == len(ODD_NAMES)
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--index", str(index), "-q"])
    assert result.exit_code == 0, result.output
    assert f"skipped: news/new\ufffdline.md: {CONTROL_CHARACTER_NAME}\n" in result.output

    with TestClient(create_app(settings_for(index, corpus, semantic=False))) as client:
        hits = client.get("/api/search", params={"q": "Quetzalword"}).json()["hits"]
        assert {h["source_path"] for h in hits} == {f"news/{n}" for n in ODD_NAMES}
        for hit in hits:
            page = client.get(hit["url"])
            assert page.status_code == 200, hit["url"]
            assert hit["file_url"] in page.text.replace("&#39;", "'"), hit["file_url"]
            answer = client.get(hit["file_url"])
            assert answer.status_code == 200, (hit["file_url"], answer.text[:200])
            assert "Quetzalword" in answer.text


def test_a_name_with_a_line_or_paragraph_separator_is_not_read() -> None:
    # U+2028 and U+2029 break lines as a line break does (str.splitlines, browsers)
    from ingest import CONTROL_CHARACTER_NAME, name_problem

    for name in ("line\u2028sep.md", "para\u2029sep.md", "c0\x1b.md", "c1\x85.md"):
        assert name_problem(name) == CONTROL_CHARACTER_NAME, name
    assert name_problem("Exportförderung – 2020.md") is None
