"""The cost of reading the index without memory maps (IndexStore(mmap=False), the default).

    .venv/bin/python bench/bench_mmap.py            # 1,600 synthetic documents
    .venv/bin/python bench/bench_mmap.py --documents 10000

Two stores on the same synthetic index (bench/synthetic.py, kept in $KB_BENCH_DIR, default
/tmp/kb-bench), one reading through memory maps and one through file handles, answer the same
queries alternately (full searches: all facets, 3 highlighted passages per hit), one at a time
and warm. Prints p50 / p95 / mean per store and the ratio of the means.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_http import percentile
from index import IndexStore, SearchRequest, search


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=1600)
    ap.add_argument("--rounds", type=int, default=2, help="passes over the 200 queries")
    args = ap.parse_args()
    from bench.synthetic import build, queries

    passages = args.documents * 10
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    path = build(base / f"search-{passages}", passages).path
    stores = {"mmap": IndexStore(path, mmap=True), "file handles": IndexStore(path, mmap=False)}
    qs = queries()
    for store in stores.values():
        for q in qs[:30]:
            search(store, SearchRequest(query=q))
    timings: dict[str, list[float]] = {name: [] for name in stores}
    for _ in range(args.rounds):
        for q in qs:
            for name, store in stores.items():
                t = time.perf_counter()
                search(store, SearchRequest(query=q))
                timings[name].append((time.perf_counter() - t) * 1000)
    print(f"{args.documents:,} synthetic documents ({passages:,} passages), "
          f"{len(qs) * args.rounds} searches per store, alternating")
    for name, values in timings.items():
        print(f"  {name:<13} p50 {percentile(values, .5):6.1f} ms  p95 "
              f"{percentile(values, .95):6.1f} ms  mean {statistics.mean(values):6.1f} ms")
    ratio = statistics.mean(timings["file handles"]) / statistics.mean(timings["mmap"])
    print(f"  file handles / mmap (mean): {ratio:.2f}")


if __name__ == "__main__":
    main()
