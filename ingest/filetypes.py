"""Which parser reads a file: media type by content first, by file name second.

Rules, in order (``detect_media_type``):

1. ``%PDF-`` within the first 1024 bytes -> PDF, whatever the name says. A file *named*
   ``.pdf`` with ``%PDF-`` later in its first 64 KiB is a PDF too: real project sites serve
   PDFs with an HTML page stuck in front (testdata ``interreg__HIV_AIDS_RO.pdf`` has 2334
   bytes of HTML before ``%PDF-1.5``); the PDF parser skips the junk.
2. A zip (``PK\\x03\\x04``) holding ``word/document.xml`` -> Word (docx). A zip named
   ``.docx`` that cannot be read as a zip is still handed to the Word parser, which reports
   "broken Word file: ...". Other zips (xlsx, odt, ...) are unsupported.
3. HTML sniffing: the content starts (after a BOM, whitespace, ``<?xml ...?>`` and comments)
   with ``<!doctype html``, ``<html``, ``<head`` or ``<body``; or one of those occurs in the
   first KiB of a file whose name is not a plain-text/Markdown name.
4. By name: ``.md``/``.markdown`` -> Markdown, ``.txt``/``.text`` -> plain text,
   ``.html``/``.htm``/``.xhtml`` -> HTML. The text parsers themselves reject binary content
   ("binary content, not text"), which gives a clearer reason than "unsupported".
5. PNG, JPEG and TIFF images by their signature: read by OCR (``ingest.parsers.image``),
   or skipped as unsupported when OCR is off.
6. Anything else -> ``None``: the caller reports "unsupported file type".

Empty (zero-byte) files: detection returns ``None`` (there is no content to sniff);
``ingest.parsers.parse_file`` checks the size first and raises ``ParseError("empty file")``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

__all__ = [
    "DOCX",
    "HTML",
    "IMAGE_TYPES",
    "JPEG",
    "MARKDOWN",
    "PDF",
    "PLAIN",
    "PNG",
    "SUFFIXES",
    "SUPPORTED_MEDIA_TYPES",
    "TIFF",
    "describe_content",
    "detect_media_type",
]

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
PLAIN = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
#: Images, read by OCR (each frame a page).
IMAGE_TYPES: tuple[str, ...] = (PNG, JPEG, TIFF)

#: The media types ``detect_media_type`` recognises; ``ingest.parsers`` has a parser for each
#: (images are read only with OCR on; otherwise they are reported as unsupported).
SUPPORTED_MEDIA_TYPES: tuple[str, ...] = (PDF, DOCX, HTML, MARKDOWN, PLAIN, *IMAGE_TYPES)

_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG), (b"II*\x00", TIFF),
                (b"MM\x00*", TIFF))

_SNIFF_BYTES = 64 * 1024
_PDF_STRICT_WINDOW = 1024
_HTML_WINDOW = 1024

#: The file name suffixes of each supported type, the usual one first: text formats are told
#: apart by them here, an upload is named with one (``search_app.admin.uploads``), and
#: ``/files`` serves an original with the type of its suffix (``search_app.files``).
SUFFIXES: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",), DOCX: (".docx",), HTML: (".html", ".htm", ".xhtml"),
    MARKDOWN: (".md", ".markdown"), PLAIN: (".txt", ".text"),
    PNG: (".png",), JPEG: (".jpg", ".jpeg"), TIFF: (".tif", ".tiff"),
}

_TEXT_SUFFIXES = {suffix: kind for kind in (MARKDOWN, PLAIN) for suffix in SUFFIXES[kind]}
_HTML_SUFFIXES = set(SUFFIXES[HTML])

_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_LEADING_JUNK_RE = re.compile(rb"^(?:\s+|<\?xml[^>]*>|<!--.*?-->)*", re.DOTALL)

#: Signatures of common binary formats, for a helpful "unsupported file type" reason.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office file (.doc/.xls/.ppt)"),
    (b"PK\x03\x04", "zip archive"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"%!PS", "PostScript"),
    (b"{\\rtf", "RTF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf", "7-zip archive"),
    (b"Rar!", "RAR archive"),
)

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_SNIFF_BYTES)


def _html_head(head: bytes) -> bytes:
    """The first KiB as lowercase ASCII-ish bytes, BOM removed (UTF-16 folded to 8 bit)."""
    window = head[: _HTML_WINDOW * 2]
    if window.startswith(b"\xef\xbb\xbf"):
        window = window[3:]
    elif window.startswith((b"\xff\xfe", b"\xfe\xff")):
        window = window[2:].replace(b"\x00", b"")
    return window[:_HTML_WINDOW].lower()


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        # Unreadable zip: let the Word parser say so if the name claims .docx.
        return path.suffix.lower() == ".docx"


def describe_content(head: bytes) -> str | None:
    """A short human name for a known binary signature ("ELF executable"), else None."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def detect_media_type(path: Path) -> str | None:
    """The media type of ``path`` by content, then by name; ``None`` if unsupported.

    See the module docstring for the rules. Empty files give ``None``.
    """
    path = Path(path)
    head = _read_head(path)
    if not head:
        return None
    suffix = path.suffix.lower()

    if b"%PDF-" in head[:_PDF_STRICT_WINDOW]:
        return PDF
    if suffix == ".pdf" and b"%PDF-" in head:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(path) else None

    for magic, image_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return image_type

    html = _html_head(head)
    stripped = _LEADING_JUNK_RE.sub(b"", html, count=1)
    if stripped.startswith(_HTML_MARKERS):
        return HTML
    if suffix not in _TEXT_SUFFIXES and any(marker in html for marker in _HTML_MARKERS):
        return HTML

    if suffix in _TEXT_SUFFIXES:
        return _TEXT_SUFFIXES[suffix]
    if suffix in _HTML_SUFFIXES:
        return HTML
    return None
