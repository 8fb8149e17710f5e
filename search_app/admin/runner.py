"""The ingest subprocess started from the admin page.

    python -m search_app.admin.runner --corpus corpus --index var/index [--rebuild]

Runs ``ingest.run_ingest`` and writes its state to ``<index>/admin-ingest.json`` atomically:
``running`` with done/total/current file while it parses (at most a few writes a second), then
``finished`` with the report, or ``failed`` with the reason. After ``finished`` (searches use the
new index), the documents' vectors are made for semantic search: ``semantic`` holds that
progress (state embedding/done/busy/failed, done, total).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from index import (
    IndexLockedError,
    IndexStore,
    IndexUnavailableError,
    UnknownEngineError,
    embed_index,
    semantic_enabled,
    set_semantic_enabled,
    set_semantic_threads,
)
from ingest import CatalogError, run_ingest
from search_app.admin.ingest_jobs import write_status

log = logging.getLogger(__name__)
WRITE_EVERY = 0.25


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search_app.admin.runner")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--engine", default=None)
    parser.add_argument("--embed-workers", type=int, default=None)
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--semantic-threads", type=int, default=1)
    args = parser.parse_args(argv)
    set_semantic_enabled(not args.no_semantic)
    set_semantic_threads(args.semantic_threads)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    status: dict[str, Any] = {
        "state": "running", "mode": "rebuild" if args.rebuild else "incremental",
        "pid": os.getpid(), "started": time.time(), "done": 0, "total": 0, "current": "",
    }
    write_status(args.index, status)
    last = 0.0

    def progress(done: int, total: int, path: str) -> None:
        nonlocal last
        status.update(done=done, total=total, current=path)
        now = time.monotonic()
        if now - last >= WRITE_EVERY or done == total:
            last = now
            write_status(args.index, status)

    try:
        report = run_ingest(
            args.corpus, args.index, rebuild=args.rebuild, workers=args.workers,
            time_limit=args.time_limit, memory_mb=args.memory_mb, progress=progress,
            engine=args.engine,
        )
    except (IndexLockedError, CatalogError, FileNotFoundError, IndexUnavailableError,
            UnknownEngineError) as exc:
        status.update(state="failed", error=str(exc), finished=time.time())
        write_status(args.index, status)
        log.error("ingest failed: %s", exc)
        return 1
    except BaseException as exc:
        status.update(state="failed", error=f"{type(exc).__name__}: {exc}"[:500],
                      finished=time.time())
        write_status(args.index, status)
        log.exception("ingest failed")
        raise
    status.update(state="finished", finished=time.time(), report=report.to_dict(),
                  mode=report.mode)
    write_status(args.index, status)
    log.info("ingest finished: %s added, %s updated, %s removed, %s failed",
             len(report.added), len(report.updated), len(report.removed), len(report.failed))
    _embed(args.index, status, args.embed_workers)
    return 0


def _embed(index_dir: Path, status: dict[str, Any], workers: int | None) -> None:
    """Vectors for new and changed documents, after the keyword index is live: the run is
    finished for searches; the page shows the embedding's progress until it is done."""
    if not semantic_enabled():
        return
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        status["semantic"] = {"state": "embedding", "done": done, "total": total}
        now = time.monotonic()
        if now - last >= WRITE_EVERY or done == total:
            last = now
            write_status(index_dir, status)

    try:
        result = embed_index(IndexStore(index_dir), progress=progress, workers=workers)
    except Exception as exc:  # the keyword index is live: say what failed, keep it
        log.exception("embedding failed")
        status["semantic"] = {"state": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}
    else:
        status["semantic"] = {"state": result.state, "done": result.documents,
                              "total": result.documents, "embedded": result.embedded,
                              "seconds": result.seconds}
    write_status(index_dir, status)


if __name__ == "__main__":
    sys.exit(main())
