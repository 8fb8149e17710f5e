"""Ranking variants for questions and cross-language needs (issues 10 and 11, 2026-12-02),
measured on the product as it is (with its semantic passage list) over the tuning set, the
held-out set and heldout2 (a development set since 2026-12-02: bench/README.md), nDCG@10 per
kind, in one process (each query is embedded once). Each variant is patched in for one run.

    .venv/bin/python bench/question_variants.py coverage --index /tmp/quality-new

Groups:

- ``coverage``: the keyword list's RRF share times how much of the query its hits match, the
  share of the query's content words (each with its synonyms) matched ("count") or that share
  weighted by each word's rarity in the index ("idf"); per hit ("doc") or the best of the
  first 10 hits for the whole list ("query"), to the power p. Tried on 2 sets before the
  passage list (bench/fusion_variants.py coverage); again here with the third set.
- ``passages``: the passage list made otherwise: documents by their closest vector of any
  kind (vote and later passages), or by the mean of their 2 closest later passages; and the
  list's weight for question-form queries only.

Each variant's fusion takes every argument of index.semantic.fuse and its ranking every
argument of index.semantic.rank_by_meaning; a coverage variant puts its own coverage in place
of the product's (``coverage`` is left out), the others keep the product's.

Throwaway by nature: kept so the figures in bench/README.md can be made again and the
variants are not tried twice. Never add heldout3 or a later unseen set here.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import statistics
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fusion_variants as fv  # noqa: E402
import numpy as np  # noqa: E402

from index import IndexStore  # noqa: E402
from index import semantic as sem  # noqa: E402
from index.engine import Filter  # noqa: E402
from index.query import query_language  # noqa: E402
from index.records import base_language  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", "upgradesme-heldout2")
KINDS = ("all", "question", "cross-language", "partner-language", "keyword", "typo", "filter")
#: the product's fusion and ranking, as imported (variants patch the module's names)
FUSE = sem.fuse
RANK = sem.rank_by_meaning


DATA = fv.load_sets(SETS)
PER_QUERY: dict[str, dict[str, dict[str, float]]] = {}


def measure(store: IndexStore, label: str) -> None:
    PER_QUERY[label] = {}
    fv.measure(store, label, data=DATA, kinds_shown=KINDS, per_query_into=PER_QUERY[label])


def header() -> None:
    kinds = " ".join(f"{k[:6]:>6}" for k in KINDS)
    print(f"{'variant (tuning | held-out | heldout2)':<38} {kinds} | {kinds} | {kinds}",
          flush=True)


@contextlib.contextmanager
def patched(fuse: Any = None, ranking: Any = None) -> Iterator[None]:
    old = sem.fuse, sem.rank_by_meaning
    if fuse is not None:
        sem.fuse = fuse
    if ranking is not None:
        sem.rank_by_meaning = ranking
    try:
        yield
    finally:
        sem.fuse, sem.rank_by_meaning = old


def weighted_fuse(weight_of: Callable[[str], float]) -> Any:
    """The product's fusion with each keyword hit's share times ``weight_of(hit)``."""
    def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
             passages: Any = (), coverage: Any = None, ranks: Any = None,
             weights: Any = None, content_words: int = 0) -> list[tuple[str, float]]:
        # ``coverage`` and ``weights`` (the product's) left out: ``weight_of`` is the
        # variant's in its place
        f = sem.FUSION
        meaning_ranks, passage_ranks = ranks or (None, None)
        return fv.rrf([(keyword[:f.fuse_depth], weight_of),
                       (meaning, f.weight_balanced if balanced else f.weight, meaning_ranks),
                       (list(passages), sem.passage_list_weight(content_words), passage_ranks)],
                      keyword, f.rrf_k)
    return fuse


# -- coverage ------------------------------------------------------------------------------
def run_coverage(store: IndexStore, specs: list[tuple[Any, ...]] | None = None) -> None:
    holder: dict[str, Any] = {}
    total = store.document_count()
    everything = Filter.of({})

    def variant(mode: str, weighting: str, power: float, scope: str = "all",
                depth: int = 0) -> None:
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> list[tuple[str, float]]:
            groups = fv.word_queries(store, fv.CURRENT["text"])
            head = keyword[:10 if mode == "query" else depth or sem.FUSION.fuse_depth]
            if not groups or not head:
                return FUSE(keyword, meaning, balanced=balanced, passages=passages,
                            coverage=coverage, ranks=ranks, weights=weights,
                            content_words=content_words)
            reader = holder["r"]
            word_weights = []
            matched_by: list[set[str]] = []
            for group in groups:
                matched_by.append(set(reader.matching(group, head)))
                if weighting == "idf":
                    df = max(1, reader.search(group, everything, limit=0).total)
                    word_weights.append(math.log(1 + total / df))
                else:
                    word_weights.append(1.0)
            mass = sum(word_weights) or 1.0
            cover = {d: sum(w for w, m in zip(word_weights, matched_by, strict=True) if d in m)
                     / mass
                     for d in head}
            if mode == "query":
                best = max(cover.values(), default=1.0)
                cover = dict.fromkeys(keyword, best)
            if scope == "same":
                # only documents in the query's language: a match in another language's text
                # goes through the synonyms or shared names, which a word count cannot judge
                lang = base_language(query_language(fv.CURRENT["text"]) or "")
                for doc in reader.documents(head):
                    if doc is not None and base_language(doc.language or "") != lang:
                        cover[doc.id] = 1.0
            return weighted_fuse(lambda d: cover.get(d, 1.0) ** power)(
                keyword, meaning, balanced=balanced, passages=passages, ranks=ranks)

        with patched(fuse):
            measure(store, f"coverage {mode} {weighting} p={power} {scope} {depth or ''}")

    with fv.keep_reader(store, holder):
        header()
        measure(store, "product")
        if specs is not None:
            for spec in specs:
                variant(*spec)
            return
        for mode in ("query", "doc"):
            for weighting in ("count", "idf"):
                for power in (0.5, 1.0):
                    variant(mode, weighting, power)
        for weighting in ("count", "idf"):
            for power in (0.25, 0.5, 1.0):
                variant("doc", weighting, power, "same")


# -- passages ------------------------------------------------------------------------------
def closest_docs(vi: Any, scores: np.ndarray, plain: np.ndarray, which: slice,
                 allowed: np.ndarray, limit: int, top: int = 1, *, filtered: bool = False
                 ) -> list[int]:
    """Documents by the mean of their ``top`` best rows among ``which`` (floor on the best;
    ``filtered``: the floor of a filtered search, as index.semantic.rank_by_meaning)."""
    rows = np.arange(len(vi.row_doc))[which]
    if rows.size == 0:
        return []
    n = len(vi.doc_ids)
    best_plain = np.full(n, -1.0, dtype=np.float32)
    np.maximum.at(best_plain, vi.row_doc[rows], plain[rows])
    per_doc = np.full(n, -1.0, dtype=np.float32)
    if top == 1:
        np.maximum.at(per_doc, vi.row_doc[rows], scores[rows])
    else:
        by_doc: dict[int, list[float]] = {}
        for r in rows:
            by_doc.setdefault(int(vi.row_doc[r]), []).append(float(scores[r]))
        for d, vals in by_doc.items():
            vals.sort(reverse=True)
            per_doc[d] = float(np.mean(vals[:top]))
    floor = sem.FUSION.filtered_min_score if filtered else sem.FUSION.min_score
    ok = allowed & (best_plain >= floor)
    cand = np.flatnonzero(ok)
    order = cand[np.argsort(-per_doc[cand], kind="stable")]
    return [int(i) for i in order[:limit]]


def passage_ranking(which: str, top: int) -> Any:
    def ranking(vi: Any, query: Any, query_lang: Any, allowed: Any, limit: int,
                feedback: Any = None, *, filtered: bool = False
                ) -> tuple[list[int], list[int]]:
        documents, _ = RANK(vi, query, query_lang, allowed, limit, feedback, filtered=filtered)
        q = vi.bias.query(query, query_lang)
        scores = vi.matrix @ q
        plain = vi.plain_scores(scores, q) if vi.bias.offsets else scores
        rows = vi.listed_slice if which == "listed" else slice(None)
        return documents, closest_docs(vi, scores, plain, rows, allowed, limit, top,
                                       filtered=filtered)
    return ranking


def run_passages(store: IndexStore) -> None:
    header()
    measure(store, "product")
    with patched(ranking=passage_ranking("all", 1)):
        measure(store, "passage list: every vector, best")
    with patched(ranking=passage_ranking("listed", 2)):
        measure(store, "passage list: later, mean of best 2")
    with patched(ranking=passage_ranking("all", 2)):
        measure(store, "passage list: every vector, best 2")

    for weight in (0.3, 0.5):
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0,
                 weight: float = weight) -> list[tuple[str, float]]:
            # the product's fusion, with the passage list's weight ``weight`` for questions
            base = sem.FUSION
            if fv.question_like(fv.CURRENT["text"], "form"):
                sem.FUSION = dataclasses.replace(base, passage_weight=weight)
            try:
                return FUSE(keyword, meaning, balanced=balanced, passages=passages,
                            coverage=coverage, ranks=ranks, weights=weights,
                            content_words=content_words)
            finally:
                sem.FUSION = base
        with patched(fuse):
            measure(store, f"passage weight {weight} for questions")


def run_coverage_depth(store: IndexStore) -> None:
    """The kept variant's cost: coverage of the first 10 / 20 / 30 keyword hits only."""
    run_coverage(store, [("doc", "count", 0.5, "all", depth) for depth in (10, 20, 30)])


