"""The one small interface every format parser implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from index import Passage
from ingest.ocr import OcrSettings, OcrSummary


class ParseError(Exception):
    """A file could not be read. ``reason`` is short and fit for a user ("password required")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ParsedFile:
    """What a parser read from one file, before metadata from the catalog is merged in."""

    media_type: str
    passages: list[Passage]
    #: metadata found in the file itself; keys as in index.records.METADATA_FIELDS
    #: (title, author, date as ISO string, language, summary, keywords (list[str]) ...)
    metadata: dict[str, object] = field(default_factory=dict)
    page_count: int | None = None
    #: problems that did not stop parsing, e.g. "pages 3, 5: no text layer, needs OCR"
    warnings: list[str] = field(default_factory=list)
    #: what OCR did, when pages were read (or, in a plan, would be read) by OCR
    ocr: OcrSummary | None = None
    #: a paged document's title as its first page sets it (the lines in its largest type,
    #: ingest/parsers/pdf.py): the inferred title when neither the catalog nor the file's
    #: metadata has one
    cover_title: str | None = None


class Parser(Protocol):
    """A parser for one family of formats."""

    media_types: tuple[str, ...]

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        """Read ``path``; raise ParseError with a user-fit reason when it cannot be read.

        ``ocr``: how to read images of text (formats without images ignore it); None: no OCR.
        """
        ...
