"""Ingest end to end on files: formats, metadata rules, incremental runs, bad files, kills."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
import yaml

from index import IndexStore, SearchRequest, get_document, search
from ingest import (
    doc_id_for,
    entry_problems,
    load_catalog,
    load_taxonomy,
    normalise_date,
    run_ingest,
)
from ingest.reading import SURROGATES_REPAIRED
from ingest.workers import run_jobs
from tests import helpers

TAXONOMY = {
    "countries": [
        {"code": "ES", "name": "Spain", "names": ["Spain", "España", "Spanien"]},
        {"code": "HU", "name": "Hungary", "names": ["Hungary", "Magyarország"]},
    ],
    "regions": [
        {"code": "ES21", "country": "ES", "name": "Basque Country", "native": "País Vasco",
         "variants": ["Euskadi", "Pais Vasco"]},
        {"code": "HU22", "country": "HU", "name": "West Transdanubia",
         "native": "Nyugat-Dunántúl", "variants": ["Nyugat-Dunantul"]},
    ],
    "themes": [
        {"id": "talent_attraction", "label": "Talent attraction",
         "keywords": {"en": ["talent", "skilled workers"], "es": ["talento"]}},
        {"id": "export_promotion", "label": "Export promotion",
         "keywords": {"en": ["export", "trade mission"], "hu": ["export"]}},
    ],
    "doc_types": [{"id": "press_release", "label": "Press release",
                   "keywords": ["press release", "nota de prensa"]}],
    "partners": [{"name": "Fomento San Sebastián", "short": "FSS", "country": "ES",
                  "region": "ES21"}],
}

TALENT_MD = """---
title: Talent House opens its doors
date: 2018-10-04
---
# Talent House opens its doors

