"""Ingest runs started from the admin page: a subprocess, its progress in a JSON file.

Server workers are separate processes, so an ingest started by one must be visible to all: the
run is a subprocess (``python -m search_app.admin.runner``) that writes its state to
``<index>/admin-ingest.json`` atomically (progress, then the final report). Any worker reads
that file. One run at a time: starting is serialised by a lock file, refused while a run is
alive, and the ingest itself holds the index's ingest lock (so a ``kb ingest`` in a shell and a
run from the page never overlap either).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from index import write_atomic

STATUS_FILE = "admin-ingest.json"
LOG_FILE = "admin-ingest.log"
START_LOCK = ".admin-ingest-start.lock"
#: A "starting" state older than this without the runner taking over counts as dead.
START_GRACE = 30.0


class IngestBusy(Exception):
    """An ingest is already running."""


def status_path(index_dir: Path) -> Path:
    return Path(index_dir) / STATUS_FILE


def write_status(index_dir: Path, status: dict[str, Any]) -> None:
    path = status_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({**status, "updated": time.time()}, ensure_ascii=False))


def pid_alive(pid: int) -> bool:
    """Whether the process ``pid`` runs (a zombie does not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A finished child not yet reaped by its parent is a zombie: dead for us.
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def read_status(index_dir: Path) -> dict[str, Any] | None:
    """The state of the last run started from the admin page (None if there was none).

    ``state``: starting, running, finished, failed; a run whose process died without saying
    so is reported as failed.
    """
    try:
        status = json.loads(status_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict):
        return None
    if status.get("state") in ("starting", "running"):
        alive = pid_alive(int(status.get("pid") or 0))
        young = time.time() - float(status.get("updated") or 0) < START_GRACE
        if not alive and not (status["state"] == "starting" and young):
            status["state"] = "failed"
            status["error"] = "the ingest process stopped before it finished"
    status["active"] = status.get("state") in ("starting", "running")
    total = int(status.get("total") or 0)
    status["percent"] = round(100 * int(status.get("done") or 0) / total) if total else 0
    return status


def _reap(proc: subprocess.Popen[bytes]) -> None:
    proc.wait()


def start_ingest(
    index_dir: Path, corpus: Path, *, rebuild: bool, workers: int | None = None,
    time_limit: float | None = None, memory_mb: int | None = None, engine: str | None = None,
    embed_workers: int | None = None, semantic: bool = True, semantic_threads: int = 1,
) -> dict[str, Any]:
    """Start an ingest in the background; IngestBusy when one is running."""
    index_dir = Path(index_dir).resolve()
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / START_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_status(index_dir)
        if current and current["active"]:
            raise IngestBusy("an ingest is already running; wait for it to finish")
        cmd = [sys.executable, "-m", "search_app.admin.runner",
               "--corpus", str(Path(corpus).resolve()), "--index", str(index_dir)]
        if rebuild:
            cmd.append("--rebuild")
        if workers:
            cmd += ["--workers", str(workers)]
        if time_limit:
            cmd += ["--time-limit", str(time_limit)]
        if memory_mb:
            cmd += ["--memory-mb", str(memory_mb)]
        if engine:
            cmd += ["--engine", engine]
        if embed_workers:
            cmd += ["--embed-workers", str(embed_workers)]
        if not semantic:
            cmd += ["--no-semantic"]
        cmd += ["--semantic-threads", str(semantic_threads)]
        status = {"state": "starting", "mode": "rebuild" if rebuild else "incremental",
                  "started": time.time(), "done": 0, "total": 0, "current": "", "pid": 0}
        write_status(index_dir, status)
        with open(index_dir / LOG_FILE, "ab") as log:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True,
            )
        # The runner writes its own pid and state as it starts; a runner that dies before
        # that is reported as failed after START_GRACE seconds.
        status["pid"] = proc.pid
        threading.Thread(target=_reap, args=(proc,), daemon=True).start()
    return status
