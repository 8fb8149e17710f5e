"""Opening the index while an ingest writes it: how often a reader takes the writer's work for
damage (a false "index damaged", HTTP 503), and whether a long-lived store keeps saying so.

    .venv/bin/python bench/open_while_writing.py --engine whoosh,tantivy --seconds 60

Builds a small synthetic index (bench/synthetic.py, ``--docs`` documents) per engine, then
runs an incremental ingest in a child process (documents put again with new text and
committed every ``--commit-every``, for ``--seconds``), while this process opens the live index
again and again: each time with a new IndexStore (as a starting server would: the commit's
files are checked, then opened, then a reader counts the documents), and once per round with
one long-lived store (as a running server: it picks up each commit). Prints, per engine, the
opens and how many answered IndexDamagedError, for both. The index is sound throughout: every
damage counted is false. A correctness check, not a timing: the counts depend on how the
writer's commits and merges fall between the reader's steps, so say the load (``uptime``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import documents
from index import IndexStore
from index.errors import IndexDamagedError, IndexError_


def _write(path: str, docs: int, commit_every: int, seconds: float, engine: str) -> None:
    """The child process: put the documents again and again, committing every
    ``commit_every`` (the store's own batching), until ``seconds`` have passed."""
    from index import store as store_module

    store_module.COMMIT_EVERY = commit_every
    store = IndexStore(path, engine=engine)
    base = list(documents(docs * 3, per_doc=3, seed=11))
    end = time.monotonic() + seconds
    round_ = 0
    while time.monotonic() < end:
        round_ += 1
        with store.lock(), store.update() as writer:
            for doc in base:
                first = replace(doc.passages[0], text=f"{doc.passages[0].text} round{round_}")
                writer.put(replace(doc, passages=[first, *doc.passages[1:]]))


def run(engine: str, docs: int, commit_every: int, seconds: float) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"open-while-writing-{engine}-"))
    try:
        path = root / "index"
        store = IndexStore(path, engine=engine)
        with store.lock(), store.rebuild() as writer:
            for doc in documents(docs * 3, per_doc=3, seed=11):
                writer.put(doc)
        child = multiprocessing.get_context("spawn").Process(
            target=_write, args=(str(path), docs, commit_every, seconds, engine))
        child.start()
        fresh: Counter[str] = Counter()
        running: Counter[str] = Counter()
        server = IndexStore(path, engine=engine)
        while child.is_alive():
            for counter, reader in ((fresh, IndexStore(path, engine=engine)), (running, server)):
                try:
                    with reader.reader() as r:
                        r.counts()
                    counter["sound"] += 1
                except IndexDamagedError as exc:
                    counter["damaged"] += 1
                    counter["last: " + str(exc)[:120]] = 1
                except IndexError_ as exc:
                    counter[type(exc).__name__] += 1
        child.join()
        for name, counter in (("new store per open", fresh), ("one running store", running)):
            opens = counter["sound"] + counter["damaged"]
            others = {k: v for k, v in counter.items() if k not in ("sound", "damaged")}
            print(f"{engine}: {name}: {opens} opens, {counter['damaged']} damaged "
                  f"{others or ''}", flush=True)
        try:
            with server.reader() as r:
                r.counts()
            print(f"{engine}: the running store after the ingest: sound", flush=True)
        except IndexDamagedError as exc:
            print(f"{engine}: the running store after the ingest: DAMAGED ({exc})", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="whoosh,tantivy")
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--commit-every", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    for engine in args.engine.split(","):
        run(engine.strip(), args.docs, args.commit_every, args.seconds)


if __name__ == "__main__":
    main()
