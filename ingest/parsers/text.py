"""Markdown and plain text.

Decoding: UTF-8 (a BOM is dropped), UTF-16 with a BOM, else Windows-1252 with a warning
(Latin-1 as a last resort cannot fail, cp1252 is its superset for printable text). Content
with NUL bytes (and no UTF-16 BOM) is not text: ParseError("binary content, not text").

Markdown: YAML front matter (``---``), or TOML (``+++``, as Hugo writes it), gives metadata
(title, date, language/lang, summary/description, keywords/tags, author, and catalog-style keys
type, country, region, themes, partner, policy_instrument passed through under those names).
A value of the wrong kind (a list for a title) or a date that is not one is not taken, with a
warning; front matter that cannot be read is ignored with a warning. ATX headings
``#``-``###`` start sections; the first ``# `` heading is the title when the front matter has
none. Markup is stripped: emphasis, inline code ticks, links ``[text](url)`` -> text, images,
HTML tags.

Plain text: blank-line-separated blocks merged into sections of about 2000 characters; the
first non-empty line is the title when it is short.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from ingest.dates import DATE_FORMS, file_date, normalise_date
from ingest.filetypes import MARKDOWN, PLAIN
from ingest.ocr import OcrSettings
from ingest.parsers._meta import clean_value, split_keywords
from ingest.parsers._sections import Section, sections_to_passages
from ingest.parsers.base import ParsedFile, ParseError

__all__ = ["MarkdownParser", "PlainTextParser", "decode_text", "strip_markdown"]

PLAIN_SECTION_CHARS = 2000
_TITLE_MAX_CHARS = 150

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOML_FRONT_MATTER_RE = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.S)
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")

_PASS_THROUGH_KEYS = ("type", "country", "region", "themes", "partner", "policy_instrument")
_KEY_ALIASES = {
    "lang": "language",
    "description": "summary",
    "abstract": "summary",
    "tags": "keywords",
    "authors": "author",
    "doc_type": "type",
}

_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"!\[([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italic *
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # italic _
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`+([^`]+)`+"), r"\1"),
)
_BLOCK_PREFIX_RE = re.compile(r"^ {0,3}(?:>[ \t]?)+|^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+")
_REF_DEF_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")
_RULE_RE = re.compile(r"^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Bytes -> text, trying UTF-8, UTF-8 with BOM, UTF-16 with BOM, then cp1252/latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            raise ParseError("binary content, not text") from None
    if b"\x00" in data:
        raise ParseError("binary content, not text")
    for codec in ("utf-8-sig",):  # utf-8-sig reads plain UTF-8 too
        try:
            return data.decode(codec), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), ["not UTF-8: read as Windows-1252"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), ["not UTF-8: read as Latin-1"]


def _read(path: Path) -> tuple[str, list[str]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise ParseError("empty file")
    text, warnings = decode_text(data)
    if not text.strip():
        raise ParseError("no text found")
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def strip_markdown(line: str) -> str:
    """Inline Markdown markup removed from one line of text."""
    for pattern, replacement in _INLINE_RULES:
        line = pattern.sub(replacement, line)
    return line


# --- Markdown --------------------------------------------------------------------------


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a timestamp that is no date ("2021-13-45") stays the
    text it is (the date rules then say what of it is kept) instead of failing the file."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _front_matter(text: str, warnings: list[str]) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER_RE.match(text)
    toml = match is None
    if toml:
        match = _TOML_FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    body = text[match.end() :]
    source = match.group(1) or ""
    data: object
    if toml:
        try:
            data = tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            where = re.search(r"\(at line (\d+)", str(exc))
            where_text = f" (line {int(where.group(1)) + 1})" if where else ""
            warnings.append(f"front matter is not valid TOML{where_text}, ignored")
            return {}, body
    else:
        try:
            data = yaml.load(source, Loader=_FrontMatterLoader) or {}  # a SafeLoader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where_text = f" (line {mark.line + 2})" if mark is not None else ""
            warnings.append(f"front matter is not valid YAML{where_text}, ignored")
            return {}, body
        except (ValueError, TypeError, RecursionError) as exc:  # a value YAML cannot build
            warnings.append(f"front matter cannot be read ({exc}), ignored")
            return {}, body
    if not isinstance(data, dict):
        warnings.append("front matter is not a mapping, ignored")
        return {}, body
    return _front_matter_metadata(data, warnings), body


#: what a front-matter value that is not a text is called in a warning
_KINDS = {list: "a list", tuple: "a list", dict: "a mapping", bool: "a yes/no value"}


def _text_value(key: str, value: Any, warnings: list[str]) -> str | None:
    """A text field's value (a number or a date is the text it shows), or None with a
    warning when it is a list, a mapping or a yes/no."""
    kind = next((name for t, name in _KINDS.items() if isinstance(value, t)), None)
    if kind is not None:
        warnings.append(f"front matter {key} is {kind}, not a text: ignored")
        return None
    return clean_value(value)


def _date_value(value: Any, warnings: list[str]) -> str | None:
    """The front matter's date by the rules of a file's own date (ingest.dates.file_date),
    with a warning when it is not one or only part of it is possible."""
    date = file_date(value)
    shown = str(value)[:40]
    if date is None:
        warnings.append(f"front matter date {shown!r} is not a date ({DATE_FORMS}), ignored")
    elif normalise_date(value) is None:
        warnings.append(f"front matter date {shown!r} is not a possible date: only {date} "
                        "is used")
    return date


def _front_matter_metadata(data: dict[object, object],
                           warnings: list[str]) -> dict[str, object]:
    metadata: dict[str, object] = {}
    for raw_key, value in data.items():
        key = str(raw_key).strip().lower().replace("-", "_")
        key = _KEY_ALIASES.get(key, key)
        if value is None or value == "" or key in metadata:
            continue
        if key == "date":
            date = _date_value(value, warnings)
            if date:
                metadata["date"] = date
        elif key == "keywords":
            keywords = split_keywords(value)
            if keywords:
                metadata["keywords"] = keywords
        elif key == "themes":
            themes = split_keywords(value)
            if themes:
                metadata["themes"] = themes
        elif key == "author" and isinstance(value, list):
            metadata["author"] = ", ".join(str(v) for v in value if v)
        elif key in ("title", "summary", "language", "author", *_PASS_THROUGH_KEYS):
            cleaned = _text_value(key, value, warnings)
            if cleaned:
                metadata[key] = cleaned
    return metadata


def _markdown_sections(body: str) -> tuple[list[Section], str | None]:
    sections = [Section()]
    first_h1: str | None = None
    paragraph: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if paragraph:
            sections[-1].paragraphs.append("\n".join(paragraph))
            paragraph.clear()

    for line in body.split("\n"):
        if fence is not None:  # inside a fenced code block: keep as is
            if line.strip().startswith(fence):
                fence = None
                flush()
            else:
                paragraph.append(line)
            continue
        fence_match = _FENCE_RE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)[:3]
            continue
        heading = _ATX_RE.match(line)
        if heading:
            flush()
            level, text = len(heading.group(1)), strip_markdown(heading.group(2)).strip()
            if level == 1 and first_h1 is None and text:
                first_h1 = text
            if level <= 3:
                sections.append(Section(text or None))
            elif text:
                sections[-1].paragraphs.append(text)
            continue
        if _SETEXT_RE.match(line) and paragraph:  # "Title\n=====" (h1) or "---" (h2)
            text = " ".join(part.strip() for part in paragraph)
            paragraph.clear()
            if line.strip().startswith("=") and first_h1 is None:
                first_h1 = text
            sections.append(Section(text))
            continue
        if not line.strip() or _RULE_RE.match(line):
            flush()
            continue
        if _REF_DEF_RE.match(line) or _TABLE_RULE_RE.match(line):
            continue
        line = _BLOCK_PREFIX_RE.sub("", line)
        if line.lstrip().startswith("|"):
            line = " ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        paragraph.append(strip_markdown(line))
    flush()
    return sections, first_h1


class MarkdownParser:
    """Markdown with optional YAML front matter; see the module docstring."""

    media_types: tuple[str, ...] = (MARKDOWN,)

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        text, warnings = _read(path)
        metadata, body = _front_matter(text, warnings)
        sections, first_h1 = _markdown_sections(body)
        if "title" not in metadata and first_h1:
            metadata["title"] = clean_value(first_h1)
        passages = sections_to_passages(sections)
        if not passages:
            raise ParseError("no text found")
        return ParsedFile(
            media_type=MARKDOWN, passages=passages, metadata=metadata, warnings=warnings
        )


# --- plain text ------------------------------------------------------------------------


class PlainTextParser:
    """Plain text in blocks of about 2000 characters; see the module docstring."""

    media_types: tuple[str, ...] = (PLAIN,)

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        text, warnings = _read(path)
        blocks = [block.strip("\n") for block in re.split(r"\n[ \t]*\n", text)]
        blocks = [block for block in blocks if block.strip()]
        metadata: dict[str, object] = {}
        first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
        if first_line and len(first_line) <= _TITLE_MAX_CHARS:
            metadata["title"] = clean_value(first_line)
        # No headings: one section, split on block boundaries into ~2000-character passages.
        passages = sections_to_passages(
            [Section(None, blocks)], max_chars=PLAIN_SECTION_CHARS, min_chars=0
        )
        if not passages:
            raise ParseError("no text found")
        return ParsedFile(media_type=PLAIN, passages=passages, metadata=metadata, warnings=warnings)
