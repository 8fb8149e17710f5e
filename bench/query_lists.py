"""What each list of the hybrid ranking finds, per query and per kind of our judgments: the
keyword list (the engine's BM25 ranking), the semantic list (documents by their vote: the
document text and leading passages), the semantic passage list (documents by their closest
later passage) and the fused ranking the product shows. For the analysis of issues 10 and 11
(why the answers to questions and cross-language needs lose: bench/README.md).

    .venv/bin/python bench/query_lists.py upgradesme upgradesme-heldout --index /tmp/q-idx
    .venv/bin/python bench/query_lists.py upgradesme --index DIR --queries u17,u29 --show 10

Per kind: nDCG@10 of each list alone and of the fused ranking, and the share of grade-2
answers each list has in its first 10. Per query (``--per-query`` or ``--queries``): the same,
and with ``--show N`` the first N documents of each list with their grades. Never run it on a
set whose queries are not to be seen (bench/README.md says which).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance as rel  # noqa: E402

from index import IndexStore, SearchRequest, search  # noqa: E402
from index import semantic as sem  # noqa: E402

LISTS = ("keyword", "meaning", "passages", "fused")


@contextmanager
def recording(into: dict[str, list[str]]) -> Iterator[None]:
    """index.semantic.fuse wrapped so that the lists it is given (and its result) are kept."""
    original = sem.fuse

    def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
             passages: Any = (), **more: Any) -> list[tuple[str, float]]:
        fused = original(keyword, meaning, balanced=balanced, passages=passages, **more)
        into.update(keyword=list(keyword), meaning=list(meaning), passages=list(passages),
                    fused=[d for d, _ in fused])
        return fused

    sem.fuse = fuse  # type: ignore[assignment]
    try:
        yield
    finally:
        sem.fuse = original  # type: ignore[assignment]


def lists_of(store: IndexStore, query: dict[str, Any]) -> dict[str, list[str]]:
    """The four rankings of one judged query (the keyword list alone when no vector)."""
    got: dict[str, list[str]] = {}
    req = SearchRequest(query=query["text"], filters=query.get("filters") or {},
                        page_size=100, passages=0, with_facets=False)
    with recording(got):
        result = search(store, req)
    if not got:
        ids = [h.id for h in result.hits]
        got = {"keyword": ids, "meaning": [], "passages": [], "fused": ids}
    return got


def ndcg(ranking: list[str], grades: dict[str, int]) -> float:
    run = {"q": {d: float(len(ranking) - i) for i, d in enumerate(ranking)}}
    return rel.per_query_ndcg({"q": grades}, run)["q"]


def short(doc_id: str) -> str:
    return doc_id.removesuffix("-html").removesuffix("-pdf").removesuffix("-md")[:46]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", default="", help="comma-separated query ids (default all)")
    ap.add_argument("--kinds", default="", help="only queries of these kinds (comma-separated)")
    ap.add_argument("--per-query", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="documents of each list to print")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args()
    rel.apply_settings(args.set)
    store = IndexStore(args.index)
    wanted = {q for q in args.queries.split(",") if q}
    kinds_wanted = {k for k in args.kinds.split(",") if k}
    for name in args.sets:
        folder = rel.collection_dir(name)
        qrels = rel.read_qrels(folder / "qrels.tsv")
        by_kind: dict[str, dict[str, list[float]]] = {}
        for query in rel.read_jsonl(folder / "queries.jsonl"):
            qid = str(query["id"])
            kinds = rel._tags(query, "kind")
            if qid not in qrels or (wanted and qid not in wanted) or (
                    kinds_wanted and not kinds_wanted & set(kinds)):
                continue
            grades = qrels[qid]
            best = {d for d, g in grades.items() if g >= 2}
            got = lists_of(store, query)
            row = {}
            for lst in LISTS:
                ranking = got[lst]
                row[lst] = ndcg(ranking, grades)
                row[lst + "@10"] = len(best & set(ranking[:10])) / max(1, len(best))
            for kind in [*kinds, "all"]:
                for key, value in row.items():
                    by_kind.setdefault(kind, {}).setdefault(key, []).append(value)
            if args.per_query or wanted:
                print(f"{name} {qid} [{','.join(kinds)}] {query['text']}")
                print("   " + "  ".join(f"{lst} {row[lst]:.3f} ({row[lst + '@10']:.2f})"
                                        for lst in LISTS))
                for lst in LISTS if args.show else ():
                    docs = [f"{short(d)}:{grades.get(d, 0)}" for d in got[lst][:args.show]]
                    print(f"   {lst:<8} " + "  ".join(docs))
                if args.show:
                    ranks = {d: {lst: (got[lst].index(d) + 1 if d in got[lst] else None)
                                 for lst in LISTS} for d in best}
                    for d, r in ranks.items():
                        print(f"   answer {short(d)}: " + " ".join(
                            f"{lst}={r[lst]}" for lst in LISTS))
        print(f"\n{name}: nDCG@10 of each list alone (share of grade-2 answers in its top 10)")
        for kind, values in sorted(by_kind.items(), key=lambda kv: kv[0] != "all"):
            n = len(values["fused"])
            print(f"  {kind:<17} {n:>3}  " + "  ".join(
                f"{lst} {statistics.mean(values[lst]):.4f} "
                f"({statistics.mean(values[lst + '@10']):.2f})" for lst in LISTS))


if __name__ == "__main__":
    main()
