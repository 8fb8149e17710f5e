"""Reading single documents, "more like this", completion suggestions and index statistics."""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from index import query_form as qf
from index import semantic
from index.analysis import fold
from index.engine import EngineReader, Filter
from index.errors import SearchFailedError
from index.highlight import mark_all
from index.prepare import index_language
from index.query import ParsedQuery, parse_query, without_negations
from index.query_form import asked_for, phrases_as_words, searches
from index.query_text import query_text
from index.readings import PAGE_READINGS, PageQuery
from index.records import Document, Passage
from index.schema import passage_field
from index.search import document_spellings, passage_query, phrase_across, reading_key
from index.spellings import Spellings
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
    #: the search engine of the index (index.engine_names())
    engine: str | None = None
    last_ingest: dict[str, Any] | None = None
    failures: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: semantic search: on/off, model, documents embedded of all, embedding running now
    semantic: dict[str, Any] = field(default_factory=dict)


#: What the document page and the API's document say when the engine fails reading the
#: document while the index's files are sound (the store's SearchFailedError speaks of a
#: search's words).
DOCUMENT_FAILED = ("This document could not be shown: the search engine failed while reading "
                   "it. The index's files are sound: searches and other documents work.")
#: The same for the index's statistics (`kb stats`).
STATS_FAILED = ("The index's statistics could not be read: the search engine failed while "
                "reading them. The index's files are sound: searches work; try again.")

F = TypeVar("F", bound=Callable[..., Any])


def _failing_as(message: str) -> Callable[[F], F]:
    """A SearchFailedError raised in the function tells ``message`` instead."""
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except SearchFailedError as exc:
                raise SearchFailedError(message) from exc
        return wrapper  # type: ignore[return-value]
    return decorate


@_failing_as(DOCUMENT_FAILED)
def get_document(
    store: IndexStore, doc_id: str, query: str = "", *, include_hidden: bool = False
) -> DocumentView | None:
    """The document with its passages in order; the query's words marked. None if unknown,
    or hidden (unless ``include_hidden``: the admin sees hidden documents). As in the
    results (index.search): the query read as the search reads it (index.search.passage_query:
    the synonyms' and the glossary's terms, the accents the documents write, the correction
    of a typo that finds nothing); when the query's words match none of its passages, the passages
    and marks of their longer forms (a compound: "export" in "Exportförderung"), and when
    its phrase runs from one passage into the next (a page break), the two passages it runs
    over (else those holding the phrase's words)."""
    with store.reader() as r:
        doc = r.documents([doc_id])[0]
        if doc is None or (doc.hidden and not include_hidden):
            return None
        lang = index_language(doc.language)
        # read as the search reads it: its synonyms and glossary, accents, typo corrections
        # (kept for the next document opened from the same results: index.readings)
        page_query = PAGE_READINGS.get_or_read(lambda: reading_key(store, query),
                                               lambda: _page_query(store, r, query))
        parsed = page_query.parsed
        shown = passage_field(lang)
        terms = set(page_query.terms(r).get(shown, ()))
        matched: set[int] = set()
        if searches(parsed.passages):
            matched = r.matching_passages(parsed.passages, doc_id)
            heads = parsed.shown_heads()
            if not matched and heads is not None:
                matched = r.matching_passages(heads, doc_id)
                if matched:  # marked only where they are what matches
                    terms = terms | r.query_terms(asked_for(heads)).get(shown, set())
            loose = phrases_as_words(parsed.passages) if not matched else None
            if loose is not None and parsed.documents is not None and r.matching(
                    parsed.documents, [doc_id]):
                # a phrase across two passages (a page break): only when the document holds
                # it (its body does), as the results loosen it for keyword hits only: the
                # two passages it runs over, else those holding its words
                across = phrase_across(r, doc_id, lang, parsed.passages)
                matched = ({p.ordinal for p in across} if across
                           else r.matching_passages(loose, doc_id))
        doc.passages = r.passages(doc_id)
        views = [PassageView(**vars(passage), html=mark_all(passage.text, terms, lang),
                             matched=passage.ordinal in matched)
                 for passage in doc.passages]
        practice_html = {name: mark_all(text, terms, lang)
                         for name, text in doc.practice.items()}
    return DocumentView(doc, views, len(matched), practice_html)


def _page_query(store: IndexStore, reader: EngineReader, query: str) -> PageQuery:
    return PageQuery(passage_query(store, reader, query))


def _similar(doc: Document, score: float) -> SimilarDocument:
    return SimilarDocument(doc.id, doc.title, doc.doc_type, doc.language, round(score, 3))


