"""The index life cycle: generations, atomic swaps, locks, schema versions, failed writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from index import IndexLockedError, IndexStore, IndexUnavailableError, SearchRequest, search
from index.query import parse_query
from index.records import Passage
from index.schema import SCHEMA_VERSION
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines


def ids(store: IndexStore, q: str) -> list[str]:
    return [h.id for h in search(store, SearchRequest(query=q)).hits]


def test_rebuild_update_delete(tmp_path):
    store = build_index(tmp_path / "ix", [
        make_doc("a", "Export vouchers", "Vouchers for exporting firms."),
        make_doc("b", "Talent house", "Attracting talent to San Sebastián."),
    ])
    assert ids(store, "vouchers") == ["a"]
    with store.lock(), store.update() as w:
        w.put(make_doc("a", "Export vouchers", "Now about trade missions."))
        w.delete("b")
    assert ids(store, "vouchers") == ["a"]  # title still matches
    assert ids(store, "missions") == ["a"]
    assert ids(store, "talent") == []
    assert store.document_count() == 1


def test_a_failed_update_changes_nothing(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    with pytest.raises(RuntimeError), store.lock(), store.update() as w:
        w.delete("a")
        raise RuntimeError("boom")
    assert ids(store, "vouchers") == ["a"]


def test_a_failed_rebuild_keeps_the_live_index(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    live = store.current_generation()
    with pytest.raises(RuntimeError), store.lock(), store.rebuild() as w:
        w.put(make_doc("z", "Other", "text"))
        raise RuntimeError("boom")
    assert store.current_generation() == live
    assert ids(store, "vouchers") == ["a"]
    assert [p.name for p in (tmp_path / "ix").glob("gen-*")] == [live.name]


def test_readers_pick_up_a_rebuild_without_reopening(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    reader = IndexStore(tmp_path / "ix")  # as a server worker would hold it
    assert ids(reader, "vouchers") == ["a"]
    with store.lock(), store.rebuild() as w:
        w.put(make_doc("b", "Export vouchers again", "text"))
    assert ids(reader, "vouchers") == ["b"]
    with store.lock(), store.update() as w:
        w.put(make_doc("c", "Vouchers", "more"))
    assert sorted(ids(reader, "vouchers")) == ["b", "c"]


def test_schema_version_mismatch_asks_for_a_rebuild(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc("a", "Export", "text")])
    meta = store.current_generation() / "kb-meta.json"
    meta.write_text(json.dumps({"schema_version": SCHEMA_VERSION - 1}))
    assert "schema version" in (store.needs_rebuild() or "")
    with pytest.raises(IndexUnavailableError, match="schema version"):
        search(store, SearchRequest(query="export"))


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexUnavailableError, match="no index"):
        search(IndexStore(tmp_path / "none"), SearchRequest(query="x"))


def test_one_ingest_at_a_time(tmp_path):
    store = IndexStore(tmp_path / "ix")
    with store.lock():
        with pytest.raises(IndexLockedError, match="another ingest"):
            with IndexStore(tmp_path / "ix").lock():
                pass


def test_a_lock_left_by_a_killed_process_is_recovered(tmp_path):
    code = (
        "import sys, time; sys.path.insert(0, {!r})\n"
        "from index import IndexStore\n"
        "with IndexStore({!r}).lock():\n"
        "    print('locked', flush=True); time.sleep(60)\n"
    ).format(os.getcwd(), str(tmp_path / "ix"))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLockedError, match=f"another ingest is running .pid {proc.pid}."):
            with IndexStore(tmp_path / "ix").lock():
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while True:
            try:
                with IndexStore(tmp_path / "ix").lock():
                    break
            except IndexLockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        proc.kill()


def test_updates_replace_a_document_and_its_passages(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc(f"d{i}", f"Doc {i}", "text") for i in range(5)])
    for round_ in range(3):
        with store.lock(), store.update() as w:
            w.put(make_doc("d1", "Doc 1", f"changed {round_}", "a second page"))
    with store.reader() as r:
        assert r.counts() == (5, 6)
        assert [p.text for p in r.passages("d1")] == ["changed 2", "a second page"]
    assert ids(store, "changed") == ["d1"]


def test_a_documents_passages_come_by_ordinal_without_its_record_or_other_documents(tmp_path):
    # Written out of order, among other documents with the same words, updated once (readers
    # take a document's passages from its doc id's postings: index/whoosh/reader.py).
    doc = make_doc("d1", "Export cells", "unused")
    doc.passages = [Passage(o, f"export cells {o}", page=o + 1) for o in (3, 0, 4, 2, 1)]
    store = build_index(tmp_path / "ix", [make_doc("d0", "Export cells", "export cells"), doc,
                                          make_doc("d2", "Export", "export cells", "cells")])
    with store.lock(), store.update() as w:
        w.put(make_doc("d0", "Export cells", "export cells again"))
    export = parse_query("export").passages
    assert export is not None
    with store.reader() as r:
        assert [p.ordinal for p in r.passages("d1")] == [0, 1, 2, 3, 4]
        assert [p.text for p in r.passages("d1", limit=2)] == ["export cells 0", "export cells 1"]
        assert [p.text for p in r.passages("d0")] == ["export cells again"]
        assert r.passages("d3") == []
        assert r.matching_passages(export, "d1") == {0, 1, 2, 3, 4}
        assert r.matching_passages(export, "d2") == {0}
        assert r.matching_passages(export, "d3") == set()


def test_damaged_labels_and_synonyms_are_ignored_with_a_warning(tmp_path, caplog):
    store = IndexStore(tmp_path / "ix")
    store.save_labels({"country": {"ES": "Spain"}})
    store.save_synonyms([{"en": ["export voucher"], "hu": ["exportutalvány"]}])
    assert store.load_labels() == {"country": {"ES": "Spain"}}
    assert len(store.load_synonyms()) == 1
    assert caplog.records == []
    (store.path / "labels.json").write_text('{"country": {"ES": ', encoding="utf-8")
    (store.path / "synonyms.json").write_text('{"en": []}', encoding="utf-8")
    os.utime(store.path / "labels.json", ns=(1, 1))  # a new mtime even on a coarse clock
    os.utime(store.path / "synonyms.json", ns=(1, 1))
    with caplog.at_level("WARNING", logger="index.side_files"):
        assert store.load_labels() == {}
        assert store.load_synonyms() == []
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2, warnings
    assert "labels.json" in warnings[0] and "kb ingest" in warnings[0]
    assert "synonyms.json" in warnings[1] and "expected a JSON list, found dict" in warnings[1]


def test_an_index_is_built_with_the_engine_under_test(tmp_path, engine):
    store = build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    assert store.engine_name() == engine
    assert IndexStore(tmp_path / "ix", engine=engine).needs_rebuild() is None


def test_a_new_commit_is_checked_once_without_making_searches_queue(tmp_path, engine,
                                                                    monkeypatch):
    """The files of a new commit are checked (once) by the first search that needs them,
    outside the store's lock: meanwhile the other searches wait for it, or (an engine whose
    readers stay on the commit they were opened at: tantivy) search the previous commit."""
    import threading

    from index.engine import get_engine

    store = build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    assert ids(store, "vouchers") == ["a"]  # the first commit, checked and opened
    with store.lock(), store.update() as w:
        w.put(make_doc("b", "Quokka grants", "The quokkagrant scheme."))
    checking, done = threading.Event(), threading.Event()
    checked = []
    opened = get_engine(engine)
    real_check = opened.check

    def slow_check(gen, key, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(key)
        checking.set()
        done.wait(60)
        return real_check(gen, key, **kwargs)

    monkeypatch.setattr(opened, "check", slow_check)
    found: dict[str, list[str]] = {}

    def run(name: str) -> None:
        found[name] = ids(store, "quokkagrant")

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert checking.wait(60)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    if store.engine_name() == "tantivy":
        second.join(30)
        assert not second.is_alive(), "a search queued behind the check of a new commit"
        assert found["second"] == []  # the previous commit
    done.set()
    first.join(60)
    second.join(60)
    assert found["first"] == ["b"]
    if store.engine_name() != "tantivy":
        assert found["second"] == ["b"]  # it waited for the check
    assert len(checked) == 1
    assert ids(store, "quokkagrant") == ["b"]
    assert len(checked) == 1


# -- opening a commit while an ingest writes: races are not damage ------------------------------

def _per_file_check(engine: str):  # type: ignore[no-untyped-def]
    """The module and name of the function the engine's check calls for each file of a
    commit (after it has listed them): where an ingest's commit can fall between the listing
    and the reading."""
    import importlib

    from index.engine import get_engine

    module = type(get_engine(engine)).__module__
    if module.startswith("index.tantivy"):
        return importlib.import_module("index.tantivy.engine"), "footer_problem"
    if module.startswith("index.whoosh"):
        return importlib.import_module("index.whoosh.integrity"), "_crc32"
    pytest.skip(f"no per-file check known for {module}")


def _rewrite_all(path, docs) -> None:  # type: ignore[no-untyped-def]
    """An incremental ingest that puts every document again: the engine drops the segments
    of the commit before, with their files."""
    writer = IndexStore(path)
    with writer.lock(), writer.update() as w:
        for doc in docs:
            w.put(doc)


def test_a_commit_removing_the_files_being_checked_is_not_damage(tmp_path, engine,
                                                                 monkeypatch):
    """An ingest commits (and removes the files of the commit before) while a reader checks
    the files of the commit it found live: the files it then misses are the writer's doing,
    not damage. The reader opens the new commit; nothing is remembered as damaged. (The
    review reproduced it with a real ingest: bench/open_while_writing.py.)"""
    docs = [make_doc(f"d{n}", f"Export vouchers {n}", f"Vouchers for firms, part {n}.")
            for n in range(6)]
    build_index(tmp_path / "ix", docs)
    gen = IndexStore(tmp_path / "ix").live_generation()
    before = {p for p in gen.rglob("*") if p.is_file()}
    module, name = _per_file_check(engine)
    real = getattr(module, name)
    raced: list[bool] = []

    def commit_meanwhile(path):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(True)
            _rewrite_all(tmp_path / "ix", [make_doc("new", "Quokka grants", "quokkagrant")]
                         + docs)
        return real(path)

    monkeypatch.setattr(module, name, commit_meanwhile)
    store = IndexStore(tmp_path / "ix")  # a server starting while the ingest runs
    assert ids(store, "quokkagrant") == ["new"]
    assert raced and any(not p.exists() for p in before)  # the race happened
    assert store.damage() is None
    assert sorted(ids(store, "vouchers")) == [f"d{n}" for n in range(6)]


def test_a_reader_failing_on_files_an_ingest_removed_is_not_damage(tmp_path, engine,
                                                                   monkeypatch):
    """Taking a reader fails (a file of the commit is gone: an ingest replaced the commit
    after it was opened): the reader of the new commit is taken, nothing is remembered."""
    from index.engine import get_engine

    docs = [make_doc(f"d{n}", f"Export vouchers {n}", "Vouchers for firms.") for n in range(3)]
    build_index(tmp_path / "ix", docs)
    eng = get_engine(engine)
    real_open = eng.open
    failed: list[bool] = []

    def open_then_commit(gen, key, **kwargs):  # type: ignore[no-untyped-def]
        pool = real_open(gen, key, **kwargs)
        if failed:
            return pool
        real_take = pool.take

        def take():  # type: ignore[no-untyped-def]
            if not failed:
                failed.append(True)
                _rewrite_all(tmp_path / "ix", [make_doc("new", "Quokka", "quokkagrant")])
                raise FileNotFoundError(2, "No such file or directory", str(gen / "segment"))
            return real_take()

        pool.take = take
        return pool

    monkeypatch.setattr(eng, "open", open_then_commit)
    store = IndexStore(tmp_path / "ix")
    assert ids(store, "quokkagrant") == ["new"]
    assert failed
    assert store.damage() is None


def test_damage_found_at_opening_of_a_commit_that_stays_is_remembered(tmp_path, engine,
                                                                      monkeypatch):
    """The other side: when the live commit did not change, what the check found is damage,
    remembered for the commit (not checked again on every search)."""
    from index import IndexDamagedError
    from index.engine import get_engine

    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    eng = get_engine(engine)
    calls: list[object] = []

    def damaged(gen, key, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(key)
        return "segment X is missing"

    monkeypatch.setattr(eng, "check", damaged)
    store = IndexStore(tmp_path / "ix")
    for _ in range(3):
        with pytest.raises(IndexDamagedError, match="segment X is missing"):
            ids(store, "vouchers")
    assert len(calls) == 1


def test_of_two_commits_opened_at_once_the_newer_stays_open(tmp_path, engine, monkeypatch):
    """Two searches open two commits at once and the older one's opening ends last: the
    newer commit's readers stay in use (no reopening it on the next search)."""
    import threading

    from index.engine import get_engine

    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    store = IndexStore(tmp_path / "ix")
    eng = get_engine(engine)
    real_check, real_open = eng.check, eng.open
    checking, release = threading.Event(), threading.Event()
    opened: list[object] = []

    def check(gen, key, **kwargs):  # type: ignore[no-untyped-def]
        if not checking.is_set():  # the first (older) commit's check waits
            checking.set()
            release.wait(60)
        return real_check(gen, key, **kwargs)

    def counting_open(gen, key, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(key)
        return real_open(gen, key, **kwargs)

    monkeypatch.setattr(eng, "check", check)
    monkeypatch.setattr(eng, "open", counting_open)
    found: dict[str, object] = {}

    def older() -> None:
        try:
            found["older"] = ids(store, "vouchers")
        except Exception as exc:  # noqa: BLE001 - asserted below
            found["older"] = exc

    first = threading.Thread(target=older)
    first.start()
    assert checking.wait(60)
    with store.lock(), store.update() as w:
        w.put(make_doc("b", "Quokka grants", "The quokkagrant scheme."))
    assert ids(store, "quokkagrant") == ["b"]  # the newer commit, opened meanwhile
    release.set()
    first.join(60)
    assert found["older"] == ["a"]
    count = len(opened)
    assert ids(store, "quokkagrant") == ["b"]
    assert sorted(ids(store, "vouchers")) == ["a"]
    assert len(opened) == count, "the older commit's readers replaced the newer's"


# -- running out of file handles is not damage ---------------------------------------------------

def _out_of_handles(engine: str) -> Exception:
    """What the engine raises when the process has no file handle left: Python's OSError, or
    tantivy's ValueError naming the OS error."""
    import errno

    if engine == "tantivy":
        return ValueError("Failed to open file for read: 'IoError { io_error: Os { code: 24, "
                          "kind: TooManyOpenFiles, message: \"Too many open files\" }, "
                          "filepath: \"meta.json\" }'")  # as tantivy-py 0.27 says it
    return OSError(errno.EMFILE, "Too many open files")


@pytest.mark.parametrize("where", ["commit", "check", "open", "take"])
def test_running_out_of_file_handles_is_not_remembered_as_damage(tmp_path, engine, monkeypatch,
                                                                 where):
    """Opening a commit (reading its key, its check, the engine's open, a reader) meets "Too
    many open files"
    (a big index holds a handle per segment file): the search answers busy ("try again"), the
    index is not remembered as damaged, and once handles are free the same commit opens."""
    import errno

    from index import IndexBusyError
    from index.engine import get_engine

    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    eng = get_engine(engine)
    failed: list[bool] = []

    def once(exc: Exception) -> None:
        if not failed:
            failed.append(True)
            raise exc

    if where == "commit":
        real_key = eng.commit_key

        def commit_key(gen):  # type: ignore[no-untyped-def]
            once(OSError(errno.EMFILE, "Too many open files", str(gen)))
            return real_key(gen)

        monkeypatch.setattr(eng, "commit_key", commit_key)
    elif where == "check":
        module, name = _per_file_check(engine)
        real = getattr(module, name)

        def per_file(path):  # type: ignore[no-untyped-def]
            once(OSError(errno.EMFILE, "Too many open files", str(path)))
            return real(path)

        monkeypatch.setattr(module, name, per_file)
    else:
        real_open = eng.open

        def opening(gen, key, **kwargs):  # type: ignore[no-untyped-def]
            if where == "open":
                once(_out_of_handles(engine))
            pool = real_open(gen, key, **kwargs)
            real_take = pool.take

            def take():  # type: ignore[no-untyped-def]
                once(_out_of_handles(engine))
                return real_take()

            pool.take = take
            return pool

        monkeypatch.setattr(eng, "open", opening)
    store = IndexStore(tmp_path / "ix")
    with pytest.raises(IndexBusyError, match="out of file handles or memory"):
        ids(store, "vouchers")
    assert failed
    assert ids(store, "vouchers") == ["a"]
    assert store.damage() is None


def test_a_reading_error_of_running_out_of_file_handles_is_busy(tmp_path, engine):
    """A search that fails for want of file handles: busy for that request, no check of the
    files, the next search is served."""
    from index import IndexBusyError

    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    store = IndexStore(tmp_path / "ix")
    assert ids(store, "vouchers") == ["a"]
    with pytest.raises(IndexBusyError, match="try again"), store.reader():
        raise _out_of_handles(engine)
    assert ids(store, "vouchers") == ["a"]
    assert store.damage() is None


def test_a_rebuild_removing_the_generation_being_opened_is_not_damage(tmp_path, engine,
                                                                      monkeypatch):
    """A search reads which generation is live, then rebuilds swap others in and remove that
    one before its commit is read: it is gone, not damaged; the search opens the live one."""
    from index.engine import get_engine

    docs = [make_doc("a", "Export vouchers", "text")]
    build_index(tmp_path / "ix", docs)
    store = IndexStore(tmp_path / "ix")
    old = store.live_generation()
    eng = get_engine(engine)
    real_key = eng.commit_key
    swapped: list[bool] = []

    def rebuild_meanwhile(gen):  # type: ignore[no-untyped-def]
        if gen == old and not swapped:
            swapped.append(True)
            for n in range(2):  # the second swap removes ``old`` (one older one is kept)
                writer = IndexStore(tmp_path / "ix")
                with writer.lock(), writer.rebuild() as w:
                    for doc in [*docs, make_doc(f"new{n}", "Quokka grants", "quokkagrant")]:
                        w.put(doc)
        return real_key(gen)

    monkeypatch.setattr(eng, "commit_key", rebuild_meanwhile)
    assert ids(store, "quokkagrant") == ["new1"]
    assert swapped and not old.exists()
    assert store.damage() is None


def test_searches_waiting_for_a_commit_replaced_meanwhile_open_the_new_one(tmp_path, engine,
                                                                          monkeypatch):
    """Searches wait while one opens the live commit; an ingest replaces it meanwhile (its
    check finds files gone): the waiting ones read the live commit again when they wake, so
    the replaced commit is checked once, not once more by each of them."""
    import threading

    from index.engine import get_engine

    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    store = IndexStore(tmp_path / "ix")
    eng = get_engine(engine)
    first_key = eng.commit_key(store.live_generation())
    real_check = eng.check
    checking, release = threading.Event(), threading.Event()
    checked: list[object] = []

    def check(gen, key, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(key)
        if key == first_key:
            checking.set()
            release.wait(60)
            return "a file of the commit is missing"  # the ingest removed it
        return real_check(gen, key, **kwargs)

    waiting = threading.Semaphore(0)

    class Opening(dict):  # type: ignore[type-arg]
        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            found = super().get(key, default)
            if found is not None:
                waiting.release()  # a search is about to wait for the opening
            return found

    monkeypatch.setattr(eng, "check", check)
    store._opening = Opening()
    found: dict[int, object] = {}

    def run(n: int) -> None:
        try:
            found[n] = ids(store, "quokkagrant")
        except Exception as exc:  # noqa: BLE001 - asserted below
            found[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    threads[0].start()
    assert checking.wait(60)
    for t in threads[1:]:
        t.start()
    for _ in threads[1:]:
        assert waiting.acquire(timeout=60)
    with store.lock(), store.update() as w:
        w.put(make_doc("b", "Quokka grants", "The quokkagrant scheme."))
    release.set()
    for t in threads:
        t.join(60)
    assert found == {0: ["b"], 1: ["b"], 2: ["b"]}
    assert checked.count(first_key) == 1
    assert store.damage() is None


@pytest.mark.parametrize("make", ["site", "ingest"])
def test_the_test_fixtures_leave_no_index_file_open(tmp_path, make):
    """tests/conftest.py's site_root (tests/browser/appdata.build) and sample_site
    (tests.helpers.ingest_with_vectors) made the vectors through a store they never closed:
    its searcher's Whoosh segment file was closed by the garbage collector, a ResourceWarning
    under `python -X dev` or `-W error::ResourceWarning`."""
    import gc
    import warnings

    from tests.browser.appdata import build
    from tests.helpers import ingest_with_vectors

    gc.collect()  # what earlier tests left to the collector is theirs, not this test's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        if make == "site":
            build(tmp_path / "index", tmp_path / "corpus")
        else:
            corpus = tmp_path / "corpus"
            corpus.mkdir()
            (corpus / "note.md").write_text("# Export vouchers\n\nVouchers help firms export.\n",
                                            encoding="utf-8")
            ingest_with_vectors(corpus, tmp_path / "index")
        gc.collect()
    # only this test's files: a file another test left open may still be collected here
    leaks = [str(w.message) for w in caught
             if issubclass(w.category, ResourceWarning) and str(tmp_path) in str(w.message)]
    assert not leaks, leaks
