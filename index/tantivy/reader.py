"""Reading one commit of one generation of the tantivy engine (index.engine.EngineReader).

Searches rank document records with exact totals; facet counts are tantivy aggregations over
the fast facet fields (terms aggregations, one request for all the facets asked for). Passages
are read from their own index for the hits shown. Ids cross the seam, never tantivy's
addresses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import tantivy

from index import query_form as qf
from index.analysis import analyze
from index.engine import CatalogEntry, Filter, Fingerprint, Ranked, Sort
from index.prepare import index_language
from index.records import Document, Passage
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
from index.tantivy.translate import Translator, must_all, with_filter, year_range

if TYPE_CHECKING:
    from index.tantivy.engine import TantivyOpenIndex

Occur = tantivy.Occur
#: Values counted per facet (more than any facet of a knowledge base has).
MAX_FACET_VALUES = 10_000
#: Completions are chosen among this many words of the prefix, in alphabetical order.
MAX_COMPLETION_WORDS = 2000
#: "More like this" reads at most this many passages of the document.
MORE_LIKE_THIS_PASSAGES = 200

DOC_FIELDS = frozenset([*document_text_fields(), "words", "doc_id", "hidden", HAS, *FACETS])
PASSAGE_FIELDS = frozenset([*passage_text_fields(), "doc_id", "record_field", HAS])


class TantivyReader:
    """A reader of one commit (the searchers of both indexes, taken when it was opened)."""

    def __init__(self, opened: TantivyOpenIndex) -> None:
        self._opened = opened
        self.docs = opened.docs.searcher()
        self.passages_searcher = opened.passages.searcher()
        self.docs_schema = opened.docs_schema
        self.passages_schema = opened.passages_schema
        self._doc_translator = Translator(self.docs, self.docs_schema, DOC_FIELDS)
        self._passage_translator = Translator(self.passages_searcher, self.passages_schema,
                                              PASSAGE_FIELDS)

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
                    if 0 <= year <= 9999:
                        options.append(tantivy.Query.term_query(s, YEAR, year))
                elif facet in FACETS:
                    options.append(tantivy.Query.term_query(s, facet, str(value)))
            if facet == YEAR:
                options.extend(year_range(s, lo, hi) for lo, hi in flt.years)
            parts.append(_any(options))
        if flt.years and YEAR not in dict(flt.facets):
            parts.append(_any([year_range(s, lo, hi) for lo, hi in flt.years]))
        if flt.year_from is not None or flt.year_to is not None:
            parts.append(year_range(s, flt.year_from, flt.year_to))
        return must_all(parts)

    def _full(self, query: qf.Query | None, flt: Filter) -> tantivy.Query | None:
        if query is None:
            return self.filter_query(flt)
        translated = self._doc_translator.translate(query)
        return None if translated is None else with_filter(translated, self.filter_query(flt))

    def search(self, query: qf.Query | None, flt: Filter, *, sort: Sort = "score",
               limit: int = 10, facets: Sequence[str] = ()) -> Ranked:
        full = self._full(query, flt)
        if full is None:
            return Ranked([], [], 0, {name: {} for name in facets})
        searcher = self.docs
        wanted = max(1, limit)  # tantivy panics on a limit of 0
        if sort == "score":
            result = searcher.search(full, limit=wanted, count=True)
        else:
            field, ascending = _ORDERS[sort]
            result = searcher.search(
                full, limit=wanted, count=True, order_by_field=field,
                order=tantivy.Order.Asc if ascending else tantivy.Order.Desc)
        hits = result.hits[:limit]
        ids = [self._doc_id(addr) for _, addr in hits]
        scores = [float(score) if sort == "score" else 0.0 for score, _ in hits]
        total = int(getattr(result, "count", 0) or 0)  # (missing from tantivy's type stub)
        counts = self._aggregate(full, list(facets)) if facets and total else {
            name: {} for name in facets}
        return Ranked(ids, scores, total, counts)

    def _aggregate(self, query: tantivy.Query, names: list[str]) -> dict[str, dict[str, int]]:
        spec = {name: {"terms": {"field": name, "size": MAX_FACET_VALUES}} for name in names
                if name in FACETS}
        result = self.docs.aggregate(query, spec) if spec else {}
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

    def _doc_id(self, addr: tantivy.DocAddress) -> str:
        return str(self.docs.doc(addr).get_first("doc_id"))

    def _addresses(self, query: tantivy.Query) -> list[tantivy.DocAddress]:
        n = self.docs.num_docs
        if n == 0:
            return []
        return [addr for _, addr in self.docs.search(query, limit=n, count=False).hits]

    def matching(self, query: qf.Query, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        translated = self._doc_translator.translate(query)
        if translated is None:
            return set()
        only = tantivy.Query.term_set_query(self.docs_schema, "doc_id", list(ids))
        found = self.docs.search(with_filter(translated, only), limit=len(ids), count=False)
        return {self._doc_id(addr) for _, addr in found.hits}

    def allowed(self, flt: Filter, ids: Sequence[str]) -> np.ndarray:
        keys = self._opened.allowed_keys(self, flt)
        return np.fromiter((doc_key(i) in keys for i in ids), dtype=bool, count=len(ids))

    def allowed_keys(self, flt: Filter) -> frozenset[int]:
        """The doc keys (schema.doc_key) of the documents ``flt`` allows."""
        addrs = self._addresses(self.filter_query(flt))
        if not addrs:
            return frozenset()
        return frozenset(int(k) for k in self.docs.fast_field_values(DOC_KEY, addrs)
                         if k is not None)

    def query_terms(self, query: qf.Query | None) -> dict[str, set[str]]:
        if query is None:
            return {}
        terms = self._passage_translator.existing_terms(query)
        for field, found in self._doc_translator.existing_terms(query).items():
            terms.setdefault(field, set()).update(found)
        return terms

    # -- reading -----------------------------------------------------------------------------
    def _address(self, doc_id: str) -> tantivy.DocAddress | None:
        found = self.docs.search(tantivy.Query.term_query(self.docs_schema, "doc_id", doc_id),
                                 limit=1, count=False)
        return found.hits[0][1] if found.hits else None

    def _stored(self, doc_id: str) -> tantivy.Document | None:
        addr = self._address(doc_id)
        return None if addr is None else self.docs.doc(addr)

    def documents(self, ids: Sequence[str]) -> list[Document | None]:
        out: list[Document | None] = []
        for doc_id in ids:
            stored = self._stored(doc_id)
            out.append(None if stored is None else _document(stored))
        return out

    def _passage(self, addr: tantivy.DocAddress) -> tuple[str, Passage]:
        doc = self.passages_searcher.doc(addr)
        data = json.loads(_bytes(doc, "passage") or b"{}")
        return str(doc.get_first("doc_id")), Passage(**data)

    def best_passages(self, query: qf.Query, ids: Sequence[str], per_doc: int
                      ) -> dict[str, list[Passage]] | None:
        if not ids or per_doc <= 0:
            return {}
        translated = self._passage_translator.translate(query)
        if translated is None or not self._passage_translator.can_match(query):
            return None  # no passage can match: the caller shows how the documents open
        only = tantivy.Query.term_set_query(self.passages_schema, "doc_id", list(ids))
        limit = per_doc * len(ids) * 20 + len(ids)
        found = self.passages_searcher.search(with_filter(translated, only), limit=limit,
                                              count=False)
        out: dict[str, list[Passage]] = defaultdict(list)
        for _, addr in found.hits:
            doc_id, passage = self._passage(addr)
            if len(out[doc_id]) < per_doc:
                out[doc_id].append(passage)
        return dict(out)

    def passages(self, doc_id: str, limit: int | None = None) -> list[Passage]:
        s = self.passages_searcher
        if s.num_docs == 0 or (limit is not None and limit <= 0):
            return []
        query = tantivy.Query.term_query(self.passages_schema, "doc_id", doc_id)
        found = s.search(query, limit=limit if limit is not None else s.num_docs, count=False,
                         order_by_field="ordinal", order=tantivy.Order.Asc)
        return [self._passage(addr)[1] for _, addr in found.hits]

    def matching_passages(self, query: qf.Query, doc_id: str) -> set[int]:
        s = self.passages_searcher
        translated = self._passage_translator.translate(query)
        if translated is None or s.num_docs == 0:
            return set()
        only = tantivy.Query.term_query(self.passages_schema, "doc_id", doc_id)
        found = s.search(with_filter(translated, only), limit=s.num_docs, count=False)
        if not found.hits:
            return set()
        ordinals = s.fast_field_values("ordinal", [addr for _, addr in found.hits])
        return {int(o) for o in ordinals if o is not None}

    # -- words -------------------------------------------------------------------------------
    def word_count(self, word: str) -> int:
        return int(self.docs.doc_freq("words", index_term(word)))

    def term_count(self, field: str, term: str) -> int:
        return int(self.docs.doc_freq(field, index_term(term)))

    def similar_words(self, word: str, limit: int) -> list[str]:
        """Words at most 2 edits from ``word`` with its first letter: the closest first, then
        the most frequent (the order of Whoosh's corrector)."""
        if not word:
            return []
        scored = []
        for term, count in self._opened.words_starting(self, word[:1]):
            if term == word or abs(len(term) - len(word)) > 2:
                continue
            distance = bounded_distance(word, term, 2)
            if distance <= 2:
                scored.append((distance, -count, term))
        scored.sort()
        return [analysed_term(t) for *_, t in scored[:limit]]

    def words_starting(self, letter: str) -> list[tuple[str, int]]:
        return list(self.docs.terms_with_prefix("words", letter))

    def completions(self, prefix: str, limit: int) -> list[str]:
        found = self.docs.terms_with_prefix("words", index_term(prefix))
        first = sorted(found)[:MAX_COMPLETION_WORDS + 1]
        first.sort(key=lambda pair: (-pair[1], pair[0]))
        visible = tantivy.Query.term_query(self.docs_schema, "hidden", False)
        shown = {t for t, n in self.docs.terms_with_prefix(
            "words", index_term(prefix), filter_query=visible) if n > 0}
        return [analysed_term(t) for t, _ in first if t in shown][:limit]

    def more_like_this(self, doc_id: str, limit: int) -> list[tuple[str, float]]:
        stored = self._stored(doc_id)
        if stored is None or limit <= 0:
            return []
        doc = _document(stored)
        lang = index_language(doc.language)
        texts = [p.text for p in self.passages(doc_id, MORE_LIKE_THIS_PASSAGES)]
        terms = " ".join(index_term(t) for t in analyze(lang, doc.title + "\n" + "\n".join(texts)))
        if not terms:
            return []
        visible = tantivy.Query.term_query(self.docs_schema, "hidden", False)
        out: list[tuple[str, float]] = []
        seen = {doc_id}
        for field in (f"body_{lang}", f"title_{lang}"):
            query = tantivy.Query.more_like_this_document_fields_query(
                self.docs_schema, {field: [terms]}, min_doc_frequency=1, min_term_frequency=1,
                max_query_terms=25)
            found = self.docs.search(with_filter(query, visible), limit=limit + 1, count=False)
            for score, addr in found.hits:
                other = self._doc_id(addr)
                if other not in seen:
                    seen.add(other)
                    out.append((other, round(float(score), 3)))
            if len(out) >= limit:
                break
        return out[:limit]

    # -- the whole index ---------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        return self.docs.num_docs, self.passages_searcher.num_docs

    def catalog(self) -> Iterator[CatalogEntry]:
        for addr in self._addresses(tantivy.Query.all_query()):
            stored = self.docs.doc(addr)
            meta = json.loads(_bytes(stored, "meta") or b"{}")
            fp = json.loads(_bytes(stored, "fingerprint") or b"{}")
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
        firsts: dict[str, list[tuple[int, str]]] = defaultdict(list)
        s = self.passages_searcher
        if passages > 0 and s.num_docs:
            first = tantivy.Query.range_query(self.passages_schema, "ordinal",
                                              tantivy.FieldType.Unsigned, 0, passages,
                                              include_upper=False)
            for _, addr in s.search(first, limit=s.num_docs, count=False).hits:
                doc_id, p = self._passage(addr)
                firsts[doc_id].append((p.ordinal, p.text))
        for addr in self._addresses(tantivy.Query.all_query()):
            stored = self.docs.doc(addr)
            meta = json.loads(_bytes(stored, "meta") or b"{}")
            doc_id = str(stored.get_first("doc_id"))
            texts = sorted(firsts.get(doc_id, []))[:passages]
            yield {"id": doc_id, "language": meta.get("language") or "",
                   "title": meta.get("title") or "", "summary": meta.get("summary") or "",
                   "passages": [t for _, t in texts]}


_ORDERS: dict[str, tuple[str, bool]] = {
    "newest": ("sort_date", False),
    "oldest": ("sort_date", True),
    "title": ("sort_title", True),
}


def _any(options: list[tantivy.Query]) -> tantivy.Query:
    if not options:
        return tantivy.Query.empty_query()
    if len(options) == 1:
        return options[0]
    return tantivy.Query.boolean_query([(Occur.Should, o) for o in options])


def _bytes(doc: tantivy.Document, name: str) -> bytes:
    value = doc.get_first(name)
    return bytes(value) if value is not None else b""


def _document(stored: tantivy.Document) -> Document:
    return Document.from_dict(json.loads(_bytes(stored, "meta") or b"{}"))


def bounded_distance(a: str, b: str, bound: int) -> int:
    """The Levenshtein distance of ``a`` and ``b``, or ``bound + 1`` when it is larger (stops
    as soon as every cell of a row is past the bound)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        best = i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
            best = min(best, row[j])
        if best > bound:
            return bound + 1
    return row[-1]


__all__ = ["TantivyReader", "bounded_distance"]
