"""One document as page data, for /documents/{id} and /api/documents/{id}."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from index import (
    PRACTICE_FIELDS,
    DocumentView,
    IndexStore,
    SimilarDocument,
    get_document,
    related_documents,
)
from ingest import compress_ranges, date_label, iso_language
from search_app.errors import NotFound
from search_app.params import SearchParams, as_composed
from search_app.search_page import document_url, file_url, only_marks, passage_where

#: Metadata rows of the document page: (field, label, facet for value labels / links).
FIELDS: tuple[tuple[str, str, str | None], ...] = (
    ("doc_type", "Document type", "type"),
    ("language", "Language", "language"),
    ("country_code", "Country", "country"),
    ("region_code", "Region", "region"),
    ("themes", "Themes", "theme"),
    ("date", "Date", None),
    ("partner", "Partner", "partner"),
    ("policy_instrument", "Policy instrument", "instrument"),
    ("author", "Author", None),
    ("keywords", "Keywords", None),
)
SOURCE_LABELS = {"catalog": "catalog", "file": "file metadata", "inferred": "inferred"}
#: a good practice's record fields come from the catalog or from the file's own text
RECORD_SOURCE_LABELS = {"catalog": "catalog", "file": "file text"}


@dataclass
class MetaValue:
    value: str
    label: str
    #: a search filtered on this value, when it is a facet value
    url: str | None = None


@dataclass
class MetaRow:
    name: str
    label: str
    values: list[MetaValue]
    #: where the value came from: catalog, file or inferred (None when not recorded)
    source: str | None
    source_label: str | None


@dataclass
class PassageData:
    ordinal: int
    page: int | None
    heading: str | None
    where: str
    #: escaped HTML of the passage with the query's words in <mark> (safe to render)
    html: str
    matched: bool
    #: the original file at this page (PDF) or None
    file_url: str | None
    anchor: str
    #: "text" (the file's own text) or "ocr" (read from the page image), with Tesseract's
    #: mean word confidence (0-100) for OCR
    source: str = "text"
    confidence: float | None = None


@dataclass
class RecordField:
    """One field of a good practice's record, as the document page shows it."""

    name: str
    label: str
    #: escaped HTML with the query's words in <mark> (safe to render)
    html: str
    source: str | None
    source_label: str | None


@dataclass
class SimilarDoc:
    id: str
    title: str
    url: str
    doc_type: str | None
    language: str | None = None
    language_label: str | None = None


@dataclass
class DocumentPage:
    id: str
    title: str
    title_source: str | None
    url: str
    query: str
    search_url: str
    file_url: str
    download_url: str
    source_path: str
    media_type: str | None
    page_count: int | None
    summary: str | None
    summary_source: str | None
    metadata: list[MetaRow]
    passages: list[PassageData]
    matched_passages: int
    more_like_this: list[SimilarDoc] = field(default_factory=list)
    #: the same topic in other languages (from the vectors; empty when semantic search is off)
    other_languages: list[SimilarDoc] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    hidden: bool = False
    #: "Read by OCR: pages 1-3, mean confidence 91%, language German (detected)"; None when
    #: no page was read by OCR
    ocr: str | None = None
    #: a good practice's record: its fields in template order (empty for other documents)
    record: list[RecordField] = field(default_factory=list)
    #: the years the practice ran, each a search of good practices running that year
    running: list[MetaValue] = field(default_factory=list)
    #: the source of every record field when they all have the same (shown once)
    record_source: str | None = None
    record_source_label: str | None = None
    #: the document's language (its code: "hu"), which its title, summary, record and
    #: passages are marked with on the page (lang), or None when it is not known
    language: str | None = None


def _facet_url(facet: str, value: str) -> str:
    return f"/?{facet}={quote(value, safe='')}"


def passage_labels(view: DocumentView) -> list[str]:
    """A label per passage, unique within the document: "Page 3", a heading, and for a
    section split into several passages its heading with "(part 2)", "(part 3)" ..."""
    names = [None if p.page else passage_where(None, p.heading, p.ordinal, p.record_field)
             for p in view.passages]
    totals = Counter(names)
    seen: Counter[str] = Counter()
    labels = []
    for p, name in zip(view.passages, names, strict=True):
        if name is None:
            labels.append(f"Page {p.page}")
        elif totals[name] > 1:
            seen[name] += 1
            labels.append(name if seen[name] == 1 else f"{name} (part {seen[name]})")
        else:
            labels.append(name)
    return labels


