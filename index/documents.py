"""Reading single documents, "more like this", completion suggestions and index statistics."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq

from index import semantic
from index.analysis import fold
from index.highlight import mark_all
from index.prepare import index_language
from index.query import parse_query
from index.records import Document, Passage
from index.schema import body_field, passage_field, title_field
from index.search import query_terms
from index.store import IndexStore
from index.vectors import load_index


@dataclass(kw_only=True)
class PassageView(Passage):
    """A passage as the document page shows it: the passage with the query's words marked."""

    #: escaped HTML of the whole passage, with the query's words marked
    html: str
    #: whether the passage matches the query
    matched: bool = False


@dataclass
class DocumentView:
    document: Document
    passages: list[PassageView]
    matched_passages: int = 0
    #: a good practice's record fields as escaped HTML with the query's words marked
    practice_html: dict[str, str] = field(default_factory=dict)


@dataclass
class SimilarDocument:
    """A document close to another one (by meaning, or by its most distinctive words)."""

    id: str
    title: str
    doc_type: str | None
    language: str | None
    score: float


@dataclass
class Suggestion:
    text: str
    kind: str  # "word" (completes the query) or "title" (a document)
    doc_id: str | None = None


@dataclass
class IndexStats:
    documents: int
    passages: int
    hidden: int
    by_type: dict[str, int]
    by_country: dict[str, int]
    by_language: dict[str, int]
    size_bytes: int
    generation: str | None
    schema_version: int | None
    last_ingest: dict[str, Any] | None = None
    failures: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: semantic search: on/off, model, documents embedded of all, embedding running now
    semantic: dict[str, Any] = field(default_factory=dict)


def _document_from_stored(stored: dict[str, Any]) -> Document:
    return Document.from_dict(json.loads(stored["meta"]))


def get_document(
    store: IndexStore, doc_id: str, query: str = "", *, include_hidden: bool = False
) -> DocumentView | None:
    """The document with its passages in order; the query's words marked. None if unknown,
    or hidden (unless ``include_hidden``: the admin sees hidden documents)."""
    with store.searcher() as s:
        docnum = s.document_number(uid=doc_id)
        if docnum is None:
            return None
        stored = s.stored_fields(docnum)
        if stored.get("hidden") and not include_hidden:
            return None
        doc = _document_from_stored(stored)
        lang = index_language(doc.language)
        parsed = parse_query(query)
        terms = query_terms(s, parsed.passages).get(passage_field(lang), set())
        matched: set[int] = set()
        if parsed.passages is not None and parsed.passages is not wq.NullQuery:
            flt = wq.And([wq.Term("kind", "passage"), wq.Term("doc_id", doc_id)])
            for r in s.search(parsed.passages, filter=flt, limit=None):
                matched.add(r["ordinal"])
        rows = s.search(
            wq.And([wq.Term("kind", "passage"), wq.Term("doc_id", doc_id)]),
            limit=None,
            sortedby="ordinal",
        )
        doc.passages, views = [], []
        for r in rows:
            passage = Passage(
                ordinal=r["ordinal"],
                text=r.get("text") or "",
                page=r.get("page"),
                heading=r.get("heading"),
                source=r.get("source") or "text",
                confidence=r.get("confidence"),
                record_field=r.get("record_field"),
            )
            doc.passages.append(passage)
            views.append(PassageView(**vars(passage), html=mark_all(passage.text, terms, lang),
                                     matched=passage.ordinal in matched))
        practice_html = {name: mark_all(text, terms, lang)
                         for name, text in doc.practice.items()}
    return DocumentView(doc, views, len(matched), practice_html)


def _similar(meta: dict[str, Any], score: float) -> SimilarDocument:
    return SimilarDocument(meta["id"], meta["title"], meta.get("doc_type"), meta.get("language"),
                           round(score, 3))


def _by_meaning(
    store: IndexStore, doc_id: str, limit: int, *, other_languages: bool
) -> list[SimilarDocument] | None:
    """Documents close to ``doc_id`` by their vectors (None when it has none, or semantic
    search is off)."""
    if not semantic.enabled():
        return None
    gen = store.current_generation()
    vi = load_index(gen) if gen is not None else None
    if vi is None or doc_id not in vi.position:
        return None
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    out: list[SimilarDocument] = []
    with store.searcher() as s:
        for pos, score in semantic.similar_documents(
            vi, doc_id, everything, limit * 4 + 4, other_languages=other_languages
        ):
            docnum = s.document_number(uid=vi.doc_ids[pos])
            if docnum is None:
                continue
            stored = s.stored_fields(docnum)
            if stored.get("hidden"):
                continue
            out.append(_similar(json.loads(stored["meta"]), score))
            if len(out) >= limit:
                break
    return out


