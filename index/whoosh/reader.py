"""Reading a Whoosh generation: the EngineReader (index.engine) on one Whoosh searcher.

A reader lives in a pool (index/whoosh/searchers.py) as long as its commit is live, so what it
computes once per index version is kept on it: the document records and filters (docnum sets),
the doc id of every record (so a search names its hits without unpickling stored fields), the
facet values (index/whoosh/facets.py) and the field statistics of the scoring.
"""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

import numpy as np
from whoosh import collectors, sorting
from whoosh import query as wq
from whoosh.searching import Searcher

from index import engine as protocol
from index import query_form as qf
from index.engine import CatalogEntry, Filter, Fingerprint, Ranked, Sort
from index.prepare import index_language
from index.query_form import Query
from index.records import Document, Passage
from index.schema import FACET_FIELDS, MULTI_VALUED_FACETS, body_field, title_field
from index.whoosh.facets import FacetColumn, count_facets
from index.whoosh.matches import WantedMatches, matched_docnums
from index.whoosh.translate import prune, to_whoosh

#: Filters (docnum sets) kept per reader, most recently used.
FILTER_CACHE = 16


class _NothingAllowed(set):  # type: ignore[type-arg]
    """An empty allow-set that is truthy, so Whoosh applies it (and nothing matches): Whoosh
    treats a falsy filter as "no filter" (FilterCollector: `ftc(allow) if allow`)."""

    def __bool__(self) -> bool:
        return True


_NOTHING_ALLOWED = _NothingAllowed()


