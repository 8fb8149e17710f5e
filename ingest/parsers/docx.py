"""Word (.docx) with python-docx: sections by Heading 1-3 styles, tables in their section.

Core properties give metadata (title, author, created -> date, subject -> summary,
keywords; a created date written as a year or a month, "2018-04", stays one: no day added).
A file that is not a readable zip/Office package -> ParseError("broken Word file: <cause>").
Legacy binary .doc files are not supported (detection says so).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ingest.dates import file_date
from ingest.filetypes import DOCX
from ingest.ocr import OcrSettings
from ingest.parsers._meta import clean_value, is_junk_title, split_keywords
from ingest.parsers._sections import Section, sections_to_passages
from ingest.parsers.base import ParsedFile, ParseError

__all__ = ["DocxParser"]

# "Heading 1", "Überschrift 2", "Titre 3", "Kop 1", "Címsor 1", ... and the built-in "Title".
_HEADING_STYLE_RE = re.compile(
    r"^(heading|überschrift|titre|kop|címsor|titlu|título|titulo|encabezado|rubrik)\s*(\d)$",
    re.I,
)
_JUNK_AUTHORS = {"administrator", "admin", "user", "owner", "unknown", "author", "python-docx"}


def _heading_level(paragraph: Paragraph) -> int | None:
    style = paragraph.style
    while style is not None:
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE_RE.match(name)
        if match:
            return int(match.group(2))
        style = style.base_style
    outline = paragraph._p.pPr.outlineLvl if paragraph._p.pPr is not None else None
    if outline is not None and outline.val is not None and int(outline.val) < 9:
        return int(outline.val) + 1
    return None


def _table_text(table: Table) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # merged cells repeat
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _sections(document: object) -> tuple[list[Section], str | None]:
    sections = [Section()]
    first_title: str | None = None
    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            text = _table_text(block)
            if text:
                sections[-1].paragraphs.append(text)
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _heading_level(block)
        if level is not None and level <= 3:
            if first_title is None and level == 1:
                first_title = text
            sections.append(Section(text))
        else:
            sections[-1].paragraphs.append(text)
    return sections, first_title


_PARTIAL_W3CDTF = re.compile(r"^\d{4}(-\d{2})?$")
#: python-docx's template's created time: a file made with it that never set its own has this
#: date, which says nothing about the document.
_TEMPLATE_CREATED = "2013-12-23T23:15:00Z"


def _created(props: object) -> str | None:
    """The created date: "2018-04" as written (python-docx would read 1 April), a full date
    as python-docx reads it; none for python-docx's template date."""
    element = getattr(getattr(props, "_element", None), "created", None)
    text = str(getattr(element, "text", None) or "").strip()
    if text == _TEMPLATE_CREATED:
        return None
    if _PARTIAL_W3CDTF.match(text):
        return file_date(text)
    created = getattr(props, "created", None)
    return file_date(created) if created else None


def _metadata(document: object) -> dict[str, object]:
    props = document.core_properties  # type: ignore[attr-defined]
    metadata: dict[str, object] = {}
    title = clean_value(props.title)
    if title and not is_junk_title(title):
        metadata["title"] = title
    author = clean_value(props.author)
    if author and author.lower() not in _JUNK_AUTHORS:
        metadata["author"] = author
    summary = clean_value(props.subject)
    if summary:
        metadata["summary"] = summary
    keywords = split_keywords(props.keywords)
    if keywords:
        metadata["keywords"] = keywords
    date = _created(props)
    if date:
        metadata["date"] = date
    language = clean_value(props.language)
    if language:
        metadata["language"] = language
    return metadata


class DocxParser:
    """Word documents; see the module docstring."""

    media_types: tuple[str, ...] = (DOCX,)

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        try:
            document = open_docx(str(path))
        except (zipfile.BadZipFile, PackageNotFoundError):
            raise ParseError("broken Word file: not a readable zip package") from None
        except KeyError as exc:  # a part the package lists is missing from the zip
            raise ParseError(f"broken Word file: missing part {exc}") from None
        except (ValueError, OSError, zipfile.LargeZipFile) as exc:
            raise ParseError(f"broken Word file: {_short(exc)}") from None
        except etree.XMLSyntaxError as exc:
            raise ParseError(f"broken Word file: bad XML ({_short(exc)})") from None
        sections, first_title = _sections(document)
        metadata = _metadata(document)
        if "title" not in metadata and first_title:
            metadata["title"] = clean_value(first_title)
        passages = sections_to_passages(sections)
        if not passages:
            raise ParseError("no text found")
        return ParsedFile(media_type=DOCX, passages=passages, metadata=metadata)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."
