"""Index life cycle seen from the admin side: searches during a rebuild, new index picked up
by every worker without a restart, the ingest runner's progress file, ``kb ingest --watch``,
and the catalog writer."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from index import IndexStore, SearchRequest, search
from ingest import CatalogFile, load_catalog, run_ingest
from search_app.admin.catalog_edit import save_metadata
from search_app.admin.ingest_jobs import read_status, status_path
from search_app.admin.uploads import sanitize_filename, sanitize_folder
from search_app.app import create_app
from search_app.settings import Settings
from search_app.watch import relevant
from tests.helpers import wait_until, watching

REPO = Path(__file__).resolve().parents[1]


def test_searches_during_a_full_rebuild_all_succeed_with_results(sample_copy: Path):
    store = IndexStore(sample_copy / "index")
    queries = ["export", "matchmaking", "covid", "Förderung", "talent"]
    results: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def searcher() -> None:
        i = 0
        while not done.is_set():
            q = queries[i % len(queries)]
            try:
                results.append((q, search(store, SearchRequest(query=q)).total))
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            i += 1

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        report = run_ingest(sample_copy / "corpus", sample_copy / "index", rebuild=True, workers=2)
    finally:
        done.set()
        thread.join(30)
    assert report.mode == "rebuild" and len(report.added) == report.documents > 40
    assert errors == []
    assert len(results) > 20, f"only {len(results)} searches ran during the rebuild"
    assert all(total > 0 for _, total in results), [r for r in results if r[1] == 0][:5]


def test_every_worker_serves_the_new_index_without_a_restart(sample_copy: Path):
    """Two apps stand for two server workers (separate IndexStores, each with its own cached
    searchers); an ingest in a third process swaps the index; both see the new document."""
    settings = Settings(corpus=sample_copy / "corpus", index=sample_copy / "index")
    with TestClient(create_app(settings)) as w1, TestClient(create_app(settings)) as w2:
        for w in (w1, w2):  # warm: each worker holds a searcher on the old generation
            assert w.get("/api/search", params={"q": "export"}).json()["total"] > 0
            before = w.get("/api/search", params={"q": "quokkafarm"}).json()["hits"]
            # (semantic search may offer documents close in meaning, never the new one)
            assert all(h["source_path"] != "news/quokka.md" for h in before)
        (sample_copy / "corpus" / "news" / "quokka.md").write_text(
            "# Quokka farm exports\n\nThe quokkafarm cooperative exports to Spain.\n")
        proc = subprocess.run(
            [sys.executable, "-m", "search_app.cli", "ingest", str(sample_copy / "corpus"),
             "--index", str(sample_copy / "index"), "--rebuild", "--json", "--workers", "2"],
            capture_output=True, text=True, timeout=300, cwd=REPO,
        )
        assert proc.returncode == 0, proc.stderr
        for w in (w1, w2):
            hits = w.get("/api/search", params={"q": "quokkafarm"}).json()
            assert hits["hits"][0]["source_path"] == "news/quokka.md", hits
            # the only document with the word; others are there by meaning only
            assert all(h["match"] == "semantic" for h in hits["hits"][1:]), hits


def test_the_runner_writes_progress_and_the_report_atomically(sample_copy: Path):
    (sample_copy / "corpus" / "news" / "runner-test.md").write_text(
        "# Runner\n\nA gnomonic test.\n")
    (sample_copy / "corpus" / "news" / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf")
    seen: list[dict] = []
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_app.admin.runner", "--corpus", str(sample_copy / "corpus"),
         "--index", str(sample_copy / "index"), "--workers", "2"], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    while proc.poll() is None:
        status = read_status(sample_copy / "index")  # never a half-written file
        if status:
            seen.append(status)
        time.sleep(0.02)
    assert proc.returncode == 0, proc.stdout.read() if proc.stdout else ""
    final = json.loads(status_path(sample_copy / "index").read_text())
    assert final["state"] == "finished"
    report = final["report"]
    assert report["added"] == ["news/runner-test.md"]
    assert [f["path"] for f in report["failed"]] == ["news/broken.pdf"]
    assert report["failed"][0]["reason"]
    assert final["done"] == final["total"] == 2
    # then the vectors: only the new document is embedded
    assert final["semantic"]["state"] == "done" and final["semantic"]["embedded"] == 1
    assert any(s["state"] == "running" for s in seen) or len(seen) <= 2
    # The report is in the history too.
    assert IndexStore(sample_copy / "index").reports(limit=1)[0]["added"] == ["news/runner-test.md"]


def test_the_runner_reports_a_locked_index(sample_copy: Path):
    store = IndexStore(sample_copy / "index")
    with store.lock():
        proc = subprocess.run(
            [sys.executable, "-m", "search_app.admin.runner",
             "--corpus", str(sample_copy / "corpus"), "--index", str(sample_copy / "index")],
            cwd=REPO, capture_output=True, timeout=120)
    assert proc.returncode == 1
    status = read_status(sample_copy / "index")
    assert status["state"] == "failed" and "another ingest is running" in status["error"]


# -- kb ingest --watch -----------------------------------------------------------------------
def test_watch_ingests_changes_as_they_come(sample_copy: Path):
    corpus, index_dir = sample_copy / "corpus", sample_copy / "index"
    with watching(corpus, index_dir, debounce_ms=300) as runs:
        for i in range(3):  # a burst of copies: one run (debounced), or very few
            (corpus / "news" / f"watched-{i}.md").write_text(
                f"# Watched {i}\n\nThe platypusgrant programme, part {i}.\n")
        (corpus / "news" / ".hidden.tmp").write_text("ignored")
        store = IndexStore(index_dir)

        def with_the_word() -> int:
            # the three documents with the word (others may come by meaning)
            return search(store, SearchRequest(query="platypusgrant")).keyword_total

        wait_until(lambda: with_the_word() == 3)
        assert with_the_word() == 3
        assert 1 <= len(runs) <= 2, runs


def test_watch_ignores_what_ingest_ignores(tmp_path: Path):
    corpus = tmp_path / "corpus"
    index_dir = corpus / "var" / "index"
    assert relevant(corpus, index_dir, str(corpus / "news" / "a.pdf"))
    assert relevant(corpus, index_dir, str(corpus / "catalog.yaml"))
    assert relevant(corpus, index_dir, str(corpus / "a.pdf.meta.yaml"))
    assert not relevant(corpus, index_dir, str(corpus / "_build" / "x.py"))
    assert not relevant(corpus, index_dir, str(corpus / ".catalog.lock"))
    assert not relevant(corpus, index_dir, str(corpus / "news" / ".a.pdf.upload.tmp"))
    assert not relevant(corpus, index_dir, str(index_dir / "gen-1" / "x.seg"))


def test_kb_ingest_help_documents_watch():
    from click.testing import CliRunner

    from search_app.cli import main

    result = CliRunner().invoke(main, ["ingest", "--help"])
    assert result.exit_code == 0 and "--watch" in result.output, result.output


# -- the catalog writer ----------------------------------------------------------------------
def test_catalog_writes_keep_other_entries_sorted_and_the_header(tmp_path: Path):
    (tmp_path / "catalog.yaml").write_text(
        "# header comment\n# second line\n"
        "- path: b.md\n  title: B\n  author: Someone\n"
        "- path: a.md\n  title: A\n  themes: [x, y]\n", encoding="utf-8")
    cat = CatalogFile(tmp_path)
    cat.put("c/new.pdf", {"title": "Ñew", "themes": ["t"], "hidden": False, "summary": ""})
    text = (tmp_path / "catalog.yaml").read_text(encoding="utf-8")
    assert text.startswith("# header comment\n# second line\n")
    data = yaml.safe_load(text)
    assert [e["path"] for e in data] == ["a.md", "b.md", "c/new.pdf"]
    assert data[1] == {"path": "b.md", "title": "B", "author": "Someone"}
    assert data[2] == {"path": "c/new.pdf", "title": "Ñew", "themes": ["t"]}
    cat.put("a.md", {"title": "A", "themes": ["x", "y"], "hidden": True})
    assert load_catalog(tmp_path)["a.md"] == {"title": "A", "themes": ["x", "y"], "hidden": True}
    assert cat.remove("b.md") and not cat.remove("b.md")
    assert list(load_catalog(tmp_path)) == ["a.md", "c/new.pdf"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_catalog_in_mapping_form_and_sidecars(tmp_path: Path):
    (tmp_path / "catalog.yaml").write_text("documents:\n- path: a.md\n  title: A\n")
    CatalogFile(tmp_path).put("b.md", {"title": "B"})
    data = yaml.safe_load((tmp_path / "catalog.yaml").read_text())
    assert [e["path"] for e in data["documents"]] == ["a.md", "b.md"]
    (tmp_path / "c.md").write_text("# C\n")
    (tmp_path / "c.md.meta.yaml").write_text("title: old\n")
    assert save_metadata(tmp_path, "c.md", {"title": "new"}) == "sidecar"
    assert yaml.safe_load((tmp_path / "c.md.meta.yaml").read_text()) == {"title": "new"}


def test_concurrent_catalog_writes_lose_nothing(tmp_path: Path):
    (tmp_path / "catalog.yaml").write_text("[]\n")
    threads = [threading.Thread(target=CatalogFile(tmp_path).put,
                                args=(f"doc-{i:02d}.md", {"title": f"T{i}"})) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(load_catalog(tmp_path)) == 20


@pytest.mark.parametrize("name,media,expected", [
    ("../../etc/passwd.pdf", "application/pdf", "passwd.pdf"),
    ("C:\\Users\\x\\Plan für Fryslân.PDF", "application/pdf", "Plan-fur-Fryslan.pdf"),
    (".htaccess", "text/plain", "htaccess.txt"),
    ("_private.md", "text/markdown", "private.md"),
    ("report.exe", "application/pdf", "report.pdf"),
    ("notes.markdown", "text/markdown", "notes.markdown"),
    ("", "application/pdf", "document.pdf"),
    ("a" * 300 + ".pdf", "application/pdf", "a" * 100 + ".pdf"),
])
def test_file_names_are_sanitised(name, media, expected):
    assert sanitize_filename(name, media) == expected


def test_folders_are_sanitised():
    assert sanitize_folder("../../etc") == "etc"
    assert sanitize_folder("_build/.git") == "build/git"
    assert sanitize_folder("") == "uploads"
    assert sanitize_folder("reports/2021") == "reports/2021"


def test_atomic_writes_from_many_threads_never_clash_or_leave_temporary_files(tmp_path: Path):
    from index import write_atomic

    target = tmp_path / "state.json"
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for n in range(30):
                write_atomic(target, f'{{"writer": {i}, "n": {n}}}' + " " * 2000)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert json.loads(target.read_text())["n"] == 29
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
