"""Search as one function: a request in, plain data out (the page, API and CSV all use it)."""

from __future__ import annotations

import json
import math
import re
import time
import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import sorting
from whoosh.searching import Searcher

from index import semantic
from index.analysis import fold
from index.errors import QueryError
from index.facets import CachedFacet
from index.highlight import highlight, plain_snippet
from index.query import (
    ParsedQuery,
    YearRange,
    add_synonyms,
    analyse,
    parse_query,
    query_language,
)
from index.schema import (
    FACET_FIELDS,
    MULTI_VALUED_FACETS,
    YEAR_FACETS,
    body_field,
    passage_field,
    title_field,
)
from index.store import IndexStore
from index.vectors import VectorIndex, load_index

SORTS = ("relevance", "newest", "oldest", "title")
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
#: "did you mean" looks up at most this many words of a query
MAX_CORRECTED_WORDS = 6


@dataclass
class SearchRequest:
    query: str = ""
    #: facet name (see FACET_FIELDS) -> selected values; values of one facet combine with OR
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    passages: int = 3
    include_hidden: bool = False
    with_facets: bool = True
    #: the words as typed, never replaced by a correction (see SearchResult.corrected)
    exact: bool = False

    def validate(self) -> None:
        """Raise QueryError for parameters no search can honour."""
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
        if not 0 <= self.passages <= 10:
            raise QueryError("passages must be between 0 and 10")
        for name in self.filters:
            if name not in FACET_FIELDS:
                raise QueryError(
                    f"unknown facet {name!r}; facets are {', '.join(FACET_FIELDS)}"
                )
        for facet in YEAR_FACETS:
            for value in self.filters.get(facet, ()):
                if not str(value).strip().isdigit():
                    raise QueryError(f"{facet} must be a year, not {value!r}")
        for bound in (self.year_from, self.year_to):
            if bound is not None and not 0 <= bound <= 9999:
                raise QueryError("years must be between 0 and 9999")


@dataclass
class PassageHit:
    ordinal: int
    page: int | None
    heading: str | None
    #: HTML: escaped text with <mark> around matched words
    snippet: str
    #: in a good practice, the record field the passage is the section of ("evidence")
    record_field: str | None = None


@dataclass(kw_only=True)
class HitMetadata:
    """What a found document shows of its metadata, as stored in the index. The search page
    data (``search_app``'s HitData) extends this class and the hit fills it by name from the
    stored record, so a field added here reaches the hit, the page, the API and the JSON
    export with no other edit (the CSV names its columns)."""

    id: str
    title: str
    doc_type: str | None = None
    language: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    date: str | None = None
    year: int | None = None
    partner: str | None = None
    summary: str | None = None
    source_path: str = ""
    media_type: str | None = None
    page_count: int | None = None
    policy_instrument: str | None = None
    #: a good practice's record fields (name -> text), see index.records.PRACTICE_FIELDS
    practice: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """The fields of this class by name (not those a subclass adds)."""
        return {name: getattr(self, name) for name in HIT_METADATA}


#: The names of HitMetadata's fields, in order.
HIT_METADATA: tuple[str, ...] = tuple(f.name for f in fields(HitMetadata))


@dataclass(kw_only=True)
class DocumentHit(HitMetadata):
    score: float
    themes: list[str] = field(default_factory=list)
    passages: list[PassageHit] = field(default_factory=list)
    #: how it was found: "keyword" (its words match) or "semantic" (close in meaning only)
    match: str = "keyword"


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetResult:
    name: str
    values: list[FacetValue]


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[DocumentHit]
    facets: dict[str, FacetResult]
    took_ms: float
    #: "did you mean": the query with its words unknown to the index corrected (when that
    #: finds something)
    suggestion: str | None = None
    #: when the query as typed found nothing and one clear correction does: that correction,
    #: whose results these are (``request.query`` stays the query as typed)
    corrected: str | None = None
    #: with ``corrected``: the query that searches the words as typed (the corrected words in
    #: quotes, which are never corrected)
    as_typed: str | None = None
    #: a message for the user about how the query was read
    notice: str | None = None
    #: filters typed in the query itself (country:ES), merged into the request's
    query_filters: dict[str, list[str]] = field(default_factory=dict)
    #: whether semantic (cross-language) retrieval took part in this search
    semantic: bool = False
    #: the language the query is written in, when it can be told (e.g. "de")
    query_language: str | None = None
    #: documents whose words match the query (the rest were found by meaning only)
    keyword_total: int = 0

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.page_size))


