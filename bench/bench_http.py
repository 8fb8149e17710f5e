"""HTTP latency end to end: the search page and /api/search, 8 concurrent clients.

    .venv/bin/python bench/bench_http.py                     # sample corpus + 100k synthetic
    .venv/bin/python bench/bench_http.py --only sample --workers 2 --requests 800
    .venv/bin/python bench/bench_http.py --only synthetic --engine whoosh,tantivy --cache-size 0

Starts `kb serve` (uvicorn, N worker processes) on a free localhost port for each corpus,
then 8 threads with their own httpx client send a bounded number of requests (queries with
facets and highlights: the page with all facets, charts and 3 highlighted passages per hit;
/api/search the same data as JSON; one in four requests also has a facet filter), and prints
p50 / p95 / mean latency and throughput per endpoint.

Corpora: "sample" is var/index (run `kb ingest` first; the figures' goal is p95 <= 50 ms);
"synthetic-100k" is a generated corpus of 100,000 passages (10,000 documents, words drawn
from a Zipf distribution; clearly labelled synthetic, built with the index API by
bench/synthetic.py and kept in $KB_BENCH_DIR, default /tmp/kb-bench).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_QUERIES = [
    "export vouchers", "online B2B matchmaking", "covid", "pandemic export", "trade fair",
    "digital", "coaching", "\"action plan\"", "guarantees", "Exportförderung", "export*",
    "innovation", "matchmaking AND online", "talent", "water technology", "webinar",
    "policy instrument", "liquidity", "e-commerce", "Norte", "Friesland", "staff exchange",
    "exportutalvány", "internacionalización", "",
]
FILTERS = [{"country": "HU"}, {"country": ["ES", "PT"]}, {"theme": "covid_response"},
           {"type": "good_practice"}, {"year_from": "2018", "year_to": "2021"}]


CACHE_SIZE = 512


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    index: Path, corpus: Path, workers: int, *, code: Path = ROOT,
    env_extra: dict[str, str] | None = None, timeout: float = 60,
) -> tuple[subprocess.Popen[bytes], str]:
    """``kb serve`` of the checkout ``code`` (by default this one; another copy is run with
    this venv, for before/after figures) over ``index``; returns once it answers a search."""
    port = free_port()
    env = dict(os.environ, KB_INDEX=str(index), KB_CORPUS=str(corpus),
               KB_CACHE_SIZE=str(CACHE_SIZE), PYTHONPATH=str(code))
    env.update(env_extra or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_app.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--index", str(index), "--corpus", str(corpus)],
        env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = httpx.get(base + "/api/search?q=export", timeout=30)
            if r.status_code == 200:
                return proc, base
            if r.status_code == 503:  # e.g. an index of an older schema version
                proc.kill()
                raise SystemExit(f"{index}: {r.json()['error']['message']}")
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"server did not start on {base} (index {index})")
        time.sleep(0.3)


def urls(queries: list[str], n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        params: list[tuple[str, str]] = [("q", rng.choice(queries))]
        if i % 4 == 0:
            for k, v in rng.choice(FILTERS).items():
                params.extend((k, x) for x in (v if isinstance(v, list) else [v]))
        out.append(urlencode([(k, v) for k, v in params if v]))
    return out


def run(base: str, path: str, qs: list[str], clients: int) -> tuple[list[float], float, int]:
    timings: list[float] = []
    errors = 0
    lock = threading.Lock()
    chunks = [qs[i::clients] for i in range(clients)]

    def worker(mine: list[str]) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as client:
            for q in mine:
                t = time.perf_counter()
                r = client.get(f"{path}?{q}")
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    timings.append(ms)
                    errors += r.status_code != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return timings, time.perf_counter() - started, errors


def bench(
    label: str, index: Path, corpus: Path, queries: list[str], args: argparse.Namespace,
    engine: str | None = None,
) -> None:
    proc, base = start_server(index, corpus, args.workers,
                              env_extra={"KB_ENGINE": engine} if engine else None)
    try:
        warm = urls(queries, 40, seed=99)
        for path in ("/", "/api/search"):
            run(base, path, warm, args.clients)
        cache = f"page cache {CACHE_SIZE}" if CACHE_SIZE else "page cache off"
        print(f"\n{label}: {args.workers} server worker(s), {args.clients} concurrent clients, "
              f"{args.requests} requests per endpoint, {cache}")
        head = ("endpoint", "p50 ms", "p95 ms", "mean ms", "req/s", "errors")
        print("  " + f"{head[0]:<14}" + "".join(f"{h:>9}" for h in head[1:]))
        for path in ("/", "/api/search"):
            timings, seconds, errors = run(base, path, urls(queries, args.requests),
                                           args.clients)
            print(f"  {path:<14}{percentile(timings, .5):>9.1f}{percentile(timings, .95):>9.1f}"
                  f"{statistics.mean(timings):>9.1f}{len(timings) / seconds:>9.0f}{errors:>8}")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=("sample", "synthetic"), default=None)
    ap.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=400, help="per endpoint (bounded)")
    ap.add_argument("--index", type=Path, default=ROOT / "var" / "index")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--cache-size", type=int, default=512,
                    help="KB_CACHE_SIZE of the server (0: every request searches)")
    ap.add_argument("--engine", action="append", default=[], metavar="NAME[,NAME]",
                    help="synthetic corpus: the search engine(s), one server after the other "
                         "(default: KB_ENGINE, else the default engine)")
    args = ap.parse_args()
    engines: list[str | None] = [e.strip() for a in args.engine for e in a.split(",")
                                 if e.strip()] or [os.environ.get("KB_ENGINE") or None]
    global CACHE_SIZE
    CACHE_SIZE = args.cache_size
    if args.only in (None, "sample"):
        if not (args.index / "CURRENT").exists():
            raise SystemExit(f"no index at {args.index}: run `kb ingest` first")
        bench("sample corpus", args.index, args.corpus, SAMPLE_QUERIES, args)
    if args.only in (None, "synthetic"):
        from bench.bench_search import index_path
        from bench.synthetic import build, queries

        base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
        for engine in engines:
            started = time.perf_counter()
            store = build(index_path(base, args.passages, engine), args.passages, engine)
            print(f"\nsynthetic index of {args.passages:,} passages ready in "
                  f"{time.perf_counter() - started:.0f} s ({store.path})")
            bench(f"SYNTHETIC corpus, {args.passages:,} passages (generated, not real "
                  f"documents), engine {engine or 'default'}", store.path, base, queries(), args,
                  engine)


if __name__ == "__main__":
    main()
