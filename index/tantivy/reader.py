"""Reading one commit of one generation of the tantivy engine (index.engine.EngineReader).

A commit has a documents index and a passages index per language (index.tantivy.schema).
Searches run in each documents index and merge: hits by score (or by the sort key), exact
totals and facet counts (tantivy aggregations over the fast facet fields) added up. Passages
are read from the passages indexes for the hits shown. Ids cross the seam, never tantivy's
addresses.
"""

from __future__ import annotations

import bisect
import heapq
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import tantivy

from index import engine as protocol
from index import query_form as qf
from index.analysis import analyze
from index.did_you_mean import distance as edit_distance
from index.engine import CatalogEntry, Filter, Fingerprint, Ranked, Sort
from index.prepare import index_language
from index.records import Document, Passage
from index.schema import body_field, is_year, title_field
from index.tantivy.panics import guard_panics
from index.tantivy.schema import (
    DOC_KEY,
    FACETS,
    HAS,
    YEAR,
    analysed_term,
    doc_key,
    document_text_fields,
    index_term,
    passage_text_fields,
)
from index.tantivy.translate import (
    Translator,
    any_term,
    must_all,
    should_any,
    with_filter,
    year_range,
)

if TYPE_CHECKING:
    from index.tantivy.engine import TantivyOpenIndex

Occur = tantivy.Occur
#: Values counted per facet (more than any facet of a knowledge base has).
MAX_FACET_VALUES = 10_000
#: Queries matched in one search by matching_each (bits of a 32-bit float's mantissa).
MASK_BITS = 24
#: "More like this" reads at most this many passages of the document.
MORE_LIKE_THIS_PASSAGES = 200

DOC_FIELDS = frozenset([*document_text_fields(), "words", "doc_id", "hidden", HAS, *FACETS])
PASSAGE_FIELDS = frozenset([*passage_text_fields(), "doc_id", "record_field", HAS])


@dataclass
class Part:
    """One tantivy index of the commit, with its searcher and its query translator (made
    once per opened commit and shared by its readers: the searcher is pinned to the commit,
    the translator keeps the commit's document frequencies)."""

    lang: str
    searcher: tantivy.Searcher
    translator: Translator


#: hits each part gives past the limit of a search by score, for the ties of its last hit
#: (they are ordered by doc id, engine.by_score, as Whoosh does with all of them)
TIE_SLACK = 16