def _value_query(facet: str, value: str) -> wq.Query:
    fieldname = FACET_FIELDS[facet]
    if facet == "year":  # a number field ("running" years are keywords)
        try:
            year = int(value)
        except ValueError:
            return wq.NullQuery
        return wq.Term(fieldname, year) if 0 <= year <= 9999 else wq.NullQuery
    return wq.Term(fieldname, value)


_BASE_DOCS: weakref.WeakKeyDictionary[Searcher, dict[bool, set[int]]] = (
    weakref.WeakKeyDictionary()
)


def _base_docs(searcher: Searcher, include_hidden: bool) -> set[int]:
    """Document records (not passages), without hidden ones: computed once per searcher."""
    cache = _BASE_DOCS.setdefault(searcher, {})
    docs = cache.get(include_hidden)
    if docs is None:
        docs = set(searcher.document_numbers(kind="doc"))
        if not include_hidden:
            docs -= set(searcher.docs_for_query(wq.Term("hidden", True)))
        cache[include_hidden] = docs
    return docs


def _year_range_query(start: int | None, end: int | None) -> wq.Query:
    """Documents of the years from ``start`` to ``end`` (None: open), bounded like the
    year_from / year_to parameters: its cost does not grow with the span."""
    if start is not None and end is not None and start > end:
        return wq.NullQuery
    return wq.NumericRange(FACET_FIELDS["year"], start, end)


def _filter_docs(
    searcher: Searcher,
    filters: Mapping[str, Sequence[str]],
    req: SearchRequest,
    *,
    skip: str | None = None,
    year_ranges: Sequence[YearRange] = (),
) -> set[int]:
    """The document numbers a search may return: facets AND-ed, values of one facet OR-ed
    (year ranges typed in the query are values of the year facet)."""
    allowed = _base_docs(searcher, req.include_hidden)
    clauses: list[wq.Query] = []
    for facet in {*filters, *(["year"] if year_ranges else [])}:
        values = filters.get(facet, ())
        if facet == skip:
            continue
        options = [_value_query(facet, v) for v in values]
        if facet == "year":
            options.extend(_year_range_query(lo, hi) for lo, hi in year_ranges)
        if options:
            clauses.append(wq.Or(options))
    if skip != "year" and (req.year_from is not None or req.year_to is not None):
        clauses.append(_year_range_query(req.year_from, req.year_to))
    for clause in clauses:
        allowed = allowed.intersection(searcher.docs_for_query(clause))
    # Whoosh treats a falsy filter as "no filter" (FilterCollector: `ftc(allow) if allow`),
    # so an empty set would let every document through: hand it a truthy empty set instead.
    return allowed if allowed else _NOTHING_ALLOWED


class _NothingAllowed(set):  # type: ignore[type-arg]
    """An empty allow-set that is truthy, so Whoosh applies it (and nothing matches)."""

    def __bool__(self) -> bool:
        return True


_NOTHING_ALLOWED = _NothingAllowed()


def _sort_facet(req: SearchRequest, has_query: bool) -> sorting.FacetType | None:
    if req.sort == "newest" or (req.sort == "relevance" and not has_query):
        return sorting.FieldFacet("date_sort", reverse=True)
    if req.sort == "oldest":
        return sorting.FieldFacet("date_sort")
    if req.sort == "title":
        return sorting.FieldFacet("title_sort")
    return None


