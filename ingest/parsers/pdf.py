"""PDF: one Passage per page with text, read by pdfium (pypdfium2).

Why pdfium alone, and what pypdf is (not) used for -- measured on shared/testdata/pdfs:

- Speed: pdfium extracts ~870 pages/s (117-page German book) and ~315 pages/s (dense
  2-column tracemonkey) per core; pypdf is about ten times slower.
- Encryption: pdfium opens RC4 and AES-128 (R4) files with the user password, and owner-only
  files without one; pypdf does no better.
- Broken files: pypdf (strict=False) opened none of the files pdfium cannot open
  (bug1020226, REDHAT-1531897-0, the truncated Interreg leaflet, truncated copies of
  tracemonkey) and fails on poppler-85140-0, which pdfium reads. So pypdf does not read text.
- Forms: pdfium's page text has the labels of an AcroForm but not the values typed into its
  fields ("Alice" in sf__libreoffice-form.pdf). pypdf reads those values, so for the rare PDF
  that has a form, pypdf adds them as one more passage ("Form fields").
  What rescued the Interreg leaflet (HTML in front of ``%PDF``, file cut off inside its xref
  table) is a cheap repair: skip the junk before ``%PDF-`` and, if pdfium still cannot open
  it, append a minimal trailer naming the catalog object, so that pdfium rebuilds the xref.
- Bombs: ``pdfjs__bomb_giant.pdf`` has JBIG2-"compressed" content streams meant to
  decompress to gigabytes. pdfium's text extraction does not decode them: it returns the
  page's real text in a few ms with ~20 MB of memory (measured in a subprocess with a 1 GiB
  address-space limit). As a cheap guard, a page's text is cut at ``MAX_PAGE_CHARS``.
  The ingest worker's time/memory limits remain the real defence.

Pages without text, or whose text layer is clearly not text (``ingest.ocr.looks_like_garbage``),
are read by OCR (``ingest.ocr``) when it is on; with ``KB_OCR=0`` pages that show something
(images, paths) are reported as "pages 1-3: no text layer, needs OCR". Empty pages are
skipped silently.
The first page also gives a title (``ParsedFile.cover_title``: the lines it sets in its
largest type, :func:`_cover_title`), which ingest infers when neither the catalog nor the
file's metadata has one: on all 17 sample PDFs it is their metadata title, where the text's
first line is the series' banner ("Interreg Europe · European Regional Development Fund").
pdfium objects are always closed; pdfium is not thread-safe, so use processes, not threads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from index import Passage
from ingest.dates import file_date
from ingest.filetypes import PDF
from ingest.ocr import (
    OcrSettings,
    OcrSummary,
    OcrUnavailable,
    looks_like_garbage,
    ocr_passages,
    render_pdf_page,
)
from ingest.pages import compress_ranges
from ingest.parsers._meta import clean_value, is_junk_title, split_keywords
from ingest.parsers.base import ParsedFile, ParseError
from ingest.running_lines import strip_running_lines
from ingest.text import normalize_text, repair_surrogates

__all__ = ["MAX_PAGE_CHARS", "PdfParser", "pdf_date_to_iso"]

log = logging.getLogger(__name__)

#: A page with more characters than this is cut (a real dense page has ~10,000).
MAX_PAGE_CHARS = 500_000

_HEADER_WINDOW = 64 * 1024
_CATALOG_RE = re.compile(rb"(\d+)\s+(\d+)\s+obj\s*<<(?:(?!endobj).){0,400}?/Type\s*/Catalog", re.S)
_PDF_DATE_RE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")

_JUNK_AUTHORS = {"administrator", "admin", "user", "owner", "unknown", "author"}


class PdfParser:
    """Text per page with pdfium; see the module docstring."""

    media_types: tuple[str, ...] = (PDF,)

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        warnings: list[str] = []
        ocr_summary = None
        ocr_on = ocr is not None and ocr.enabled
        with _open_document(Path(path), password or None, warnings) as (doc, damaged):
            metadata = _metadata(doc)
            page_count = len(doc)
            passages, needs_ocr = _read_pages(doc, warnings, ocr_on)
            cover_title = _cover_title(doc)
            if needs_ocr and ocr is not None and ocr_on:
                passages, needs_ocr, ocr_summary = _read_by_ocr(
                    Path(path), doc, passages, needs_ocr, ocr, warnings)
            has_form = doc.get_formtype() != pdfium_c.FORMTYPE_NONE
        passages = strip_running_lines(passages)
        if has_form and not damaged:
            form = _form_passage(Path(path), password, ordinal=len(passages))
            if form is not None:
                passages.append(form)
        if needs_ocr:
            warnings.insert(0, f"{compress_ranges(needs_ocr)}: no text layer, needs OCR")
        if not passages and not (ocr_summary is not None and ocr_summary.planned):
            if needs_ocr:
                raise ParseError("no text layer, needs OCR")
            if ocr_summary is not None and ocr_summary.unread:
                raise ParseError("OCR did not finish within the time limit")
            if ocr_summary is not None and ocr_summary.empty:
                raise ParseError("image without text (OCR found none)")
            if damaged:
                raise ParseError("broken PDF: damaged file, no readable text")
            raise ParseError("no text: all pages are empty")
        return ParsedFile(
            media_type=PDF,
            passages=passages,
            metadata=metadata,
            page_count=page_count,
            warnings=warnings,
            ocr=ocr_summary,
            cover_title=cover_title,
        )


def _read_by_ocr(
    path: Path, doc: pdfium.PdfDocument, passages: list[Passage], numbers: list[int],
    ocr: OcrSettings, warnings: list[str],
) -> tuple[list[Passage], list[int], OcrSummary | None]:
    """Pages ``numbers`` read by OCR, merged into ``passages`` in page order; a page whose
    text layer looked like garbage keeps it when OCR finds nothing.

    Returns (passages, pages still needing OCR, summary); OCR unavailable: nothing changes.
    """
    try:
        read, summary, ocr_warnings = ocr_passages(
            path, numbers, lambda number: render_pdf_page(doc, number), ocr)
    except OcrUnavailable as exc:
        log.info("%s: %s", path.name, exc)
        return passages, numbers, None
    warnings.extend(ocr_warnings)
    by_page = {p.page: p for p in passages}
    by_page.update({p.page: p for p in read})
    return sorted(by_page.values(), key=lambda p: p.ordinal), [], summary


def _form_passage(path: Path, password: str | None, ordinal: int) -> Passage | None:
    """The values filled into the PDF's form fields, read with pypdf (pdfium shows none)."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(path, strict=False, password=password or None)
        fields = reader.get_fields() or {}
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("form fields of %s unreadable: %s", path, exc)
        return None
    lines = []
    for name, field in fields.items():
        value = field.get("/V") if hasattr(field, "get") else None
        if isinstance(value, str) and value.strip() and not value.startswith("/"):
            lines.append(f"{name}: {normalize_text(value)}")
    if not lines:
        return None
    return Passage(ordinal=ordinal, text="\n".join(lines), page=None, heading="Form fields")


