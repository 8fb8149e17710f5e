"""HTML: the page's main content as sections under their headings, plus <meta> metadata.

Decoding: a BOM wins; then bytes that are valid UTF-8 are UTF-8 (a legacy-encoded page
with non-ASCII text is almost never valid UTF-8, while pages that declare one charset and
are saved in UTF-8 are common); then the charset a ``<meta>`` declares; then Windows-1252
with a warning. Main content: see ``_readability``. Passages: h1-h3 start a section whose
heading is the passage heading; see ``_sections`` for merging and splitting.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString

from ingest.dates import file_date
from ingest.filetypes import HTML
from ingest.ocr import OcrSettings
from ingest.parsers._meta import clean_value, split_keywords
from ingest.parsers._readability import extract_main_content
from ingest.parsers._sections import Section, sections_to_passages
from ingest.parsers.base import ParsedFile, ParseError

__all__ = ["HtmlParser", "decode_html"]

_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
# WHATWG: these labels mean windows-1252 in browsers.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso8859-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030",
    "x-sjis": "shift_jis", "shift-jis": "shift_jis", "windows-31j": "cp932",
}  # fmt: skip
_SECTION_HEADINGS = ("h1", "h2", "h3")
_MINOR_HEADINGS = ("h4", "h5", "h6")
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "caption", "blockquote", "figure",
    "figcaption", "address", "details", "summary", "hr", "center", "form", "fieldset",
}  # fmt: skip
_CELLS = ("td", "th")
# Sections under these headings are page furniture, not content.
_BOILERPLATE_HEADING_RE = re.compile(
    r"^(related( \w+)?|recommended( \w+)?|more from .*|more stories|read (more|next)|"
    r"you (may|might) also like.*|comments?|\d+ comments?|leave a (reply|comment)|"
    r"post a comment|share this( \w+)?|popular( \w+)?|trending( \w+)?|newsletter|"
    r"kommentare|comentários|comentarios|commentaires|lesen sie auch|mehr zum thema|"
    r"ähnliche artikel|lees ook|gerelateerd)\W*$",
    re.I,
)
_BOILERPLATE_LINE_RE = re.compile(
    r"^(share( this( story| article| post| page)?)?( on \w+)?|tweet|e-?mail|print|"
    r"advertisement|anzeige|publicidade|publicidad)\W*$",
    re.I,
)
_SPACE_RE = re.compile(r"\s+")
_TITLE_SEPARATORS_RE = re.compile(r"\s+[|\-–—:»·/\\]\s+")


class HtmlParser:
    """Main content of a web page; see the module docstring."""

    media_types: tuple[str, ...] = (HTML,)

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
        if not data.strip():
            raise ParseError("empty file")
        text, warnings = decode_html(data)

        def make_soup() -> BeautifulSoup:
            return BeautifulSoup(text, "lxml")

        metadata = _metadata(make_soup())
        content = extract_main_content(make_soup)
        passages = sections_to_passages(_sections(content))
        if not passages:
            raise ParseError("no text found in the page")
        return ParsedFile(media_type=HTML, passages=passages, metadata=metadata, warnings=warnings)


# --- decoding --------------------------------------------------------------------------


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, list[str]]:
    """The page as text, and warnings about how it was decoded."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET_RE.search(data[:8192])
    declared = _codec(match.group(1).decode("ascii", "replace")) if match else None
    if declared and declared != "utf-8":
        return data.decode(declared, errors="replace"), []
    if declared == "utf-8":
        return data.decode("utf-8", errors="replace"), [
            "invalid UTF-8 bytes replaced (page declares UTF-8)"
        ]
    return data.decode("cp1252", errors="replace"), [
        "no charset declared and not UTF-8: read as Windows-1252"
    ]


# --- metadata --------------------------------------------------------------------------


