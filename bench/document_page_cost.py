"""What a document page costs Whoosh: ``index.documents.get_document`` (the document with its
passages, those the query matches marked) for the first 3 keyword hits of every query of the
eleven development sets, with ``WhooshReader.matching_passages`` as it is (the postings of the
query's terms skipped to the document's passages, index.whoosh.matches.WantedMatches) and as
it was before 2026-12-02 (a search filtered to them, which walks and scores every match of the
query in the index: tests/references.py), alternating
page by page (which goes first alternates), 3 timed rounds after one to warm; and the same for
the ``matching_passages`` call alone (the page's passage query, in one reader). The pages must
be the same (the number of passages marked, checked on every page).

    KB_TESTDATA=/work/shared/testdata .venv/bin/python bench/document_page_cost.py --index IDX
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
from index.documents import get_document  # noqa: E402
from index.query import add_synonyms, parse_query  # noqa: E402
from index.whoosh.reader import WhooshReader  # noqa: E402
from tests.references import whoosh_matching_passages  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", *(f"upgradesme-heldout{i}" for i in range(2, 11)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True,
                    help="a Whoosh index made by `kb ingest` (only read)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    store = IndexStore(args.index, engine="whoosh")
    set_semantic_enabled(False)  # the keyword hits: no model to load
    texts = [q["text"] for name in SETS
             for q in rel.read_jsonl(rel.collection_dir(name) / "queries.jsonl")]
    pages = [(text, hit.id) for text in texts
             for hit in search(store, SearchRequest(query=text, with_facets=False,
                                                    passages=0)).hits[:3]]
    now = WhooshReader.matching_passages
    ways = {"now": now, "before": whoosh_matching_passages}
    times: dict[str, list[float]] = {"now": [], "before": []}
    try:
        for round_ in range(args.rounds + 1):
            for i, (text, doc_id) in enumerate(pages):
                order = ["now", "before"] if (i + round_) % 2 == 0 else ["before", "now"]
                marked = []
                for label in order:
                    WhooshReader.matching_passages = ways[label]  # type: ignore[method-assign]
                    started = time.perf_counter()
                    view = get_document(store, doc_id, text)
                    if round_:
                        times[label].append((time.perf_counter() - started) * 1000)
                    assert view is not None
                    marked.append(view.matched_passages)
                assert marked[0] == marked[1], (text, doc_id, marked)
    finally:
        WhooshReader.matching_passages = now  # type: ignore[method-assign]
    _report("document page (get_document)", len(pages), args.rounds, times)
    calls: dict[str, list[float]] = {"now": [], "before": []}
    synonyms = store.load_synonyms()
    with store.reader() as reader:
        for round_ in range(args.rounds + 1):
            for i, (text, doc_id) in enumerate(pages):
                parsed = parse_query(text)
                add_synonyms(parsed, synonyms)
                if parsed.passages is None:
                    continue
                order = ["now", "before"] if (i + round_) % 2 == 0 else ["before", "now"]
                found = []
                for label in order:
                    started = time.perf_counter()
                    found.append(ways[label](reader, parsed.passages, doc_id))
                    if round_:
                        calls[label].append((time.perf_counter() - started) * 1000)
                assert found[0] == found[1], (text, doc_id)
    _report("matching_passages alone", len(calls["now"]) // max(1, args.rounds), args.rounds,
            calls)


def _report(what: str, n: int, rounds: int, times: dict[str, list[float]]) -> None:
    now, before = statistics.mean(times["now"]), statistics.mean(times["before"])
    print(f"whoosh, {what}: {n} pages x {rounds} rounds; now {now:.3f} ms, before "
          f"{before:.3f} ms (mean), ratio before/now {before / now:.2f}; p50 "
          f"{statistics.median(times['now']):.3f} / {statistics.median(times['before']):.3f} ms",
          flush=True)

if __name__ == "__main__":
    main()
