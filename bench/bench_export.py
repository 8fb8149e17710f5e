"""Exports of 10,000 hits: one search (search_app.search_page.export_hits) against a search per
batch of 100 hits (tests.references.batched_export_hits, the way before 2026-12-02).

    .venv/bin/python bench/bench_export.py                           # whoosh and tantivy
    .venv/bin/python bench/bench_export.py --engine tantivy --rounds 4

On a synthetic index of 10,000 documents of 2 passages each (bench/synthetic.py; built once in
$KB_BENCH_DIR, default /tmp/kb-bench), per engine: the CSV export of browsing (no words,
newest first: every document) and the JSON export of a word that most documents hold, ranked
by relevance (GET /api/export.csv or .json through TestClient, the whole body read). Each
round runs the old way and the new way, alternating which goes first; it prints the mean
seconds of each, the ratio old / new, and, from one more run of each under tracemalloc, the
peak of Python memory while the export is read (the old way holds one batch of hits at a time
too: this says the new one holds no more). Say the load (``uptime``) beside the figures.
Synthetic documents have no vectors: semantic fusion is not part of the figures.

``--code A,B`` compares checkouts instead (before and after a change to how an export reads
its hits): each checkout's own export (one search) is read in a process of its own, started
from that checkout with this venv, the checkouts in turn (which goes first alternates), after a
first read of each export (warm). It prints the mean seconds of each, the ratio, and whether
the bodies are the same bytes (sha256)::

    git archive main | tar -x -C /tmp/kb-before
    .venv/bin/python bench/bench_export.py --code /tmp/kb-before,. --engine whoosh
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

import search_app.api
from bench.synthetic import documents, vocabulary
from index import IndexStore, SearchRequest, search
from search_app.app import create_app
from search_app.search_page import export_hits
from search_app.settings import Settings
from tests.references import batched_export_hits

DOCUMENTS = 10_000
PER_DOC = 2
WAYS: dict[str, Callable[..., Any]] = {"batches": batched_export_hits, "one search": export_hits}


def build(path: Path, engine: str) -> IndexStore:
    """The synthetic index at ``path``, reused when already built."""
    store = IndexStore(path, engine=engine)
    marker = path / "synthetic-export.done"
    if marker.exists() and store.needs_rebuild() is None:
        return store
    with store.lock(), store.rebuild() as writer:
        for doc in documents(DOCUMENTS * PER_DOC, per_doc=PER_DOC):
            writer.put(doc)
    marker.write_text("ok")
    return store


def common_word(store: IndexStore) -> tuple[str, int]:
    """A word of the synthetic vocabulary that at least 90% of the documents hold."""
    documents = search(store, SearchRequest(with_facets=False)).total
    for word in vocabulary()[:200]:
        total = search(store, SearchRequest(query=word, with_facets=False)).total
        if total >= 0.9 * documents:
            return word, total
    raise SystemExit("no word of the vocabulary is in 90% of the documents")


def read_export(client: TestClient, url: str, way: str) -> tuple[float, int]:
    """Seconds to read the whole export at ``url`` made ``way``, and its size in bytes."""
    search_app.api.export_hits = WAYS[way]  # type: ignore[attr-defined]
    started = time.perf_counter()
    r = client.get(url)
    seconds = time.perf_counter() - started
    assert r.status_code == 200, r.text[:300]
    return seconds, len(r.content)


def peak_mb(client: TestClient, url: str, way: str) -> float:
    tracemalloc.start()
    try:
        read_export(client, url, way)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


#: What a checkout's process runs (``--code``): the site of that checkout on the index
#: ``argv[1]`` (engine ``argv[2]``); for each URL read from stdin, the seconds to read the
#: whole export, its size and its sha256.
CHILD = """
import hashlib, sys, tempfile, time
from pathlib import Path
from fastapi.testclient import TestClient
from search_app.app import create_app
from search_app.settings import Settings
with tempfile.TemporaryDirectory(prefix="kb-bench-export-") as corpus:
    settings = Settings(index=Path(sys.argv[1]), corpus=Path(corpus), engine=sys.argv[2],
                        export_limit=10_000, semantic=False)
    with TestClient(create_app(settings)) as client:
        print("ready", flush=True)
        for line in sys.stdin:
            started = time.perf_counter()
            r = client.get(line.strip())
            seconds = time.perf_counter() - started
            assert r.status_code == 200, r.text[:300]
            print(seconds, len(r.content), hashlib.sha256(r.content).hexdigest(), flush=True)