@guard_panics
class TantivyReader:
    """A reader of one commit: the parts of the open commit, and the records of its last
    search's hits."""

    def __init__(self, opened: TantivyOpenIndex) -> None:
        self._opened = opened
        self.docs_schema = opened.docs_schema
        self.passages_schema = opened.passages_schema
        self.docs = opened.doc_parts
        self.passage_parts = opened.passage_parts
        #: the records of the last search's hits, by id
        self._last: dict[str, tuple[Part, tantivy.Document]] = {}

    # -- searching ---------------------------------------------------------------------------
    def filter_query(self, flt: Filter) -> tantivy.Query:
        s = self.docs_schema
        parts: list[tantivy.Query] = []
        if not flt.include_hidden:
            parts.append(tantivy.Query.term_query(s, "hidden", False))
        for facet, values in flt.facets:
            options: list[tantivy.Query] = []
            for value in values:
                if facet == YEAR:
                    try:
                        year = int(value)
                    except ValueError:
                        continue
                    if is_year(year):
                        options.append(tantivy.Query.term_query(s, YEAR, year))
                elif facet in FACETS:
                    options.append(tantivy.Query.term_query(s, facet, str(value)))
            if facet == YEAR:
                options.extend(year_range(s, lo, hi) for lo, hi in flt.years)
            parts.append(should_any(options))
        if flt.years and YEAR not in dict(flt.facets):
            parts.append(should_any([year_range(s, lo, hi) for lo, hi in flt.years]))
        if flt.year_from is not None or flt.year_to is not None:
            parts.append(year_range(s, flt.year_from, flt.year_to))
        return must_all(parts)

    def _full(self, part: Part, query: qf.Query | None, flt: tantivy.Query
              ) -> tantivy.Query | None:
        if query is None:
            return flt
        translated = part.translator.translate(query)
        return None if translated is None else with_filter(translated, flt)

    def search(self, query: qf.Query | None, flt: Filter, *, sort: Sort = "score",
               limit: int = 10, facets: Sequence[str] = ()) -> Ranked:
        flt_query = self.filter_query(flt)
        wanted = max(1, limit)  # tantivy panics on a limit of 0
        total = 0
        counts: dict[str, dict[str, int]] = {name: {} for name in facets}
        # (key, part, rank in its part, address): merged on the key, ties in part order
        found: list[tuple[Any, int, int, tantivy.DocAddress]] = []
        field, ascending = _ORDERS.get(sort, ("", False))
        for p, part in enumerate(self.docs):
            full = self._full(part, query, flt_query)
            if full is None:
                continue
            if sort == "score":
                # a few more: the ties of the last one past it, ordered by id (by_score)
                result = part.searcher.search(full, limit=wanted + TIE_SLACK, count=True)
                found.extend((key, p, i, addr) for i, (key, addr) in enumerate(result.hits))
            else:
                result = part.searcher.search(
                    full, limit=wanted, count=True, order_by_field=field,
                    order=tantivy.Order.Asc if ascending else tantivy.Order.Desc)
                # no value (no date): last in both orders, as tantivy put it in its part
                found.extend((((key is None) == ascending, key or ""), p, i, addr)
                             for i, (key, addr) in enumerate(result.hits))
            n = int(getattr(result, "count", 0) or 0)  # (missing from tantivy's type stub)
            total += n
            if facets and n:
                for name, values in self._aggregate(part, full, list(facets)).items():
                    for value, count in values.items():
                        counts[name][value] = counts[name].get(value, 0) + count
        if not limit:  # counts only: the last hits' records stay (see below)
            return Ranked([], [], total, counts)
        # the best keys first (the highest scores, the newest: descending), ties in part order
        pick, tie = (heapq.nsmallest, 1) if ascending else (heapq.nlargest, -1)
        best = pick(limit, found, key=lambda f: (f[0], tie * f[1], tie * f[2]))
        if sort == "score" and len(best) == limit:
            # the hits of the last one's score past the limit (TIE_SLACK of each part at
            # most), so that the limit cuts its ties by doc id
            last = best[-1][0]
            taken = {(p, i) for _, p, i, _ in best}
            best += [f for f in found if f[0] == last and (f[1], f[2]) not in taken]
        # the hits' records, kept for documents(ids), which the orchestration asks after the
        # facets' counts (searches with limit 0)
        records = [(p, self.docs[p].searcher.doc(addr)) for _, p, _, addr in best]
        keys = [(float(key) if sort == "score" else 0.0, str(record.get_first("doc_id")))
                for (key, *_), (_, record) in zip(best, records, strict=True)]
        by_id = {doc_id: (self.docs[p], record)
                 for (_, doc_id), (p, record) in zip(keys, records, strict=True)}
        if sort == "score":  # ties by doc id (protocol.by_score)
            keys = protocol.by_score(keys)[:limit]
        self._last = {doc_id: by_id[doc_id] for _, doc_id in keys}
        return Ranked([doc_id for _, doc_id in keys], [score for score, _ in keys], total,
                      counts)

    def _aggregate(self, part: Part, query: tantivy.Query, names: list[str]
                   ) -> dict[str, dict[str, int]]:
        spec = {name: {"terms": {"field": name, "size": MAX_FACET_VALUES}} for name in names
                if name in FACETS}
        result = part.searcher.aggregate(query, spec) if spec else {}
        out: dict[str, dict[str, int]] = {}
        for name in names:
            values: dict[str, int] = {}
            for bucket in (result.get(name) or {}).get("buckets", []):
                key = bucket["key"]
                if isinstance(key, float) and key.is_integer():
                    key = int(key)
                if key in (None, "", 0):
                    continue
                values[str(key)] = int(bucket["doc_count"])
            out[name] = values
        return out

    def _doc_id(self, part: Part, addr: tantivy.DocAddress) -> str:
        return str(part.searcher.doc(addr).get_first("doc_id"))

    def _addresses(self, part: Part, query: tantivy.Query) -> list[tantivy.DocAddress]:
        n = part.searcher.num_docs
        if n == 0:
            return []
        return [addr for _, addr in part.searcher.search(query, limit=n, count=False).hits]

    def matching(self, query: qf.Query, ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        if not ids:
            return out
        only = any_term(self.docs_schema, "doc_id", ids)
        for part in self.docs:
            translated = part.translator.translate(query)
            if translated is None:
                continue
            found = part.searcher.search(with_filter(translated, only), limit=len(ids),
                                         count=False)
            out.update(self._doc_id(part, addr) for _, addr in found.hits)
        return out

    def matching_each(self, queries: Sequence[qf.Query], ids: Sequence[str]
                      ) -> list[set[str]]:
        """One search per index for up to MASK_BITS queries at once: each query a SHOULD
        clause of constant score 2**its place, restricted to ``ids``, so a hit's score is the
        sum over the queries it matches, their places' bits (exact in tantivy's 32-bit float
        scores up to 24 bits); the hits named by their doc keys (a fast field), not their
        stored records."""
        out: list[set[str]] = [set() for _ in queries]
        if not ids or not queries:
            return out
        only = any_term(self.docs_schema, "doc_id", ids)
        by_key = {doc_key(i): i for i in ids}
        # the indexes with any of them (no query is translated for the others), each query
        # translated for each in turn (the commit's statistics keep the last query's pruning)
        parts = [p for p in self.docs if p.searcher.search(only, limit=1, count=False).hits]
        translations: list[list[tuple[int, tantivy.Query]]] = [[] for _ in parts]
        for k, query in enumerate(queries):
            for part, of_part in zip(parts, translations, strict=True):
                translated = part.translator.translate(query)
                if translated is not None:
                    of_part.append((k, translated))
        for part, of_part in zip(parts, translations, strict=True):
            for start in range(0, len(of_part), MASK_BITS):
                chunk = of_part[start:start + MASK_BITS]
                flags = tantivy.Query.boolean_query([
                    (Occur.Should, tantivy.Query.const_score_query(t, float(1 << bit)))
                    for bit, (_, t) in enumerate(chunk)])
                found = part.searcher.search(with_filter(flags, only), limit=len(by_key),
                                             count=False).hits
                keys = part.searcher.fast_field_values(DOC_KEY, [addr for _, addr in found])
                for (score, _), key in zip(found, keys, strict=True):
                    if key is None:
                        continue
                    mask = int(score)
                    for bit, (k, _) in enumerate(chunk):
                        if mask >> bit & 1:
                            out[k].add(by_key[int(key)])
        return out

    def allowed(self, flt: Filter, ids: Sequence[str]) -> np.ndarray:
        keys = self._opened.allowed_keys(self, flt)
        return np.fromiter((doc_key(i) in keys for i in ids), dtype=bool, count=len(ids))

    def allowed_keys(self, flt: Filter) -> frozenset[int]:
        """The doc keys (schema.doc_key) of the documents ``flt`` allows."""
        keys: set[int] = set()
        flt_query = self.filter_query(flt)
        for part in self.docs:
            addrs = self._addresses(part, flt_query)
            if addrs:
                keys.update(int(k) for k in part.searcher.fast_field_values(DOC_KEY, addrs)
                            if k is not None)
        return frozenset(keys)

    def query_terms(self, query: qf.Query | None) -> dict[str, set[str]]:
        terms: dict[str, set[str]] = {}
        if query is None:
            return terms
        for part in [*self.passage_parts, *self.docs]:
            for field, found in part.translator.existing_terms(query).items():
                terms.setdefault(field, set()).update(found)
        return terms

    # -- reading -----------------------------------------------------------------------------
    def _stored(self, doc_id: str) -> tuple[Part, tantivy.Document] | None:
        last = self._last.get(doc_id)
        if last is not None:
            return last
        query = tantivy.Query.term_query(self.docs_schema, "doc_id", doc_id)
        for part in self.docs:
            found = part.searcher.search(query, limit=1, count=False)
            if found.hits:
                return part, part.searcher.doc(found.hits[0][1])
        return None

    def documents(self, ids: Sequence[str]) -> list[Document | None]:
        out: list[Document | None] = []
        for doc_id in ids:
            stored = self._stored(doc_id)
            out.append(None if stored is None else _document(stored[1]))
        return out

    def _passage(self, part: Part, addr: tantivy.DocAddress) -> tuple[str, Passage]:
        doc = part.searcher.doc(addr)
        data = _stored_json(_bytes(doc, "passage"))
        return str(doc.get_first("doc_id")), Passage(**data)

    def best_passages(self, query: qf.Query, ids: Sequence[str], per_doc: int
                      ) -> dict[str, list[Passage]] | None:
        if not any(p.translator.can_match(query) for p in self.passage_parts):
            return None  # no passage can match: the caller shows how the documents open
        if not ids or per_doc <= 0:
            return {i: [] for i in ids}
        best = protocol.BestPassages(ids, per_doc)
        only = any_term(self.passages_schema, "doc_id", ids)
        limit = per_doc * len(ids) * 20 + len(ids)
        for part in self.passage_parts:  # a document's passages are all in one of them
            translated = part.translator.translate(query)
            if translated is None:
                continue
            found = part.searcher.search(with_filter(translated, only), limit=limit,
                                         count=False)
            for _, addr in found.hits:
                doc_id, passage = self._passage(part, addr)
                if best.wants(doc_id):
                    best.add(doc_id, passage)
        return best.result()

    def passages(self, doc_id: str, limit: int | None = None) -> list[Passage]:
        if limit is not None and limit <= 0:
            return []
        query = tantivy.Query.term_query(self.passages_schema, "doc_id", doc_id)
        for part in self.passage_parts:
            s = part.searcher
            if s.num_docs == 0:
                continue
            found = s.search(query, limit=limit if limit is not None else s.num_docs,
                             count=False, order_by_field="ordinal", order=tantivy.Order.Asc)
            if found.hits:
                return [self._passage(part, addr)[1] for _, addr in found.hits]
        return []

    def matching_passages(self, query: qf.Query, doc_id: str) -> set[int]:
        only = tantivy.Query.term_query(self.passages_schema, "doc_id", doc_id)
        out: set[int] = set()
        for part in self.passage_parts:
            s = part.searcher
            translated = part.translator.translate(query)
            if translated is None or s.num_docs == 0:
                continue
            found = s.search(with_filter(translated, only), limit=s.num_docs, count=False)
            if found.hits:
                ordinals = s.fast_field_values("ordinal", [addr for _, addr in found.hits])
                out.update(int(o) for o in ordinals if o is not None)
        return out

    # -- words -------------------------------------------------------------------------------
    def word_count(self, word: str) -> int:
        return self.term_count("words", word)

    def term_count(self, field: str, term: str) -> int:
        text = index_term(term)
        return sum(int(p.searcher.doc_freq(field, text)) for p in self.docs)

    def similar_words(self, word: str) -> list[tuple[str, int]]:
        if not word:
            return []
        out = []
        for term, count in self._opened.words_starting(self, word[:1]):
            if term == word or abs(len(term) - len(word)) > 2:
                continue
            if edit_distance(word, term, 2) <= 2:
                out.append((analysed_term(term), count))
        return out

    def words_starting(self, letter: str) -> list[tuple[str, int]]:
        """The words starting with ``letter``, with their document counts."""
        counts: dict[str, int] = defaultdict(int)
        for part in self.docs:
            for term, n in part.searcher.terms_with_prefix("words", letter):
                counts[term] += n
        return sorted(counts.items())

    def completions(self, prefix: str, limit: int) -> list[str]:
        """The most frequent of the first MAX_COMPLETION_WORDS + 1 words with ``prefix`` in
        alphabetical order (index.engine; as the Whoosh engine chooses), from the commit's
        sorted words of the prefix's first letter; a word only hidden or deleted documents
        have is not offered (tantivy's word lists keep a deleted document's words until its
        segment is merged)."""
        text = index_term(prefix)
        words = self._opened.words_starting(self, text[:1])
        first: list[tuple[str, int]] = []
        for i in range(bisect.bisect_left(words, (text,)), len(words)):
            if (len(first) > protocol.MAX_COMPLETION_WORDS
                    or not words[i][0].startswith(text)):
                break
            first.append(words[i])
        first.sort(key=lambda pair: (-pair[1], pair[0]))
        out: list[str] = []
        for term, _ in first:
            if len(out) >= limit:
                break
            if not self._visible_word(term):
                continue
            out.append(analysed_term(term))
        return out

    def _visible_word(self, term: str) -> bool:
        """Whether a document that is not hidden has ``term`` in its words."""
        query = with_filter(tantivy.Query.term_query(self.docs_schema, "words", term),
                            tantivy.Query.term_query(self.docs_schema, "hidden", False))
        return any(part.searcher.search(query, limit=1, count=False).hits for part in self.docs)

    def hidden_count(self) -> int:
        """Hidden documents in the commit."""
        query = tantivy.Query.term_query(self.docs_schema, "hidden", True)
        return sum(int(getattr(part.searcher.search(query, limit=1, count=True), "count", 0)
                       or 0) for part in self.docs)

    def more_like_this(self, doc_id: str, limit: int) -> list[tuple[str, float]]:
        stored = self._stored(doc_id)
        if stored is None or limit <= 0:
            return []
        part, record = stored  # the fields of its language are all in its index
        doc = _document(record)
        lang = index_language(doc.language)
        texts = [p.text for p in self.passages(doc_id, MORE_LIKE_THIS_PASSAGES)]
        terms = " ".join(index_term(t)
                         for t in analyze(lang, doc.title + "\n" + "\n".join(texts)))
        if not terms:
            return []
        visible = tantivy.Query.term_query(self.docs_schema, "hidden", False)
        out: list[tuple[str, float]] = []
        seen = {doc_id}
        for field in (body_field(lang), title_field(lang)):
            query = tantivy.Query.more_like_this_document_fields_query(
                self.docs_schema, {field: [terms]}, min_doc_frequency=1, min_term_frequency=1,
                max_query_terms=25)
            found = part.searcher.search(with_filter(query, visible), limit=limit + 1,
                                         count=False)
            for score, addr in found.hits:
                other = self._doc_id(part, addr)
                if other not in seen:
                    seen.add(other)
                    out.append((other, round(float(score), 3)))
            if len(out) >= limit:
                break
        return out[:limit]

    # -- the whole index ---------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        return (sum(p.searcher.num_docs for p in self.docs),
                sum(p.searcher.num_docs for p in self.passage_parts))

    def catalog(self) -> Iterator[CatalogEntry]:
        for part in self.docs:
            for addr in self._addresses(part, tantivy.Query.all_query()):
                stored = part.searcher.doc(addr)
                meta = _stored_json(_bytes(stored, "meta"))
                fp = _stored_json(_bytes(stored, "fingerprint"))
                yield CatalogEntry(
                    id=str(stored.get_first("doc_id")),
                    source_path=str(stored.get_first("source_path") or ""),
                    hidden=bool(stored.get_first("hidden")),
                    fingerprint=Fingerprint.from_dict(fp),
                    doc_type=meta.get("doc_type"),
                    country=meta.get("country_code"),
                    language=meta.get("language"),
                )

    def document_texts(self, passages: int) -> Iterator[dict[str, Any]]:
        for part, passage_part in zip(self.docs, self.passage_parts, strict=True):
            addresses = self._addresses(part, tantivy.Query.all_query())
            for start in range(0, len(addresses), protocol.TEXTS_CHUNK):
                chunk = [part.searcher.doc(addr)
                         for addr in addresses[start:start + protocol.TEXTS_CHUNK]]
                ids = [str(stored.get_first("doc_id")) for stored in chunk]
                firsts: dict[str, list[tuple[int, str]]] = defaultdict(list)
                s = passage_part.searcher
                if passages > 0 and s.num_docs:
                    # the first passages of this chunk's documents only
                    first = with_filter(
                        tantivy.Query.range_query(self.passages_schema, "ordinal",
                                                  tantivy.FieldType.Unsigned, 0, passages,
                                                  include_upper=False),
                        tantivy.Query.term_set_query(self.passages_schema, "doc_id", ids))
                    limit = min(s.num_docs, len(ids) * (passages + 1))
                    hits = s.search(first, limit=limit, count=False).hits
                    if len(hits) == limit < s.num_docs:  # ordinals repeat: read them all
                        hits = s.search(first, limit=s.num_docs, count=False).hits
                    for _, addr in hits:
                        doc_id, p = self._passage(passage_part, addr)
                        firsts[doc_id].append((p.ordinal, p.text))
                for doc_id, stored in zip(ids, chunk, strict=True):
                    meta = _stored_json(_bytes(stored, "meta"))
                    texts = sorted(firsts.get(doc_id, []))[:passages]
                    yield {"id": doc_id, "language": meta.get("language") or "",
                           "title": meta.get("title") or "",
                           "summary": meta.get("summary") or "",
                           "passages": [t for _, t in texts]}


_ORDERS: dict[str, tuple[str, bool]] = {
    "newest": ("sort_date", False),
    "oldest": ("sort_date", True),
    "title": ("sort_title", True),
}


def _bytes(doc: tantivy.Document, name: str) -> bytes:
    value = doc.get_first(name)
    return bytes(value) if value is not None else b""


def _stored_json(data: bytes) -> Any:
    """A stored JSON field's value ({} when empty), as ``json.loads`` reads it: by orjson (a
    third of the time: 38 records a search page), or by json for what orjson refuses and the
    writer's ``json.dumps`` may write (NaN, lone surrogates as escapes)."""
    if not data:
        return {}
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _document(stored: tantivy.Document) -> Document:
    return Document.from_dict(_stored_json(_bytes(stored, "meta")))


__all__ = ["Part", "TantivyReader"]