_TEXT_FIELD_PREFIXES = ("title_", "body_", "passage_", "gp_")
_PRESENT: weakref.WeakKeyDictionary[Searcher, frozenset[str]] = weakref.WeakKeyDictionary()


def _present_fields(searcher: Searcher) -> frozenset[str]:
    """The per-language text fields that hold any text in this index version."""
    present = _PRESENT.get(searcher)
    if present is None:
        reader = searcher.reader()
        present = frozenset(
            name for name in reader.schema.names()
            if name.startswith(_TEXT_FIELD_PREFIXES) and reader.field_length(name) > 0
        )
        _PRESENT[searcher] = present
    return present


def _prune(q: wq.Query | None, present: frozenset[str]) -> wq.Query | None:
    """Drop the expansions of a query into languages the index has no text in (a query is
    expanded into 8 languages; a corpus in one or two languages needs only those)."""
    if q is None:
        return None
    if q.is_leaf():
        name = getattr(q, "fieldname", None)
        if name and name.startswith(_TEXT_FIELD_PREFIXES) and name not in present:
            return wq.NullQuery
        return q
    return q.apply(lambda sub: _prune(sub, present)).normalize()


_TOTAL = "_total"


def _one(searcher: Searcher, docnum: int) -> int:
    return 1


def _facet_type(facet: str) -> sorting.FacetType:
    return CachedFacet(FACET_FIELDS[facet], multi=facet in MULTI_VALUED_FACETS)


def _facet_counts(results: Any, facet: str) -> dict[str, int]:
    try:
        groups = results.groups(facet)
    except KeyError:
        return {}
    out = {}
    for key, count in groups.items():
        if key is None or key == "" or key == 0:
            continue
        if isinstance(key, bytes):
            key = key.decode("utf-8", "replace")
        out[str(key)] = int(count)
    return out


def _doc_hit(stored: Mapping[str, Any], score: float) -> DocumentHit:
    meta = json.loads(stored["meta"])
    return DocumentHit(
        **{name: meta[name] for name in HIT_METADATA if meta.get(name) is not None},
        score=round(float(score), 4) if score and math.isfinite(score) else 0.0,
        themes=list(meta.get("themes") or []),
    )


def query_terms(searcher: Searcher, q: wq.Query | None) -> dict[str, set[str]]:
    """Terms of ``q`` that occur in the index (prefixes expanded), by field.

    (Whoosh's own Query.existing_terms reuses a loop variable and skips every field but the
    first, so it is not used here.)
    """
    out: dict[str, set[str]] = defaultdict(set)
    if q is None or q is wq.NullQuery:
        return out
    reader = searcher.reader()
    schema = reader.schema
    leaves = q.leaves() if not q.is_leaf() else [q]
    for leaf in leaves:
        try:
            pairs = list(leaf.expanded_terms(reader, phrases=True))
        except (KeyError, NotImplementedError, ValueError):
            # A field this index lacks (KeyError), a leaf that cannot list its terms, a value
            # its field cannot encode: that leaf marks nothing, the others still do.
            continue
        for fieldname, text in pairs:
            if fieldname not in schema:
                continue
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            if (fieldname, schema[fieldname].to_bytes(text)) in reader:
                out[fieldname].add(text)
    return out