# --- opening ---------------------------------------------------------------------------


@contextmanager
def _open_document(
    path: Path, password: str | None, warnings: list[str]
) -> Iterator[tuple[pdfium.PdfDocument, bool]]:
    """Open with pdfium, repairing junk before the header and a missing trailer.

    Yields (document, damaged): damaged is True when the file needed a repair.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEADER_WINDOW)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    offset = head.find(b"%PDF-")
    if offset < 0:
        raise ParseError("broken PDF: no %PDF header")

    damaged = False
    source: str | bytes = str(path)
    if offset > 0:
        source = path.read_bytes()[offset:]
        damaged = True
        warnings.append(f"repaired: skipped {offset} bytes of junk before the PDF header")

    try:
        doc = _load(source, password)
    except _FormatError as first:
        data = source if isinstance(source, bytes) else path.read_bytes()
        repaired = _with_trailer(data)
        if repaired is None:
            raise ParseError(f"broken PDF: {first.cause}") from None
        try:
            doc = _load(repaired, password)
        except _FormatError:
            raise ParseError(f"broken PDF: {first.cause}") from None
        damaged = True
        warnings.append("repaired: missing or damaged cross-reference table rebuilt")
    if not damaged and isinstance(source, str):
        damaged = _lacks_xref_pointer(path)
    try:
        yield doc, damaged
    finally:
        doc.close()


class _FormatError(Exception):
    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


_ERROR_CAUSES = {
    pdfium_c.FPDF_ERR_FILE: "file not found or unreadable",
    pdfium_c.FPDF_ERR_FORMAT: "invalid PDF structure",
    pdfium_c.FPDF_ERR_SECURITY: "unsupported security handler",
    pdfium_c.FPDF_ERR_PAGE: "page not found or content error",
}


def _load(source: str | bytes, password: str | None) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source, password=password)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ParseError("wrong password" if password else "password required") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ParseError("unsupported PDF security handler") from None
        raise _FormatError(_ERROR_CAUSES.get(code, "cannot be opened")) from None


def _with_trailer(data: bytes) -> bytes | None:
    """``data`` with a minimal trailer pointing at its catalog, or None if there is none."""
    match = _CATALOG_RE.search(data)
    if match is None:
        return None
    number, generation = match.group(1), match.group(2)
    # Close a stream or object cut off by truncation, then a trailer without xref:
    # pdfium rebuilds the cross-reference table by scanning the objects.
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root %s %s R >>\n%%%%EOF\n" % (number, generation)
    return data + tail


def _lacks_xref_pointer(path: Path) -> bool:
    """True if the file has no ``startxref`` near its end (pdfium opened it by repairing)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 2048))
        return b"startxref" not in handle.read()


# --- pages -----------------------------------------------------------------------------


