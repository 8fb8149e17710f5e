"""Search as one function: a request in, plain data out (the page, API and CSV all use it).

Engine-neutral orchestration: the query is parsed (index.query), ranked, filtered and counted by
the engine's reader (index.engine.EngineReader), fused in doc ids with the semantic ranking
(index.semantic), its hits given their best passages, highlighted (index.highlight), and
"did you mean" asked (index.did_you_mean).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

import numpy as np

from index import places, semantic
from index import query_form as qf
from index.analysis import analyze
from index.did_you_mean import _in_language as in_language
from index.did_you_mean import (
    correction,
    corrections,
    query_languages,
    quote_changed,
    ranked_correction,
)
from index.engine import EngineReader, Filter, Ranked, Sort
from index.errors import IndexUnavailableError
from index.facet_names import as_codes
from index.highlight import highlight, plain_snippet
from index.prepare import facet_values, index_language
from index.query import (
    ParsedQuery,
    add_synonyms,
    parse_query,
    query_language,
    unknown_fields_as_words,
    without_negations,
    word_queries,
)
from index.query_text import query_text
from index.readings import PAGE_READINGS, PageQuery
from index.records import Document, Passage
from index.results import (
    HIT_METADATA,
    DocumentHit,
    PassageHit,
    SearchRequest,
    SearchResult,
    facet_results,
)
from index.schema import FACET_FIELDS, passage_field
from index.spellings import PASSAGES, Spellings, spellings
from index.store import IndexStore
from index.vectors import VectorIndex, load_index

log = logging.getLogger(__name__)


def _sort(req: SearchRequest, has_query: bool) -> Sort:
    """The engine's order of the hits: by score, except when browsing (no words: newest
    first) or asked for another order."""
    if req.sort == "relevance":
        return "score" if has_query else "newest"
    sort: Sort = "newest" if req.sort == "newest" else "oldest" if req.sort == "oldest" \
        else "title"
    return sort


def _doc_hit(doc: Document, score: float) -> DocumentHit:
    values = {name: getattr(doc, name) for name in HIT_METADATA}
    return DocumentHit(
        **{name: value for name, value in values.items() if value is not None},
        score=round(float(score), 4) if score and math.isfinite(score) else 0.0,
        themes=list(doc.themes),
    )


def _hits(reader: EngineReader, ranked: list[tuple[str, float]],
          only_meaning: set[str]) -> list[DocumentHit]:
    """The hits of ``ranked`` (id, score), in order; those of ``only_meaning`` (found by
    meaning alone) marked so."""
    docs = reader.documents([doc_id for doc_id, _ in ranked])
    hits = [_doc_hit(doc, score) for doc, (_, score) in zip(docs, ranked, strict=True)
            if doc is not None]
    for hit in hits:
        if hit.id in only_meaning:
            hit.match = "semantic"
    return hits


def _attach_passages(
    reader: EngineReader, hits: list[DocumentHit], parsed: ParsedQuery, per_doc: int
) -> dict[str, frozenset[str]] | None:
    """The hits' best passages, their words marked; returns the index terms the passage query
    asks for, by field (a document page marks them: index.readings.PageQuery), when it
    listed them."""
    if not hits or per_doc == 0:
        return None
    pq = parsed.passages
    # one passage more than shown: a passage matching by its heading alone gives way to it
    # (_by_their_words)
    asked = per_doc + 1
    found = (reader.best_passages(pq, [h.id for h in hits], asked)
             if qf.searches(pq) else None)
    if pq is None or found is None:
        # Browsing (no words): show the summary; else the start of the first passage.
        _attach_openings(reader, hits)
        return None
    terms = reader.query_terms(qf.asked_for(pq))
    asked_terms = {name: frozenset(found_terms) for name, found_terms in terms.items()}
    heads = parsed.shown_heads()
    unfound = [h.id for h in hits if h.match == "keyword" and not found.get(h.id)]
    if heads is not None and unfound:
        # keyword hits found by a word's longer forms alone (a compound): their passages,
        # marked (only for these: in every passage choice they cost Whoosh 1.67x its time,
        # bench/README.md)
        found = {**found, **(reader.best_passages(heads, unfound, asked) or {})}
        for name, more in reader.query_terms(qf.asked_for(heads)).items():
            terms[name] = terms.get(name, set()) | more
        unfound = [doc_id for doc_id in unfound if not found.get(doc_id)]
    loose = qf.phrases_as_words(pq) if unfound else None
    across: dict[str, list[Passage]] = {}
    if loose is not None:
        # keyword hits whose phrase runs from one passage into the next (a sentence over a
        # page break): the two passages it runs over, else those holding the phrase's
        # words, marked
        by_id = {h.id: h for h in hits}
        across = {doc_id: pair for doc_id in unfound if (pair := phrase_across(
            reader, doc_id, index_language(by_id[doc_id].language), pq))}
        rest = [doc_id for doc_id in unfound if doc_id not in across]
        found = {**found, **across,
                 **((reader.best_passages(loose, rest, asked) or {}) if rest else {})}
        for name, more in reader.query_terms(qf.asked_for(loose)).items():
            terms[name] = terms.get(name, set()) | more
    for hit in hits:
        lang = index_language(hit.language)
        marked = terms.get(passage_field(lang), set())
        passages = found.get(hit.id, [])
        if hit.id in across:  # the two passages a phrase runs over, both
            hit.passages.extend(PassageHit(p.ordinal, p.page, p.heading,
                                           highlight(p.text, marked, lang), p.record_field)
                                for p in passages)
        else:
            hit.passages.extend(_by_their_words(passages, marked, lang, per_doc))
        hit.passages.sort(key=lambda p: p.ordinal)
    # Found by meaning only, or by a word no passage field holds as typed (a pattern such as
    # "organi?ation" matches the document's words, not the stems of its passages): show how
    # the document opens.
    _attach_openings(reader, [h for h in hits if not h.passages])
    return asked_terms


def _by_their_words(passages: list[Passage], marked: set[str], lang: str, per_doc: int
                    ) -> list[PassageHit]:
    """The first ``per_doc`` of a hit's passages (best first), highlighted, whose text shows a
    word of the query (``marked``) marked; those that match by their heading alone only
    when none does (issue 10, point 6). A passage is indexed with its heading
    (index.prepare), which the snippet does not show: a document's opening section under its
    title ("UpGradeSME Newsletter No. 3 - Exporting in a pandemic") matched "pandemic" and
    showed first, its text the sample's disclaimer, nothing marked, before the passages that
    say it. Highlights only as many as it needs."""
    with_words: list[PassageHit] = []
    without: list[PassageHit] = []
    for p in passages:
        if len(with_words) >= per_doc:
            break
        shown = PassageHit(p.ordinal, p.page, p.heading, highlight(p.text, marked, lang),
                           p.record_field)
        (with_words if "<mark>" in shown.snippet else without).append(shown)
    return (with_words or without)[:per_doc]


def phrase_across(reader: EngineReader, doc_id: str, lang: str, pq: qf.Query
                   ) -> list[Passage]:
    """The two neighbouring passages of ``doc_id`` that one of the phrases ``pq`` asks for
    runs across (its first words end the one, its last begin the next, in ``lang``'s
    analysis, as the index holds them); [] when there are none. Reads the document's
    passages: only for a keyword hit no passage of which holds the phrase."""
    phrases = [p for p in _phrases(pq) if p.field == passage_field(lang) and len(p.words) > 1]
    if not phrases:
        return []
    passages = reader.passages(doc_id)
    terms = [analyze(lang, p.text) for p in passages]
    for i in range(len(passages) - 1):
        for phrase in phrases:
            n = len(phrase.words)
            # the phrase's first k words end passage i, the rest begin passage i + 1 (an
            # exact phrase: the words next to each other; a slop allows as many between)
            for k in range(1, n):
                if (_runs(terms[i][-(n * phrase.slop):], phrase.words[:k], phrase.slop, end=True)
                        and _runs(terms[i + 1][:n * phrase.slop], phrase.words[k:],
                                  phrase.slop, end=False)):
                    return [passages[i], passages[i + 1]]
    return []


def _runs(terms: list[str], words: Sequence[str], slop: int, *, end: bool) -> bool:
    """Whether ``words`` stand in ``terms`` in this order, each at most ``slop`` terms after
    the one before, the last of them within ``slop`` of the end of ``terms`` (``end``) or
    the first within ``slop`` of its start."""
    starts = (range(max(0, len(terms) - slop * len(words)), len(terms)) if end
              else range(min(slop, len(terms))))
    for start in starts:
        if terms[start] != words[0]:
            continue
        at, ok = start, True
        for word in words[1:]:
            nxt = next((j for j in range(at + 1, min(at + slop, len(terms) - 1) + 1)
                        if terms[j] == word), None)
            if nxt is None:
                ok = False
                break
            at = nxt
        if ok and (not end or len(terms) - 1 - at < slop):
            return True
    return False


def _phrases(q: qf.Query) -> list[qf.Phrase]:
    """The phrases ``q`` asks for (not under NOT)."""
    if isinstance(q, qf.Phrase):
        return [q]
    if isinstance(q, (qf.Or, qf.And)):
        return [p for part in q.parts for p in _phrases(part)]
    if isinstance(q, qf.AndNot):
        return _phrases(q.positive)
    if isinstance(q, qf.AndMaybe):
        return _phrases(q.required) + _phrases(q.optional)
    if isinstance(q, qf.Require):
        return _phrases(q.scored) + _phrases(q.required)
    return []


#: Passages read to find how a document opens past its cover and contents (ingest's
#: boilerplate passages, Passage.boilerplate).
OPENING_PASSAGES = 5


def _attach_openings(reader: EngineReader, hits: list[DocumentHit]) -> None:
    """For hits without a summary: the start of their first passage that is not boilerplate
    (a cover's notice, a table of contents) among the first OPENING_PASSAGES, else of their
    first."""
    for hit in hits:
        if not hit.summary:
            first = reader.passages(hit.id, limit=OPENING_PASSAGES)
            if not first:
                continue
            p = next((p for p in first if not p.boilerplate), first[0])
            hit.passages.append(PassageHit(p.ordinal, p.page, p.heading,
                                           plain_snippet(p.text), p.record_field))


# -- hybrid: keyword ranking fused with the semantic one (index.semantic) ---------------------

# The fusion settings (RRF k, weights, depths) are index.semantic.FUSION, read per search.

#: what the model does not read: the operators, a field:value (a filter, or words the query
#: restricts to a field, which a ranking by meaning cannot), a weight (^3, ^-0.5) with its
#: number and a phrase's ~N with its number (the model read "innovation^3" as "innovation 3")
_OPERATOR = re.compile(
    r"(?<!\S)(AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE)(?!\S)|\b\w+:(\[[^\]]*\]|\S+)"
    r"|\^[-+]?[\d.]*|~\d*(?:\.\d+)?|[()\"*]")


def semantic_text(text: str) -> str:
    """What a query says, for the model: without what it excludes (index.query's
    without_negations: "export NOT covid" means export, and is not embedded with covid), its
    field:value filters, operators and weights; a name before a colon that is no field is
    its words, as the keyword side searches them (index.query.unknown_fields_as_words:
    "subject:vouchers" is "subject vouchers", it was nothing)."""
    return " ".join(_OPERATOR.sub(" ", without_negations(unknown_fields_as_words(text))).split())


def _unmatched(reader: EngineReader, q: qf.Query, ids: list[str]) -> list[str]:
    """Those of ``ids`` that the keyword query does not match."""
    if not ids:
        return []
    matched = reader.matching(q, ids)
    return [i for i in ids if i not in matched]


def _facet_values_of(reader: EngineReader, ids: list[str]) -> list[dict[str, tuple[str, ...]]]:
    """The facet values of documents found by meaning only (the engine did not count them),
    read once for all facets."""
    return [facet_values(doc) for doc in reader.documents(ids) if doc is not None] if ids else []


def _add_facet_values(counts: dict[str, int], facet: str,
                      values_of: list[dict[str, tuple[str, ...]]]) -> None:
    """Count ``facet``'s values of those documents into ``counts``."""
    for values in values_of:
        for value in values.get(facet, ()):
            counts[value] = counts.get(value, 0) + 1


@dataclass
class _Semantic:
    """What the semantic side needs during one search."""

    vi: VectorIndex
    vector: np.ndarray
    lang: str | None
    #: what the query excludes (ParsedQuery.excluded): no document matching it is found by
    #: meaning ("trade shows NOT Messen" must not bring back the Messen page as "close")
    excluded: qf.Query | None = None

    def ranking(self, reader: EngineReader, flt: Filter, feedback: str | None
                ) -> tuple[list[str], list[str]]:
        """Ids of the closest documents among those ``flt`` allows and the query does not
        exclude, best first: by their votes, and by their later passages (the passage list;
        index.semantic.rank_by_meaning; the floor of a filtered search when ``flt`` narrows
        the documents, Fusion.filtered_min_score)."""
        documents, passages = self.ranked(reader, flt, feedback)
        return [d for d, _ in documents], [d for d, _ in passages]

    def feedback(self, keyword: list[str], scores: list[float]) -> str | None:
        """The keyword hit whose vector joins the query's (Fusion.feedback_weight): the
        first; of hits that share the first's score, the closest to the query in meaning, so
        that which of two equally matching texts the engine lists first (by doc id) does not
        decide it (a Portuguese article's query had its Brazilian twin's vector joined)."""
        if not keyword:
            return None
        tied = [d for d, _ in itertools.takewhile(lambda hit: hit[1] == scores[0],
                                                   zip(keyword, scores, strict=True))]
        if len(tied) == 1:
            return tied[0]
        query = self.vi.bias.query(self.vector, self.lang)  # as rank_by_meaning compares
        closeness = []
        for doc in tied:
            vec = self.vi.doc_vector(doc)
            closeness.append(-2.0 if vec is None else float(vec @ query))
        return tied[closeness.index(max(closeness))]

    def ranked(self, reader: EngineReader, flt: Filter, feedback: str | None
               ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """:meth:`ranking` with each document's rank: its place in the list or, when ``flt``
        narrows the documents and ``Fusion.filtered_ranks`` is "all", its place among all the
        documents the search may list without the filter (the documents under NOT counted
        too): a filter picks documents from the ranking by meaning, and a document far from
        the query weighs as far as it is, not as the first of a handful. Not in a collection
        balanced across languages, whose ranking by meaning takes each language's best in turn
        (index.vectors.interleave_by_language): a place there is a place within a language,
        not how close a document is among all (a language filter's documents would be 1st,
        11th, 21st... of ten languages)."""
        f = semantic.FUSION
        mask = reader.allowed(flt, self.vi.doc_ids)
        position = self.vi.position.get(feedback) if feedback is not None else None
        among_all = (flt.narrows and f.filtered_ranks == "all"
                     and not (self.vi.bias.per_language and f.interleave))
        if among_all:
            everywhere = reader.allowed(Filter(include_hidden=flt.include_hidden),
                                        self.vi.doc_ids)
            lists = semantic.rank_by_meaning(self.vi, self.vector, self.lang, everywhere,
                                             len(self.vi.doc_ids), position, filtered=True)
        else:
            lists = semantic.rank_by_meaning(self.vi, self.vector, self.lang, mask, f.depth,
                                             position, filtered=flt.narrows)
        documents, passages = (
            allowed_ranks(self.vi.doc_ids, positions, mask, f.depth) if weight else []
            for positions, weight in zip(lists, (1.0, f.passage_weight), strict=True))
        if self.excluded is None:
            return documents, passages
        out = reader.matching(self.excluded, list(dict.fromkeys(
            d for d, _ in (*documents, *passages))))
        return ([(d, r) for d, r in documents if d not in out],
                [(d, r) for d, r in passages if d not in out])

    def keyword_weights(self, reader: EngineReader, flt: Filter, keyword: list[str]
                        ) -> dict[str, float]:
        """The factors on the keyword hits' parts in the fusion for their language
        (index.semantic.keyword_language_weights: a hit in a language that holds fewer of the
        documents ``flt`` allows than the query's weighs more); a hit without a vector (its
        language unknown here) keeps 1."""
        if not semantic.FUSION.language_share_weight or not self.lang or not keyword:
            return {}
        vi = self.vi
        shares = semantic.language_shares(vi.doc_base_langs, reader.allowed(flt, vi.doc_ids))
        head = keyword[:semantic.FUSION.fuse_depth]
        langs = {d: str(vi.doc_base_langs[vi.position[d]]) for d in head if d in vi.position}
        return semantic.keyword_language_weights(langs, self.lang, shares)


def allowed_ranks(doc_ids: Sequence[str], positions: Sequence[int] | np.ndarray,
                  mask: np.ndarray, depth: int) -> list[tuple[str, int]]:
    """The first ``depth`` documents of the ranking ``positions`` (places in ``doc_ids``) that
    ``mask`` allows, each with its rank: its place in ``positions`` (counting the ones not
    allowed). In numpy: a ranking of all documents is not walked in Python."""
    order = np.asarray(positions, dtype=np.intp)
    places = np.flatnonzero(mask[order])[:depth]
    return [(doc_ids[int(order[k])], int(k) + 1) for k in places]


def _coverage(reader: EngineReader, synonyms: list[dict[str, list[str]]], parsed: ParsedQuery,
              text: str, keyword: list[str], words: list[qf.Query] | None = None
              ) -> dict[str, float] | None:
    """The share of the query's content words (index.query.word_queries of ``text``, the
    query's semantic_text, without the words under NOT and the patterns of ``parsed``, the
    synonyms' hits of ``parsed`` reused; ``words`` when they are already made) that
    each of the first ``Fusion.coverage_depth`` keyword hits matches; None when off or the
    query has fewer than ``Fusion.coverage_words`` content words."""
    f = semantic.FUSION
    head = keyword[:f.coverage_depth]
    if not f.coverage_power or not head:
        return None
    if words is None:
        words = word_queries(text, synonyms, parsed)
    if len(words) < max(2, f.coverage_words):
        return None
    matched = dict.fromkeys(head, 0)
    for found in reader.matching_each(words, head):
        for doc in found:
            matched[doc] += 1
    return {doc: n / len(words) for doc, n in matched.items()}


def _reached(reader: EngineReader, vi: VectorIndex, language: str | None,
             words: list[qf.Query], coverage: dict[str, float] | None,
             reach: dict[str, float] | None = None) -> dict[str, float] | None:
    """``coverage`` with each keyword hit in a language much smaller than the query's
    weighing the share of the query's content words ``words`` that reach its language
    (index.semantic.reached_coverage, Fusion.coverage_reach_ratio): one engine call per such
    language, asking which words match any of its documents (the documents with vectors,
    whatever the filters: whether a word has a form in a language does not depend on them).
    ``reach``: the shares of the languages asked already, by language (read, and filled with
    the ones asked here)."""
    if not coverage or not words or not language:
        return coverage
    hit_langs = {d: str(vi.doc_base_langs[vi.position[d]]) for d in coverage
                 if d in vi.position}
    langs = semantic.languages_to_reach(language, vi.language_shares, set(hit_langs.values()))
    if not langs:
        return coverage
    known = {} if reach is None else reach
    for lang in sorted(langs - set(known)):
        known[lang] = sum(1 for found in reader.matching_each(words, vi.ids_by_language[lang])
                          if found) / len(words)
    return semantic.reached_coverage(coverage, hit_langs, {lang: known[lang] for lang in langs})


def _with_semantic_hits(reader: EngineReader, vi: VectorIndex, language: str | None,
                        words: list[qf.Query], coverage: dict[str, float] | None,
                        keyword: list[str], found: list[str], reach: dict[str, float]
                        ) -> dict[str, float] | None:
    """``coverage`` (of the first ``Fusion.coverage_depth`` keyword hits) with the keyword hits
    past them (up to ``Fusion.fuse_depth``) that the semantic lists hold (``found``) measured
    too, as _coverage and _reached measure the first ones (Fusion.coverage_of_semantic_hits;
    ``reach``: _reached's shares of the languages asked already)."""
    f = semantic.FUSION
    if not coverage or not words or not f.coverage_of_semantic_hits:
        return coverage
    held = set(found)
    deeper = [d for d in keyword[f.coverage_depth:f.fuse_depth] if d in held]
    if not deeper:
        return coverage
    matched = dict.fromkeys(deeper, 0)
    for docs in reader.matching_each(words, deeper):
        for doc in docs:
            matched[doc] += 1
    shares = _reached(reader, vi, language, words,
                      {doc: n / len(words) for doc, n in matched.items()}, reach)
    return {**coverage, **(shares or {})}


def _found(lists: tuple[list[str], list[str]]) -> list[str]:
    """The documents of both semantic lists, each once."""
    return list(dict.fromkeys([*lists[0], *lists[1]]))


def _start_semantic(store: IndexStore, req: SearchRequest
                    ) -> tuple[Future[np.ndarray], VectorIndex, str] | None:
    """The query's vector, started in a background thread from the text as typed (before
    the query is parsed: the model's time overlaps parsing and the keyword search), with the
    vectors of the live generation; None when the result cannot use it (another order than
    relevance, semantic search off, no words, no vectors)."""
    if req.sort != "relevance" or not semantic.enabled():
        return None
    text = semantic_text(query_text(req.query or "").strip()[:1000])
    if not text or not any(ch.isalnum() for ch in text):
        return None
    gen = store.current_generation()
    vi = load_index(gen) if gen is not None else None
    if vi is None:
        return None
    text = with_accents(store, text)
    try:
        future = semantic.start_query(text)
    except Exception as exc:  # noqa: BLE001 - no model: the words alone answer
        _semantic_failed(exc)
        return None
    return (future, vi, text) if future is not None else None


#: The model reads a query typed without accents with the accents the documents write
#: (index.spellings): measured with bench/typo_variants.py (bench/README.md).
RESTORE_ACCENTS = True
#: ... and so does the keyword side: a word's stem may differ without its accents (the
#: Portuguese "exportacao" is stemmed "exportaca", "exportação" "export")
KEYWORD_ACCENTS = True


def document_spellings(store: IndexStore) -> Spellings | None:
    """The spellings of the live index's documents (index.spellings, learnt once per index
    version and process); None without an index."""
    gen = store.current_generation()
    try:
        # the generation and its folder's time: a commit writes files into it (no engine call
        # here: a reading error is the search's own, not this extra's)
        version = (gen, gen.stat().st_mtime_ns) if gen is not None else None
    except OSError:
        version = None
    if version is None:
        return None
    return spellings(version, lambda: store.document_texts(passages=PASSAGES))


def with_accents(store: IndexStore, text: str, offer: bool = False) -> str:
    """``text`` with its words written as the documents of the languages it may be in write
    them (index.spellings), when it has no diacritics at all; else, when RESTORE_ACCENTS is
    off or nothing changes, ``text``. A word stays as typed when it finds
    documents of a language it may be in that so written it would not find (the index is
    read for that, only when a word would be restored). ``offer``: only as the documents
    write words whole, and with its words typed with some of their accents that find
    nothing as the documents write them ("exportaçao": "exportação"), for "Did you mean"
    (Spellings.restore)."""
    if not RESTORE_ACCENTS:
        return text
    learnt = document_spellings(store)
    if learnt is None:
        return text
    with ExitStack() as stack:
        readers: list[EngineReader] = []

        def found(lang: str, word: str) -> bool:
            if not readers:
                readers.append(stack.enter_context(store.reader()))
            return in_language(readers[0], word, lang)

        return learnt.restore(text, query_languages(text), found, offer)


def _accents_completed(store: IndexStore, reader: EngineReader, query: str | None,
                       flt: Filter) -> tuple[str, bool] | None:
    """The query with its words typed with some of their accents that find nothing written
    as the documents write them ("exportaçao": "exportação"; Spellings.restore's offer),
    when it finds something: a clear correction, for a query that finds nothing by keywords
    as typed (its results are shown instead). Not offered beside a query's keyword hits: a
    word with one of its accents left out may be another correct form ("segítettek",
    "segítették"), not read so either."""
    if not query or query.isascii():
        return None
    offered = with_accents(store, query, offer=True)
    if offered == query:
        return None
    documents = parse_query(offered).documents
    if not qf.searches(documents) or not reader.search(documents, flt, limit=1).ids:
        return None
    return offered, True


def typed_diacritics(text: str) -> bool:
    """Whether ``text`` has a letter with a diacritic (or another letter than a-z)."""
    return any(c.isalpha() and not c.isascii() for c in text)


def _restart_semantic(started: tuple[Future[np.ndarray], VectorIndex, str], text: str
                      ) -> tuple[Future[np.ndarray], VectorIndex, str]:
    """The query's vector made again from ``text`` (the query with its typo corrected, the
    text the keyword side ranks by), in the background as the first; the one made from the
    text as typed is no longer waited for. When the model cannot start, the first is kept."""
    try:
        future = semantic.start_query(text)
    except Exception as exc:  # noqa: BLE001 - no model: the vector as typed, if any
        log.warning("the corrected query's vector was not made: the model failed: %s: %s; "
                    "the vector of the query as typed is used", type(exc).__name__, exc)
        return started
    if future is None:
        return started
    started[0].cancel()  # (a call already running finishes, into the cache)
    return future, started[1], text


def _query_vector(future: Future[np.ndarray]) -> np.ndarray | None:
    """The query's vector, or None when the model failed to make it: semantic search is an
    addition, so its failure leaves the keyword results (and is logged), never fails the
    search nor counts as damage of the index (the reader block treats reading errors so)."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the model failed: the words alone answer
        _semantic_failed(exc)
        return None


def _semantic_failed(exc: Exception) -> None:
    log.warning("semantic search skipped for this query: the model failed: %s: %s",
                type(exc).__name__, exc)


#: Typo tolerance: a query whose words found something, with one or two words that find
#: nothing, each with one clear correction, is ranked by the corrected words
#: (index.did_you_mean.ranked_correction), on both sides: its vector is made again from the
#: corrected text (a second model call, for such queries only: the first, started before the
#: query was parsed, is of the text as typed). Measured on seven sets of judgments
#: (bench/README.md, "Typo, filter and keyword queries of heldout5 and
#: heldout6"): the typo kind 0.849 -> 0.859 on average.
TYPO_TOLERANCE = True


@dataclass
class Reading:
    """A query's words as a search reads them: the search (index.search) and the document
    page (index.documents.get_document, by :func:`passage_query`) read them alike, so that
    the page finds and marks the passages the results did (the synonyms' and the glossary's
    terms, the accents the documents write, a typo's clear correction)."""

    #: the text as read: typed without any diacritic, its words as the documents write them
    #: (KEYWORD_ACCENTS, index.spellings; not for an exact search); else as typed
    read: str
    #: ``read`` parsed, widened by the synonyms (index.query.add_synonyms)
    parsed: ParsedQuery
    #: the synonym groups of the index (the taxonomy's synonyms, then its glossary)
    synonyms: list[dict[str, list[str]]]
    #: the documents' spellings of their words (document_spellings), asked for by did you
    #: mean only when a word typed with diacritics has close words (None: the query was
    #: typed without any, and the accents ``read`` restored are no typed letters)
    spellings: Callable[[], Spellings | None] | None = None
    #: the taxonomy's own words (themes' keywords, place names: IndexStore.load_words), which
    #: did you mean takes as correct
    words: list[str] = field(default_factory=list)
    #: the query's words unknown to the index, with their close words (did_you_mean's
    #: corrections; read_typos)
    near: list[tuple[str, list[str]]] = field(default_factory=list)
    #: "did you mean": the corrected text, and whether the correction is clear (read_typos)
    suggested: tuple[str, bool] | None = None
    #: the words as typed found nothing and the correction is clear: its results are shown
    #: instead (a search of ``suggested``'s text, exact)
    replaced: bool = False
    #: typo tolerance (TYPO_TOLERANCE): the text with the words that find nothing corrected,
    #: when the words as typed found something, and its parse, widened by the synonyms, when
    #: the hits are ranked and marked by it (``fixed``; None when it would change a filter)
    fixed_text: str | None = None
    fixed: ParsedQuery | None = None


def _parse(store: IndexStore, text: str, synonyms: list[dict[str, list[str]]]) -> ParsedQuery:
    """``text`` parsed, the facet values typed in it by name read as their codes
    (index.facet_names: ``country:hungary`` is ``country:HU``)."""
    parsed = parse_query(text)
    if parsed.filters:
        parsed.filters = as_codes(parsed.filters, store.facet_labels(), synonyms)
    return parsed


def read_words(store: IndexStore, text: str, *, exact: bool = False) -> Reading:
    """``text`` read as a search reads it before it searches: a query typed without any
    diacritic with the accents the documents write (the keyword side reads it so too,
    KEYWORD_ACCENTS, not only the model; not when ``exact``), parsed, and widened by the
    index's synonyms."""
    text = query_text(text)
    read = with_accents(store, text) if KEYWORD_ACCENTS and text and not exact else text
    synonyms = store.load_synonyms()
    parsed = _parse(store, read, synonyms)
    add_synonyms(parsed, synonyms)
    # did you mean counts the diacritics typed as meant: not those restored above
    spelt = (lambda: document_spellings(store)) if typed_diacritics(text) else None
    return Reading(read, parsed, synonyms, spelt, store.load_words())


def read_typos(store: IndexStore, reader: EngineReader, reading: Reading, flt: Filter,
               found: Callable[[], int], *, exact: bool = False) -> None:
    """The corrections of ``reading``'s words that the index does not know (index.did_you_mean:
    "did you mean"; whenever a word is unknown to the index and a close known word finds
    something under ``flt``), and what the search does with them, given how many documents
    the words as read find under ``flt`` (``found()``, asked only when a word has a
    correction): none, and one clear correction, its results are
    shown instead (``replaced``); some, and one or two words that find nothing, each with one
    clear correction, the hits are ranked by the corrected words (``fixed``, typo
    tolerance). Nothing of this for an ``exact`` search (the words as typed). A query that
    finds nothing and has no such correction, with a word typed with some of its accents
    that finds nothing: the query with it as the documents write it, a clear correction
    (_accents_completed)."""
    parsed = reading.parsed
    near = (corrections(reader, parsed, reading.synonyms, reading.spellings, reading.words)
            if parsed.words else [])
    suggested = (correction(reader, parsed, flt, near, lambda: document_spellings(store))
                 if near else None)
    if suggested is None and not exact and not reading.read.isascii() and not found():
        suggested = _accents_completed(store, reader, reading.read, flt)
    reading.near, reading.suggested = near, suggested
    if suggested is None or exact:
        return
    total = found()
    reading.replaced = bool(suggested[1] and total == 0)
    if not (TYPO_TOLERANCE and total):
        return
    reading.fixed_text = ranked_correction(reader, parsed, near)
    if reading.fixed_text is None:
        return
    fixed = _parse(store, reading.fixed_text, reading.synonyms)
    if (fixed.filters, fixed.years) != (parsed.filters, parsed.years) or fixed.documents is None:
        # (the filters are those typed: a correction never adds nor changes one, which the
        # search would not apply, while the result named it: query_filters)
        return
    add_synonyms(fixed, reading.synonyms)
    reading.fixed = fixed


def passage_query(store: IndexStore, reader: EngineReader, text: str) -> ParsedQuery:
    """The query by which a search of ``text`` finds and marks passages (its hits'; the
    document page's, index.documents): ``text`` read as the search reads it (read_words,
    read_typos), with the filters typed in it alone: the results of the correction when
    the words as read find nothing, the typo-tolerant words when they rank the hits."""
    reading = read_words(store, text)
    parsed = reading.parsed
    if not parsed.words or not qf.searches(parsed.documents):
        return parsed
    flt = Filter.of(parsed.filters, years=parsed.years)
    documents = parsed.documents
    read_typos(store, reader, reading, flt,
               lambda: reader.search(documents, flt, limit=0).total)
    if reading.replaced and reading.suggested is not None:
        return read_words(store, reading.suggested[0], exact=True).parsed
    return reading.fixed if reading.fixed is not None else parsed


def _as_page_reads(req: SearchRequest, parsed: ParsedQuery) -> bool:
    """Whether the search of ``req`` reads its query as the document page does
    (passage_query): not exact, with the filters typed in it alone (it counts and corrects
    its words under them), and words that search something (passage_query reads no typos
    of other queries). Its reading is then kept for the page (index.readings)."""
    return (not req.exact and not req.include_hidden and req.year_from is None
            and req.year_to is None and not any(req.filters.values())
            and bool(parsed.words) and qf.searches(parsed.documents))


def reading_key(store: IndexStore, text: str) -> Hashable | None:
    """What passage_query's reading of ``text`` depends on, as a key for a cache of readings
    (index.readings): the index's commit (its documents' words and spellings), the synonym
    groups and the taxonomy's words, and how a query is read (the settings above); None
    when the index's version cannot be read (nothing kept)."""
    try:
        version = store.version()
    except IndexUnavailableError:
        return None
    return (str(store.path), store.engine, version, store.words_version(), text,
            KEYWORD_ACCENTS, RESTORE_ACCENTS, TYPO_TOLERANCE)


def search(store: IndexStore, req: SearchRequest) -> SearchResult:
    """Run one search: ranked documents with their best passages, and facet counts."""
    return _search(store, req, 0).result


def search_hits(store: IndexStore, req: SearchRequest, limit: int
                ) -> tuple[SearchResult, Iterator[DocumentHit]]:
    """The first ``limit`` hits of a search in their order, ranked once (an export): the
    result of its first page (``req.page`` is taken as 1), and an iterator over every hit up
    to ``limit``, that page's first, then ``req.page_size`` at a time: their documents and
    passages are read as it is consumed, each part with a reader of its own (none is held
    between parts), so that memory holds the ranked ids and one part's hits. A document
    removed meanwhile is left out."""
    req = replace(req, page=1)
    ranked = _search(store, req, limit)
    order = ranked.order[:limit]

    def hits() -> Iterator[DocumentHit]:
        yield from ranked.result.hits[:limit]
        for start in range(req.page_size, len(order), req.page_size):
            with store.reader() as reader:
                part = _hits(reader, order[start:start + req.page_size], ranked.only_meaning)
                _attach_passages(reader, part, ranked.parsed, req.passages)
            yield from part

    return ranked.result, hits()


@dataclass
class _Ranked:
    """A search's result, with what reading its later hits needs (search_hits)."""

    result: SearchResult
    #: (id, score) of every document ranked, best first (at least to the result's page)
    order: list[tuple[str, float]]
    #: those of ``order`` found by meaning alone
    only_meaning: set[str]
    #: the query the passages are found and marked by
    parsed: ParsedQuery
    #: the index terms its passage query asks for, by field, when the hits' passages listed
    #: them (index.readings.PageQuery)
    terms: dict[str, frozenset[str]] | None = None


def _search(store: IndexStore, req: SearchRequest, depth: int) -> _Ranked:
    """One search; ``depth``: how many documents to rank at least, past the page's (the
    engines are asked for them; the fused order holds them)."""
    req.validate()
    started = time.perf_counter()
    # The query's vector is computed in a background thread while the query is parsed and
    # the keyword search runs.
    started_semantic = _start_semantic(store, req)
    reading = read_words(store, req.query, exact=req.exact)
    read, parsed, synonyms = reading.read, reading.parsed, reading.synonyms
    # the page of a document opened from the results reads the query so too
    as_page_reads = _as_page_reads(req, parsed)
    if started_semantic is not None and isinstance(parsed.documents, qf.Nothing):
        # Only very common words ("de", "the"; a pattern of one letter, "a*"): the keywords
        # search nothing, and so does the meaning, whose closest documents to "de" were
        # arbitrary ones, shown under the notice that the query has only very common words.
        started_semantic[0].cancel()
        started_semantic = None
    filters: dict[str, list[str]] = {k: list(v) for k, v in req.filters.items() if v}
    for facet, values in parsed.filters.items():
        filters.setdefault(facet, [])
        filters[facet].extend(v for v in values if v not in filters[facet])
    flt = Filter.of(filters, years=parsed.years, year_from=req.year_from,
                    year_to=req.year_to, include_hidden=req.include_hidden)

    q = parsed.documents if parsed.documents is not None else qf.Every()
    sort = _sort(req, parsed.documents is not None)
    # the places the query names (index.places): their documents are preferred
    named = _named(store, read, sort)
    # Facets with a selection (a year range typed in the query selects years) count apart.
    selected = {*filters, *(["year"] if parsed.years else [])}
    counted = [name for name in FACET_FIELDS if name not in selected] if req.with_facets else []

    sem: _Semantic | None = None
    hits: list[DocumentHit] = []
    total = 0
    counts: dict[str, dict[str, int]] = {}
    with store.reader() as reader:
        first = (req.page - 1) * req.page_size
        extra: list[str] = []  # documents found by meaning only

        wanted = max(depth, req.page * req.page_size)

        def keyword_search(query: qf.Query) -> Ranked:
            if started_semantic is None:
                # a query naming a place reorders the first places.DEPTH hits (_prefer)
                limit = (max(places.DEPTH, wanted) if sort == "score" and places.active(named)
                         else wanted)
                return reader.search(query, flt, sort=sort, limit=limit, facets=counted)
            return reader.search(query, flt, limit=max(semantic.FUSION.fuse_depth, wanted),
                                 facets=counted)

        ranked = keyword_search(q)
        keyword_total = ranked.total
        # What needs only the keyword search comes first, while the query's vector is made
        # in another thread: "did you mean" (whenever a word is unknown to the index and a
        # close known word finds something; when the words as typed found nothing, the clear
        # correction's results are shown instead, below, and nothing else here is needed),
        # and the keyword counts of facets with a selection (they ignore their own
        # selection, so its other values stay selectable with true counts).
        read_typos(store, reader, reading, flt, lambda: keyword_total, exact=req.exact)
        suggestion = reading.suggested[0] if reading.suggested else None
        replaced = reading.replaced
        # the text whose content words the coverage weighting counts
        coverage_text = started_semantic[2] if started_semantic is not None else ""
        fixed_text = reading.fixed_text
        if fixed_text is not None and reading.fixed is not None:
            # The words as typed found something, but one of them finds nothing and has one
            # clear correction: ranked by the corrected words, as if typed so, by keywords
            # and by meaning ("did you mean" still offers the correction).
            coverage_text = with_accents(store, semantic_text(fixed_text))
            if started_semantic is not None:
                # the model reads the corrected words too, while the keywords are searched
                started_semantic = _restart_semantic(started_semantic, coverage_text)
            parsed = reading.fixed
            assert parsed.documents is not None
            q = parsed.documents
            named = _named(store, fixed_text, sort)
            ranked = keyword_search(q)
            keyword_total = ranked.total
        if req.with_facets and not replaced:
            for name in FACET_FIELDS:
                if name in selected:
                    counts[name] = reader.search(q, flt.without(name), limit=0,
                                                 facets=[name]).facets[name]
        # The hybrid ranking's inputs that need only the keyword list and the text, also
        # made while the model makes the vector: the query's language, and how much of the
        # query each first keyword hit matches (the coverage weighting).
        hybrid = None
        content: list[qf.Query] = []
        reach: dict[str, float] = {}  # _reached's shares of the languages asked
        if started_semantic is not None and not replaced:
            # the query's content words, each with its synonyms: how many there are sets the
            # passage list's weight (Fusion.long_query_words), which of them the first keyword
            # hits match, their coverage
            content = word_queries(coverage_text, synonyms, parsed,
                                   leave_out=(frozenset() if places.PLACE_WORDS_CONTENT
                                              or not places.active(named) else named.words))
            language = query_language(coverage_text)
            coverage = _coverage(reader, synonyms, parsed, coverage_text, ranked.ids, content)
            hybrid = (language,
                      _reached(reader, started_semantic[1], language, content, coverage,
                               reach),
                      len(content))
        vector = (_query_vector(started_semantic[0])
                  if started_semantic is not None and not replaced else None)
        order: list[tuple[str, float]] = []
        only_meaning: set[str] = set()
        if replaced:
            pass  # the corrected query's results are shown instead
        elif started_semantic is None or vector is None:
            total = keyword_total
            order = _prefer(reader, list(zip(ranked.ids, ranked.scores, strict=True)), named)
            hits = _hits(reader, order[first:first + req.page_size], only_meaning)
        else:
            assert hybrid is not None
            keyword = ranked.ids
            vi = started_semantic[1]
            lang, coverage, content_words = hybrid
            sem = _Semantic(vi, vector, lang, parsed.excluded)
            ranked_meaning, ranked_passages = sem.ranked(reader, flt,
                                                         sem.feedback(keyword, ranked.scores))
            meaning = [d for d, _ in ranked_meaning]
            passage_list = [d for d, _ in ranked_passages]
            in_keyword = set(keyword)
            found = _found((meaning, passage_list))
            extra = [d for d in found if d not in in_keyword]
            coverage = _with_semantic_hits(reader, vi, lang, content, coverage, keyword, found,
                                           reach)
            if keyword_total > len(keyword):
                # some keyword matches are past the list: ask which of these match
                extra = _unmatched(reader, q, extra)
            total = keyword_total + len(extra)
            fused = semantic.fuse(keyword, meaning, balanced=sem.vi.bias.per_language,
                                  passages=passage_list, coverage=coverage,
                                  ranks=([r for _, r in ranked_meaning],
                                         [r for _, r in ranked_passages]),
                                  weights=sem.keyword_weights(reader, flt, keyword),
                                  content_words=content_words, keyword_scores=ranked.scores)
            order, only_meaning = _prefer(reader, fused, named), set(extra)
            hits = _hits(reader, order[first:first + req.page_size], only_meaning)
        if req.with_facets and not replaced:
            extra_values = _facet_values_of(reader, extra)
            for name in FACET_FIELDS:
                if name in selected:
                    if sem is not None:
                        own_meaning = _found(sem.ranking(reader, flt.without(name), None))
                        _add_facet_values(counts[name], name, _facet_values_of(
                            reader, _unmatched(reader, q, own_meaning)))
                else:
                    counts[name] = ranked.facets[name]
                    _add_facet_values(counts[name], name, extra_values)
        terms = None
        if not replaced:
            terms = _attach_passages(reader, hits, parsed, req.passages)
    if replaced and suggestion is not None:
        again = _search(store, replace(req, query=suggestion, exact=True), depth)
        fixed = again.result
        fixed.request = req
        fixed.corrected = suggestion
        fixed.as_typed = quote_changed(req.query, suggestion)
        fixed.suggestion = None
        fixed.took_ms = round((time.perf_counter() - started) * 1000, 1)
        if as_page_reads:
            PAGE_READINGS.put(lambda: reading_key(store, req.query),
                              PageQuery(again.parsed, again.terms))
        return again
    if suggestion is None and fixed_text is None and (read != req.query or (
            started_semantic is not None
            and started_semantic[2] != semantic_text((req.query or "").strip()[:1000]))):
        # the words were read with the accents the documents write: offered so, those the
        # documents write whole (a word read by its start may lack an ending's accents)
        offered = with_accents(store, req.query, offer=True)
        suggestion = offered if offered != req.query else None
    if as_page_reads:
        PAGE_READINGS.put(lambda: reading_key(store, req.query), PageQuery(parsed, terms))
    if sem is not None and keyword_total == 0 and total and parsed.notice is None:
        parsed.notice = NEAREST_NOTICE if flt.narrows else CLOSE_NOTICE
    return _Ranked(SearchResult(
        request=req,
        total=total,
        hits=hits,
        facets=facet_results(counts, filters, store.facet_labels()),
        took_ms=round((time.perf_counter() - started) * 1000, 1),
        suggestion=suggestion,
        notice=parsed.notice,
        query_filters=_typed_filters(parsed),
        semantic=sem is not None,
        query_language=sem.lang if sem is not None else None,
        keyword_total=keyword_total,
    ), order, only_meaning, parsed, terms)


def _named(store: IndexStore, text: str, sort: Sort) -> places.NamedPlaces:
    """The places ``text`` (a query as read) names, when its hits are ranked by score and
    the preference is on (index.places); the words under NOT, the filters and operators
    name none (semantic_text)."""
    if sort != "score" or not places.COUNTRY_BOOST:
        return places.NOWHERE
    said = semantic_text(text)
    return places.named_places(said, store.load_places(), query_language(said))


def _prefer(reader: EngineReader, order: list[tuple[str, float]],
            named: places.NamedPlaces) -> list[tuple[str, float]]:
    """``order`` (id, score; best first) with the documents of the places the query names
    lifted (index.places): one engine call, which of the first hits are of those places."""
    if not places.active(named) or len(order) < 2:
        return order
    queries = places.place_queries(named)
    head = [doc for doc, _ in order[:places.DEPTH]]
    found = dict(zip(queries, reader.matching_each(list(queries.values()), head), strict=True))
    return places.reordered(order, places.factors(found, named))


#: The notice of a search whose words no document contains, and whose hits are found by
#: meaning: without a filter, those above the similarity floor (index.semantic); with one,
#: every document the filter lets through, ranked by meaning however far it is (a query that
#: means nothing, or a topic absent from a country, still lists them all: they are the
#: nearest, not close).
CLOSE_NOTICE = ("No document contains these words; these documents are close in meaning "
                "(semantic search, across languages).")
NEAREST_NOTICE = ("No document with the selected filters contains these words; these are the "
                  "documents the filters let through, nearest in meaning first, however far "
                  "(semantic search, across languages).")


def _typed_filters(parsed: ParsedQuery) -> dict[str, list[str]]:
    """The filters typed in the query, for display (year ranges as "2018–2020")."""
    out = {name: list(values) for name, values in parsed.filters.items()}
    for lo, hi in parsed.years:
        out.setdefault("year", []).append(
            f"{'…' if lo is None else lo}–{'…' if hi is None else hi}")
    return out


__all__ = ["Reading", "passage_query", "read_typos", "read_words", "reading_key", "search",
           "semantic_text"]
