"""What keeping the document page's reading of a query saves (index.readings): each query of
the judged development sets searched (keyword side), then its first ``--hits`` hits opened
in turn, as a reader of the results does (``index.documents.get_document`` with the query),
with the readings kept (emptied before each query's search: the search keeps its reading, the
pages find it; with ``--unseeded`` the search is not run again, and the first page reads the
query, the next ones find it) and not kept (``index.readings.PAGE_READINGS.size`` 0: the page
reads the query every time, as before), alternating page by page (which goes first
alternates), ``--rounds`` timed rounds after one to warm. The two pages must be the same (the
passages, their marks and the number matched, checked on every page). Prints the median,
p90 and mean of each way, of all pages and of the first page of a query and the later ones,
and the ratio of the means.

    KB_TESTDATA=/work/shared/testdata .venv/bin/python bench/document_page_reading.py \
        --index IDX [--engine whoosh] [--every 2] [--rounds 2] [--unseeded]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance as rel  # noqa: E402

from index import IndexStore, SearchRequest, search, set_semantic_enabled  # noqa: E402
from index.documents import DocumentView, get_document  # noqa: E402
from index.readings import PAGE_READINGS  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", *(f"upgradesme-heldout{i}" for i in range(2, 17)))
WAYS = ("read every time", "kept")


def _shown(view: DocumentView | None) -> tuple[int, list[tuple[int, str, bool]]]:
    assert view is not None
    return view.matched_passages, [(p.ordinal, p.html, p.matched) for p in view.passages]


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    return (f"median {statistics.median(ordered):6.2f}  p90 "
            f"{ordered[int(len(ordered) * 0.9)]:6.2f}  mean {statistics.mean(ordered):6.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index made by `kb ingest`")
    ap.add_argument("--engine", default=None, help="whoosh or tantivy (the index's own)")
    ap.add_argument("--hits", type=int, default=3, help="pages opened per query (3)")
    ap.add_argument("--every", type=int, default=1,
                    help="every Nth query of the sets (1: all 644)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--unseeded", action="store_true",
                    help="the pages opened without the query's search run before them")
    args = ap.parse_args()
    store = IndexStore(args.index, engine=args.engine)
    set_semantic_enabled(False)  # the keyword hits: no model to load
    texts = [q["text"] for name in SETS
             for q in rel.read_jsonl(rel.collection_dir(name) / "queries.jsonl")][::args.every]
    opened = [(text, [hit.id for hit in search(store, SearchRequest(
        query=text, with_facets=False, passages=0)).hits[:args.hits]]) for text in texts]
    opened = [(text, ids) for text, ids in opened if ids]
    size = PAGE_READINGS.size
    times: dict[tuple[str, bool], list[float]] = {(w, f): [] for w in WAYS for f in (True, False)}
    turn = 0
    try:
        for round_ in range(args.rounds + 1):
            for text, ids in opened:
                PAGE_READINGS.clear()
                if not args.unseeded:
                    search(store, SearchRequest(query=text, with_facets=False))
                for i, doc_id in enumerate(ids):
                    turn += 1
                    shown = []
                    for way in WAYS if turn % 2 else WAYS[::-1]:
                        PAGE_READINGS.size = size if way == "kept" else 0
                        started = time.perf_counter()
                        view = get_document(store, doc_id, text)
                        took = (time.perf_counter() - started) * 1000
                        if round_:
                            times[way, i == 0].append(took)
                        shown.append(_shown(view))
                    assert shown[0] == shown[1], (text, doc_id)
    finally:
        PAGE_READINGS.size = size
    pages = sum(len(ids) for _, ids in opened)
    print(f"{store.engine_name()}: {len(opened)} queries, {pages} pages x {args.rounds} rounds, "
          f"alternating, {'without' if args.unseeded else 'after'} the query's search; the "
          "pages identical both ways")
    for label, firsts in (("all pages", (True, False)), ("a query's first page", (True,)),
                          ("its later pages", (False,))):
        means = []
        for way in WAYS:
            got = [t for first in firsts for t in times[way, first]]
            means.append(statistics.mean(got))
            print(f"  {label:21s} {way:15s} {_figures(got)}")
        print(f"  {label:21s} ratio of the means kept / read every time: "
              f"{means[1] / means[0]:.2f}")


if __name__ == "__main__":
    main()
