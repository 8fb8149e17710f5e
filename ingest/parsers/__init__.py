"""Format parsers: a file in, a :class:`ParsedFile` (passages + file metadata) out.

>>> parsed = parse_file(Path("report.pdf"))          # doctest: +SKIP
>>> parsed.passages[0].page, parsed.metadata.get("title")  # doctest: +SKIP

The media type is detected by content (``detect_media_type``); a file that cannot be read
raises :class:`ParseError` whose ``reason`` is short and fit for a user:
"empty file", "unsupported file type: .exe (ELF executable)", "password required",
"wrong password", "broken PDF: <cause>", "no text layer, needs OCR",
"broken Word file: <cause>", "binary content, not text", "no text found", ...
Problems that did not stop parsing are in ``ParsedFile.warnings``.

pdfium (PDF) is not thread-safe: parse in processes, not threads.
"""

from __future__ import annotations

from pathlib import Path

from ingest.filetypes import SUPPORTED_MEDIA_TYPES, describe_content, detect_media_type
from ingest.ocr import OcrSettings
from ingest.parsers.base import ParsedFile, ParseError, Parser

__all__ = [
    "SUPPORTED_MEDIA_TYPES",
    "ParseError",
    "ParsedFile",
    "Parser",
    "detect_media_type",
    "get_parser",
    "parse_file",
]


def get_parser(media_type: str) -> Parser:
    """The parser for ``media_type``; KeyError if there is none."""
    # Imported here so that importing the package stays cheap (pdfium, lxml, docx load lazily).
    if media_type == "application/pdf":
        from ingest.parsers.pdf import PdfParser

        return PdfParser()
    if media_type == "text/html":
        from ingest.parsers.html import HtmlParser

        return HtmlParser()
    if media_type == "text/markdown":
        from ingest.parsers.text import MarkdownParser

        return MarkdownParser()
    if media_type == "text/plain":
        from ingest.parsers.text import PlainTextParser

        return PlainTextParser()
    if media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        from ingest.parsers.docx import DocxParser

        return DocxParser()
    raise KeyError(media_type)


def _unsupported_reason(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    kind = path.suffix.lower() or "no extension"
    magic = describe_content(head)
    return f"unsupported file type: {kind} ({magic})" if magic else f"unsupported file type: {kind}"


def parse_file(
    path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
) -> ParsedFile:
    """Detect the type of ``path`` by content and parse it; ParseError if it cannot be read.

    ``ocr``: how pages without text are read by OCR (None: they are reported "needs OCR")."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise ParseError("empty file")
    try:
        media_type = detect_media_type(path)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    if media_type is None:
        raise ParseError(_unsupported_reason(path))
    return get_parser(media_type).parse(path, password=password, ocr=ocr)