def _by_meaning(
    store: IndexStore, doc_id: str, limit: int, other_languages: tuple[bool, ...]
) -> list[list[SimilarDocument]] | None:
    """Documents close to ``doc_id`` by their vectors (at least
    index.semantic.SIMILAR_MIN_SCORE), a list for each of ``other_languages`` (in any
    language, or only in others than its own; index.semantic.similar_lists), each of up to
    ``limit`` documents that are not hidden; None when it has no vector, or semantic search
    is off."""
    if not semantic.enabled():
        return None
    gen = store.current_generation()
    vi = load_index(gen) if gen is not None else None
    if vi is None or doc_id not in vi.position:
        return None
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    lists = []
    with store.reader() as r:
        for found in semantic.similar_lists(vi, doc_id, everything, limit * 4 + 4,
                                            other_languages):
            out: list[SimilarDocument] = []
            for pos, score in found:
                doc = r.documents([vi.doc_ids[pos]])[0]
                if doc is None or doc.hidden:
                    continue
                out.append(_similar(doc, score))
                if len(out) >= limit:
                    break
            lists.append(out)
    return lists


@_failing_as(DOCUMENT_FAILED)
def same_topic_other_languages(
    store: IndexStore, doc_id: str, limit: int = 5
) -> list[SimilarDocument]:
    """Documents in other languages than ``doc_id``'s that are closest to it in meaning
    (from the vectors, at least index.semantic.SIMILAR_MIN_SCORE; empty when semantic search
    is off or the document has no vector)."""
    lists = _by_meaning(store, doc_id, limit, (True,))
    return lists[0] if lists is not None else []


@_failing_as(DOCUMENT_FAILED)
def more_like_this(store: IndexStore, doc_id: str, limit: int = 5) -> list[SimilarDocument]:
    """Documents similar to ``doc_id``: by meaning (its vector; at least
    index.semantic.SIMILAR_MIN_SCORE) when semantic search is on and it is embedded, else by
    its most distinctive words."""
    lists = _by_meaning(store, doc_id, limit, (False,))
    return lists[0] if lists is not None else _by_words(store, doc_id, limit)


@_failing_as(DOCUMENT_FAILED)
def related_documents(
    store: IndexStore, doc_id: str, limit: int = 5
) -> tuple[list[SimilarDocument], list[SimilarDocument]]:
    """The document page's two lists, with one product of its vector with the vectors: more
    like this, without the documents of the second list, and the same topic in other
    languages (same_topic_other_languages). A document of few in its language had the same
    five in both (the closest documents are all in other languages)."""
    lists = _by_meaning(store, doc_id, 2 * limit, (False, True))
    if lists is None:
        return _by_words(store, doc_id, limit), []
    other = lists[1][:limit]
    listed = {s.id for s in other}
    return [s for s in lists[0] if s.id not in listed][:limit], other


def _by_words(store: IndexStore, doc_id: str, limit: int) -> list[SimilarDocument]:
    """Documents sharing the most distinctive words of ``doc_id`` (the engine's)."""
    with store.reader() as r:
        found = r.more_like_this(doc_id, limit)
        docs = r.documents([i for i, _ in found])
    return [_similar(doc, score) for doc, (_, score) in zip(docs, found, strict=True)
            if doc is not None][:limit]