def _attach_passages(
    searcher: Searcher, hits: list[DocumentHit], parsed: ParsedQuery, per_doc: int
) -> None:
    if not hits or per_doc == 0:
        return
    pq = parsed.passages
    by_id = {h.id: h for h in hits}
    if pq is None or pq is wq.NullQuery:
        # Browsing (no words): show the summary; else the start of the first passage.
        _attach_openings(searcher, hits)
        return
    # Intersecting with the page's doc ids lets Whoosh skip through the posting lists
    # instead of scoring every passage of the index and filtering afterwards.
    in_page = wq.ConstantScoreQuery(wq.Or([wq.Term("doc_id", i) for i in by_id]), 0.0)
    results = searcher.search(wq.And([in_page, pq]), limit=per_doc * len(hits) * 20 + len(hits))
    terms = query_terms(searcher, pq)
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        doc_id = r["doc_id"]
        if r["kind"] != "passage" or counts[doc_id] >= per_doc:
            continue
        counts[doc_id] += 1
        lang = r.get("lang") or "xx"
        snippet = highlight(r.get("text") or "", terms.get(passage_field(lang), set()), lang)
        by_id[doc_id].passages.append(
            PassageHit(r["ordinal"], r.get("page"), r.get("heading"), snippet,
                       r.get("record_field"))
        )
    for hit in hits:
        hit.passages.sort(key=lambda p: p.ordinal)
    # Found by meaning only: no passage has the words; show how the document opens.
    _attach_openings(searcher, [h for h in hits if h.match == "semantic" and not h.passages])


def _attach_openings(searcher: Searcher, hits: list[DocumentHit]) -> None:
    """For hits without a summary: the start of their first passage."""
    for hit in hits:
        if not hit.summary:
            found = searcher.search(
                wq.And([wq.Term("kind", "passage"), wq.Term("doc_id", hit.id)]),
                limit=1,
                sortedby="ordinal",
            )
            for r in found:
                hit.passages.append(
                    PassageHit(r["ordinal"], r.get("page"), r.get("heading"),
                               plain_snippet(r.get("text") or ""), r.get("record_field"))
                )


#: Close words looked up per unknown word (the most frequent within 2 edits), before those of
#: other languages are set aside.
SUGGEST_CANDIDATES = 8


def _in_language(searcher: Searcher, word: str, lang: str) -> bool:
    """Whether ``word`` (an indexed word, folded) is a word of ``lang``'s documents: its form
    in that language's analysis is in that language's fields."""
    tokens = analyse(lang, word)
    return len(tokens) == 1 and any(
        searcher.doc_frequency(name, tokens[0]) > 0 for name in (body_field(lang),
                                                                title_field(lang)))


def _suggestion(
    searcher: Searcher, parsed: ParsedQuery, base_filter: set[int]
) -> tuple[str, bool] | None:
    """The query with its unknown words replaced by their closest indexed words, if that finds
    hits; and whether the correction is clear (each such word has one closest word: no other
    as close). Words in quotes are taken as typed.

    When the query's language can be told, a word is known if its form in that language is
    indexed there ("exporteren" is Dutch for what the Dutch text's "exporteert" is), and the
    corrections come from that language's words only (a Dutch word is not "corrected" into
    the English "exporters", a Spanish one into Portuguese)."""
    corrected = parsed.text
    changed = False
    clear = True
    lang = query_language(" ".join(parsed.words))
    quoted = {w.lower() for part in re.findall(r'"([^"]*)"', parsed.text)
              for w in re.findall(r"\w+", part)}
    # Each unknown word costs a walk of the vocabulary: only the first few are corrected.
    for word in [w for w in dict.fromkeys(parsed.words) if w.lower() not in quoted][
            :MAX_CORRECTED_WORDS]:
        folded = fold(word)
        if len(folded) < 3 or searcher.doc_frequency("words", folded) > 0 or (
                lang is not None and _in_language(searcher, word, lang)):
            continue
        # prefix=1: the first letter is taken as typed, which makes this ~6x faster.
        options = searcher.suggest("words", folded, limit=SUGGEST_CANDIDATES, maxdist=2,
                                   prefix=1)
        if lang is not None:
            options = [o for o in options if _in_language(searcher, o, lang)]
        # Whoosh ranks them by frequency alone: the closest first ("exportrs": "exporters",
        # not the more frequent "export"), then the more frequent.
        options = sorted(options, key=lambda o: _distance(folded, o))[:2]
        if options and options[0] != folded:
            corrected = _replace_word(corrected, word, options[0])
            changed = True
            if len(options) > 1 and _distance(folded, options[1]) <= _distance(
                    folded, options[0]):
                clear = False
    if not changed:
        return None
    reparsed = parse_query(corrected)
    if reparsed.documents is None or reparsed.documents is wq.NullQuery:
        return None
    if searcher.search(reparsed.documents, filter=base_filter, limit=1).scored_length() == 0:
        return None
    return corrected, clear