def document_page(
    view: DocumentView, similar: list[SimilarDocument], labels: dict[str, dict[str, str]],
    q: str = "", other_languages: list[SimilarDocument] | None = None,
    search: SearchParams | None = None,
) -> DocumentPage:
    """The page of ``view``; ``search``: the search it was opened from (its ``q`` is ``q``),
    which its links to other documents carry and its "Back to search" returns to."""
    search = replace(search, q=q) if search is not None else SearchParams(q=q)
    doc = view.document
    rows = []
    for name, label, facet in FIELDS:
        raw = getattr(doc, name)
        if raw in (None, "", []):
            continue
        items = raw if isinstance(raw, list) else [raw]
        values = []
        for item in items:
            text = str(item)
            shown = labels.get(facet, {}).get(text, text) if facet else text
            if name == "country_code" and doc.country_name:
                shown = doc.country_name
            if name == "region_code" and doc.region_name:
                shown = doc.region_name
            url = _facet_url(facet, text) if facet else None
            if name == "date":
                shown = date_label(text) or text
                url = _facet_url("year", str(doc.year)) if doc.year else None
            values.append(MetaValue(text, shown, url))
        source = doc.sources.get(name)
        rows.append(MetaRow(name, label, values, source,
                            SOURCE_LABELS.get(source or "", source)))
    wheres = passage_labels(view)
    passages = [
        PassageData(
            ordinal=p.ordinal, page=p.page, heading=p.heading,
            where=wheres[i],
            html=only_marks(p.html), matched=p.matched,
            file_url=file_url(doc.source_path, p.page) if p.page else None,
            anchor=f"passage-{p.ordinal}",
            source=p.source, confidence=p.confidence,
        )
        for i, p in enumerate(view.passages)
    ]
    record = [
        RecordField(name, label, only_marks(view.practice_html.get(name, "")),
                    doc.sources.get(f"practice.{name}"),
                    RECORD_SOURCE_LABELS.get(doc.sources.get(f"practice.{name}") or "", None))
        for name, label in PRACTICE_FIELDS if doc.practice.get(name)
    ]
    common = record[0].source if len({f.source for f in record}) == 1 and record else None
    return DocumentPage(
        id=doc.id,
        title=doc.title,
        title_source=doc.sources.get("title"),
        url=document_url(doc.id, q, search),
        query=q,
        search_url=search.url("/"),
        file_url=file_url(doc.source_path),
        download_url=file_url(doc.source_path) + "?download=1",
        source_path=doc.source_path,
        media_type=doc.media_type,
        page_count=doc.page_count,
        summary=doc.summary,
        summary_source=doc.sources.get("summary"),
        metadata=rows,
        passages=passages,
        matched_passages=view.matched_passages,
        more_like_this=[SimilarDoc(s.id, s.title, document_url(s.id, q, search), s.doc_type,
                                   s.language)
                        for s in similar],
        other_languages=[
            SimilarDoc(s.id, s.title, document_url(s.id, q, search), s.doc_type, s.language,
                       labels.get("language", {}).get(s.language or "", s.language))
            for s in other_languages or []
        ],
        warnings=list(doc.warnings),
        hidden=doc.hidden,
        ocr=ocr_note(doc.ocr, labels.get("language", {})),
        record=record,
        running=[MetaValue(str(y), str(y), f"/?type=good_practice&running={y}")
                 for y in doc.running_years],
        record_source=common,
        record_source_label=RECORD_SOURCE_LABELS.get(common or "", common),
        language=doc.language or None,
    )


def ocr_note(ocr: dict[str, Any] | None, language_labels: dict[str, str]) -> str | None:
    """What the document page says about OCR, or None when no page was read by OCR."""
    if not ocr or not ocr.get("pages"):
        return None
    iso = iso_language(ocr.get("language"))
    language = language_labels.get(iso or "", iso or ocr.get("language") or "unknown")
    how = f" ({ocr['language_source']})" if ocr.get("language_source") else ""
    return (f"Read by OCR: {compress_ranges(ocr['pages'])}, mean confidence "
            f"{ocr.get('confidence') or 0:.0f}%, language {language}{how}. "
            "The text may contain recognition errors.")


def find_document_page(store: IndexStore, doc_id: str, q: str = "", *,
                       include_hidden: bool = False,
                       search: SearchParams | None = None) -> DocumentPage:
    """The page data of document ``doc_id`` (the HTML page and /api/documents render it),
    with similar documents and the same topic in other languages; NotFound without one.
    ``q`` is read composed (params.as_composed); ``search``: the search the document was
    opened from (the hits' links carry it), for the way back to it."""
    q = as_composed(q)
    view = get_document(store, doc_id, q, include_hidden=include_hidden)
    if view is None:
        raise NotFound(f"There is no document with the id {doc_id[:200]!r}.")
    similar, other_languages = related_documents(store, doc_id)
    return document_page(view, similar, store.facet_labels(), q, other_languages, search)