def suggest(store: IndexStore, text: str, limit: int = 8) -> list[Suggestion]:
    """Completions for what a user is typing: words that complete it, then matching titles.
    The last word of a hyphenated one is completed ("Sud-Munt": "Sud-Muntenia"; the index's
    words are split at hyphens), the titles are found by its parts as words."""
    text = query_text(text or "")[:200]
    stripped = text.rstrip()
    if not stripped:
        return []
    head, _, last = stripped.rpartition(" ")
    before, hyphen, part = last.rpartition("-")
    if not any(c.isalnum() for c in before):
        before, hyphen, part = "", "", last  # "-exp": a word excluded, not a hyphenated one
    prefix = fold(part)
    out: list[Suggestion] = []
    with store.reader() as r:
        if len(prefix) >= 2 and prefix.isalnum():
            written = document_spellings(store)
            lead = f"{head} {before}{hyphen}"
            wanted = max(3, limit // 2)
            for word in r.completions(prefix, wanted * 2 if hyphen else wanted):
                form = _as_written(r, word, part, written)
                if form is not None and (not hyphen or _written_joined(r, before, form)):
                    out.append(Suggestion((lead + form).strip(), "word"))
            out = out[:wanted]
        words = [*head.split(), *(w for w in before.split("-") if w)]
        parsed = parse_query(" ".join([*words, part + "*" if len(prefix) >= 2 else ""]))
        wanted = limit - len(out)
        # titles only for what the text asks for: a text that only excludes ("-exp", "NOT
        # exp") matches documents by what they lack, in no order (each engine gave its own)
        if searches(parsed.documents) and wanted > 0 and not _only_excludes(parsed):
            # a hyphenated word's titles are those that write it ("Sud-M": not the Basque
            # plan, which has neither "Sud" nor a word in "M..." after it)
            joined = (re.compile(rf"(?<!\w){re.escape(fold(before))}[-\s]+{re.escape(prefix)}")
                      if hyphen else None)
            ranked = r.search(parsed.documents, Filter(),
                              limit=wanted * 4 if joined else wanted)
            for doc in r.documents(ranked.ids):
                if doc is not None and (joined is None or joined.search(fold(doc.title))):
                    out.append(Suggestion(doc.title, "title", doc.id))
    return out[:limit]


#: Documents read for how they write a completed word (its titles and summaries)
WRITTEN_FORM_DOCUMENTS = 3
_TOKEN = re.compile(r"\w+")


def _as_written(r: EngineReader, word: str, typed: str, spelt: Spellings | None = None
                ) -> str | None:
    """``word`` (an indexed word: folded, "exportforderung") as the documents write it in
    their titles and summaries, their most frequent form there ("Exportförderung"), else as
    ``spelt`` (the documents' spellings, index.spellings) has it when they agree ("közép":
    "középvállalkozások"), else ``word``; its first letter in the case ``typed`` has, unless
    the form has capitals past it ("COVID", "SMEs", "kMU" for "kmu" was wrong), and with the
    accents ``typed`` has ("közép" is not "kozep"). A form with the accents typed is taken
    before the others; None when the documents write the word only with other accents than
    those typed: "exportaç" is no start of the Spanish "exportación", and the typed "ç" put
    into it made a word of no language ("exportaçión")."""
    found = r.search(qf.Term("words", word), Filter(), limit=WRITTEN_FORM_DOCUMENTS)
    forms: Counter[str] = Counter()
    for doc in r.documents(found.ids):
        if doc is not None:
            forms.update(t for t in _TOKEN.findall(f"{doc.title} {doc.summary or ''}")
                         if fold(t) == word)
    known = sorted({f for words in (spelt.spelt.values() if spelt else ())
                    for f in words.get(word, ())})
    if not typed.isascii():
        written = [f for f, _ in forms.most_common()] + known
        agreeing = [f for f in written if _typed_agrees(f, typed)]
        if agreeing:
            forms, known = Counter([agreeing[0]]), []
        elif not all(f.isascii() for f in written):
            return None
    if forms:
        form = forms.most_common(1)[0][0]
    else:
        if len(known) > 1:  # those with the accents typed, when they tell
            known = [f for f in known if f.startswith(typed.lower())] or known
        form = known[0] if len(known) == 1 else word
    if not any(c.isupper() for c in form[1:]):
        form = (form[:1].upper() if typed[:1].isupper() else form[:1].lower()) + form[1:]
    return _with_accents_typed(form, typed)


def _written_joined(r: EngineReader, before: str, form: str) -> bool:
    """Whether a document writes ``before`` and ``form`` joined by a hyphen (or as a phrase):
    "e-comm" was completed "e-communication", "e-common" ("comm" completed as a word of its
    own, then "e-" put before it), which no document writes."""
    documents = parse_query(f'"{before}-{form}"').documents
    return searches(documents) and bool(r.search(documents, Filter(), limit=1).ids)


def _typed_agrees(form: str, typed: str) -> bool:
    """Whether ``form`` (a documents' spelling) writes each letter ``typed`` with an accent
    as typed (in any case)."""
    return _with_accents_typed(form, typed).lower() == form.lower()


def _with_accents_typed(form: str, typed: str) -> str:
    """``form`` with each letter that ``typed`` (its start, as typed) writes with an accent
    ``form`` lacks written so ("kozepes", "köz": "közepes"), in ``form``'s case; a start
    typed with a letter the folded ``form`` writes with two, as typed ("aussenwirtschaft",
    "Außen": "Außenwirtschaft")."""
    if len(typed) > len(form) or fold(form[:len(typed)]) != fold(typed):
        start = fold(typed)
        if form.lower() == fold(form) and form.lower().startswith(start) and len(start) > len(
                typed):
            return typed + form[len(start):]
        return form
    out = list(form)
    for i, (have, want) in enumerate(zip(form, typed, strict=False)):
        if have.lower() != want.lower() and not want.isascii() and fold(want) == fold(have):
            out[i] = want.upper() if have.isupper() else want.lower()
    return "".join(out)


def _only_excludes(parsed: ParsedQuery) -> bool:
    """Whether ``parsed`` has nothing (a word, pattern, phrase or filter) outside a NOT."""
    return parsed.excluded is not None and not without_negations(parsed.text).strip()


@_failing_as(STATS_FAILED)
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
        with store.reader() as r:
            documents, passages = r.counts()
            for entry in r.catalog():
                ids.add(entry.id)
                hidden += entry.hidden
                by_type[entry.doc_type or "(none)"] += 1
                by_country[entry.country or "(none)"] += 1
                by_language[entry.language or "(none)"] += 1
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
        engine=store.engine_name(),
        last_ingest=reports[0] if reports else None,
        failures=len(store.load_failures()),
        semantic=semantic.status(store.path, gen, ids).to_dict(),
    )