def run_cost(store: IndexStore) -> None:
    """The coverage's cost: index.search as the site calls it (10 hits, 3 passages, facets),
    every judged query of the three sets, warm (each query embedded once before), with
    ``coverage_power`` 0 and 0.5 alternating query by query (which goes first alternates),
    two rounds; p50 / p95 / mean of each and the ratio of the means."""
    import time

    from bench.bench_http import percentile
    from index import SearchRequest, search

    texts = [q for name in SETS for q in DATA[name][0]]
    requests = [SearchRequest(query=q["text"], filters=q.get("filters") or {})
                for q in texts]
    for req in requests:  # warm: query vectors cached, readers open
        search(store, req)
    times: dict[float, list[float]] = {0.0: [], 0.5: []}
    base = sem.FUSION
    for round_ in range(2):
        for i, req in enumerate(requests):
            order = (0.0, 0.5) if (i + round_) % 2 == 0 else (0.5, 0.0)
            for power in order:
                sem.FUSION = dataclasses.replace(base, coverage_power=power)
                started = time.perf_counter()
                search(store, req)
                times[power].append((time.perf_counter() - started) * 1000)
    sem.FUSION = base
    for power, values in times.items():
        print(f"coverage_power {power}: p50 {percentile(values, 0.5):.1f} ms, "
              f"p95 {percentile(values, 0.95):.1f} ms, mean {statistics.mean(values):.1f} ms "
              f"({len(values)} searches)")
    print(f"ratio of the means (0.5 / 0): "
          f"{statistics.mean(times[0.5]) / statistics.mean(times[0.0]):.3f}")


GROUPS = {"coverage": run_coverage, "cost": run_cost, "coverage-depth": run_coverage_depth,
          "passages": run_passages}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("groups", nargs="+", choices=sorted(GROUPS))
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--per-query", type=Path, help="write each variant's per-query nDCG@10")
    args = ap.parse_args()
    store = IndexStore(args.index)
    for group in args.groups:
        print(f"## {group}")
        GROUPS[group](store)
    if args.per_query:
        with args.per_query.open("w") as out:
            for label, sets in PER_QUERY.items():
                for name, scores in sets.items():
                    for qid, value in scores.items():
                        out.write(f"{label}\t{name}\t{qid}\t{value:.4f}\n")


if __name__ == "__main__":
    main()
