"""Server memory and /api/search latency under many concurrent clients.

    .venv/bin/python bench/bench_memory.py                       # 50 clients, 1,600 documents
    .venv/bin/python bench/bench_memory.py --against /tmp/kb-before   # compare two checkouts

Builds (once, kept in $KB_BENCH_DIR, default /tmp/kb-bench) a synthetic index of 1,600
documents (16,000 passages; generated words, clearly not real documents: bench/synthetic.py),
starts the server (`python -m search_app.cli serve` from this checkout, and from the checkout
given with --against, e.g. an older version unpacked with `git archive`) on free localhost
ports with the page cache off (every request searches). Then N client threads with their own
keep-alive connection send a bounded number of /api/search requests (queries with facets and
highlights; one in four with a facet filter), in rounds that alternate between the servers so
that both see the same machine load. Each server's resident memory (the sum over its
processes) is sampled every 50 ms while it is under load.

Prints per server: RSS warm with one client, peak RSS under N clients, p50 / p95 / mean
latency, throughput and errors; with --against, the ratios.
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

from bench.bench_http import percentile, start_server, urls  # noqa: E402


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


def start(root: Path, index: Path, workers: int,
          env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """The server of the checkout ``root``, page cache off (every request searches)."""
    return start_server(index, index.parent, workers, code=root,
                        env_extra={"KB_CACHE_SIZE": "0", **env_extra}, timeout=120)


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


class Server:
    def __init__(self, label: str, root: Path, index: Path, workers: int,
                 env: dict[str, str]) -> None:
        self.label = label
        self.proc, self.base = start(root, index, workers, env)
        self.idle = 0.0
        self.peak = 0.0
        self.timings: list[float] = []
        self.seconds = 0.0
        self.errors = 0

    def run(self, qs: list[str], clients: int) -> None:
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                self.peak = max(self.peak, rss_mb(self.proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timings, seconds, errors = load(self.base, qs, clients)
        stop.set()
        sampler.join()
        self.timings += timings
        self.seconds += seconds
        self.errors += errors

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=2000, help="per server, in all (bounded)")
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds per server")
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--documents", type=int, default=1600)
    ap.add_argument("--against", type=Path, default=None,
                    help="another checkout of the project to compare with (its code, this venv)")
    ap.add_argument("--env", action="append", default=[],
                    help="NAME=VALUE for this checkout's server (e.g. KB_SEARCHERS=8)")
    args = ap.parse_args()
    from bench.synthetic import build, queries

    base_dir = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    passages = args.documents * 10
    store = build(base_dir / f"search-{passages}", passages)
    env_extra = dict(kv.split("=", 1) for kv in args.env)
    servers: list[Server] = []
    try:
        servers.append(Server("this checkout", ROOT, store.path, args.workers, env_extra))
        if args.against:
            servers.append(Server(f"{args.against}", args.against.resolve(), store.path,
                                  args.workers, {}))
        qs = queries()
        for server in servers:
            load(server.base, urls(qs, 100, seed=99), 1)  # warm: analysers, caches
            server.idle = rss_mb(server.proc.pid)
        batches = urls(qs, args.requests)
        for r in range(args.rounds):
            for server in servers:
                server.run(batches[r::args.rounds], args.clients)
    finally:
        for server in servers:
            server.stop()
    extra = " ".join(args.env) or "defaults"
    print(f"{args.documents:,} synthetic documents ({passages:,} passages), {args.workers} "
          f"server worker(s), {args.clients} concurrent clients, /api/search, page cache off, "
          f"{args.rounds} alternating rounds; this checkout: {extra}")
    for s in servers:
        print(f"  {s.label}: RSS {s.idle:.0f} MB warm, peak {s.peak:.0f} MB under "
              f"{args.clients} clients; {len(s.timings)} requests: p50 "
              f"{percentile(s.timings, .5):.0f} ms, p95 {percentile(s.timings, .95):.0f} ms, "
              f"mean {statistics.mean(s.timings):.0f} ms, {len(s.timings) / s.seconds:.1f} "
              f"req/s, errors {s.errors}")
    if len(servers) == 2:
        a, b = servers
        print(f"  this checkout / other: peak RSS {a.peak / b.peak:.3f}, p95 "
              f"{percentile(a.timings, .95) / percentile(b.timings, .95):.2f}, throughput "
              f"{(len(a.timings) / a.seconds) / (len(b.timings) / b.seconds):.2f}")


if __name__ == "__main__":
    main()