def _read_pages(
    doc: pdfium.PdfDocument, warnings: list[str], check_garbage: bool = False
) -> tuple[list[Passage], list[int]]:
    """Passages of the pages with text, and the pages that need OCR (with ``check_garbage``,
    also those whose text layer is clearly not text: their passage stays, OCR replaces it)."""
    passages: list[Passage] = []
    needs_ocr: list[int] = []
    for index in range(len(doc)):
        number = index + 1
        try:
            page = doc[index]
        except pdfium.PdfiumError:
            warnings.append(f"page {number}: cannot be read, skipped")
            continue
        try:
            text = _page_text(page, number, warnings)
            if not text:
                if pdfium_c.FPDFPage_CountObjects(page.raw) > 0:
                    needs_ocr.append(number)
                continue
        finally:
            page.close()
        if check_garbage and looks_like_garbage(text):
            needs_ocr.append(number)
        passages.append(Passage(ordinal=index, text=text, page=number))
    return passages, needs_ocr


#: The cover title's type is at least this much larger than the first page's body text (the
#: median size of its characters).
TITLE_TYPE = 1.2
#: A cover title has this many words (a logo's one word, "UpGradeSME", is none) and stands
#: among the first page's first TITLE_LINES lines.
TITLE_WORDS = (2, 30)
TITLE_LINES = 15
#: Characters of the first page read for it.
TITLE_CHARS = 5000


def _cover_title(doc: pdfium.PdfDocument) -> str | None:
    """The first page's title as its type sets it: the run of lines (one after the other, of
    one type size) in the largest type among its first TITLE_LINES lines, when that type is
    TITLE_TYPE times the page's body text and the run has TITLE_WORDS words. A report's cover
    ("Interreg Europe · ..." 11 pt, "UpGradeSME" 30 pt, "SME Export in the Era of COVID-19: /
    Joint Report of the UpGradeSME / Partnership" 22 pt, then 13 and 10 pt) gives the 22 pt
    run; a page set in one size gives none. Fonts pdfium cannot size (0) count as body text.
    """
    try:
        page = doc[0]
    except (pdfium.PdfiumError, IndexError):
        return None
    try:
        try:
            textpage = page.get_textpage()
        except pdfium.PdfiumError:
            return None  # the page is warned about by _read_pages
        try:
            count = min(textpage.count_chars(), TITLE_CHARS)
            lines: list[tuple[str, float]] = []
            chars: list[str] = []
            sizes: list[float] = []
            every: list[float] = []
            for i in range(count):
                ch = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
                if ch in "\r\n":
                    if "".join(chars).strip():
                        # pdfium gives UTF-16 code units: U+1D400 comes as two surrogates
                        lines.append((repair_surrogates("".join(chars)), max(sizes, default=0.0)))
                    chars, sizes = [], []
                    continue
                chars.append(ch)
                if not ch.isspace():
                    size = round(float(pdfium_c.FPDFText_GetFontSize(textpage.raw, i)), 1)
                    sizes.append(size)
                    every.append(size)
            if "".join(chars).strip():
                lines.append((repair_surrogates("".join(chars)), max(sizes, default=0.0)))
        finally:
            textpage.close()
    finally:
        page.close()
    if not every:
        return None
    body = sorted(every)[len(every) // 2]
    runs: list[tuple[float, list[str]]] = []
    for text, size in lines[:TITLE_LINES]:
        if runs and abs(runs[-1][0] - size) < 0.5:
            runs[-1][1].append(text)
        else:
            runs.append((size, [text]))
    best: tuple[float, str] | None = None
    for size, texts in runs:
        title = normalize_text(" ".join(t.strip() for t in texts))
        words = len(title.split())
        if (size >= TITLE_TYPE * body and TITLE_WORDS[0] <= words <= TITLE_WORDS[1]
                and sum(c.isalpha() for c in title) >= 3 and (best is None or size > best[0])):
            best = (size, title)
    return best[1] if best else None


def _page_text(page: pdfium.PdfPage, number: int, warnings: list[str]) -> str:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count > MAX_PAGE_CHARS:
            warnings.append(f"page {number}: text cut at {MAX_PAGE_CHARS} of {count} characters")
            count = MAX_PAGE_CHARS
        raw = textpage.get_text_range(0, count) if count > 0 else ""
    finally:
        textpage.close()
    return normalize_text(raw)


# --- metadata --------------------------------------------------------------------------


def _metadata(doc: pdfium.PdfDocument) -> dict[str, object]:
    try:
        info = doc.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        return {}
    metadata: dict[str, object] = {}
    title = clean_value(info.get("Title"))
    if title and not is_junk_title(title):
        metadata["title"] = title
    author = clean_value(info.get("Author"))
    if author and author.lower() not in _JUNK_AUTHORS:
        metadata["author"] = author
    subject = clean_value(info.get("Subject"))
    if subject and subject != title:
        metadata["summary"] = subject
    keywords = split_keywords(info.get("Keywords") or "")
    if keywords:
        metadata["keywords"] = keywords
    created = pdf_date_to_iso(info.get("CreationDate") or "")
    if created:
        metadata["date"] = created
    return metadata


def pdf_date_to_iso(value: str) -> str | None:
    """ "D:20200108120351+02'00'" -> "2020-01-08"; a partial date gives "YYYY" or "YYYY-MM"."""
    match = _PDF_DATE_RE.match(value.strip())
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    return file_date("-".join(part for part in (year, month, day) if part))