def _quote_changed(typed: str, corrected: str) -> str:
    """``typed`` with the words that ``corrected`` replaced in quotes ("vouchrs" for exporters)."""
    kept = {w.lower() for w in re.findall(r"\w+", corrected)}
    return re.sub(r'(?<!")\b\w+\b(?!")',
                  lambda m: m.group() if m.group().lower() in kept else f'"{m.group()}"', typed)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short words only: suggestions are at most 2 edits away)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _replace_word(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", replacement, text, count=1)


# -- hybrid: keyword ranking fused with the semantic one (index.semantic) ---------------------

# The fusion settings (RRF k, weights, depths) are index.semantic.FUSION, read per search.

_OPERATOR = re.compile(r"(?<!\S)(AND|OR|NOT)(?!\S)|\b\w+:(\[[^\]]*\]|\S+)|[()\"^*]")

_DOCNUMS: weakref.WeakKeyDictionary[Searcher, tuple[VectorIndex, np.ndarray, dict[int, int]]] = (
    weakref.WeakKeyDictionary()
)


def semantic_text(text: str) -> str:
    """What a query says, for the model: without field:value filters and operators."""
    return " ".join(_OPERATOR.sub(" ", text).split())


def _vector_docnums(searcher: Searcher, vi: VectorIndex) -> tuple[np.ndarray, dict[int, int]]:
    """For each document of ``vi``: its document number in ``searcher`` (-1 when it is not in
    this index version), and the reverse map. Once per searcher and vector file."""
    cached = _DOCNUMS.get(searcher)
    if cached is not None and cached[0] is vi:
        return cached[1], cached[2]
    docnums = np.full(len(vi.doc_ids), -1, dtype=np.int64)
    for i, doc_id in enumerate(vi.doc_ids):
        docnum = searcher.document_number(uid=doc_id)
        if docnum is not None:
            docnums[i] = docnum
    reverse = {int(d): i for i, d in enumerate(docnums) if d >= 0}
    _DOCNUMS[searcher] = (vi, docnums, reverse)
    return docnums, reverse


def _allowed_mask(docnums: np.ndarray, allowed: set[int]) -> np.ndarray:
    if not allowed or isinstance(allowed, _NothingAllowed):
        return np.zeros(len(docnums), dtype=bool)
    return np.isin(docnums, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))


def _unmatched(searcher: Searcher, q: wq.Query, docnums: list[int]) -> list[int]:
    """Those of ``docnums`` (document records) that the keyword query does not match."""
    if not docnums:
        return []
    if q is wq.NullQuery:
        return list(docnums)
    uids = [searcher.stored_fields(d)["doc_id"] for d in docnums]
    only = wq.Or([wq.Term("uid", u) for u in uids])
    matched = set(searcher.docs_for_query(wq.And([only, q])))
    return [d for d in docnums if d not in matched]


def _add_facet_values(
    searcher: Searcher, counts: dict[str, int], facet: str, docnums: list[int]
) -> None:
    """Count the facet values of documents found by meaning only (Whoosh did not see them)."""
    fieldname = FACET_FIELDS[facet]
    for docnum in docnums:
        raw = searcher.stored_fields(docnum).get(fieldname)
        if raw is None or raw == "":
            continue
        values = [v for v in str(raw).split(",") if v] if facet == "theme" else [str(raw)]
        for value in values:
            counts[value] = counts.get(value, 0) + 1


