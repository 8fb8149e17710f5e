"""Where a search request's CPU goes: the search page and /api/search, in-process, by part.

    .venv/bin/python bench/page_costs.py                      # 100k passages, tantivy
    .venv/bin/python bench/page_costs.py --engine whoosh --passages 10000 --rounds 4

Builds the site (``create_app``, page cache off) on bench_search's synthetic index (built
when missing, in $KB_BENCH_DIR, default /tmp/kb-bench) and sends it bench_http's 400 URLs,
one request at a time, as ASGI calls (no sockets, no uvicorn: the app, its middlewares,
FastAPI's dependencies and thread pool, the endpoint). Each round sends all URLs to each
endpoint twice: once as they are (the whole request's CPU time, ``time.process_time`` of the
process), once with the parts timed (``time.thread_time`` around each, exclusive of the parts
timed inside it), so the timers' own cost stays out of the first figure. The parts:

- parsing the query string (``parse_params``), parsing the query (``index.query``:
  ``parse_query``, ``add_synonyms``);
- the engine (its reader's methods: search with facet counts, stored documents, best
  passages, the query's terms, and the rest), "did you mean";
- highlighting (``_attach_passages`` around the engine's calls);
- the rest of ``index.search`` (the reader's checkout, filters, facet results);
- the page data of ``search_app.search_page`` (hits, facets and their links, charts,
  options, pagination, the rest);
- rendering the HTML (Jinja) or encoding the JSON;
- the framework: what is left of the request (Starlette's routing and middlewares, FastAPI's
  dependencies and its thread-pool hand-over, the response).

Over HTTP (bench_http.py) a request also costs uvicorn's protocol, the sockets and the thread
switches of concurrent requests: compare its "server CPU ms/req" with the totals here. Say
the machine's load (``uptime``) beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_http import urls  # noqa: E402
from bench.bench_search import index_path  # noqa: E402
from bench.synthetic import build, queries  # noqa: E402

PATHS = ("/", "/api/search")


class Parts:
    """CPU time per part, each exclusive of the parts timed inside it (per thread)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._local = threading.local()
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        parts = self

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack = parts._local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                inner = stack.pop()
                parts.seconds[label] += spent - inner
                if stack:
                    stack[-1] += spent

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def unwrap(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def wrap_parts(parts: Parts, reader_class: type) -> None:
    import importlib

    import jinja2

    from search_app import api, deps, pages, search_page

    search_module = importlib.import_module("index.search")  # (index.search is a function)
    from search_app.params import SearchParams

    parts.wrap(deps, "parse_params", "query string (parse_params)")
    parts.wrap(search_module, "parse_query", "query parsing (index.query)")
    parts.wrap(search_module, "add_synonyms", "query parsing (index.query)")
    for name in ("search", "documents", "best_passages", "query_terms", "passages",
                 "matching", "matching_each", "allowed"):
        if name in reader_class.__dict__:
            parts.wrap(reader_class, name, f"engine: {name}")
    parts.wrap(search_module, "correction", "did you mean")
    parts.wrap(search_module, "_attach_passages", "highlighting (_attach_passages)")
    parts.wrap(search_module, "_hits", "index.search: the rest")
    parts.wrap(search_page, "search", "index.search: the rest")
    parts.wrap(search_page, "hit_data", "page data: hits")
    parts.wrap(search_page, "_facets", "page data: facets")
    parts.wrap(SearchParams, "toggle_urls", "page data: facet links (toggle_urls)")
    parts.wrap(search_page, "_charts", "page data: charts")
    parts.wrap(search_page, "_options", "page data: sort and size options")
    parts.wrap(search_page, "_pagination", "page data: pagination")
    parts.wrap(pages, "search_page", "page data: the rest")
    parts.wrap(api, "search_page", "page data: the rest")
    parts.wrap(jinja2.Template, "render", "HTML (Jinja)")
    parts.wrap(api, "to_json", "JSON (to_json)")


async def call(app: Any, path: str, query: str) -> int:
    """One GET through the ASGI app; the status (the body is read and dropped)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*"),
                    (b"accept-encoding", b"gzip, deflate"), (b"connection", b"keep-alive"),
                    (b"user-agent", b"bench-page-costs")],
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def requests(app: Any, path: str, targets: list[str]) -> float:
    """CPU seconds of the process per request for ``targets`` sent to ``path``."""
    started = time.process_time()
    for query in targets:
        status = await call(app, path, query)
        if status != 200:
            raise SystemExit(f"{path}?{query}: status {status}")
    return (time.process_time() - started) / len(targets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--engine", default="tantivy")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--texts", choices=("seen", "new"), default="seen",
                    help="seen: every pass sends bench_http's URLs (their query texts parsed "
                         "and translated before, from the caches); new: each pass's URLs "
                         "have query texts of their own (about half of its requests parse "
                         "and translate their text anew, as with a stream of new searches)")
    args = ap.parse_args()

    from search_app.app import create_app
    from search_app.settings import Settings

    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    store = build(index_path(base, args.passages, args.engine), args.passages, args.engine)
    store.close()
    app = create_app(Settings(index=store.path, corpus=base, engine=args.engine,
                              cache_size=0))
    passes = 2 * len(PATHS) * args.rounds
    targets = ([urls(queries(), args.requests)] * passes if args.texts == "seen" else
               [urls(queries(seed=1000 + k), args.requests) for k in range(passes)])

    async def run() -> None:
        async with app.router.lifespan_context(app):
            reader_class = _reader_class(app.state.store)
            for path in PATHS:  # the caches of query texts warm, as over HTTP
                await requests(app, path, urls(queries(), 40, seed=99))
            totals: dict[str, list[float]] = {p: [] for p in PATHS}
            timed: dict[str, list[float]] = {p: [] for p in PATHS}
            split: dict[str, Parts] = {}
            print(f"{args.requests} requests per endpoint and pass, {args.rounds} rounds of "
                  f"two passes (untimed, timed), query texts {args.texts}, "
                  f"{args.passages:,} passages, {args.engine}; load {os.getloadavg()[0]:.1f}")
            batches = iter(targets)
            for r in range(args.rounds):
                for path in PATHS if r % 2 == 0 else PATHS[::-1]:
                    totals[path].append(await requests(app, path, next(batches)))
                    parts = split[path] = split.get(path) or Parts()
                    wrap_parts(parts, reader_class)
                    try:
                        timed[path].append(await requests(app, path, next(batches)))
                    finally:
                        parts.unwrap()
            report(args, totals, timed, split)
            print(f"load {os.getloadavg()[0]:.1f} after")

    asyncio.run(run())


def _reader_class(store: Any) -> type:
    with store.reader() as reader:
        return type(reader)


def report(args: argparse.Namespace, totals: dict[str, list[float]],
           timed: dict[str, list[float]], split: dict[str, Parts]) -> None:
    n = args.requests * args.rounds
    labels = sorted({label for parts in split.values() for label in parts.seconds},
                    key=_order)
    print(f"\nCPU ms per request (parts: the sum over {args.rounds} timed rounds / requests)")
    print(f"  {'part':<44}" + "".join(f"{p:>14}" for p in PATHS))
    for label in labels:
        print(f"  {label:<44}" + "".join(
            f"{split[p].seconds.get(label, 0) * 1000 / n:>14.3f}" for p in PATHS))
    framework = {p: statistics.mean(timed[p]) * 1000 - sum(split[p].seconds.values()) * 1000 / n
                 for p in PATHS}
    print(f"  {'framework (the rest of the request)':<44}"
          + "".join(f"{framework[p]:>14.3f}" for p in PATHS))
    print(f"  {'all, the parts timed (mean of rounds)':<44}"
          + "".join(f"{statistics.mean(timed[p]) * 1000:>14.3f}" for p in PATHS))
    print(f"  {'all, untimed (median of rounds)':<44}"
          + "".join(f"{statistics.median(totals[p]) * 1000:>14.3f}" for p in PATHS))
    print("  untimed, each round: " + "; ".join(
        f"{p} " + ", ".join(f"{t * 1000:.2f}" for t in totals[p]) for p in PATHS))


def _order(label: str) -> tuple[int, str]:
    first: list[Callable[[str], bool]] = [
        lambda s: s.startswith("query"), lambda s: s.startswith("engine"),
        lambda s: s.startswith("did"), lambda s: s.startswith("highlighting"),
        lambda s: s.startswith("index.search"), lambda s: s.startswith("page data"),
    ]
    return next((i for i, test in enumerate(first) if test(label)), len(first)), label


if __name__ == "__main__":
    main()