"""


class Checkout:
    """A process of the site of checkout ``code`` (this venv), reading exports on request."""

    def __init__(self, code: Path, index: Path, engine: str) -> None:
        self.code = code
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(index), engine], cwd=code, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(code)})
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"{code}: the site did not start")

    def read(self, url: str) -> tuple[float, int, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(url + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        if len(line) != 3:
            raise SystemExit(f"{self.code}: the export {url} failed")
        return float(line[0]), int(line[1]), line[2]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def compare_checkouts(codes: list[Path], engines: list[str], rounds: int) -> None:
    """``--code``: each checkout's export, the checkouts in turn (see the module's doc)."""
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}",
          flush=True)
    for engine in engines:
        path = base / f"export-{DOCUMENTS}x{PER_DOC}-{engine}"
        store = build(path, engine)
        word, total = common_word(store)
        sites = [Checkout(code, path, engine) for code in codes]
        try:
            for label, query, fmt in (("browse, newest first", "", "csv"),
                                      (f"'{word}' ({total} hits), relevance", f"q={word}",
                                       "json")):
                url = f"/api/export.{fmt}?{query}"
                bodies = {site.code: site.read(url)[1:] for site in sites}  # warm
                times: dict[Path, list[float]] = {site.code: [] for site in sites}
                for n in range(rounds):
                    for site in sites if n % 2 == 0 else sites[::-1]:
                        seconds, size, digest = site.read(url)
                        times[site.code].append(seconds)
                        if (size, digest) != bodies[site.code]:
                            raise SystemExit(f"{site.code}: {url} gave another body")
                means = [statistics.mean(times[site.code]) for site in sites]
                same = len(set(bodies.values())) == 1
                print(f"{engine}: {label}, {fmt.upper()} "
                      f"({bodies[sites[0].code][0] / 1e6:.1f} MB): "
                      + ", ".join(f"{site.code} {mean:.2f} s" for site, mean in
                                  zip(sites, means, strict=True))
                      + f"; ratio {means[0] / means[-1]:.2f}x (mean of {rounds}, alternating); "
                      f"same bytes: {'yes' if same else 'NO'}", flush=True)
                print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
                      f"{os.getloadavg()[2]:.2f}", flush=True)
        finally:
            for site in sites:
                site.close()


def main(engines: list[str], rounds: int) -> None:
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}",
          flush=True)
    for engine in engines:
        started = time.perf_counter()
        path = base / f"export-{DOCUMENTS}x{PER_DOC}-{engine}"
        store = build(path, engine)
        print(f"{engine}: index of {DOCUMENTS} documents ready in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        word, total = common_word(store)
        with tempfile.TemporaryDirectory(prefix="kb-bench-export-") as corpus:
            settings = Settings(index=path, corpus=Path(corpus), engine=engine,
                                export_limit=10_000, semantic=False)
            with TestClient(create_app(settings)) as client:
                for label, query, fmt in (("browse, newest first", "", "csv"),
                                          (f"'{word}' ({total} hits), relevance", f"q={word}",
                                           "json")):
                    url = f"/api/export.{fmt}?{query}"
                    read_export(client, url, "one search")  # warm
                    times: dict[str, list[float]] = {w: [] for w in WAYS}
                    sizes: dict[str, int] = {}
                    for n in range(rounds):
                        order = list(WAYS) if n % 2 == 0 else list(WAYS)[::-1]
                        for way in order:
                            seconds, size = read_export(client, url, way)
                            times[way].append(seconds)
                            sizes[way] = size
                    peaks = {way: peak_mb(client, url, way) for way in WAYS}
                    old, new = (statistics.mean(times[w]) for w in WAYS)
                    print(f"{engine}: {label}, {fmt.upper()} ({sizes['one search'] / 1e6:.1f}"
                          f" MB; batches {sizes['batches'] / 1e6:.1f} MB): batches "
                          f"{old:.2f} s, one search {new:.2f} s, ratio {old / new:.1f}x "
                          f"(mean of {rounds}, alternating); Python memory peak: batches "
                          f"{peaks['batches']:.1f} MB, one search "
                          f"{peaks['one search']:.1f} MB", flush=True)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}",
          flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", action="append", default=[], metavar="NAME[,NAME]",
                    help="search engine(s) (default: whoosh and tantivy)")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each way (default 2)")
    ap.add_argument("--code", default="", metavar="DIR,DIR",
                    help="compare these checkouts' exports instead (see above)")
    args = ap.parse_args()
    names = [e.strip() for a in args.engine for e in a.split(",") if e.strip()]
    if args.code:
        compare_checkouts([Path(c.strip()).resolve() for c in args.code.split(",") if c.strip()],
                          names or ["whoosh", "tantivy"], args.rounds)
    else:
        main(names or ["whoosh", "tantivy"], args.rounds)
