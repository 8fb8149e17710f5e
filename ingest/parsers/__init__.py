"""Format parsers: a file in, a :class:`ParsedFile` (passages + file metadata) out.

>>> parsed = parse_file(Path("report.pdf"))          # doctest: +SKIP
>>> parsed.passages[0].page, parsed.metadata.get("title")  # doctest: +SKIP

The media type is detected by content (``detect_media_type``); a file that cannot be read
raises :class:`ParseError` whose ``reason`` is short and fit for a user:
"empty file", "unsupported file type: .exe (ELF executable)", "password required",
"wrong password", "broken PDF: <cause>", "no text layer, needs OCR",
"broken Word file: <cause>", "binary content, not text", "no text found", ...
Problems that did not stop parsing are in ``ParsedFile.warnings``.

Dispatch is a registry: each parser class declares the media types it reads
(``media_types``), and :data:`PARSERS` lists the classes. To add a format, write a class that
implements :class:`Parser`, add it to ``PARSERS``, and teach ``ingest.filetypes`` to
recognise the format. Importing this package imports every parser (pdfium, bs4, lxml,
python-docx: about 0.3 s); ingest imports it only in its worker processes.

pdfium (PDF) is not thread-safe: parse in processes, not threads.
"""

from __future__ import annotations

from pathlib import Path

from ingest.filetypes import SUPPORTED_MEDIA_TYPES, describe_content, detect_media_type
from ingest.ocr import OcrSettings
from ingest.parsers.base import ParsedFile, ParseError, Parser
from ingest.parsers.docx import DocxParser
from ingest.parsers.html import HtmlParser
from ingest.parsers.image import ImageParser
from ingest.parsers.pdf import PdfParser
from ingest.parsers.text import MarkdownParser, PlainTextParser

__all__ = [
    "PARSERS",
    "SUPPORTED_MEDIA_TYPES",
    "ParseError",
    "ParsedFile",
    "Parser",
    "detect_media_type",
    "get_parser",
    "parse_file",
]


#: Every parser; each reads the media types it declares.
PARSERS: tuple[Parser, ...] = (
    PdfParser(),
    DocxParser(),
    HtmlParser(),
    MarkdownParser(),
    PlainTextParser(),
    ImageParser(),
)


def _registry(parsers: tuple[Parser, ...]) -> dict[str, Parser]:
    """media type -> parser, from what each parser declares; a type declared twice is a
    programming error (which of the two would read it?)."""
    registry: dict[str, Parser] = {}
    for parser in parsers:
        for media_type in parser.media_types:
            if media_type in registry:
                raise ValueError(
                    f"{media_type} is declared by both {type(registry[media_type]).__name__} "
                    f"and {type(parser).__name__}"
                )
            registry[media_type] = parser
    return registry


_BY_MEDIA_TYPE = _registry(PARSERS)


def get_parser(media_type: str) -> Parser:
    """The parser for ``media_type``; KeyError if there is none."""
    return _BY_MEDIA_TYPE[media_type]


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
