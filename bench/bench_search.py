"""Search latency with facets and highlights on synthetic corpora of 10k and 100k passages.

    .venv/bin/python bench/bench_search.py            # both sizes
    .venv/bin/python bench/bench_search.py 10000      # one size

Prints p50/p95/mean per size: the library call the site and the API use (index.search with
all facets and 3 highlighted passages per hit, 10 hits), one query at a time, warm.
The indexes are kept in $KB_BENCH_DIR (default /tmp/kb-bench) so reruns skip the build.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import build, queries
from index import SearchRequest, search


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main(sizes: list[int]) -> None:
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    for size in sizes:
        started = time.perf_counter()
        store = build(base / f"search-{size}", size)
        built = time.perf_counter() - started
        qs = queries()
        for q in qs[:20]:  # warm up caches
            search(store, SearchRequest(query=q))
        timings = []
        hits = 0
        for q in qs:
            t = time.perf_counter()
            result = search(store, SearchRequest(query=q))
            timings.append((time.perf_counter() - t) * 1000)
            hits += result.total
        filtered = []
        for q in qs[:100]:
            t = time.perf_counter()
            search(store, SearchRequest(query=q, filters={"country": ["ES", "HU"],
                                                          "theme": ["covid_response"]}))
            filtered.append((time.perf_counter() - t) * 1000)
        print(f"{size:>7} passages (index ready in {built:.0f} s): {len(qs)} queries, "
              f"mean {statistics.mean(timings):.1f} ms, p50 {percentile(timings, .5):.1f} ms, "
              f"p95 {percentile(timings, .95):.1f} ms, mean hits {hits / len(qs):.0f}; "
              f"with 2 facet filters: p50 {percentile(filtered, .5):.1f} ms, "
              f"p95 {percentile(filtered, .95):.1f} ms")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
