"""Run jobs in worker processes, each with a time limit and a memory limit.

A file that hangs or explodes (decompression bomb, endless loop) fails alone: its worker is
killed (time) or dies / raises MemoryError (memory), the job is reported with a reason, and a
fresh worker takes the next job. Results come back in completion order.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import resource
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, cast

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 60.0
DEFAULT_MEMORY_MB = 2048


@dataclass
class JobResult:
    job: Any
    ok: bool
    value: Any = None
    #: why the job failed, fit for a user
    reason: str | None = None


class JobFailed(Exception):
    """Raised by a job function to fail with a user-fit reason (no traceback logged)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: In a worker process: the pipe to the parent, for report_progress.
_parent: Connection | None = None


def report_progress(message: str) -> None:
    """From inside a job: say how it is going ("OCR page 3 of 20"); run_jobs hands it to its
    ``on_progress``. Does nothing outside a worker."""
    if _parent is not None:
        try:
            _parent.send(("progress", message))
        except (OSError, ValueError):
            pass


def _worker_main(conn: Connection, func: Callable[[Any], Any], memory_mb: int) -> None:
    global _parent
    _parent = conn
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send((True, func(job), None))
        except JobFailed as exc:
            conn.send((False, None, exc.reason))
        except MemoryError:
            conn.send((False, None, f"memory limit exceeded ({memory_mb} MB)"))
            return  # the heap may be in a bad state: let a fresh worker continue
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
            log.debug("job failed: %s", traceback.format_exc())
            conn.send((False, None, f"unexpected error: {type(exc).__name__}: {exc}"[:300]))


class _Worker:
    def __init__(self, ctx: Any, func: Callable[[Any], Any], memory_mb: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, func, memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self.job: Any = None
        self.deadline = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_jobs(
    func: Callable[[Any], Any],
    jobs: Iterable[Any],
    *,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    on_progress: Callable[[Any, str], None] | None = None,
) -> Iterator[JobResult]:
    """Run ``func(job)`` for each job in worker processes; yield results as they finish.

    ``func`` must be a module-level function (it is sent to a fresh process). A job that calls
    ``report_progress(message)`` has ``on_progress(job, message)`` called in this process.
    """
    pending = deque(jobs)
    if not pending:
        return
    ctx = mp.get_context("forkserver")
    count = max(1, min(workers or os.cpu_count() or 1, len(pending)))
    pool: list[_Worker] = []

    def replace(w: _Worker) -> _Worker:
        """A fresh worker in place of ``w`` (dead, over a limit, or its memory spent)."""
        w.kill()
        pool.remove(w)
        fresh = _Worker(ctx, func, memory_mb)
        pool.append(fresh)
        return fresh

    try:
        pool = [_Worker(ctx, func, memory_mb) for _ in range(count)]
        idle = list(pool)
        busy: dict[Connection, _Worker] = {}
        while pending or busy:
            while idle and pending:
                w = idle.pop()
                w.job = pending.popleft()
                w.deadline = time.monotonic() + time_limit
                w.conn.send(w.job)
                busy[w.conn] = w
            timeout = max(0.0, min(w.deadline for w in busy.values()) - time.monotonic())
            ready = cast(list[Connection], wait(list(busy), timeout=timeout))
            for conn in ready:
                w = busy.pop(conn)
                try:
                    message = w.conn.recv()
                    if len(message) == 2:  # ("progress", text): the job goes on
                        busy[conn] = w
                        if on_progress is not None:
                            on_progress(w.job, message[1])
                        continue
                    ok, value, reason = message
                except (EOFError, OSError):
                    w.proc.join(1)
                    code = w.proc.exitcode
                    why = (
                        f"worker killed by signal {-code}"
                        if code is not None and code < 0
                        else "worker stopped"
                    )
                    yield JobResult(
                        w.job, False, reason=f"{why} (memory limit {memory_mb} MB exceeded?)"
                    )
                    idle.append(replace(w))
                    continue
                yield JobResult(w.job, ok, value, reason)
                if not w.proc.is_alive() or (not ok and reason and "memory limit" in reason):
                    w = replace(w)
                idle.append(w)
            now = time.monotonic()
            for conn, w in list(busy.items()):
                if w.deadline <= now:
                    del busy[conn]
                    yield JobResult(w.job, False, reason=f"time limit exceeded ({time_limit:g} s)")
                    idle.append(replace(w))
    finally:
        for w in pool:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in pool:
            w.proc.join(2)
            w.kill()
