"""The server workers' event loop: a new connection goes to the worker holding the fewest.

With ``kb serve --workers N`` the N worker processes share one listening socket. uvicorn's
event loops (uvloop's libuv, or asyncio's) take every connection waiting in the kernel's
queue each time the socket becomes readable, so a burst of connections (browsers and clients
open several at once, and keep them open) lands on whichever worker runs first: counted with
`ss`, 8 keep-alive connections fell 3/5, 2/6, even 0/8 on 2 workers, and the busy worker did
most of the work while the other idled. Here each worker takes one connection per wake-up,
and only when no other live worker holds fewer open connections; otherwise it leaves the
connection to that worker and looks again every ``YIELD_SECONDS``, taking it once no worker
holds fewer. So no worker ever holds more than one connection above another's count (8
connections on 2 workers: 4/4). The workers publish their counts on a small shared board (a
file of one slot per worker, made by ``kb serve``), and refresh them every ``BEAT_SECONDS``:
a slot not refreshed for ``STALE_SECONDS`` (its worker is stopped or stuck, or died and
another process took its pid) counts for nothing, so a connection waits at most that long
for a worker that does not take it. The kernel's queue (``listen``
backlog) stays as long as uvicorn's setting: nothing is refused.

``kb serve`` with more than one worker (POSIX) makes the board and hands uvicorn
``loop_factory`` (uvicorn's ``--loop`` takes an import string): only servers on the socket the
supervisor bound accept this way; one process (``--workers 1``) is served by the plain loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import mmap
import os
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from index import RESOURCE_ERRNOS
from search_app.admin.ingest_jobs import pid_alive

log = logging.getLogger(__name__)

#: the environment variable through which ``kb serve`` tells its workers where the board is
#: (set by ``kb serve`` itself, not a setting)
BOARD_ENV = "KB_SERVE_BOARD"
#: how long a worker leaves a connection to a worker holding fewer before it looks again:
#: well above the interpreter's switch interval (5 ms: a worker whose request thread holds
#: the interpreter wakes that late) and a loaded machine's scheduling delays (at 5 ms, 8
#: connections still fell 3/5 half of the time at load 6-9).
YIELD_SECONDS = 0.05
#: For the tests only (not a setting, not in README's table): milliseconds instead of
#: YIELD_SECONDS, longer so that a worker starved of CPU on a loaded machine does not fail
#: tests/test_serve_workers.py.
YIELD_ENV = "KB_SERVE_YIELD_MS"
#: a serving worker rewrites its slot this often, connections or not
BEAT_SECONDS = 0.25
#: a slot not rewritten for this long counts for nothing (fewer_elsewhere)
STALE_SECONDS = 1.0
#: out of file descriptors or buffers: stop accepting for a while (as asyncio does)
PAUSE_SECONDS = 1.0

#: pid, open connections, when written (time.monotonic: the system's CLOCK_MONOTONIC, the
#: same in every process)
_SLOT = struct.Struct("=qqd")
#: the board files' names: this prefix, the pid of the ``kb serve`` that made it, "-"
_BOARD_PREFIX = "kb-serve-board-"
#: errors of accept() that say "nothing to take": the queue is empty (another worker took
#: the connection) or the connection was reset before it was taken
_AGAIN = (BlockingIOError, InterruptedError, ConnectionAbortedError)
_OUT_OF_RESOURCES = RESOURCE_ERRNOS | {errno.ENOBUFS}  # (accept's own: no buffer space)


@contextlib.contextmanager
def new_board(workers: int, folder: Path | None = None) -> Iterator[Path]:
    """A board for ``workers`` worker processes (a file of zeroed slots) in ``folder`` (default
    /dev/shm, else the temporary folder), removed at the end; the boards left there by servers
    that were killed (their ``kb serve`` is gone) are removed first."""
    where = folder or (Path("/dev/shm") if os.path.isdir("/dev/shm")
                       else Path(tempfile.gettempdir()))
    _remove_stale_boards(where)
    fd, name = tempfile.mkstemp(prefix=f"{_BOARD_PREFIX}{os.getpid()}-", dir=where)
    try:
        os.write(fd, bytes(_SLOT.size * workers))
        os.close(fd)
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _remove_stale_boards(folder: Path) -> None:
    """Remove the board files in ``folder`` whose ``kb serve`` no longer runs (killed: its
    ``new_board`` never ended). Others' files that cannot be removed are left."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            pid, dash, _ = entry.name.removeprefix(_BOARD_PREFIX).partition("-")
            if (entry.name.startswith(_BOARD_PREFIX) and dash and pid.isdigit()
                    and not pid_alive(int(pid))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


class Board:
    """This worker's view of the board: its own slot, written; the others', read."""

    def __init__(self, path: Path) -> None:
        import fcntl  # (POSIX: kb serve makes a board only there)

        with path.open("r+b") as f:
            self._map = mmap.mmap(f.fileno(), 0)
            # One worker claims a slot at a time. (The map holds a duplicate of the file's
            # descriptor, which would hold the lock for good: unlocked explicitly.)
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                self._offset = self._claim(path)
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _claim(self, path: Path) -> int:
        for offset in range(0, len(self._map), _SLOT.size):
            pid, _, _ = _SLOT.unpack_from(self._map, offset)
            if pid == 0 or pid == os.getpid() or not pid_alive(pid):
                _SLOT.pack_into(self._map, offset, os.getpid(), 0, time.monotonic())
                return offset
        raise RuntimeError(f"{path}: no free slot for worker {os.getpid()}")

    def publish(self, count: int) -> None:
        """Write this worker's count, and that it is serving now."""
        _SLOT.pack_into(self._map, self._offset, os.getpid(), count, time.monotonic())

    def fewer_elsewhere(self, count: int) -> bool:
        """Whether another live worker holds fewer than ``count`` connections (one whose slot
        was written less than STALE_SECONDS ago)."""
        fresh = time.monotonic() - STALE_SECONDS
        for offset in range(0, len(self._map), _SLOT.size):
            if offset != self._offset:
                pid, theirs, written = _SLOT.unpack_from(self._map, offset)
                if pid and theirs < count and written > fresh and pid_alive(pid):
                    return True
        return False

    def leave(self) -> None:
        _SLOT.pack_into(self._map, self._offset, 0, 0, 0.0)


def _board_from_env() -> Board | None:
    path = os.environ.get(BOARD_ENV)
    if not path:
        return None
    try:
        return Board(Path(path))
    except (OSError, ValueError, RuntimeError) as exc:
        log.warning("worker %d accepts without the board (%s)", os.getpid(), exc)
        return None


class FewestFirstServer(asyncio.AbstractServer):
    """Accepts connections on ``sock`` one per event-loop wake-up, leaving each for a moment
    to a worker on ``board`` that holds fewer; each connection gets a protocol of
    ``protocol_factory`` through ``loop.connect_accepted_socket``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol_factory: Callable[[], Any],
                 sock: socket.socket, backlog: int, board: Board | None) -> None:
        self._loop = loop
        self._factory = protocol_factory
        self._sock = sock
        self._board = board
        self.yield_seconds = YIELD_SECONDS
        self._open = 0  # connections accepted and not yet closed
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reading = False
        self._serving = False
        self._beat: asyncio.TimerHandle | None = None
        self._closed = asyncio.Event()
        sock.setblocking(False)
        sock.listen(backlog)

    # asyncio.AbstractServer
    def close(self) -> None:
        self._serving = False
        self._stop_reading()
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None
        if self._board is not None:
            self._board.leave()
        self._closed.set()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._serving

    async def start_serving(self) -> None:
        if not self._serving and not self._closed.is_set():
            self._serving = True
            self._start_reading()
            self._refresh()

    async def serve_forever(self) -> None:
        await self.start_serving()
        await self._closed.wait()

    async def wait_closed(self) -> None:
        await self._closed.wait()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self._sock,)

    # accepting
    @property
    def open_connections(self) -> int:
        return self._open

    def _count(self, change: int) -> None:
        self._open += change
        if self._board is not None:
            self._board.publish(self._open)

    def _refresh(self) -> None:
        """Rewrite this worker's slot every BEAT_SECONDS while serving (a slot left alone for
        STALE_SECONDS counts for nothing)."""
        if self._board is not None and self._serving:
            self._board.publish(self._open)
            self._beat = self._loop.call_later(BEAT_SECONDS, self._refresh)

    def _start_reading(self) -> None:
        if self._serving and not self._reading:
            self._loop.add_reader(self._sock.fileno(), self._readable)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._sock.fileno())
            self._reading = False

    def _readable(self) -> None:
        if self._board is not None and self._board.fewer_elsewhere(self._open):
            self._stop_reading()  # (else the loop wakes us again at once)
            self._loop.call_later(self.yield_seconds, self._take_if_left)
            return
        self._accept_one()

    def _take_if_left(self) -> None:
        """The end of a wait for a worker holding fewer: take a connection, unless a worker
        still holds fewer (its loop has not come round yet, or it waits too: its own wait
        ends first or later); then read again: a connection still waiting wakes it at once
        and it waits once more (_readable), and when none waits (the other took it) it sleeps
        until one comes, rather than waking every ``yield_seconds`` while the other holds
        fewer. The worker holding the fewest never waits, so one of them takes it; one whose
        slot stays stale for STALE_SECONDS (stopped, stuck) counts for nothing. Taking it
        unconditionally here (before) let a worker whose wait ended before the other's take
        one more than its share: 5/3 of 8 connections."""
        if not self._serving:
            return
        if self._board is not None and self._board.fewer_elsewhere(self._open):
            self._start_reading()
            return
        self._accept_one()
        self._start_reading()

    def _accept_one(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except _AGAIN:
            return
        except OSError as exc:
            if exc.errno not in _OUT_OF_RESOURCES:
                raise
            log.error("cannot accept a connection (%s); pausing %.0f s", exc, PAUSE_SECONDS)
            self._stop_reading()
            self._loop.call_later(PAUSE_SECONDS, self._start_reading)
            return
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._count(+1)
        task = self._loop.create_task(self._connect(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, conn: socket.socket) -> None:
        protocol = _Counted(self)
        try:
            await self._loop.connect_accepted_socket(lambda: protocol, conn)
        except Exception as exc:  # noqa: BLE001 - this connection only; the server goes on
            # (OSError: the client went away before its transport was made)
            log.log(logging.DEBUG if isinstance(exc, OSError) else logging.WARNING,
                    "connection dropped before it was served: %s", exc)
            conn.close()
            protocol.release()


class _Counted(asyncio.Protocol):
    """The server's protocol for one connection (uvicorn's), telling the server when the
    connection is lost."""

    def __init__(self, server: FewestFirstServer) -> None:
        self._server = server
        self._inner: asyncio.Protocol = server._factory()
        self._counted = True  # (in the server's count until released)

    def release(self) -> None:
        """Take this connection out of the server's count, once (its transport may be lost,
        and its making fail, both)."""
        if self._counted:
            self._counted = False
            self._server._count(-1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            self._inner.connection_lost(exc)
        finally:
            self.release()

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class _FewestFirst:
    """Mixed into an event loop class: ``create_server(sock=...)`` (uvicorn's workers, on the
    socket the supervisor bound) serves through FewestFirstServer; anything else as usual."""

    async def create_server(self, protocol_factory: Callable[[], Any], host: Any = None,
                            port: Any = None, *, sock: socket.socket | None = None,
                            backlog: int = 100, ssl: Any = None, **kwargs: Any) -> Any:
        if sock is None or ssl is not None or kwargs.get("start_serving") is False:
            return await super().create_server(  # type: ignore[misc]
                protocol_factory, host, port, sock=sock, backlog=backlog, ssl=ssl, **kwargs)
        server = FewestFirstServer(self, protocol_factory, sock,  # type: ignore[arg-type]
                                   backlog, _board_from_env())
        with contextlib.suppress(ValueError):
            server.yield_seconds = float(os.environ.get(YIELD_ENV, "")) / 1000
        await server.start_serving()
        return server


def _loop_class() -> type[asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return type("FewestFirstLoop", (_FewestFirst, asyncio.SelectorEventLoop), {})
    return type("FewestFirstLoop", (_FewestFirst, uvloop.Loop), {})


def loop_factory() -> asyncio.AbstractEventLoop:
    """A new event loop (uvloop's when installed, as uvicorn's "auto" picks) whose servers on
    an inherited socket give each new connection to the worker holding the fewest."""
    return _loop_class()()
