"""OCR of pages without a text layer (ingest.ocr), on renders of known text and real scans.

Pages are rendered at 300 dpi with a common font (bench/scans.py); recall is the share of the
expected words found. Kept to a few pages: the figures for whole pages, noisy scans and speed
are in bench/bench_ocr.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bench import scans
from index import IndexStore, SearchRequest, get_document, search
from ingest.ocr import (
    LANGUAGES,
    LOW_CONFIDENCE,
    OcrReader,
    OcrSettings,
    OcrUnavailable,
    looks_like_garbage,
    ocr_status,
    render_pdf_page,
    tesseract_languages,
)
from ingest.parsers import ParseError, parse_file
from ingest.pipeline import run_ingest
from ingest.workers import run_jobs
from search_app.app import create_app
from tests.browser.appdata import settings_for

SCAN = "pdfjs__issue7229.pdf"


@pytest.fixture(scope="session")
def tesseract() -> None:
    """Tesseract with the partner languages (run.sh installs them); CI fails without."""
    why = ocr_status()
    missing = set(LANGUAGES.values()) - tesseract_languages()
    if why or missing or scans.font_path() is None:
        message = f"OCR not available: {why or ''} missing languages {sorted(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; required in CI (bash run.sh installs it)")
        pytest.skip(message)


def _read(image, language: str | None, cache: Path | None = None):
    reader = OcrReader(OcrSettings(cache_dir=str(cache) if cache else None, language=language),
                       sha256="0" * 64)
    return reader.read([1], lambda number: image)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_clean_render_of_each_partner_language_is_read(tesseract, testdata, lang) -> None:
    # A third of a page (about 150 words) per language keeps the suite quick; the benchmark
    # reads whole pages.
    image, expected = scans.text_page(scans.udhr_text(testdata, lang), 300, max_words=150)
    pages, summary = _read(image, lang)
    assert summary.language == LANGUAGES[lang] and summary.language_source == "catalog"
    recall = scans.word_recall(expected, pages[1].text)
    assert recall >= 0.97, (lang, recall, pages[1].text[:300])
    assert pages[1].confidence > 80


@pytest.mark.realdata
def test_language_is_detected_without_a_catalog_language(tesseract, testdata, tmp_path) -> None:
    image, expected = scans.text_page(scans.udhr_text(testdata, "hu"), 300, max_words=150)
    pages, summary = _read(image, None, cache=tmp_path)
    assert (summary.language, summary.language_source) == ("hun", "detected")
    assert scans.word_recall(expected, pages[1].text) >= 0.97
    assert "születik" in pages[1].text  # read with the Hungarian model, accents and all
    # The detected language is cached with the pages: read again, nothing is read by OCR.
    again, summary = _read(image, None, cache=tmp_path)
    assert summary.cached == 1 and summary.language == "hun"
    assert again[1].text == pages[1].text


@pytest.mark.realdata
def test_crazyones_as_an_image_only_pdf(tesseract, testdata, tmp_path) -> None:
    source, expected = scans.crazyones(testdata)
    with pdfium.PdfDocument(source) as doc:
        image = render_pdf_page(doc, 1)
    scan = scans.image_pdf([image], tmp_path / "crazyones-scan.pdf")
    with pytest.raises(ParseError, match="^no text layer, needs OCR$"):
        parse_file(scan)  # without OCR settings: as before
    parsed = parse_file(scan, ocr=OcrSettings(language="en"))
    [passage] = parsed.passages
    assert passage.page == 1 and passage.source == "ocr" and passage.confidence > 80
    assert scans.word_recall(expected, passage.text) >= 0.97, passage.text
    assert parsed.ocr is not None and parsed.ocr.pages == [1]


@pytest.mark.realdata
def test_real_scan_is_read_and_low_confidence_is_reported(tesseract, testdata, tmp_path):
    parsed = parse_file(testdata / "pdfs" / SCAN,
                        ocr=OcrSettings(cache_dir=str(tmp_path / "cache")))
    text = " ".join(p.text for p in parsed.passages)
    assert "Certificate of periodic technical inspection" in text
    assert [p.source for p in parsed.passages] == ["ocr", "ocr"]
    # Russian and English, no catalog language: not a partner language, so read as English.
    assert parsed.ocr.language == "eng" and parsed.ocr.language_source in ("detected", "default")
    assert parsed.ocr.confidence < 70  # the Russian half is read badly, and it shows
    low = [p.page for p in parsed.passages if p.confidence < LOW_CONFIDENCE]
    assert parsed.ocr.low_confidence == low
    assert any("very low confidence" in w for w in parsed.warnings) == bool(low)


@pytest.mark.parametrize(("confidence", "title"), [
    (49.0, "Pdfjs issue7229"),
    (LOW_CONFIDENCE + 20.0, "[\\uarHocTH4eckas Kapra Certificate of periodic technical inspection"),
])
def test_a_title_is_not_taken_from_text_read_by_ocr_with_low_confidence(confidence, title):
    # The scan of pdfjs__issue7229.pdf (49%) was titled by its garbled first line, in the
    # results, on its page and in the exports, though the ingest knew the line unreliable.
    from index import Passage
    from ingest import Taxonomy
    from ingest.metadata import build_document

    text = ("[\\uarHocTH4eckas Kapra Certificate of periodic technical inspection\n"
            "No 0012 of the lifting equipment")
    doc = build_document(
        doc_id="d", source_path="scans/pdfjs__issue7229.pdf", sha256="0", size=1, mtime=0.0,
        media_type="application/pdf", file_meta={}, entry={}, taxonomy=Taxonomy(),
        passages=[Passage(ordinal=0, text=text, page=1, source="ocr", confidence=confidence),
                  Passage(ordinal=1, text="Second page", page=2, source="ocr",
                          confidence=90.0)],
        warnings=["page 1: read by OCR with very low confidence (49%), the text may be wrong"])
    assert (doc.title, doc.sources["title"]) == (title, "inferred")
    said = [w for w in doc.warnings if w.startswith("title:")]
    assert said == ([] if confidence >= LOW_CONFIDENCE else [
        "title: the first page was read by OCR with very low confidence (49%), so the "
        "file's name is the title (give one in the catalog)"]), doc.warnings


def test_garbage_text_layers_are_recognised() -> None:
    assert looks_like_garbage("\ufffd" * 30 + " abc")
    assert looks_like_garbage("\ue000\ue001\ue002 " * 10)
    assert looks_like_garbage("#$%& ()*+ ,-./ :;<= >?@[ ]^_` {|}~ " * 3)
    assert not looks_like_garbage("Export vouchers for small firms, 2019-2021: 1.250 EUR each.")
    assert not looks_like_garbage("標準 マーケットモデルは 2 次元で説明できる" * 2)
    assert not looks_like_garbage("?!")  # too little to tell


def test_ocr_turned_off_or_missing_raises_unavailable() -> None:
    with pytest.raises(OcrUnavailable):
        OcrReader(OcrSettings(enabled=False), sha256="")


@pytest.mark.realdata
def test_time_budget_leaves_pages_for_the_next_ingest(tesseract, testdata, tmp_path) -> None:
    image, _ = scans.text_page(scans.udhr_text(testdata, "en"), 300, max_words=60)
    reader = OcrReader(OcrSettings(language="en", time_budget=0.5), sha256="")
    pages, summary = reader.read([1, 2, 3], lambda number: image)
    assert pages == {} and summary.unread == [1, 2, 3]


def _progress_job(path: str) -> int:
    parsed = parse_file(Path(path), ocr=OcrSettings(language="en"))
    return len(parsed.passages)


@pytest.mark.realdata
def test_worker_reports_ocr_pages_as_progress(tesseract, testdata, tmp_path) -> None:
    image, _ = scans.text_page(scans.udhr_text(testdata, "en"), 300, max_words=40)
    scan = scans.image_pdf([image, image], tmp_path / "two.pdf")
    messages: list[str] = []
    [result] = run_jobs(_progress_job, [str(scan)], workers=1,
                        on_progress=lambda job, message: messages.append(message))
    assert result.ok and result.value == 2
    assert messages == ["OCR page 1 of 2", "OCR page 2 of 2"]


@pytest.mark.realdata
def test_ingest_reads_scans_caches_them_and_kb_ocr_0_turns_it_off(
    tesseract, testdata, tmp_path, monkeypatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    image, expected = scans.text_page(scans.udhr_text(testdata, "de"), 300, max_words=80)
    scans.image_pdf([image], corpus / "erklaerung-scan.pdf")
    (corpus / "catalog.yaml").write_text(
        "- path: erklaerung-scan.pdf\n  title: Erklärung (Scan)\n  language: de\n",
        encoding="utf-8")
    index = tmp_path / "index"
    progress: list[str] = []
    report = run_ingest(corpus, index, workers=1, progress=lambda d, t, p: progress.append(p))
    assert report.added == ["erklaerung-scan.pdf"] and report.ocr_pages == 1, report.failed
    assert "erklaerung-scan.pdf (OCR page 1 of 1)" in progress
    store = IndexStore(index)
    hit = search(store, SearchRequest(query="geboren")).hits[0]
    view = get_document(store, hit.id)
    assert view.document.ocr["language"] == "deu"
    assert view.document.ocr["language_source"] == "catalog"
    assert view.passages[0].source == "ocr" and view.passages[0].confidence > 80
    assert list((index / "ocr-cache").rglob("*.json"))
    # The document page says so, with the confidence, on the document and on the passage.
    with TestClient(create_app(settings_for(index, corpus))) as client:
        page = BeautifulSoup(client.get(f"/documents/{hit.id}").text, "html.parser")
        api = client.get(f"/api/documents/{hit.id}").json()
    note = page.select_one(".ocr-note").get_text()
    assert note.startswith("Read by OCR: page 1, mean confidence ") and "(catalog)" in note
    assert "read by OCR" in page.select_one(".passage-where .source-ocr").get_text()
    assert api["ocr"] == note and api["passages"][0]["source"] == "ocr"

    # A rebuild reads the file again, but its page comes from the cache.
    report = run_ingest(corpus, index, workers=1, rebuild=True)
    assert report.ocr_pages == 1
    view = get_document(IndexStore(index), hit.id)
    assert view.document.ocr["cached"] == 1

    # KB_OCR=0: reported as before (and turning OCR off or on re-reads the files).
    monkeypatch.setenv("KB_OCR", "0")
    report = run_ingest(corpus, index, workers=1)
    assert report.failed == [{"path": "erklaerung-scan.pdf",
                              "reason": "no text layer, needs OCR", "retried": True}]
    assert report.ocr_off == "OCR turned off (KB_OCR=0)"


@pytest.mark.realdata
def test_admin_upload_preview_says_a_scan_will_be_read_by_ocr(testdata, tmp_path) -> None:
    from search_app.settings import Settings
    from tests.test_admin import SECRET, login

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text("# Note\n\nExport vouchers for small firms.\n")
    run_ingest(corpus, tmp_path / "index", workers=1)
    site = Settings(corpus=corpus, index=tmp_path / "index", admin_secret=SECRET,
                    ingest_workers=1)
    scan = (testdata / "pdfs" / SCAN).read_bytes()  # 2 pages, no text layer
    with TestClient(create_app(site)) as admin:
        csrf = login(admin)
        r = admin.post("/admin/upload", data={"csrf_token": csrf, "folder": "uploads"},
                       files=[("files", ("certificate-scan.pdf", scan, "application/pdf"))],
                       follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        html = admin.get("/admin/review").text
    assert "the ingest will read all 2 pages by OCR" in html
    assert "will not be able to read" not in html


@pytest.mark.realdata
def test_standalone_images_are_documents_read_by_ocr(tesseract, testdata, tmp_path) -> None:
    from PIL import Image

    es, expected_es = scans.text_page(scans.udhr_text(testdata, "es"), 300, max_words=60)
    nl, expected_nl = scans.text_page(scans.udhr_text(testdata, "nl"), 300, max_words=60)
    # A two-page fax-style TIFF (1 bit, CCITT group 4), as scanners write them.
    tiff = tmp_path / "fax.tif"
    es.convert("1").save(tiff, compression="group4", save_all=True,
                         append_images=[nl.convert("1")], dpi=(300, 300))
    parsed = parse_file(tiff, ocr=OcrSettings())
    assert parsed.media_type == "image/tiff" and parsed.page_count == 2
    assert [p.page for p in parsed.passages] == [1, 2]
    assert scans.word_recall(expected_es, parsed.passages[0].text) >= 0.95
    assert scans.word_recall(expected_nl, parsed.passages[1].text) >= 0.95
    # A transparent PNG (black text on nothing) is laid on white first.
    png = tmp_path / "note.png"
    rgba = Image.new("RGBA", es.size, (0, 0, 0, 0))
    rgba.putalpha(Image.eval(es, lambda v: 255 - v))
    rgba.save(png)
    parsed = parse_file(png, ocr=OcrSettings(language="es"))
    assert scans.word_recall(expected_es, parsed.passages[0].text) >= 0.95
    # An image without text fails with that reason; with OCR off, images are unsupported.
    blank = tmp_path / "blank.jpg"
    Image.new("L", (1200, 900), 235).save(blank)
    with pytest.raises(ParseError, match=r"^image without text \(OCR found none\)$"):
        parse_file(blank, ocr=OcrSettings())
    with pytest.raises(ParseError, match=r"^unsupported file type: \.png \(PNG image\)$"):
        parse_file(png, ocr=OcrSettings(enabled=False))


@pytest.mark.realdata
def test_scans_of_the_kinds_project_archives_hold(tesseract, testdata, tmp_path) -> None:
    import pypdf

    page, expected = scans.text_page(scans.udhr_text(testdata, "pt"), 300, max_words=60)
    # A fax: 1-bit image, CCITT group 4 inside the PDF.
    fax = tmp_path / "fax.pdf"
    page.convert("1").save(fax, resolution=300)
    assert b"CCITTFaxDecode" in fax.read_bytes()
    parsed = parse_file(fax, ocr=OcrSettings(language="pt"))
    assert scans.word_recall(expected, parsed.passages[0].text) >= 0.95
    # An encrypted grayscale scan: without its password it says so; with it, it is read.
    plain = scans.image_pdf([scans.scanned(page, seed=3)], tmp_path / "plain.pdf")
    writer = pypdf.PdfWriter(clone_from=plain)
    writer.encrypt("geheim", algorithm="AES-128")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    with pytest.raises(ParseError, match="^password required$"):
        parse_file(locked, ocr=OcrSettings())
    parsed = parse_file(locked, password="geheim", ocr=OcrSettings(language="pt"))
    assert scans.word_recall(expected, parsed.passages[0].text) >= 0.9
    # A book whose first page is an image: that page is read by OCR, the others as text.
    book = pdfium.PdfDocument.new()
    with pdfium.PdfDocument(fax) as cover, pdfium.PdfDocument(
            testdata / "pdfs" / "pdfjs__tracemonkey.pdf") as text:
        book.import_pages(cover, [0])
        book.import_pages(text, [0, 1])
        book.save(tmp_path / "book.pdf")
    book.close()
    parsed = parse_file(tmp_path / "book.pdf", ocr=OcrSettings(language="pt"))
    assert [(p.page, p.source) for p in parsed.passages] == [(1, "ocr"), (2, "text"),
                                                              (3, "text")]
    assert parsed.ocr.pages == [1] and not parsed.warnings


def test_cache_of_files_no_longer_indexed_is_pruned_after_a_day(tmp_path) -> None:
    from ingest.ocr import prune_cache

    kept, gone, fresh = ("a" * 64, "b" * 64, "c" * 64)
    for sha in (kept, gone, fresh):
        (tmp_path / sha[:2]).mkdir()
        (tmp_path / sha[:2] / f"{sha}.json").write_text("{}")
    for sha in (kept, gone):
        os.utime(tmp_path / sha[:2] / f"{sha}.json", (0, 0))
    assert prune_cache(tmp_path, {kept}) == 1
    assert sorted(p.stem for p in tmp_path.glob("*/*.json")) == [kept, fresh]