class _Recorder(collectors.WrappingCollector):
    """Notes the document number of every match its child collects (for the total and the
    facet counts), whatever the child keeps."""

    def __init__(self, child: collectors.Collector) -> None:
        super().__init__(child)
        self.docnums: list[int] = []

    def collect(self, sub_docnum: int) -> Any:
        self.docnums.append(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


def _undated_last(key: bytes | str) -> tuple[bool, bytes | str]:
    """An oldest-first sort key: documents without a date ("") after the dated ones."""
    return (not key, key)


def _sort_facet(sort: Sort) -> sorting.FacetType | None:
    if sort == "newest":  # without a date: "", the smallest key, so last
        return sorting.FieldFacet("date_sort", reverse=True)
    if sort == "oldest":
        return sorting.TranslateFacet(_undated_last, sorting.FieldFacet("date_sort"))
    if sort == "title":
        return sorting.FieldFacet("title_sort")
    return None


def _passage(stored: dict[str, Any]) -> Passage:
    return Passage(
        ordinal=stored["ordinal"],
        text=stored.get("text") or "",
        page=stored.get("page"),
        heading=stored.get("heading"),
        source=stored.get("source") or "text",
        confidence=stored.get("confidence"),
        record_field=stored.get("record_field"),
        boilerplate=stored.get("boilerplate"),
    )


def _best_scored(s: Searcher, q: wq.Query, wanted: Sequence[int], limit: int) -> list[int]:
    """Those of ``wanted`` (ascending document numbers) that ``q`` matches, best first, at
    most ``limit``: what ``s.search(q, limit=limit)`` restricted to them gives, in its order
    (score, then document number), with the same scores (each segment's matcher of ``q`` in
    a search context of ``s``, as a collector makes it). The matcher is skipped to each wanted
    document (a few postings read each) instead of intersected with a query of their ids, whose
    matcher lists its postings and builds a union of a term matcher per id (the passages of an
    export's 100 hits at a time: 60 ms of 110 a batch)."""
    final = s.weighting.final if s.weighting.use_final else None
    scored: list[tuple[float, int]] = []
    context = s.context()
    for sub, offset in s.leaf_searchers():
        end = offset + sub.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local:
            continue
        matcher = q.matcher(sub, context)
        for docnum in matched_docnums(matcher, local):
            score = matcher.score()
            if final is not None:
                score = final(s, docnum + offset, score)
            scored.append((-score, docnum + offset))
    scored.sort()
    return [docnum for _, docnum in scored[:limit]]


class WhooshReader:
    """An EngineReader on one Whoosh searcher (used by one thread at a time)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._base: dict[bool, set[int]] = {}
        self._filters: OrderedDict[Filter, set[int]] = OrderedDict()
        self._ids: list[str] | None = None
        self._docnums: dict[str, int] | None = None
        self._vectors: tuple[Sequence[str], np.ndarray] | None = None
        self._facets: dict[str, FacetColumn] = {}

    def close(self) -> None:
        self.searcher.close()

    # -- what is computed once per index version ---------------------------------------------
    def _base_docs(self, include_hidden: bool) -> set[int]:
        """Document records (not passages), without hidden ones unless asked."""
        docs = self._base.get(include_hidden)
        if docs is None:
            s = self.searcher
            docs = set(s.document_numbers(kind="doc"))
            if not include_hidden:
                docs -= set(s.docs_for_query(wq.Term("hidden", True)))
            self._base[include_hidden] = docs
        return docs

    def _id_column(self) -> tuple[list[str], dict[str, int]]:
        """The doc id of every record (passages too) by docnum, and the docnum of every
        document record by id: read once from the postings of ``doc_id``."""
        if self._ids is None or self._docnums is None:
            reader = self.searcher.reader()
            ids = [""] * reader.doc_count_all()
            docs = self._base_docs(True)
            docnums: dict[str, int] = {}
            for text in reader.lexicon("doc_id"):
                doc_id = text.decode("utf-8") if isinstance(text, bytes) else str(text)
                for docnum in reader.postings("doc_id", text).all_ids():
                    ids[docnum] = doc_id
                    if docnum in docs:
                        docnums[doc_id] = docnum
            self._ids, self._docnums = ids, docnums
        return self._ids, self._docnums

    def _facet(self, name: str) -> FacetColumn:
        column = self._facets.get(name)
        if column is None:
            column = self._facets[name] = FacetColumn(
                self.searcher.reader(), FACET_FIELDS[name], multi=name in MULTI_VALUED_FACETS)
        return column

    def _allowed(self, flt: Filter) -> set[int]:
        """The document numbers ``flt`` allows (a truthy set, even when empty)."""
        cached = self._filters.get(flt)
        if cached is not None:
            self._filters.move_to_end(flt)
            return cached
        allowed = self._base_docs(flt.include_hidden)
        clauses: list[wq.Query] = []
        facets = dict(flt.facets)
        for facet in {*facets, *(["year"] if flt.years else [])}:
            options = [to_whoosh(qf.Facet(facet, v)) for v in facets.get(facet, ())]
            if facet == "year":
                options.extend(to_whoosh(qf.YearRange(lo, hi)) for lo, hi in flt.years)
            if options:
                clauses.append(wq.Or(options))
        if flt.year_from is not None or flt.year_to is not None:
            clauses.append(to_whoosh(qf.YearRange(flt.year_from, flt.year_to)))
        for clause in clauses:
            allowed = allowed.intersection(self.searcher.docs_for_query(clause))
        result = allowed if allowed else _NOTHING_ALLOWED
        self._filters[flt] = result
        while len(self._filters) > FILTER_CACHE:
            self._filters.popitem(last=False)
        return result

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: Query | None, flt: Filter, *, sort: Sort = "score",
               limit: int = 10, facets: Sequence[str] = ()) -> Ranked:
        s = self.searcher
        q = prune(to_whoosh(query), s) if query is not None else prune(wq.Every(), s)
        sortedby = _sort_facet(sort)
        # Every match is collected (scored ones all, sorted ones by their key), so the total
        # and the facet counts are exact: the recorder notes each match's number.
        if limit <= 0:  # counts only: nothing scored or sorted
            inner = s.collector(scored=False)
        else:
            inner = s.collector(limit=None if sortedby is None else limit, sortedby=sortedby)
        recorder = _Recorder(inner)
        collector = collectors.FilterCollector(recorder, self._allowed(flt), None)
        s.search_with_collector(q, collector)
        results = collector.results()
        ids, _ = self._id_column()
        if sortedby is None and limit > 0:
            # ties by doc id (protocol.by_score), those past the limit too
            ranked = results.top_n
            end = min(limit, len(ranked))
            while 0 < end < len(ranked) and ranked[end][0] == ranked[end - 1][0]:
                end += 1
            top = protocol.by_score([(score, ids[docnum]) for score, docnum in ranked[:end]])
            top = top[:limit]
            return Ranked(
                ids=[doc_id for _, doc_id in top],
                scores=[score for score, _ in top],
                total=len(recorder.docnums),
                facets=count_facets([(name, self._facet(name)) for name in facets],
                                    recorder.docnums),
            )
        hits = [hit for _, hit in zip(range(max(0, limit)), results, strict=False)]
        return Ranked(
            ids=[ids[hit.docnum] for hit in hits],
            scores=[0.0 for hit in hits],
            total=len(recorder.docnums),
            facets=count_facets([(name, self._facet(name)) for name in facets],
                                recorder.docnums),
        )

    def _wanted(self, ids: Sequence[str]) -> tuple[list[str], list[int]]:
        """The doc id of every record by docnum, and the docnums of ``ids``, ascending."""
        names, by_id = self._id_column()
        return names, sorted({by_id[i] for i in ids if i in by_id})

    def matching(self, query: Query, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        q = prune(to_whoosh(query), self.searcher)
        if q is wq.NullQuery:
            return set()
        names, wanted = self._wanted(ids)
        # The query's matcher skipped to each wanted document (a few postings read each),
        # instead of a query of their ids (one postings lookup per id, ~5x slower for 20 ids).
        return {names[d] for d in matched_docnums(q.matcher(self.searcher), wanted)}

    def matching_each(self, queries: Sequence[Query], ids: Sequence[str]) -> list[set[str]]:
        if not ids:
            return [set() for _ in queries]
        names, wanted = self._wanted(ids)
        matches = WantedMatches(self.searcher, wanted, self._languages(wanted))
        return [{names[d] for d in matches.of(q)} for q in queries]

    def _languages(self, docnums: list[int]) -> frozenset[str]:
        """The analyser keys (index.prepare.index_language) of the document records
        ``docnums``: the languages of the only per-language text fields they have."""
        column = self._facet("language")
        return frozenset(index_language(column.values[code] if code >= 0 else None)
                         for code in column.codes[docnums].tolist())

    def allowed(self, flt: Filter, ids: Sequence[str]) -> np.ndarray:
        cached = self._vectors
        if cached is not None and cached[0] is ids:
            docnums = cached[1]
        else:
            _, by_id = self._id_column()
            docnums = np.fromiter((by_id.get(i, -1) for i in ids), dtype=np.int64,
                                  count=len(ids))
            self._vectors = (ids, docnums)
        allowed = self._allowed(flt)
        if not allowed or isinstance(allowed, _NothingAllowed):
            return np.zeros(len(docnums), dtype=bool)
        mask: np.ndarray = np.isin(
            docnums, np.fromiter(allowed, dtype=np.int64, count=len(allowed))) & (docnums >= 0)
        return mask

    def query_terms(self, query: Query | None) -> dict[str, set[str]]:
        """(Whoosh's own Query.existing_terms reuses a loop variable and skips every field but
        the first, so it is not used here.)"""
        out: dict[str, set[str]] = defaultdict(set)
        if query is None:
            return out
        q = to_whoosh(query)
        if q is wq.NullQuery:
            return out
        reader = self.searcher.reader()
        schema = reader.schema
        leaves = q.leaves() if not q.is_leaf() else [q]
        for leaf in leaves:
            try:
                pairs = list(leaf.expanded_terms(reader, phrases=True))
            except (KeyError, NotImplementedError, ValueError):
                # A field this index lacks (KeyError), a leaf that cannot list its terms, a
                # value its field cannot encode: that leaf marks nothing, the others still do.
                continue
            for fieldname, text in pairs:
                if fieldname not in schema:
                    continue
                if isinstance(text, bytes):
                    text = text.decode("utf-8", "replace")
                if (fieldname, schema[fieldname].to_bytes(text)) in reader:
                    out[fieldname].add(text)
        return out

    # -- reading -----------------------------------------------------------------------------
    def documents(self, ids: Sequence[str]) -> list[Document | None]:
        _, by_id = self._id_column()
        out: list[Document | None] = []
        for doc_id in ids:
            docnum = by_id.get(doc_id)
            if docnum is None:
                out.append(None)
                continue
            out.append(Document.from_dict(json.loads(self.searcher.stored_fields(docnum)["meta"])))
        return out

    def best_passages(self, query: Query, ids: Sequence[str], per_doc: int
                      ) -> dict[str, list[Passage]] | None:
        s = self.searcher
        pq = prune(to_whoosh(query), s)
        if pq is wq.NullQuery:
            return None
        if not ids or per_doc <= 0:
            return {i: [] for i in ids}
        best = protocol.BestPassages(ids, per_doc)
        wanted = sorted(d for i in dict.fromkeys(ids) for d in self._passage_docnums(i))
        names, _ = self._id_column()
        for docnum in _best_scored(s, pq, wanted, per_doc * len(ids) * 20 + len(ids)):
            doc_id = names[docnum]
            if best.wants(doc_id):
                best.add(doc_id, _passage(s.stored_fields(docnum)))
        return best.result()

    def _passage_docnums(self, doc_id: str) -> set[int]:
        """The document numbers of ``doc_id``'s passages: the postings of its ``doc_id`` term
        (its record and its passages) without the document records. (A query of
        ``kind:passage AND doc_id:...`` gives the same, but Whoosh's IntersectionMatcher lists
        both sides whole for a sorted search or a filter: the postings of every passage of the
        index, read again for each hit whose opening an export shows.)"""
        reader = self.searcher.reader()
        term = ("doc_id", reader.schema["doc_id"].to_bytes(doc_id))
        if term not in reader:
            return set()
        records = self._base_docs(True)
        # (the reader's postings: no scorer, as Term.matcher would set up)
        return {d for d in reader.postings(*term).all_ids() if d not in records}

    def passages(self, doc_id: str, limit: int | None = None) -> list[Passage]:
        docnums = self._passage_docnums(doc_id)
        if not docnums:
            return []
        # The doc id's postings sorted by the ordinal column, masked down to the passages.
        found = self.searcher.search(wq.Term("doc_id", doc_id), limit=limit, sortedby="ordinal",
                                     filter=docnums)
        return [_passage(r.fields()) for r in found]

    def matching_passages(self, query: Query, doc_id: str) -> set[int]:
        # Which of the document's passages the query matches, as the coverage weighting asks
        # which of a few hits a word matches (WantedMatches: postings skipped to them, no
        # scorers). A search filtered to them walked and scored the query's matches in the
        # whole index (on an index of up to 5,000 records, an OR of many terms is read whole
        # into an array of scores before the first match), and made a scorer for every term.
        _, by_id = self._id_column()
        record = by_id.get(doc_id)
        wanted = sorted(self._passage_docnums(doc_id))
        if record is None or not wanted:
            return set()
        languages = self._languages([record])  # a passage's text is in its document's
        s = self.searcher
        return {s.stored_fields(docnum)["ordinal"]
                for docnum in WantedMatches(s, wanted, languages).of(query)}

    # -- words -------------------------------------------------------------------------------
    def word_count(self, word: str) -> int:
        return int(self.searcher.doc_frequency("words", word))

    def term_count(self, field: str, term: str) -> int:
        return int(self.searcher.doc_frequency(field, term))

    def similar_words(self, word: str) -> list[tuple[str, int]]:
        # Not Whoosh's corrector (searcher.suggest): it keeps the most frequent words within
        # the distance, whatever their distance, by collection frequency, so that its first
        # few differed from the tantivy reader's. prefix=1: the first letter is taken as
        # typed, which makes this ~6x faster.
        reader = self.searcher.reader()
        return [(w, int(reader.doc_frequency("words", w)))
                for w in reader.terms_within("words", word, 2, prefix=1) if w != word]

    def completions(self, prefix: str, limit: int) -> list[str]:
        reader = self.searcher.reader()
        words = []
        for term in reader.expand_prefix("words", prefix):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            words.append((reader.doc_frequency("words", word), word))
            if len(words) > protocol.MAX_COMPLETION_WORDS:
                break
        words.sort(key=lambda pair: (-pair[0], pair[1]))
        hidden = set(self.searcher.docs_for_query(wq.Term("hidden", True)))
        out: list[str] = []
        for _, word in words:
            if len(out) >= limit:
                break
            # A word only hidden documents contain is not offered (hidden means hidden).
            if hidden and not any(d not in hidden
                                  for d in reader.postings("words", word).all_ids()):
                continue
            out.append(word)
        return out

    def more_like_this(self, doc_id: str, limit: int) -> list[tuple[str, float]]:
        s = self.searcher
        docnum = s.document_number(uid=doc_id)
        if docnum is None:
            return []
        doc = Document.from_dict(json.loads(s.stored_fields(docnum)["meta"]))
        lang = index_language(doc.language)
        texts = [
            r.get("text") or ""
            for r in s.search(
                wq.And([wq.Term("kind", "passage"), wq.Term("doc_id", doc_id)]), limit=200
            )
        ]
        text = doc.title + "\n" + "\n".join(texts)
        flt = wq.And([wq.Term("kind", "doc"), wq.Not(wq.Term("hidden", True))])
        out: list[tuple[str, float]] = []
        seen = {doc_id}
        names, _ = self._id_column()
        for fieldname in (body_field(lang), title_field(lang)):
            hits = s.more_like(docnum, fieldname, text=text, top=limit + 1,
                               numterms=25, filter=flt)
            for hit in hits:
                found = names[hit.docnum]
                if found in seen:
                    continue
                seen.add(found)
                out.append((found, hit.score))
            if len(out) >= limit:
                break
        return out

    # -- the whole index ---------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        s = self.searcher
        return (sum(1 for _ in s.document_numbers(kind="doc")),
                sum(1 for _ in s.document_numbers(kind="passage")))

    def catalog(self) -> Iterator[CatalogEntry]:
        s = self.searcher
        for docnum in s.document_numbers(kind="doc"):
            stored = s.stored_fields(docnum)
            fp = stored.get("fingerprint") or {}
            yield CatalogEntry(
                id=stored["doc_id"],
                source_path=stored.get("source_path", ""),
                hidden=bool(stored.get("hidden")),
                fingerprint=Fingerprint.from_dict(fp),
                doc_type=stored.get("doc_type"),
                country=stored.get("country"),
                language=stored.get("language"),
            )

    def document_texts(self, passages: int) -> Iterator[dict[str, Any]]:
        s = self.searcher
        records = s.document_numbers(kind="doc")
        while chunk := [s.stored_fields(n) for n in islice(records, protocol.TEXTS_CHUNK)]:
            firsts: dict[str, list[tuple[int, str]]] = {}
            if passages > 0:
                # Ordinals count from 0 (or 1): one range query reads only the first passages,
                # of this chunk's documents only.
                first = wq.And([wq.Term("kind", "passage"),
                                wq.NumericRange("ordinal", 0, passages),
                                wq.Or([wq.Term("doc_id", st["doc_id"]) for st in chunk])])
                for docnum in s.docs_for_query(first):
                    stored = s.stored_fields(docnum)
                    firsts.setdefault(stored["doc_id"], []).append(
                        (stored.get("ordinal") or 0, stored.get("text") or ""))
            for stored in chunk:
                meta = json.loads(stored["meta"])
                texts = sorted(firsts.get(stored["doc_id"], []))[:passages]
                yield {
                    "id": stored["doc_id"],
                    "language": meta.get("language") or "",
                    "title": meta.get("title") or "",
                    "summary": meta.get("summary") or "",
                    "passages": [t for _, t in texts],
                }


__all__ = ["WhooshReader"]
