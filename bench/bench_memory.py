"""Server memory and /api/search latency under many concurrent clients.

    .venv/bin/python bench/bench_memory.py                       # 50 clients, 1,600 documents
    .venv/bin/python bench/bench_memory.py --clients 50 --requests 2000 --workers 1

Builds (once, kept in $KB_BENCH_DIR, default /tmp/kb-bench) a synthetic index of 1,600
documents (16,000 passages; generated words, clearly not real documents: bench/synthetic.py),
starts `kb serve` on a free localhost port with the page cache off (every request searches),
then N client threads with their own keep-alive connection send a bounded number of
/api/search requests (queries with facets and highlights; one in four with a facet filter).
The server's resident memory (the sum over its processes) is sampled every 50 ms.

Prints the RSS after warm-up with one client, the peak RSS under N clients, the growth, and
p50 / p95 / mean latency, throughput and errors.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_http import free_port, percentile, urls  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (server workers), in MB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def start(index: Path, workers: int, env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes],
                                                                          str]:
    port = free_port()
    env = dict(os.environ, KB_INDEX=str(index), KB_CORPUS=str(index.parent), KB_CACHE_SIZE="0",
               **env_extra)
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "kb"), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--index", str(index), "--corpus", str(index.parent)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/api/search?q=export", timeout=30).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"server did not start on {base} (index {index})")
        time.sleep(0.3)


def load(base: str, qs: list[str], clients: int) -> tuple[list[float], float, int]:
    timings: list[float] = []
    errors = 0
    lock = threading.Lock()
    gate = threading.Barrier(clients)

    def worker(mine: list[str]) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=120) as client:
            gate.wait()
            for q in mine:
                t = time.perf_counter()
                try:
                    ok = client.get(f"/api/search?{q}").status_code == 200
                except httpx.HTTPError:
                    ok = False
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    timings.append(ms)
                    errors += not ok

    threads = [threading.Thread(target=worker, args=(qs[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return timings, time.perf_counter() - started, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=2000, help="in all (bounded)")
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--documents", type=int, default=1600)
    ap.add_argument("--env", action="append", default=[],
                    help="NAME=VALUE for the server (e.g. KB_SEARCHERS=4); repeatable")
    args = ap.parse_args()
    from bench.synthetic import build, queries

    base_dir = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    passages = args.documents * 10
    store = build(base_dir / f"search-{passages}", passages)
    env_extra = dict(kv.split("=", 1) for kv in args.env)
    proc, base = start(store.path, args.workers, env_extra)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(0.05)

    try:
        qs = queries()
        load(base, urls(qs, 100, seed=99), 1)  # warm: analysers, caches, one searcher
        idle = rss_mb(proc.pid)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timings, seconds, errors = load(base, urls(qs, args.requests), args.clients)
        stop.set()
        sampler.join()
        after = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    extra = " ".join(args.env) or "defaults"
    print(f"{args.documents:,} synthetic documents ({passages:,} passages), {args.workers} "
          f"server worker(s), {args.clients} concurrent clients, {len(timings)} /api/search "
          f"requests, page cache off, {extra}")
    print(f"  RSS: {idle:.0f} MB warm with 1 client, peak {peak:.0f} MB under "
          f"{args.clients} clients (+{peak - idle:.0f} MB), {after:.0f} MB after")
    print(f"  /api/search: p50 {percentile(timings, .5):.0f} ms, p95 "
          f"{percentile(timings, .95):.0f} ms, mean {statistics.mean(timings):.0f} ms, "
          f"{len(timings) / seconds:.1f} req/s, errors {errors}")


if __name__ == "__main__":
    main()
