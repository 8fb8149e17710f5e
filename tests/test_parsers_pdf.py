"""PDF parser on the real files of shared/testdata/pdfs (see its MANIFEST.tsv)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ingest import compress_ranges
from ingest.parsers import ParseError, parse_file
from ingest.parsers.pdf import PdfParser, _cover_title, pdf_date_to_iso
from ingest.text import normalize_text, repair_surrogates
from tests.helpers import make_astral_pdf

REPO_ROOT = Path(__file__).resolve().parents[1]
BOMB = "pdfjs__bomb_giant.pdf"
# abcdef, then the ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ spelled out, then ghijklmno
LIGATURES_EXPANDED = "abcdef" + "ff" + "fi" + "fl" + "ffi" + "ffl" + "st" + "st" + "ghijklmno"


def _manifest(testdata: Path) -> list[dict[str, str]]:
    with (testdata / "pdfs" / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _expected_reason(row: dict[str, str]) -> str | None:
    """None: passages expected; else the start of the ParseError reason (no password given)."""
    categories = set(row["category"].split(";"))
    if row["file"] == "interreg__HIV_AIDS_RO.pdf":
        return None  # junk prefix + truncated xref: repaired (a warning says so)
    if "user-password" in categories:
        return "password required"
    if "broken" in categories:
        return "broken PDF: "
    if "no-text" in categories:
        return "no text layer, needs OCR"
    return None


def test_every_pdf_is_in_the_manifest(testdata: Path) -> None:
    listed = {row["file"] for row in _manifest(testdata)}
    assert {p.name for p in (testdata / "pdfs").glob("*.pdf")} == listed


def test_every_pdf_parses_or_fails_with_the_right_reason(testdata: Path) -> None:
    outcomes = []
    for row in _manifest(testdata):
        if row["file"] == BOMB:
            continue  # parsed in a subprocess below
        expected = _expected_reason(row)
        path = testdata / "pdfs" / row["file"]
        try:
            parsed = parse_file(path)
        except ParseError as exc:
            outcomes.append((row["file"], exc.reason))
            assert expected is not None, f"{row['file']}: unexpected ParseError {exc.reason!r}"
            assert exc.reason.startswith(expected), f"{row['file']}: {exc.reason!r}"
            continue
        outcomes.append((row["file"], f"{len(parsed.passages)} passages"))
        assert expected is None, f"{row['file']}: parsed, but expected {expected!r}"
        assert parsed.media_type == "application/pdf"
        assert parsed.passages, row["file"]
        if row["pages"]:
            assert parsed.page_count == int(row["pages"]), row["file"]
        for passage in parsed.passages:
            if passage.heading != "Form fields":  # form values belong to no one page
                assert passage.page == passage.ordinal + 1
            assert passage.text.strip()
    assert len(outcomes) == len(_manifest(testdata)) - 1


@pytest.mark.parametrize(
    ("name", "password"),
    [("pypdf__encrypted-file.pdf", "test"), ("pypdf__r4-aes-user-password.pdf", "asdfzxcv")],
)
def test_user_password(testdata: Path, name: str, password: str) -> None:
    path = testdata / "pdfs" / name
    with pytest.raises(ParseError, match="^password required$"):
        parse_file(path)
    with pytest.raises(ParseError, match="^wrong password$"):
        parse_file(path, password="qwerty")
    parsed = parse_file(path, password=password)
    assert parsed.passages[0].text


def test_owner_only_opens_without_password(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "pypdf__r4-owner-password.pdf")
    assert "pdf encryption test" in parsed.passages[0].text
    aes = parse_file(testdata / "pdfs" / "pypdf__r4-aes-user-password.pdf", password="asdfzxcv")
    assert aes.passages[0].text == parsed.passages[0].text


def test_broken_reasons(testdata: Path) -> None:
    for name in ("pdfjs__bug1020226.pdf", "pdfjs__REDHAT-1531897-0.pdf"):
        with pytest.raises(ParseError, match="^broken PDF: invalid PDF structure$"):
            parse_file(testdata / "pdfs" / name)
    # pdfium recovers one empty page from the fuzzed file: no text, and the file is damaged.
    with pytest.raises(ParseError, match="^broken PDF: damaged file, no readable text$"):
        parse_file(testdata / "pdfs" / "pdfjs__poppler-85140-0.pdf")


def test_interreg_leaflet_is_repaired(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "interreg__HIV_AIDS_RO.pdf")
    assert parsed.page_count == 2
    assert "repaired: skipped 2334 bytes of junk before the PDF header" in parsed.warnings
    assert any("cross-reference" in warning for warning in parsed.warnings)
    text = " ".join(p.text for p in parsed.passages)
    assert "TESTAREA SÂNGELUI" in text
    assert "infecția cu HIV" in text  # comma-below, although the PDF has the cedilla ţ


def test_scanned_pdf_needs_ocr(testdata: Path) -> None:
    with pytest.raises(ParseError, match="^no text layer, needs OCR$"):
        parse_file(testdata / "pdfs" / "pdfjs__issue7229.pdf")
    parsed = parse_file(testdata / "pdfs" / "pypdf__Seige_of_Vicksburg_Sample_OCR.pdf")
    assert len(parsed.passages) == 6 and not parsed.warnings
    assert "dangerous" in parsed.passages[0].text  # "dan-\ngerous" joined


def test_mixed_document_warns_about_scanned_pages(testdata: Path, tmp_path: Path) -> None:
    text_pdf = pdfium.PdfDocument(testdata / "pdfs" / "pdfjs__tracemonkey.pdf")
    scan_pdf = pdfium.PdfDocument(testdata / "pdfs" / "pdfjs__issue7229.pdf")
    mixed = pdfium.PdfDocument.new()
    try:
        mixed.import_pages(text_pdf, [0])
        mixed.import_pages(scan_pdf, [0, 1])
        mixed.import_pages(text_pdf, [1])
        mixed.import_pages(scan_pdf, [0])
        mixed.save(tmp_path / "mixed.pdf")
    finally:
        for doc in (mixed, scan_pdf, text_pdf):
            doc.close()
    parsed = parse_file(tmp_path / "mixed.pdf")
    assert [p.page for p in parsed.passages] == [1, 4]
    assert [p.ordinal for p in parsed.passages] == [0, 3]
    assert parsed.warnings == ["pages 2-3, 5: no text layer, needs OCR"]


def test_crazyones_matches_pypdf_expectation(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "pypdf__crazyones.pdf")
    expected = (testdata / "pdfs" / "pypdf__crazyones.expected.txt").read_text(encoding="utf-8")
    got = " ".join(" ".join(p.text for p in parsed.passages).split())
    assert " ".join(normalize_text(expected).split()) in got


def _find_rows(testdata: Path) -> list[dict[str, str]]:
    path = testdata / "pdfs" / "EXPECTED_FIND_MATCHES.tsv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _squash(text: str, fold_accents: bool = True) -> str:
    """Whitespace removed; accents folded as the index will (pdf.js ignores diacritics)."""
    text = re.sub(r"\s+", "", normalize_text(text))
    if fold_accents:
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text


def _terms(query: str) -> list[str]:
    """A JSON list of terms, or one literal query ("[Programming Languages]" is literal)."""
    try:
        parsed = json.loads(query)
    except ValueError:
        try:  # a bare string with JSON escapes, e.g. "\\t   (checks)"
            return [json.loads(f'"{query}"')]
        except ValueError:
            return [query]
    return [str(t) for t in parsed] if isinstance(parsed, list) else [query]


def test_pdfjs_find_expectations_hold_per_page(testdata: Path) -> None:
    """pdf.js find-in-page counts, read as "page N contains the term" (whitespace-blind)."""
    checked = 0
    cache: dict[str, list[str]] = {}
    for row in _find_rows(testdata):
        name = row["pdf_file_in_this_folder"]
        if name not in cache:
            cache[name] = [p.text for p in parse_file(testdata / "pdfs" / name).passages]
        pages = cache[name]
        options = json.loads(row["options_json"] or "{}")
        terms = _terms(row["query_json"])
        counts = json.loads(row["matches_per_page"])
        assert len(pages) == len(counts), name
        for number, (text, count) in enumerate(zip(pages, counts, strict=True), start=1):
            fold = not options.get("matchDiacritics")
            haystack = _squash(text, fold)
            found = False
            for term in terms:
                needle = _squash(term, fold)
                if options.get("entireWord"):
                    found |= re.search(rf"\b{re.escape(term)}\b", text) is not None
                elif options.get("caseSensitive"):
                    found |= needle in haystack
                else:
                    found |= needle.lower() in haystack.lower()
            where = f"{name} p.{number} {row['query_json']!r} {options}"
            if options.get("entireWord") and found and not count:
                # pdf.js misses "Gov-\nernment" on p.14 as a whole word; we join the hyphen.
                continue
            assert found == (count > 0), where
            checked += 1
    assert checked > 100


def test_dynamic_counts_in_tracemonkey(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "pdfjs__tracemonkey.pdf")
    counts = [len(re.findall("dynamic", p.text, re.I)) for p in parsed.passages]
    assert counts == [11, 5, 0, 3, 0, 0, 0, 1, 1, 1, 0, 3, 4, 4]
    optimiz = [len(re.findall("optimiz", p.text, re.I)) for p in parsed.passages]
    assert optimiz == [1, 4, 2, 3, 3, 0, 2, 9, 1, 0, 0, 6, 3, 4]  # hyphenated words joined


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("pdfjs__copy_paste_ligatures.pdf", LIGATURES_EXPANDED),
        ("pdfjs__fraction-highlight.pdf", "some text before a fraction\n1/2"),
        ("pdfjs__issue15690.pdf", "Optimization of water extraction"),
        ("pdfjs__french_diacritics.pdf", "à À â Â ä Ä ç Ç é É è È ê Ê ë Ë"),
        ("pdfjs__ArabicCIDTrueType.pdf", "انواع الخطوط العربية"),
        ("pdfjs__issue16538.pdf", "マーケットモデル"),
        ("pypdf__multilang.pdf", "Привет, мир"),
    ],
)
def test_normalized_text(testdata: Path, name: str, needle: str) -> None:
    text = "\n".join(p.text for p in parse_file(testdata / "pdfs" / name).passages)
    assert needle in text
    assert "\ufffe" not in text and "\r" not in text


def test_romanian_comma_below(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "interreg__Sarcina_nedorita_1.pdf")
    text = " ".join(p.text for p in parsed.passages)
    assert "puțin" in text and "ș" in text
    assert not set("şţŞŢ") & set(text)
    assert "title" not in parsed.metadata  # "Untitled-1" is junk
    assert parsed.metadata["author"] == "Turcu Ionel"
    assert parsed.metadata["date"] == "2020-01-08"


def test_large_german_book(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "sf__GeoTopo-komprimiert.pdf")
    assert parsed.page_count == 117 and len(parsed.passages) == 117
    assert [p.page for p in parsed.passages] == list(range(1, 118))
    assert parsed.metadata == {
        "title": "Geometrie und Topologie",
        "author": "Martin Thoma",
        "keywords": ["Geometrie", "Topologie"],
        "date": "2016-12-31",
    }
    assert "Einführung in die" in parsed.passages[0].text


def test_metadata_junk_titles_and_subject(testdata: Path) -> None:
    assert "title" not in parse_file(testdata / "pdfs" / "pdfjs__issue15690.pdf").metadata
    timetable = parse_file(testdata / "pdfs" / "pdfjs__issue840.pdf").metadata
    assert timetable["title"] == "Download Festival 2009 Timetable"
    assert timetable["summary"] == "A custom timetable for Download Festival 2009"


def test_bomb_finishes_in_a_limited_subprocess(testdata: Path) -> None:
    """pdfium does not decode the JBIG2 content streams for text: fast and small.

    Run with a 2 GiB address-space limit and a timeout so a regression cannot hang the
    suite or the machine; the ingest worker applies the same kind of limits in production.
    """
    script = textwrap.dedent(
        f"""
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from ingest.parsers import parse_file
        parsed = parse_file(__import__("pathlib").Path({str(testdata / "pdfs" / BOMB)!r}))
        print(json.dumps([p.text for p in parsed.passages]))
        """
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("parsing the bomb took over 60 s (killed)")
    assert result.returncode == 0, result.stderr[-2000:]
    texts = json.loads(result.stdout)
    assert texts and texts[0].startswith("GIANT JBIG2 BOMB")


def test_helpers() -> None:
    assert compress_ranges([3, 1, 2, 5, 7, 8]) == "pages 1-3, 5, 7-8"
    assert compress_ranges([4]) == "page 4"
    assert pdf_date_to_iso("D:20200108120351+02'00'") == "2020-01-08"
    assert pdf_date_to_iso("D:2016") == "2016"
    assert pdf_date_to_iso("D:20161399") == "2016"
    assert pdf_date_to_iso("garbage") is None


def test_not_a_pdf_given_to_pdf_parser(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"hello")
    with pytest.raises(ParseError, match="^broken PDF: no %PDF header$"):
        PdfParser().parse(path)


def test_form_field_values_come_from_pypdf(testdata: Path) -> None:
    parsed = parse_file(testdata / "pdfs" / "sf__libreoffice-form.pdf")
    form = parsed.passages[-1]
    assert form.heading == "Form fields"
    assert "First Name: Alice" in form.text
    assert not any("Form fields" == p.heading for p in parse_file(
        testdata / "pdfs" / "pypdf__crazyones.pdf").passages)


def test_the_cover_title_is_the_first_pages_largest_type(testdata: Path) -> None:
    """The title a first page sets in its largest type (ParsedFile.cover_title): on every
    sample PDF it is the title its metadata gives, above the banner's lines and under the
    30 pt logo "UpGradeSME" (one word: no title); on the testdata PDFs without a metadata
    title it is the first line where it is found at all, and pages set in one size have none."""
    repo = Path(__file__).resolve().parents[1]
    samples = sorted((repo / "corpus").glob("*/*.pdf"))
    assert len(samples) == 17
    for path in samples:
        parsed = parse_file(path)
        assert parsed.cover_title == parsed.metadata["title"], path.name
    pdfs = testdata / "pdfs"
    assert parse_file(pdfs / "pdfjs__tracemonkey.pdf").cover_title == (
        "Trace-based Just-in-Time Type Specialization for Dynamic Languages")
    assert parse_file(pdfs / "sf__multicolumn.pdf").cover_title == (
        "Two-Column Document with Lorem Ipsum")
    for name in ("pdfjs__french_diacritics.pdf", "interreg__Sarcina_nedorita_1.pdf",
                 "pypdf__Seige_of_Vicksburg_Sample_OCR.pdf"):
        assert parse_file(pdfs / name).cover_title is None, name


def test_a_cover_title_outside_the_bmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfium gives a character outside the BMP (U+1D400) as two UTF-16 code units: the cover
    title has the character (NFKC: "A"), not two lone surrogates that no index can store; a
    first page without a text page has no cover title."""
    path = tmp_path / "astral.pdf"
    path.write_bytes(make_astral_pdf())
    assert parse_file(path).cover_title == "A Annual Export Report"
    assert repair_surrogates("\ud835\udc00 \ud835 \udc00x") == "\U0001d400 \ufffd \ufffdx"

    def broken(self: pdfium.PdfPage) -> None:
        raise pdfium.PdfiumError("Failed to load text page.")

    monkeypatch.setattr(pdfium.PdfPage, "get_textpage", broken)
    assert _cover_title(pdfium.PdfDocument(path)) is None