def _meta_values(soup: BeautifulSoup) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for meta in soup.find_all("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        key = key or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and str(content).strip():
            values.setdefault(str(key).strip().lower(), []).append(str(content).strip())
    return values


def _json_ld(soup: BeautifulSoup) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                items.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    items.extend(g for g in graph if isinstance(g, dict))
    return items


def _first(values: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in values.get(key, []):
            cleaned = clean_value(value)
            if cleaned:
                return cleaned
    return None


def _page_title(soup: BeautifulSoup, values: dict[str, list[str]]) -> str | None:
    og_title = _first(values, "og:title", "twitter:title", "dc.title", "dcterms.title")
    title_tag = clean_value(soup.title.get_text()) if soup.title else None
    h1 = soup.find("h1")
    h1_text = clean_value(h1.get_text(" ")) if h1 else None
    if og_title:
        return og_title
    if title_tag:
        if h1_text and h1_text in title_tag and len(h1_text.split()) >= 3:
            return h1_text
        parts = _TITLE_SEPARATORS_RE.split(title_tag)
        if len(parts) > 1 and len(" ".join(parts[:-1]).split()) >= 3:
            return clean_value(_TITLE_SEPARATORS_RE.split(title_tag, maxsplit=len(parts) - 2)[0])
        return title_tag
    return h1_text


def _metadata(soup: BeautifulSoup) -> dict[str, object]:
    values = _meta_values(soup)
    linked = _json_ld(soup)
    metadata: dict[str, object] = {}

    title = _page_title(soup, values)
    if title:
        metadata["title"] = title
    summary = _first(values, "description", "og:description", "twitter:description")
    if summary:
        metadata["summary"] = summary
    keywords = split_keywords(values.get("keywords", []) and values["keywords"][0])
    keywords += [k for k in split_keywords(values.get("article:tag")) if k not in keywords]
    if keywords:
        metadata["keywords"] = keywords

    html = soup.find("html")
    language = clean_value(html.get("lang") or html.get("xml:lang")) if html else None
    language = language or _first(values, "content-language", "dc.language", "og:locale")
    if language:
        metadata["language"] = language.replace("_", "-")

    date_value = _first(
        values, "article:published_time", "og:published_time", "datepublished", "date",
        "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date", "pubdate",
        "publishdate", "sailthru.date", "parsely-pub-date",
    )  # fmt: skip
    if not date_value:
        date_value = next(
            (str(item["datePublished"]) for item in linked if item.get("datePublished")), None
        )
    if not date_value:
        time_tag = soup.find("time", datetime=True)
        date_value = str(time_tag["datetime"]) if time_tag else None
    date = file_date(date_value) if date_value else None
    if date:
        metadata["date"] = date

    author = _first(values, "author", "article:author", "dc.creator", "byl")
    if author and author.startswith(("http://", "https://")):
        author = None
    if not author:
        for item in linked:
            found = item.get("author")
            found = found[0] if isinstance(found, list) and found else found
            name = found.get("name") if isinstance(found, dict) else found
            if isinstance(name, str) and clean_value(name):
                author = clean_value(name)
                break
    if author:
        metadata["author"] = author
    return metadata


# --- sections --------------------------------------------------------------------------


class _Collector:
    """Walks the content element and collects sections of paragraphs under headings."""

    def __init__(self) -> None:
        self.sections: list[Section] = [Section()]
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        lines = [" ".join(line.split()) for line in text.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            self.sections[-1].paragraphs.append(paragraph)

    def walk(self, tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(_SPACE_RE.sub(" ", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _SECTION_HEADINGS:
                self.flush()
                heading = " ".join(child.get_text(" ").split())
                if heading:
                    self.sections.append(Section(heading))
            elif name in _MINOR_HEADINGS:
                self.flush()
                self.buffer.append(child.get_text(" "))
                self.flush()
            elif name == "pre":
                self.flush()
                text = child.get_text()
                if text.strip():
                    self.sections[-1].paragraphs.append(text.strip("\n"))
            elif name == "br":
                self.buffer.append("\n")
            elif name in _CELLS:
                self.buffer.append(" ")
                self.walk(child)
                self.buffer.append(" ")
            elif name == "tr":
                self.walk(child)
                self.buffer.append("\n")
            elif name in _BLOCKS:
                self.flush()
                self.walk(child)
                self.flush()
            elif name == "img":
                continue
            else:
                self.walk(child)


def _sections(content: Tag) -> list[Section]:
    collector = _Collector()
    collector.walk(content)
    collector.flush()
    total = sum(section.size() for section in collector.sections) or 1
    sections = []
    for section in collector.sections:
        if section.heading and _BOILERPLATE_HEADING_RE.match(section.heading.strip()):
            if section.size() < 0.3 * total:
                continue  # "Related", "Comments": a box below the article
            section.heading = None  # the article itself, under a "Share this" heading
        section.paragraphs = [
            p for p in section.paragraphs if not _BOILERPLATE_LINE_RE.match(p.strip())
        ]
        sections.append(section)
    return sections