def same_topic_other_languages(
    store: IndexStore, doc_id: str, limit: int = 5
) -> list[SimilarDocument]:
    """Documents in other languages than ``doc_id``'s that are closest to it in meaning
    (from the vectors; empty when semantic search is off or the document has no vector)."""
    return _by_meaning(store, doc_id, limit, other_languages=True) or []


def more_like_this(store: IndexStore, doc_id: str, limit: int = 5) -> list[SimilarDocument]:
    """Documents similar to ``doc_id``: by meaning (its vector) when semantic search is on and
    it is embedded, else by its most distinctive words."""
    by_meaning = _by_meaning(store, doc_id, limit, other_languages=False)
    if by_meaning is not None:
        return by_meaning
    with store.searcher() as s:
        docnum = s.document_number(uid=doc_id)
        if docnum is None:
            return []
        doc = _document_from_stored(s.stored_fields(docnum))
        lang = index_language(doc.language)
        texts = [
            r.get("text") or ""
            for r in s.search(
                wq.And([wq.Term("kind", "passage"), wq.Term("doc_id", doc_id)]), limit=200
            )
        ]
        text = doc.title + "\n" + "\n".join(texts)
        flt = wq.And([wq.Term("kind", "doc"), wq.Not(wq.Term("hidden", True))])
        out: list[SimilarDocument] = []
        seen = {doc_id}
        for fieldname in (body_field(lang), title_field(lang)):
            hits = s.more_like(docnum, fieldname, text=text, top=limit + 1,
                               numterms=25, filter=flt)
            for hit in hits:
                meta = json.loads(hit["meta"])
                if meta["id"] in seen:
                    continue
                seen.add(meta["id"])
                out.append(_similar(meta, hit.score))
            if len(out) >= limit:
                break
        return out[:limit]


def suggest(store: IndexStore, text: str, limit: int = 8) -> list[Suggestion]:
    """Completions for what a user is typing: words that complete it, then matching titles."""
    text = (text or "")[:200]
    stripped = text.rstrip()
    if not stripped:
        return []
    head, _, last = stripped.rpartition(" ")
    prefix = fold(last)
    out: list[Suggestion] = []
    with store.searcher() as s:
        reader = s.reader()
        if len(prefix) >= 2 and prefix.isalnum():
            words = []
            for term in reader.expand_prefix("words", prefix):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                words.append((reader.doc_frequency("words", word), word))
                if len(words) > 2000:
                    break
            words.sort(key=lambda pair: (-pair[0], pair[1]))
            hidden = set(s.docs_for_query(wq.Term("hidden", True)))
            wanted = max(3, limit // 2)
            for _, word in words:
                if len(out) >= wanted:
                    break
                # A word only hidden documents contain is not offered (hidden means hidden).
                if hidden and not _in_visible_document(reader, word, hidden):
                    continue
                out.append(Suggestion((head + " " + word).strip(), "word"))
        parsed = parse_query(" ".join([*head.split(), last + "*" if len(prefix) >= 2 else ""]))
        if parsed.documents is not None and parsed.documents is not wq.NullQuery:
            flt = wq.And([wq.Term("kind", "doc"), wq.Not(wq.Term("hidden", True))])
            for hit in s.search(parsed.documents, filter=flt, limit=limit - len(out)):
                meta = json.loads(hit["meta"])
                out.append(Suggestion(meta["title"], "title", meta["id"]))
    return out[:limit]


def _in_visible_document(reader: Any, word: str, hidden: set[int]) -> bool:
    return any(docnum not in hidden for docnum in reader.postings("words", word).all_ids())


def index_stats(store: IndexStore) -> IndexStats:
    gen = store.current_generation()
    size = 0
    if gen is not None:
        size = sum(
            os.path.getsize(os.path.join(root, f))
            for root, _, files in os.walk(gen)
            for f in files
        )
    by_type: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    documents = passages = hidden = 0
    ids: set[str] = set()
    if store.needs_rebuild() is None:
        with store.searcher() as s:
            passages = sum(1 for _ in s.document_numbers(kind="passage"))
            for docnum in s.document_numbers(kind="doc"):
                stored = s.stored_fields(docnum)
                documents += 1
                ids.add(stored.get("doc_id") or "")
                hidden += bool(stored.get("hidden"))
                by_type[stored.get("doc_type") or "(none)"] += 1
                by_country[stored.get("country") or "(none)"] += 1
                by_language[stored.get("language") or "(none)"] += 1
    reports = store.reports(limit=1)
    return IndexStats(
        documents=documents,
        passages=passages,
        hidden=hidden,
        by_type=dict(by_type.most_common()),
        by_country=dict(by_country.most_common()),
        by_language=dict(by_language.most_common()),
        size_bytes=size,
        generation=gen.name if gen else None,
        schema_version=store.schema_version(),
        last_ingest=reports[0] if reports else None,
        failures=len(store.load_failures()),
        semantic=semantic.status(store.path, gen, ids).to_dict(),
    )