Fomento San Sebastián opened the Talent House to welcome skilled workers and their families
to Euskadi. The talent programme helps international researchers settle in the Basque Country.
"""


def write_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "taxonomy.yaml").write_text(yaml.safe_dump(TAXONOMY, allow_unicode=True))
    (root / "news").mkdir(exist_ok=True)
    (root / "news" / "talent-house.md").write_text(TALENT_MD)
    (root / "news" / "export.txt").write_text(
        "Export missions from West Transdanubia\n\nThe export trade mission took twelve firms "
        "from Nyugat-Dunántúl to Bavaria. Export advisers prepared every meeting.\n"
    )
    (root / "_build").mkdir(exist_ok=True)
    (root / "_build" / "source.md").write_text("# not a document\n")
    return root


def ingest(corpus: Path, index: Path, **kw):
    kw.setdefault("workers", 2)
    return run_ingest(corpus, index, **kw)


def test_incremental_runs_do_only_what_changed(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    first = ingest(corpus, index)
    assert sorted(first.added) == ["news/export.txt", "news/talent-house.md"]
    assert first.mode == "rebuild" and first.failed == []

    again = ingest(corpus, index)
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 2)

    (corpus / "news" / "export.txt").write_text("Export vouchers for small firms in Hungary.\n")
    (corpus / "news" / "talent-house.md").unlink()
    (corpus / "news" / "new.md").write_text("# Trade fairs\n\nVirtual trade fairs in 2021.\n")
    changed = ingest(corpus, index)
    assert changed.updated == ["news/export.txt"]
    assert changed.removed == ["news/talent-house.md"]
    assert changed.added == ["news/new.md"]
    store = IndexStore(index)
    assert [h.id for h in search(store, SearchRequest(query="vouchers")).hits] == [
        doc_id_for("news/export.txt")]
    assert search(store, SearchRequest(query="Talent House")).total == 0
    assert len(store.reports()) == 3  # a JSON report per run


def test_a_new_version_of_the_reading_code_rereads_every_file(tmp_path, monkeypatch):
    """What a file becomes is part of its fingerprint (ingest.reading.READING_VERSION): an
    index read by older code takes a repair of the text at the next incremental ingest."""
    from ingest import pipeline

    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    ingest(corpus, index)
    assert ingest(corpus, index).unchanged == 2
    monkeypatch.setattr(pipeline, "READING", pipeline.READING + "-next")
    again = ingest(corpus, index)
    assert again.mode == "incremental"
    assert sorted(again.updated) == ["news/export.txt", "news/talent-house.md"]
    assert ingest(corpus, index).unchanged == 2


def test_catalog_beats_file_metadata_beats_inference(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([
        {"path": "news/talent-house.md", "title": "Talent House (catalog title)",
         "type": "press_release", "themes": ["talent_attraction"]},
    ]))
    ingest(corpus, tmp_path / "index")
    view = get_document(IndexStore(tmp_path / "index"), doc_id_for("news/talent-house.md"))
    doc = view.document
    assert doc.title == "Talent House (catalog title)" and doc.sources["title"] == "catalog"
    assert doc.date == "2018-10-04" and doc.sources["date"] == "file"
    assert doc.region_code == "ES21" and doc.sources["region_code"] == "inferred"
    assert doc.country_code == "ES" and doc.country_name == "Spain"
    assert doc.partner == "Fomento San Sebastián" and doc.sources["partner"] == "inferred"
    assert doc.language == "en" and doc.sources["language"] == "inferred"
    assert doc.themes == ["talent_attraction"] and doc.sources["themes"] == "catalog"

    other = get_document(IndexStore(tmp_path / "index"), doc_id_for("news/export.txt")).document
    assert other.region_code == "HU22" and other.country_code == "HU"
    assert "export_promotion" in other.themes and other.sources["themes"] == "inferred"


def test_a_date_keeps_the_precision_it_is_known_with(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "kick-off.md").write_text(
        "---\ntitle: Kick-off\ndate: \"2016-05\"\n---\n# Kick-off\n\nThe partners met.\n")
    (corpus / "news" / "workshop.md").write_text(
        "---\ntitle: Workshop\ndate: 2022-05-01\n---\n# Workshop\n\nA joint workshop.\n")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([
        # the catalog knows less than the file's placeholder day, and wins
        {"path": "news/workshop.md", "date": "2022"},
        {"path": "news/talent-house.md", "date": "2018-10"},
    ]))
    ingest(corpus, tmp_path / "index")
    store = IndexStore(tmp_path / "index")

    def doc(path: str):  # type: ignore[no-untyped-def]
        return get_document(store, doc_id_for(path)).document

    dates = {path: (doc(path).date, doc(path).year, doc(path).sources.get("date"))
             for path in ("news/kick-off.md", "news/workshop.md", "news/talent-house.md",
                          "news/export.txt")}
    assert dates == {"news/kick-off.md": ("2016-05", 2016, "file"),
                     "news/workshop.md": ("2022", 2022, "catalog"),
                     "news/talent-house.md": ("2018-10", 2018, "catalog"),
                     "news/export.txt": (None, None, None)}


def test_normalise_date_keeps_what_is_known_and_refuses_impossible_dates():
    assert normalise_date("2019-06-28T10:00") == "2019-06-28"
    assert (normalise_date("2019-06"), normalise_date(2019)) == ("2019-06", "2019")
    for bad in ("2019-13", "2019-02-30", "2019-00", "last spring", "", None, "1066",
                "\u0662\u0660\u0661\u0669"):  # Arabic-Indic digits: not a date here
        assert normalise_date(bad) is None, bad


def test_a_catalog_date_that_is_not_one_is_reported_and_the_files_date_is_used(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "workshop.md").write_text(
        "---\ntitle: Workshop\ndate: 2022-05\n---\n# Workshop\n\nA joint workshop.\n")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([
        {"path": "news/workshop.md", "date": "2022-02-30"},
        {"path": "news/talent-house.md", "date": "2018-13"},
    ]))
    tax = load_taxonomy(corpus)
    for path, entry in load_catalog(corpus).items():
        problems = entry_problems(entry, tax)
        assert problems == {"date": "not a date (YYYY, YYYY-MM or YYYY-MM-DD)"}, path
    ingest(corpus, tmp_path / "index")
    store = IndexStore(tmp_path / "index")
    workshop = get_document(store, doc_id_for("news/workshop.md")).document
    assert (workshop.date, workshop.sources["date"]) == ("2022-05", "file")
    assert any("catalog date '2022-02-30' is not a date" in w for w in workshop.warnings)
    talent = get_document(store, doc_id_for("news/talent-house.md")).document
    assert (talent.date, talent.sources["date"]) == ("2018-10-04", "file")
    assert any("'2018-13'" in w for w in talent.warnings)


def test_front_matter_and_catalog_values_that_are_not_ones_are_reported_not_fatal(tmp_path):
    # A typo in a front matter's date failed the whole file ("unexpected error: ValueError:
    # month must be in 1..12"); a catalog language that is not a code made the language
    # None without a word, though the file's front matter said "Lang: hu".
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "baddate.md").write_text(
        "---\ntitle: Bad date\ndate: 2021-13-45\n---\nA joint workshop on exports.\n")
    (corpus / "news" / "keys.md").write_text(
        "---\nTitle: Keys\nLang: hu\n---\nOK.\n")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([
        {"path": "news/keys.md", "language": "magyar"}]))
    report = ingest(corpus, tmp_path / "index")
    assert report.failed == [], report.failed
    store = IndexStore(tmp_path / "index")
    bad = get_document(store, doc_id_for("news/baddate.md")).document
    assert (bad.title, bad.date) == ("Bad date", "2021")
    assert "front matter date '2021-13-45' is not a possible date: only 2021 is used" in (
        bad.warnings)
    keys = get_document(store, doc_id_for("news/keys.md")).document
    assert (keys.language, keys.sources["language"]) == ("hu", "file")
    assert ("catalog language 'magyar' is not a language code (en, de, hu, ...): not used"
            in keys.warnings), keys.warnings


def test_three_letter_language_codes_are_the_seven_languages_or_reported(tmp_path):
    # "hun" in a front matter or the catalog was indexed as a language of its own ("hun":
    # no Hungarian stemming, a facet value of its own); an unknown code was taken silently.
    corpus = write_corpus(tmp_path / "corpus")
    for name, lang in (("hun", "hun"), ("rum", "rum"), ("ger", "GER"), ("fra", "fra")):
        (corpus / "news" / f"{name}.md").write_text(
            f"---\ntitle: {name}\nlanguage: {lang}\n---\nA joint workshop on exports for the "
            "small firms of the partner regions, held online in the spring.\n")
    (corpus / "news" / "nld.md").write_text("---\ntitle: nld\n---\nA workshop on exports.\n")
    (corpus / "news" / "xyz.md").write_text(
        "---\ntitle: xyz\nlang: de\n---\nEin gemeinsamer Workshop über Exporte.\n")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([
        {"path": "news/nld.md", "language": "dut"}, {"path": "news/xyz.md", "language": "xyz"}]))
    report = ingest(corpus, tmp_path / "index")
    assert report.failed == [], report.failed
    store = IndexStore(tmp_path / "index")

    def language(name: str) -> tuple[str | None, str | None]:
        doc = get_document(store, doc_id_for(f"news/{name}.md")).document
        return doc.language, doc.sources.get("language")

    assert language("hun") == ("hu", "file") and language("rum") == ("ro", "file")
    assert language("ger") == ("de", "file") and language("nld") == ("nl", "catalog")
    assert language("xyz") == ("de", "file")  # the catalog's unknown code: the file's
    assert language("fra") == ("en", "inferred")  # the file's unknown code: detected
    warned = {w["path"]: w["warning"] for w in report.warnings if "language" in w["warning"]}
    assert warned == {
        "news/fra.md": "front matter language 'fra' is a three-letter code of none of the "
                       "seven languages (eng, deu, nld, hun, ron, por, spa; or write a "
                       "two-letter code: en, fr, ...): not used",
        "news/xyz.md": "catalog language 'xyz' is a three-letter code of none of the seven "
                       "languages (eng, deu, nld, hun, ron, por, spa; or write a two-letter "
                       "code: en, fr, ...): not used"}, report.warnings


def test_sidecar_and_csv_catalog_and_a_catalog_change_rereads_the_file(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    with open(corpus / "catalog.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "title", "themes", "country"])
        writer.writerow(["news/export.txt", "Export missions", "export_promotion", "Hungary"])
    (corpus / "news" / "talent-house.md.meta.yaml").write_text("hidden: true\n")
    index = tmp_path / "index"
    ingest(corpus, index)
    store = IndexStore(index)
    doc = get_document(store, doc_id_for("news/export.txt")).document
    assert doc.title == "Export missions" and doc.country_code == "HU"
    assert search(store, SearchRequest(query="talent")).total == 0  # hidden
    (corpus / "news" / "talent-house.md.meta.yaml").write_text("hidden: false\n")
    report = ingest(corpus, index)
    assert report.updated == ["news/talent-house.md"]
    assert search(store, SearchRequest(query="talent")).total == 1


def test_a_bad_sidecar_fails_its_file_only_and_a_long_name_has_none(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "talent-house.md.meta.yaml").write_text("colour: blue\n")
    long_name = "export-" + "x" * 240 + ".txt"  # no room left for "<name>.meta.yaml"
    (corpus / "news" / long_name).write_text("Export vouchers for small firms.\n")
    report = ingest(corpus, tmp_path / "index")
    assert report.failed == [{
        "path": "news/talent-house.md",
        "reason": "talent-house.md.meta.yaml: unknown key 'colour'",
        "retried": True,
    }]
    assert set(report.added) == {"news/export.txt", f"news/{long_name}"}


def test_text_outside_the_bmp_or_with_lone_surrogates_is_stored(tmp_path):
    """A PDF whose cover title has U+1D400 (pdfium gives it as two UTF-16 code units) and a
    sidecar whose title has a lone surrogate ("\\ud835" in YAML): both are indexed, the lone
    one as U+FFFD with a warning, and the rest of the ingest goes on (the index writer raised
    UnicodeEncodeError on them and the whole run stopped without an index)."""
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "news" / "astral.pdf").write_bytes(helpers.make_astral_pdf())
    (corpus / "news" / "export.txt.meta.yaml").write_text('title: "Export \\ud835 missions"\n')
    report = ingest(corpus, tmp_path / "index")
    assert report.failed == []
    assert sorted(report.added) == ["news/astral.pdf", "news/export.txt", "news/talent-house.md"]
    assert report.warnings == [{"path": "news/export.txt", "warning": SURROGATES_REPAIRED}]
    store = IndexStore(tmp_path / "index")
    for path, title in (("news/astral.pdf", "A Annual Export Report"),
                        ("news/export.txt", "Export \ufffd missions")):
        assert get_document(store, doc_id_for(path)).document.title == title
    assert search(store, SearchRequest(query="annual")).hits[0].id == doc_id_for("news/astral.pdf")


def test_formats_and_bad_files_each_end_as_one_line(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    d = docx.Document()
    d.core_properties.title = "Staff exchange in Karlsruhe"
    d.add_heading("Staff exchange", level=1)
    d.add_paragraph("Colleagues from San Sebastián visited Karlsruhe for three days.")
    d.save(corpus / "news" / "exchange.docx")
    (corpus / "news" / "page.html").write_text(
        "<html lang='en'><head><title>Export news</title></head><body><nav>Home | About</nav>"
        "<main><h1>Export news</h1><p>Regional export figures rose again this year, "
        "driven by machinery and food producers.</p></main><footer>Contact</footer></body></html>"
    )
    (corpus / "news" / "empty.pdf").write_bytes(b"")
    (corpus / "news" / "truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    (corpus / "news" / "program.pdf").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 200)
    (corpus / "news" / "latin1.txt").write_bytes("Übersicht über die Förderung\n".encode("cp1252"))
    (corpus / "news" / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (corpus / "news" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    report = ingest(corpus, tmp_path / "index")
    failed = {f["path"]: f["reason"] for f in report.failed}
    skipped = {f["path"]: f["reason"] for f in report.skipped}
    assert failed["news/empty.pdf"] == "empty file"
    assert failed["news/truncated.pdf"].startswith("broken PDF")
    assert "news/program.pdf" in skipped or "news/program.pdf" in failed
    # A PNG is read by OCR (skipped as unsupported with OCR off); this one is not an image.
    assert "news/picture.png" in skipped or failed["news/picture.png"].startswith("broken image")
    assert "news/broken.docx" in failed or "news/broken.docx" in skipped
    assert {"news/exchange.docx", "news/page.html", "news/latin1.txt"} <= set(report.added)
    store = IndexStore(tmp_path / "index")
    assert search(store, SearchRequest(query="Karlsruhe")).hits[0].title == (
        "Staff exchange in Karlsruhe")
    assert search(store, SearchRequest(query="Förderung")).total == 1
    # nav left out (exact: not replaced by a correction of the words)
    assert search(store, SearchRequest(query="Home About Contact", exact=True)).total == 0

    again = ingest(corpus, tmp_path / "index")  # failed files are not retried until changed
    assert all(not f["retried"] for f in again.failed)
    assert {f["path"] for f in again.failed} == set(failed)


def test_worker_pool_limits_time_memory_crashes_and_errors():
    jobs = [1, ("sleep", 30), 2, ("alloc", 600), ("crash", 0), ("raise", 0), 3]

    def run(job):
        return job

    funcs = {"sleep": helpers.job_sleep, "alloc": helpers.job_allocate,
             "crash": helpers.job_crash, "raise": helpers.job_raise}
    results = {}
    # Only the sleeping job is meant to meet the time limit: the others get a generous one,
    # so that on a loaded machine the 600 MB allocation meets the memory limit first.
    limits = {"sleep": 2, "alloc": 60, "crash": 60, "raise": 60}
    for kind in ("sleep", "alloc", "crash", "raise"):
        job = next(j for j in jobs if isinstance(j, tuple) and j[0] == kind)
        out = list(run_jobs(funcs[kind], [job[1]], workers=1, time_limit=limits[kind],
                            memory_mb=300))
        results[kind] = out[0]
    assert results["sleep"].reason == "time limit exceeded (2 s)"
    assert "memory limit" in results["alloc"].reason
    assert "worker" in results["crash"].reason
    assert results["raise"].reason == "unexpected error: ValueError: bad input"
    ok = list(run_jobs(helpers.job_echo, [1, 2, 3], workers=2))
    assert sorted(r.value for r in ok) == [2, 4, 6]


def test_every_real_pdf_ends_indexed_or_failed_with_the_right_reason(testdata, tmp_path):
    corpus = testdata / "pdfs"
    report = ingest(corpus, tmp_path / "index", time_limit=30, memory_mb=2048)
    failed = {f["path"]: f["reason"] for f in report.failed}
    indexed = set(report.added)
    pdfs = sorted(p.name for p in corpus.glob("*.pdf"))
    for name in pdfs:
        assert (name in indexed) != (name in failed), name
    for name in ("pypdf__encrypted-file.pdf", "pypdf__r4-aes-user-password.pdf"):
        assert failed[name] == "password required"
    # The one image-only PDF (a scanned certificate, Russian and English) is read by OCR
    # (tests/test_ocr.py fails in CI without Tesseract; here its absence gives the old reason).
    if report.ocr_off is None:
        assert "pdfjs__issue7229.pdf" in indexed and report.ocr_pages >= 1  # 2 unless slow
    else:
        assert failed["pdfjs__issue7229.pdf"] == "no text layer, needs OCR"
    for name in ("pdfjs__bug1020226.pdf", "pdfjs__REDHAT-1531897-0.pdf"):
        assert failed[name].startswith("broken PDF")
    assert "pypdf__r4-owner-password.pdf" in indexed  # owner password only: opens
    bomb = "pdfjs__bomb_giant.pdf"
    assert bomb in indexed or "limit exceeded" in failed[bomb] or "worker" in failed[bomb]
    assert {"pdfjs__tracemonkey.pdf", "sf__GeoTopo-komprimiert.pdf",
            "interreg__Sarcina_nedorita_1.pdf", "pypdf__crazyones.pdf"} <= indexed

    store = IndexStore(tmp_path / "index")
    # pdf.js find expectations at page level: "Dynamic" on the pages pdf.js lists.
    result = search(store, SearchRequest(query="Dynamic", filters={}, passages=10))
    tm = next(h for h in result.hits if h.source_path == "pdfjs__tracemonkey.pdf")
    pages = {p.page for p in get_document(store, tm.id, "Dynamic").passages if p.matched}
    expected = _find_expectations(testdata, "pdfjs__tracemonkey.pdf", "Dynamic")
    assert expected and expected <= pages
    # Text normalisation reaches the index: fullwidth Latin and ligatures are searchable.
    assert search(store, SearchRequest(query="Optimization")).total >= 1
    scan = search(store, SearchRequest(query='"periodic technical inspection"')).hits
    assert [h.source_path for h in scan] == (["pdfjs__issue7229.pdf"] if report.ocr_pages else [])


def _find_expectations(testdata: Path, file: str, query: str) -> set[int]:
    """Pages (1-based) on which pdf.js's find tests expect ``query`` (default options)."""
    pages: set[int] = set()
    with open(testdata / "pdfs" / "EXPECTED_FIND_MATCHES.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if (row["pdf_file_in_this_folder"] == file and row["query_json"] == query
                    and row["options_json"] == "{}"):
                counts = json.loads(row["matches_per_page"])
                pages |= {i + 1 for i, c in enumerate(counts) if c > 0}
    return pages


