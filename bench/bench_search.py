"""Search latency with facets and highlights on synthetic corpora of 10k and 100k passages.

    .venv/bin/python bench/bench_search.py                                # both sizes
    .venv/bin/python bench/bench_search.py 10000                          # one size
    .venv/bin/python bench/bench_search.py 100000 --engine whoosh,tantivy # engines side by side
    .venv/bin/python bench/bench_search.py 100000 --engine whoosh,tantivy --build

Prints p50/p95/mean per size: the library call the site and the API use (index.search with
all facets and 3 highlighted passages per hit, 10 hits), one query at a time, warm. With
several engines (``--engine``), each has its own index of the same documents and the queries
alternate between them query by query (so load changes hit both alike); the last column is
the ratio to the first engine. ``--build`` also times the analysis of the documents (the same
for every engine; ingest does it in worker processes) and the writing of each engine's index
(engines one after the other), and prints the index sizes. The indexes are kept in
$KB_BENCH_DIR (default /tmp/kb-bench) so reruns skip the build; say the machine's load
(``uptime``) beside the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_http import percentile
from bench.synthetic import build, documents, queries
from index import IndexStore, SearchRequest, prepare_document, search

FILTERS = {"country": ["ES", "HU"], "theme": ["covid_response"]}


def index_path(base: Path, size: int, engine: str | None) -> Path:
    return base / (f"search-{size}" if engine in (None, "whoosh") else f"search-{size}-{engine}")


def time_builds(base: Path, size: int, engines: list[str | None]) -> None:
    """Seconds to analyse ``size`` passages (index.prepare_document: the same for every
    engine, done by ingest's worker processes) and to write them with each engine (the
    documents generated and analysed beforehand), and the size of each index."""
    docs = list(documents(size))
    started = time.perf_counter()
    prepared = [prepare_document(doc) for doc in docs]
    analysis = time.perf_counter() - started
    print(f"{size:>7} passages: analysis {analysis:.1f} s (one process)", flush=True)
    for engine in engines:
        path = base / f"build-{size}-{engine or 'default'}"
        shutil.rmtree(path, ignore_errors=True)
        store = IndexStore(path, engine=engine)
        started = time.perf_counter()
        with store.lock(), store.rebuild() as writer:
            for doc in prepared:
                writer.put(doc)
        seconds = time.perf_counter() - started
        size_mb = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6
        print(f"{size:>7} passages, {engine or 'default'}: written in {seconds:.1f} s "
              f"({size / seconds:,.0f} passages/s; with the analysis "
              f"{analysis + seconds:.1f} s), {size_mb:.0f} MB", flush=True)
        shutil.rmtree(path, ignore_errors=True)


def main(sizes: list[int], engines: list[str | None], *, builds: bool) -> None:
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    for size in sizes:
        if builds:
            time_builds(base, size, engines)
        stores = []
        for engine in engines:
            started = time.perf_counter()
            stores.append(build(index_path(base, size, engine), size, engine))
            print(f"{size:>7} passages, {engine or 'default'}: index ready in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        qs = queries()
        for store in stores:
            for q in qs[:20]:  # warm up caches
                search(store, SearchRequest(query=q))
        timings: list[list[float]] = [[] for _ in stores]
        filtered: list[list[float]] = [[] for _ in stores]
        hits = [0 for _ in stores]
        for i, q in enumerate(qs):
            for e, store in enumerate(stores):
                t = time.perf_counter()
                result = search(store, SearchRequest(query=q))
                timings[e].append((time.perf_counter() - t) * 1000)
                hits[e] += result.total
                if i < 100:
                    t = time.perf_counter()
                    search(store, SearchRequest(query=q, filters=FILTERS))
                    filtered[e].append((time.perf_counter() - t) * 1000)
        for e, engine in enumerate(engines):
            ratio = ""
            if e > 0:
                ratio = (f"; p50/p95 of {engines[0]} / this: "
                         f"{percentile(timings[0], .5) / percentile(timings[e], .5):.1f}x / "
                         f"{percentile(timings[0], .95) / percentile(timings[e], .95):.1f}x")
            print(f"{size:>7} passages, {engine or 'default'}: {len(qs)} queries, "
                  f"mean {statistics.mean(timings[e]):.1f} ms, "
                  f"p50 {percentile(timings[e], .5):.1f} ms, "
                  f"p95 {percentile(timings[e], .95):.1f} ms, mean hits {hits[e] / len(qs):.0f}; "
                  f"with 2 facet filters: p50 {percentile(filtered[e], .5):.1f} ms, "
                  f"p95 {percentile(filtered[e], .95):.1f} ms{ratio}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--engine", action="append", default=[], metavar="NAME[,NAME]",
                    help="search engine(s) (default: KB_ENGINE, else the default engine)")
    ap.add_argument("--build", action="store_true", help="also time building each index")
    args = ap.parse_args()
    names: list[str | None] = [e.strip() for a in args.engine for e in a.split(",") if e.strip()]
    main(args.sizes, names or [os.environ.get("KB_ENGINE") or None], builds=args.build)
