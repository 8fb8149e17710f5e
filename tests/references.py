"""Earlier ways of doing what the code now does faster, kept as references: a test checks that
the new way gives their answers, and a bench times the new way against them. Plain code (no
pytest): the benches import it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any


class OneByOne:
    """A reader whose ``matching_each`` asks ``matching`` once per query: the coverage
    weighting's engine calls before 2026-12-02 (tests/test_coverage.py, bench/bench_semantic.py
    coverage)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def matching_each(self, queries: Sequence[Any], ids: Sequence[str]) -> list[set[str]]:
        return [self.reader.matching(q, ids) for q in queries]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)


#: The contents entry as a regular expression (ingest/boilerplate.py until 2026-12-02): it
#: backtracked on every line; ingest.boilerplate._entry must find what it found
#: (tests/test_boilerplate.py, bench/contents_entries.py).
OLD_ENTRY = re.compile(r"^(?P<title>.*?[^\W\d_].*?)(?:\s*(?:\.\s*){2,}|\s*…+\s*|\s+)"
                       r"(?P<page>\d{1,3})$")


def old_entry(line: str) -> tuple[str, int] | None:
    """The (title, page) OLD_ENTRY found in ``line``, or None."""
    m = OLD_ENTRY.match(line)
    return (m.group("title"), int(m.group("page"))) if m else None


def batched_export_hits(store: Any, params: Any, limit: int, *, batch: int = 100
                        ) -> tuple[int, Iterator[Any]]:
    """search_app.search_page.export_hits before 2026-12-02: a search per batch of ``batch``
    hits (pages 1, 2, ...), each ranking the whole result set again, so an export of 10,000
    hits ran 100 searches (tests/test_app_api.py, bench/bench_export.py); with the page's
    passages, as the exports ask for them since 2026-12-03."""
    from index import MAX_PAGE_SIZE, search
    from search_app.search_page import PASSAGES_PER_HIT, hit_data, to_request

    batch = min(batch, MAX_PAGE_SIZE)
    labels = store.facet_labels()
    first = search(store, to_request(params, page=1, size=batch, passages=PASSAGES_PER_HIT,
                                     with_facets=False))
    total = first.total

    def generate() -> Iterator[Any]:
        result = first
        rank = 0
        page = 1
        while True:
            for hit in result.hits:
                if rank >= limit:
                    return
                rank += 1
                # (the hits' links carry the search, as export_hits's do since H16)
                yield hit_data(hit, rank, result.corrected or params.q, labels,
                               search=params.at_page(1))
            if rank >= min(limit, total) or not result.hits:
                return
            page += 1
            result = search(store, to_request(params, page=page, size=batch,
                                              passages=PASSAGES_PER_HIT, with_facets=False))

    return total, generate()


def whoosh_matching_passages(reader: Any, query: Any, doc_id: str) -> set[int]:
    """``WhooshReader.matching_passages`` before 2026-12-02 (tests/test_best_passages.py): a
    search of the query filtered to the document's passages, which walks and scores every match
    of the query in the index."""
    from whoosh import query as wq

    from index.whoosh.translate import to_whoosh

    q = to_whoosh(query)
    if q is wq.NullQuery:
        return set()
    docnums = reader._passage_docnums(doc_id)
    if not docnums:
        return set()
    return {r["ordinal"] for r in reader.searcher.search(q, filter=docnums, limit=None)}


def whoosh_best_passages(reader: Any, query: Any, ids: Sequence[str], per_doc: int) -> Any:
    """``WhooshReader.best_passages`` before 2026-12-02 (tests/test_best_passages.py): the
    passages of ``ids`` as a Whoosh search of the query AND a constant-score OR of their doc
    ids, whose matcher lists the ids' postings and builds a union of a term matcher per id."""
    from whoosh import query as wq

    from index import engine as protocol
    from index.whoosh.reader import _passage
    from index.whoosh.translate import prune, to_whoosh

    s = reader.searcher
    pq = prune(to_whoosh(query), s)
    if pq is wq.NullQuery:
        return None
    if not ids or per_doc <= 0:
        return {i: [] for i in ids}
    best = protocol.BestPassages(ids, per_doc)
    in_page = wq.ConstantScoreQuery(wq.Or([wq.Term("doc_id", i) for i in ids]), 0.0)
    results = s.search(wq.And([in_page, pq]), limit=per_doc * len(ids) * 20 + len(ids))
    names, _ = reader._id_column()
    doc_records = reader._base_docs(True)
    for hit in results:
        docnum = hit.docnum
        doc_id = names[docnum]
        if docnum in doc_records or not best.wants(doc_id):
            continue
        best.add(doc_id, _passage(s.stored_fields(docnum)))
    return best.result()