@dataclass
class _Semantic:
    """What the semantic side needs during one search."""

    vi: VectorIndex
    vector: np.ndarray
    lang: str | None
    docnums: np.ndarray
    reverse: dict[int, int]

    def ranking(self, allowed: set[int], feedback_docnum: int | None) -> list[int]:
        """Document numbers of the closest documents among ``allowed``, best first."""
        mask = _allowed_mask(self.docnums, allowed) & (self.docnums >= 0)
        feedback = self.reverse.get(feedback_docnum) if feedback_docnum is not None else None
        positions = semantic.semantic_ranking(
            self.vi, self.vector, self.lang, mask, semantic.FUSION.depth, feedback
        )
        return [int(self.docnums[p]) for p in positions]


def _start_semantic(store: IndexStore, parsed: ParsedQuery, req: SearchRequest
                    ) -> tuple[Future[np.ndarray], VectorIndex, str] | None:
    if req.sort != "relevance" or not semantic.enabled():
        return None
    text = semantic_text(parsed.text)
    if not text or not any(ch.isalnum() for ch in text):
        return None
    gen = store.current_generation()
    vi = load_index(gen) if gen is not None else None
    if vi is None:
        return None
    future = semantic.start_query(text)
    return (future, vi, text) if future is not None else None


def search(store: IndexStore, req: SearchRequest) -> SearchResult:
    """Run one search: ranked documents with their best passages, and facet counts."""
    req.validate()
    started = time.perf_counter()
    parsed = parse_query(req.query)
    add_synonyms(parsed, store.load_synonyms())
    filters: dict[str, list[str]] = {k: list(v) for k, v in req.filters.items() if v}
    for facet, values in parsed.filters.items():
        filters.setdefault(facet, [])
        filters[facet].extend(v for v in values if v not in filters[facet])

    q = parsed.documents if parsed.documents is not None else wq.Every()
    sortedby = _sort_facet(req, parsed.documents is not None)
    # Facets with a selection (a year range typed in the query selects years) count apart.
    selected = {*filters, *(["year"] if parsed.years else [])}
    groupedby: dict[str, sorting.FacetType] = (
        {name: _facet_type(name) for name in FACET_FIELDS if name not in selected}
        if req.with_facets
        else {}
    )
    # Counting the matches while they are collected: len(results) would run the query again.
    groupedby[_TOTAL] = sorting.FunctionFacet(_one, maptype=sorting.Count)

    # The query's vector is computed in a background thread while the keyword search runs.
    started_semantic = _start_semantic(store, parsed, req)
    sem: _Semantic | None = None
    with store.searcher() as searcher:
        present = _present_fields(searcher)
        q = _prune(q, present) or wq.NullQuery
        parsed.passages = _prune(parsed.passages, present)
        base_filter = _filter_docs(searcher, filters, req, year_ranges=parsed.years)
        first = (req.page - 1) * req.page_size
        extra: list[int] = []  # documents found by meaning only
        if started_semantic is None:
            results = searcher.search_page(
                q,
                req.page,
                pagelen=req.page_size,
                filter=base_filter,
                sortedby=sortedby,
                groupedby=groupedby or None,
                terms=False,
            )
            keyword_results = results.results
            total = keyword_total = int(keyword_results.groups(_TOTAL).get(1, 0))
            hits = []
            if first < total:
                hits = [_doc_hit(r.fields(), r.score if sortedby is None else 0.0)
                        for r in results]
        else:
            keyword_results = searcher.search(
                q,
                limit=max(semantic.FUSION.fuse_depth, req.page * req.page_size),
                filter=base_filter,
                groupedby=groupedby or None,
                terms=False,
            )
            keyword_total = int(keyword_results.groups(_TOTAL).get(1, 0))
            keyword = [r.docnum for r in keyword_results]
            # the query's vector was made meanwhile, in another thread
            future, vi, text = started_semantic
            docnums, reverse = _vector_docnums(searcher, vi)
            sem = _Semantic(vi, future.result(), query_language(text), docnums, reverse)
            meaning = sem.ranking(base_filter, keyword[0] if keyword else None)
            in_keyword = set(keyword)
            extra = _unmatched(searcher, q, [d for d in meaning if d not in in_keyword])
            total = keyword_total + len(extra)
            fused = semantic.fuse(keyword, meaning, balanced=sem.vi.bias.per_language)
            only_meaning = set(extra)
            hits = []
            for docnum, score in fused[first:first + req.page_size]:
                hit = _doc_hit(searcher.stored_fields(docnum), score)
                if docnum in only_meaning:
                    hit.match = "semantic"
                hits.append(hit)
        counts: dict[str, dict[str, int]] = {}
        if req.with_facets:
            for name in FACET_FIELDS:
                if name in selected:
                    # A facet's counts ignore its own selection, so its other values stay
                    # selectable with true counts.
                    skip_filter = _filter_docs(searcher, filters, req, skip=name,
                                               year_ranges=parsed.years)
                    own = searcher.search(
                        q,
                        filter=skip_filter,
                        groupedby={name: _facet_type(name)},
                        limit=1,
                        terms=False,
                    )
                    counts[name] = _facet_counts(own, name)
                    if sem is not None:
                        own_meaning = sem.ranking(skip_filter, None)
                        _add_facet_values(searcher, counts[name], name,
                                          _unmatched(searcher, q, own_meaning))
                else:
                    counts[name] = _facet_counts(keyword_results, name)
                    _add_facet_values(searcher, counts[name], name, extra)
        _attach_passages(searcher, hits, parsed, req.passages)
        # "Did you mean" whenever a word is unknown to the index and a close known word
        # finds something; when the words as typed found nothing, the clear correction's
        # results are shown instead (below).
        suggested = _suggestion(searcher, parsed, base_filter) if parsed.words else None
        suggestion = suggested[0] if suggested else None
    if suggested and suggested[1] and keyword_total == 0 and not req.exact:
        fixed = search(store, replace(req, query=suggested[0], exact=True))
        fixed.request = req
        fixed.corrected = suggested[0]
        fixed.as_typed = _quote_changed(req.query, suggested[0])
        fixed.suggestion = None
        fixed.took_ms = round((time.perf_counter() - started) * 1000, 1)
        return fixed
    if sem is not None and keyword_total == 0 and total and parsed.notice is None:
        parsed.notice = ("No document contains these words; these documents are close in "
                         "meaning (semantic search, across languages).")
    labels = store.facet_labels()
    facets = {
        name: FacetResult(
            name,
            sorted(
                (
                    FacetValue(
                        value=value,
                        label=labels.get(name, {}).get(value, value),
                        count=count,
                        selected=value in filters.get(name, []),
                    )
                    for value, count in counts[name].items()
                ),
                key=lambda v: (-v.count, v.label.lower()),
            ),
        )
        for name in counts
    }
    for name, values in filters.items():
        if name in facets:
            listed = {v.value for v in facets[name].values}
            for value in values:
                if value not in listed:
                    facets[name].values.append(
                        FacetValue(value, labels.get(name, {}).get(value, value), 0, True)
                    )
    return SearchResult(
        request=req,
        total=total,
        hits=hits,
        facets=facets,
        took_ms=round((time.perf_counter() - started) * 1000, 1),
        suggestion=suggestion,
        notice=parsed.notice,
        query_filters=_typed_filters(parsed),
        semantic=sem is not None,
        query_language=sem.lang if sem is not None else None,
        keyword_total=keyword_total,
    )


def _typed_filters(parsed: ParsedQuery) -> dict[str, list[str]]:
    """The filters typed in the query, for display (year ranges as "2018–2020")."""
    out = {name: list(values) for name, values in parsed.filters.items()}
    for lo, hi in parsed.years:
        out.setdefault("year", []).append(
            f"{'…' if lo is None else lo}–{'…' if hi is None else hi}")
    return out
