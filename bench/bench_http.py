"""HTTP latency end to end: the search page and /api/search, 8 concurrent clients.

    .venv/bin/python bench/bench_http.py                     # sample corpus + 100k synthetic
    .venv/bin/python bench/bench_http.py --only sample --workers 2 --requests 800
    .venv/bin/python bench/bench_http.py --only synthetic --engine whoosh,tantivy --cache-size 0
    .venv/bin/python bench/bench_http.py --only sample --semantic-compare --cache-size 0
    .venv/bin/python bench/bench_http.py --only synthetic --engine tantivy --cache-size 0 \
        --code /tmp/kb-before,. --rounds 2     # two checkouts, one server after the other
    .venv/bin/python bench/bench_http.py --only synthetic --engine tantivy --cache-size 0 \
        --workers 2 --client raw,httpx         # issue 12's HTTP goal, with both clients
    .venv/bin/python bench/bench_http.py --only synthetic --engine tantivy --cache-size 0 \
        --workers 2 --new-texts                # each endpoint with query texts of its own

Starts `kb serve` (uvicorn, N worker processes) on a free localhost port for each corpus,
then 8 threads, each with its own keep-alive connection, send a bounded number of requests
(queries with facets and highlights: the page with all facets, charts and 3 highlighted
passages per hit; /api/search the same data as JSON; one in four requests also has a facet
filter), and prints p50 / p95 / mean latency, throughput, the CPU time per request of the
server (its processes, from /proc) and of the clients (this process) per endpoint, and how the
clients' keep-alive connections fell on the server's workers ("conns/worker", fewest first:
the spread seen most often while the run lasted, read from /proc; "?" where it cannot be).

The clients (``--client``): "raw" (the default) sends each GET on a plain socket and reads
the status line, the headers and Content-Length bytes of body (or the chunks) before it takes
the time; "httpx" is an httpx.Client per thread, as this bench used before. Both keep the
connection alive and send the same URLs with the same headers; httpx costs several times the
CPU per request, and the 8 client threads share this process's GIL and the machine's cores with
the server, so with httpx the figures include more of the client. ``--client raw,httpx`` runs
both, one after the other, to compare them in one run.

--semantic-compare (sample corpus): two servers on the same index at once, semantic search on
with every query embedded anew (KB_SEMANTIC_CACHE=0) and off (KB_SEMANTIC=0); each client
sends its requests to each in turn, so both are measured under the same concurrent load; with
the CPU time per request of each server, whose difference is what semantic search adds to the
queue the clients wait in.

``--code`` runs the servers from other checkouts (this venv), one after the other, for
``--rounds`` rounds (the order alternating), and prints their medians side by side.

Corpora: "sample" is var/index (run `kb ingest` first; the figures' goal is p95 <= 50 ms);
"synthetic-100k" is a generated corpus of 100,000 passages (10,000 documents, words drawn
from a Zipf distribution; clearly labelled synthetic, built with the index API by
bench/synthetic.py and kept in $KB_BENCH_DIR, default /tmp/kb-bench).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serve_workers import all_serving, connections_per_worker  # noqa: E402

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


class RawClient:
    """GETs on one keep-alive HTTP/1.1 connection over a plain socket, with httpx's default
    request headers; ``get`` returns the status once the whole body has been read."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        self.address = (host, int(port))
        self.host = f"{host}:{port}"
        self.timeout = timeout
        self.sock: socket.socket | None = None

    def get(self, target: str) -> int:
        request = (f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\nAccept: */*\r\n"
                   "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
                   "User-Agent: bench-http-raw\r\n\r\n").encode("ascii")
        for attempt in (0, 1):  # a connection the server closed meanwhile: once more, anew
            if self.sock is None:
                self.sock = socket.create_connection(self.address, timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(request)
                return self._response()
            except (ConnectionError, EOFError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _recv(self) -> bytes:
        assert self.sock is not None
        data = self.sock.recv(262_144)
        if not data:
            raise EOFError("the server closed the connection")
        return data

    def _response(self) -> int:
        buf = b""
        while (end := buf.find(b"\r\n\r\n")) < 0:
            buf += self._recv()
        head, rest = buf[:end].decode("latin-1"), buf[end + 4:]
        status = int(head.split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, v in
                  (line.split(":", 1) for line in head.split("\r\n")[1:])}
        if "content-length" in fields:
            missing = int(fields["content-length"]) - len(rest)
            while missing > 0:
                missing -= len(self._recv())
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            while not re.search(rb"(^|\r\n)0\r\n(.*\r\n)?\r\n$", rest, re.S):
                rest += self._recv()
        else:  # read to the end
            try:
                while True:
                    self._recv()
            except EOFError:
                pass
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class HttpxClient:
    """An httpx.Client (the bench's client before the raw one)."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        self.client = httpx.Client(base_url=base, timeout=timeout)

    def get(self, target: str) -> int:
        return self.client.get(target).status_code

    def close(self) -> None:
        self.client.close()


CLIENTS = {"raw": RawClient, "httpx": HttpxClient}


class SpreadWatch:
    """While a run lasts, how the clients' connections fall on the server's workers: the
    spread seen most often among samples holding all ``clients`` connections."""

    def __init__(self, server_pid: int, base: str, clients: int) -> None:
        self.args = (server_pid, int(base.rsplit(":", 1)[1]))
        self.clients = clients
        self.seen: list[tuple[int, ...]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            counts = connections_per_worker(*self.args)
            if sum(counts) == self.clients:
                self.seen.append(tuple(counts))

    def __enter__(self) -> SpreadWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def spread(self) -> str:
        if not self.seen:
            return "?"
        return "/".join(map(str, max(set(self.seen), key=self.seen.count)))
CLIENT_LABELS = {"raw": "raw sockets (keep-alive)", "httpx": "httpx.Client (keep-alive)"}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the process ``pid`` and its descendants (from /proc; 0 where
    /proc cannot be read)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / tick
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(cpu_seconds(int(c)) for c in children)


#: Packages of this venv that a checkout may not declare (an older one, for before/after
#: figures): run it without them, as its own pyproject.toml would install it. (uvicorn uses
#: uvloop and httptools whenever they can be imported.)
OPTIONAL_SPEED_PACKAGES = ("uvloop", "httptools", "orjson")


def undeclared(code: Path) -> list[str]:
    """The OPTIONAL_SPEED_PACKAGES that ``code``'s pyproject.toml does not depend on."""
    try:
        text = (code / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return []
    return [name for name in OPTIONAL_SPEED_PACKAGES
            if not re.search(rf'"{name}[\[<>=~!; "]', text)]


def hiding(names: list[str]) -> Path:
    """A folder of modules that refuse to import, to put first on PYTHONPATH."""
    folder = Path(tempfile.mkdtemp(prefix="bench-http-hide-"))
    for name in names:
        (folder / f"{name}.py").write_text(
            f"raise ModuleNotFoundError('{name}: hidden by bench_http.py (not declared)')\n")
    return folder


def start_server(
    index: Path, corpus: Path, workers: int, *, code: Path = ROOT,
    env_extra: dict[str, str] | None = None, timeout: float = 60,
) -> tuple[subprocess.Popen[bytes], str]:
    """``kb serve`` of the checkout ``code`` (by default this one; another copy is run with
    this venv, for before/after figures) over ``index``; returns once it answers a search."""
    port = free_port()
    hidden = undeclared(code)
    path = f"{hiding(hidden)}{os.pathsep}{code}" if hidden else str(code)
    if hidden:
        print(f"({code}: served without {', '.join(hidden)}, which its pyproject.toml does "
              "not declare)")
    env = dict(os.environ, KB_INDEX=str(index), KB_CORPUS=str(corpus),
               KB_CACHE_SIZE=str(CACHE_SIZE), PYTHONPATH=path)
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
                if not all_serving(proc.pid, base, workers):
                    print(f"note: not all {workers} server workers took connections after "
                          "300 s")
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


def run(base: str, path: str, qs: list[str], clients: int, kind: str = "raw"
        ) -> tuple[list[float], float, int]:
    timings, seconds, errors = run_alternating([base], path, qs, clients, kind)
    return timings[0], seconds, errors


def run_alternating(bases: list[str], path: str, qs: list[str], clients: int,
                    kind: str = "raw") -> tuple[list[list[float]], float, int]:
    """``clients`` threads (each with its own ``kind`` of client: CLIENTS) send ``qs`` to
    ``path``; a client's requests go to each of ``bases`` in turn (which first differs from
    client to client); timings per base."""
    timings: list[list[float]] = [[] for _ in bases]
    errors = 0
    lock = threading.Lock()
    chunks = [qs[i::clients] for i in range(clients)]

    def worker(n: int, mine: list[str]) -> None:
        nonlocal errors
        clients_ = [CLIENTS[kind](b) for b in bases]
        try:
            for j, q in enumerate(mine):
                k = (n + j) % len(bases)
                t = time.perf_counter()
                try:
                    status = clients_[k].get(f"{path}?{q}")
                except Exception:  # noqa: BLE001 - a failed request counts as an error
                    clients_[k].close()
                    clients_[k] = CLIENTS[kind](bases[k])
                    with lock:
                        errors += 1
                    continue
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    timings[k].append(ms)
                    errors += status != 200
        finally:
            for c in clients_:
                c.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n, c)) for n, c in enumerate(chunks)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return timings, time.perf_counter() - started, errors


def bench(
    label: str, index: Path, corpus: Path, queries: list[str], args: argparse.Namespace,
    engine: str | None = None, code: Path = ROOT,
) -> dict[tuple[str, str], tuple[float, float]]:
    """Prints and returns p50 and p95 per endpoint and client kind."""
    proc, base = start_server(index, corpus, args.workers, code=code,
                              env_extra={"KB_ENGINE": engine} if engine else None)
    out: dict[tuple[str, str], tuple[float, float]] = {}
    try:
        warm = urls(queries, 40, seed=99)
        for path in ("/", "/api/search"):
            run(base, path, warm, args.clients, args.clients_kinds[0])
        cache = f"page cache {CACHE_SIZE}" if CACHE_SIZE else "page cache off"
        print(f"\n{label}: {args.workers} server worker(s), {args.clients} concurrent clients, "
              f"{args.requests} requests per endpoint, {cache}"
              f"{', query texts new to each endpoint' if args.path_texts else ''}; "
              f"load {os.getloadavg()[0]:.1f}")
        head = ("endpoint", "client", "p50 ms", "p95 ms", "mean ms", "req/s", "errors",
                "server CPU ms/req", "client CPU ms/req", "conns/worker")
        print(f"  {head[0]:<13}{head[1]:<7}" + "".join(f"{h:>9}" for h in head[2:7])
              + "".join(f"{h:>19}" for h in head[7:9]) + f"{head[9]:>14}")
        for path in ("/", "/api/search"):
            for kind in args.clients_kinds:
                server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
                texts = (args.path_texts or {}).get(path, queries)
                with SpreadWatch(proc.pid, base, args.clients) as watch:
                    timings, seconds, errors = run(base, path, urls(texts, args.requests),
                                                   args.clients, kind)
                server_cpu = cpu_seconds(proc.pid) - server_cpu
                client_cpu = time.process_time() - client_cpu
                n = len(timings)
                out[path, kind] = (percentile(timings, .5), percentile(timings, .95))
                print(f"  {path:<13}{kind:<7}{percentile(timings, .5):>9.1f}"
                      f"{percentile(timings, .95):>9.1f}{statistics.mean(timings):>9.1f}"
                      f"{n / seconds:>9.0f}{errors:>9}{server_cpu * 1000 / n:>19.1f}"
                      f"{client_cpu * 1000 / n:>19.1f}{watch.spread():>14}")
        print(f"  (clients: {'; '.join(f'{k} = {CLIENT_LABELS[k]}' for k in args.clients_kinds)}"
              f"; load {os.getloadavg()[0]:.1f} after)")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return out


def semantic_compare(index: Path, corpus: Path, queries: list[str], args: argparse.Namespace
                     ) -> None:
    """Two servers at once on the same index, semantic search on (every query embedded:
    KB_SEMANTIC_CACHE=0, so no query is answered from the model's cache) and off
    (KB_SEMANTIC=0); every client sends its requests to each in turn, so both run under the
    same concurrent load. p50 / p95 per endpoint and their differences."""
    servers = {"on, cold": {"KB_SEMANTIC": "1", "KB_SEMANTIC_CACHE": "0"},
               "off": {"KB_SEMANTIC": "0"}}
    procs: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for env in servers.values():
            proc, base = start_server(index, corpus, args.workers, env_extra=env)
            procs.append(proc)
            bases.append(base)
        warm = urls(queries, 40, seed=99)
        for path in ("/", "/api/search"):
            run_alternating(bases, path, warm, args.clients, args.clients_kinds[0])
        cache = f"page cache {CACHE_SIZE}" if CACHE_SIZE else "page cache off"
        print(f"\nsemantic on (cold) and off, alternating: two servers of {args.workers} "
              f"worker(s), {args.clients} concurrent clients, {args.requests} requests per "
              f"endpoint, {cache}, client {args.clients_kinds[0]}; load average "
              f"{os.getloadavg()[0]:.1f}")
        for path in ("/", "/api/search"):
            cpu = [cpu_seconds(proc.pid) for proc in procs]
            timings, _, errors = run_alternating(bases, path, urls(queries, args.requests),
                                                 args.clients, args.clients_kinds[0])
            # each server's CPU time (its processes) per request it answered
            cpu = [(cpu_seconds(proc.pid) - c) * 1000 / max(1, len(t))
                   for proc, c, t in zip(procs, cpu, timings, strict=True)]
            for name, t, c in zip(servers, timings, cpu, strict=True):
                print(f"  {path:<12} semantic {name:<9} p50 {percentile(t, .5):7.1f} ms  p95 "
                      f"{percentile(t, .95):7.1f} ms  mean {statistics.mean(t):7.1f} ms  "
                      f"server CPU {c:5.1f} ms/req")
            on, off = timings
            print(f"  {path:<12} on - off: p50 {percentile(on, .5) - percentile(off, .5):+.1f} "
                  f"ms, p95 {percentile(on, .95) - percentile(off, .95):+.1f} ms, server CPU "
                  f"{cpu[0] - cpu[1]:+.1f} ms/req; errors {errors}; load average "
                  f"{os.getloadavg()[0]:.1f}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)


def compare(
    label: Callable[[Path], str], index: Path, corpus: Path, queries: list[str],
    args: argparse.Namespace, codes: list[Path], engine: str | None = None,
) -> None:
    """``bench`` of each checkout of ``codes`` in turn, for ``args.rounds`` rounds (the order
    alternating), then the medians of each when there is more than one run."""
    figures: dict[Path, list[dict[tuple[str, str], tuple[float, float]]]] = {
        c: [] for c in codes}
    for r in range(args.rounds):
        for code in codes if r % 2 == 0 else codes[::-1]:
            figures[code].append(bench(label(code), index, corpus, queries, args, engine, code))
    if len(codes) > 1 or args.rounds > 1:
        print(f"\nmedians over {args.rounds} round(s), p50 / p95 ms:")
        for code, runs in figures.items():
            for kind in args.clients_kinds:
                print(f"  {code} ({kind} client): " + "; ".join(
                    f"{path} {statistics.median(f[path, kind][0] for f in runs):.1f} / "
                    f"{statistics.median(f[path, kind][1] for f in runs):.1f}"
                    for path in ("/", "/api/search")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=("sample", "synthetic"), default=None)
    ap.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--client", default="raw", metavar="KIND[,KIND]",
                    help="the clients: raw (plain sockets, the default), httpx, or both "
                         "(raw,httpx: one after the other on each server)")
    ap.add_argument("--requests", type=int, default=400, help="per endpoint (bounded)")
    ap.add_argument("--index", type=Path, default=ROOT / "var" / "index")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--cache-size", type=int, default=512,
                    help="KB_CACHE_SIZE of the server (0: every request searches)")
    ap.add_argument("--engine", action="append", default=[], metavar="NAME[,NAME]",
                    help="synthetic corpus: the search engine(s), one server after the other "
                         "(default: KB_ENGINE, else the default engine)")
    ap.add_argument("--semantic-compare", action="store_true",
                    help="sample corpus: semantic on (cold) and off, two servers at once, "
                         "every client alternating between them")
    ap.add_argument("--code", default="", metavar="DIR[,DIR]",
                    help="checkouts whose servers run in turn (default: this one)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="passes over the checkouts (order alternating)")
    ap.add_argument("--new-texts", action="store_true",
                    help="synthetic corpus: each endpoint's requests with query texts of their "
                         "own, which the server has not seen (by default both endpoints send "
                         "the same URLs, and /api/search, measured second, finds most of its "
                         "texts parsed and translated by the page's run)")
    args = ap.parse_args()
    args.path_texts = None
    args.clients_kinds = [k.strip() for k in args.client.split(",") if k.strip()]
    if not args.clients_kinds or any(k not in CLIENTS for k in args.clients_kinds):
        ap.error(f"--client: one or more of {', '.join(CLIENTS)}")
    codes = [Path(c.strip()).resolve() for c in args.code.split(",") if c.strip()] or [ROOT]
    engines: list[str | None] = [e.strip() for a in args.engine for e in a.split(",")
                                 if e.strip()] or [os.environ.get("KB_ENGINE") or None]
    global CACHE_SIZE
    CACHE_SIZE = args.cache_size
    if args.only in (None, "sample"):
        if not (args.index / "CURRENT").exists():
            raise SystemExit(f"no index at {args.index}: run `kb ingest` first")
        if args.semantic_compare:
            semantic_compare(args.index, args.corpus, SAMPLE_QUERIES, args)
        else:
            compare(lambda code: f"sample corpus, code {code}", args.index, args.corpus,
                    SAMPLE_QUERIES, args, codes)
    if args.only in (None, "synthetic"):
        from bench.bench_search import index_path
        from bench.synthetic import TESTDATA, build, queries

        if not (TESTDATA / "eval" / "scifact-train" / "corpus.jsonl").is_file():
            print(f"note: no SciFact corpus under {TESTDATA} (KB_TESTDATA): the queries use "
                  "the generator's built-in word list; an index built from SciFact's words "
                  "finds none of them (and every search then runs \"did you mean\")")

        base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
        if args.new_texts:
            args.path_texts = {"/": queries(seed=1001), "/api/search": queries(seed=1002)}
        for engine in engines:
            started = time.perf_counter()
            store = build(index_path(base, args.passages, engine), args.passages, engine)
            print(f"\nsynthetic index of {args.passages:,} passages ready in "
                  f"{time.perf_counter() - started:.0f} s ({store.path})")
            compare(lambda code, engine=engine: (
                f"SYNTHETIC corpus, {args.passages:,} passages (generated, not real "
                f"documents), engine {engine or 'default'}, code {code}"),
                store.path, base, queries(), args, codes, engine)


if __name__ == "__main__":
    main()