KILL_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from ingest import run_ingest
run_ingest({corpus!r}, {index!r}, rebuild={rebuild}, workers=2)
"""


def _make_many(corpus: Path, n: int, version: str) -> None:
    for i in range(n):
        (corpus / "many" / f"doc{i:04d}.md").write_text(
            f"# Document {i} {version}\n\nExport support note number {i}, {version}. "
            + "Words about trade fairs, vouchers and coaching. " * 20
        )


@pytest.mark.parametrize("rebuild", [False, True])
def test_kill_minus_nine_at_any_moment_leaves_a_complete_index(tmp_path, rebuild):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "many").mkdir()
    _make_many(corpus, 400, "alpha")
    index = tmp_path / "index"
    ingest(corpus, index)
    store = IndexStore(index)
    assert search(store, SearchRequest(query="alpha")).total == 400

    _make_many(corpus, 400, "beta")
    root = str(Path(__file__).resolve().parents[1])
    script = KILL_SCRIPT.format(root=root, corpus=str(corpus), index=str(index),
                                rebuild=rebuild)
    for delay in (0.3, 0.8, 1.5):
        proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        # The previous index (or a committed part of the new one) is readable and complete:
        # every document is there, each in one version, with its passages.
        alpha = search(store, SearchRequest(query="alpha", page_size=1)).total
        beta = search(store, SearchRequest(query="beta", page_size=1)).total
        assert alpha + beta == 400, (delay, alpha, beta)
        if rebuild:
            assert beta in (0, 400), (delay, alpha, beta)  # swapped in whole or not at all
    report = ingest(corpus, index, rebuild=rebuild)
    assert report.failed == []
    assert search(store, SearchRequest(query="beta")).total == 400
    assert search(store, SearchRequest(query="alpha")).total == 0
    assert len(list(index.glob("gen-*"))) <= 2
