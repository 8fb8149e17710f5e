"""`kb serve --workers 2` spreads keep-alive connections over its workers (search_app/accepting.py).

Before, each worker's event loop took every connection waiting when it woke, so connections
opened one after the other mostly fell on whichever worker woke first (counted: 6 such
connections fell 3/3 in 4 of 10 tries, 2/4 in 5, 1/5 in 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import socket
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bench.serve_workers import all_serving, socket_inodes
from search_app import accepting
from search_app.accepting import Board, new_board
from tests.helpers import server_process

T = TypeVar("T")

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads who holds each socket from /proc")


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _server_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the localhost connection from ``client_port``, while
    it is established (None once the server has closed it: uvicorn closes a connection idle
    for 5 s)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        # (established: an earlier connection of the same ports may linger in TIME_WAIT)
        if (state == "01" and int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == client_port):
            return inode
    return None


def _holders(server_pid: int, port: int, conns: list[http.client.HTTPConnection]
             ) -> list[int | None]:
    """For each connection, the pid of the worker holding its server end (None: closed)."""
    workers = {pid: socket_inodes(pid) for pid in _children(server_pid)}
    out = []
    for conn in conns:
        assert conn.sock is not None
        inode = _server_inode(port, conn.sock.getsockname()[1])
        out.append(next((pid for pid, inodes in workers.items() if inode in inodes), None))
    return out


@linux_only
def test_connections_opened_one_after_another_alternate_between_two_workers(tmp_path: Path):
    env = {"KB_INDEX": str(tmp_path / "index"), "KB_CORPUS": str(tmp_path),
           "KB_ADMIN_SECRET": None,
           # a worker holding more waits this long for the other (50 ms when serving): a
           # loaded machine can leave the other without a core for longer than 50 ms
           "KB_SERVE_YIELD_MS": "500"}
    with server_process(env, serve_args=["--workers", "2"], quiet=True) as (base, proc):
        port = int(base.rsplit(":", 1)[1])
        assert all_serving(proc.pid, base, 2), "the second worker did not start"
        for _ in range(3):
            conns = []
            for _ in range(6):  # each opened once the one before has been answered
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/help")
                response = conn.getresponse()
                response.read()
                assert response.status == 200
                conns.append(conn)
            holders = _holders(proc.pid, port, conns)
            counts = sorted(holders.count(pid) for pid in set(holders))
            for conn in conns:
                conn.close()
            assert counts == [3, 3], holders


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own (an earlier test of the session, the browser's,
    may leave an event loop running in this one)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _write_slot(path: Path, slot: int, pid: int, count: int, written: float) -> None:
    with path.open("r+b") as f:
        f.seek(slot * accepting._SLOT.size)
        f.write(accepting._SLOT.pack(pid, count, written))


def test_the_board_gives_each_worker_a_slot_and_frees_a_dead_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # a slot written by the test counts however long the machine stalls the test (the last
    # check makes one stale by its time)
    monkeypatch.setattr(accepting, "STALE_SECONDS", 1e6)
    with new_board(2) as path:
        mine = Board(path)
        assert mine._offset == 0
        assert not mine.fewer_elsewhere(5)  # nobody else yet
        # a slot held by a process that has ended is free again
        _write_slot(path, 1, _ended_pid(), 0, time.monotonic())
        assert not mine.fewer_elsewhere(5)  # a dead worker's count does not count
        again = Board(path)  # (this process again: it takes its own slot)
        assert again._offset == mine._offset
        mine.publish(3)
        # a live worker (the test's parent) holding 1
        _write_slot(path, 1, os.getppid(), 1, time.monotonic())
        assert mine.fewer_elsewhere(3) and not mine.fewer_elsewhere(1)
        # ... whose slot was not rewritten for STALE_SECONDS: stopped, stuck, or its pid
        # is another process's now: its count does not count
        _write_slot(path, 1, os.getppid(), 1, time.monotonic() - accepting.STALE_SECONDS - 1)
        assert not mine.fewer_elsewhere(3)
    assert not path.exists()


def test_boards_of_killed_servers_are_removed_at_start(tmp_path: Path):
    dead, alive = _ended_pid(), os.getpid()
    names = [f"kb-serve-board-{dead}-abc", f"kb-serve-board-{alive}-def",
             "kb-serve-board-xj2o51zh", "kb-serve-board-123", "other"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    with new_board(2, tmp_path) as path:
        assert path.name.startswith(f"kb-serve-board-{alive}-")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[1:], path.name])


def test_a_serving_worker_rewrites_its_slot(tmp_path: Path):
    async def serve(path: Path) -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            server = accepting.FewestFirstServer(loop, asyncio.Protocol, sock, 8, Board(path))
            await server.start_serving()
            first = accepting._SLOT.unpack_from(path.read_bytes())[2]
            await asyncio.sleep(accepting.BEAT_SECONDS * 3)
            later = accepting._SLOT.unpack_from(path.read_bytes())[2]
            server.close()
            await server.wait_closed()
        return first, later

    with new_board(1) as path:
        first, later = _run(serve(path))
        assert later > first  # (no connection came: the beat rewrote it)
        assert accepting._SLOT.unpack_from(path.read_bytes())[0] == 0  # left when closed


@pytest.mark.parametrize("error", [OSError("reset"), RuntimeError("odd")])
def test_a_connection_that_fails_to_start_leaves_the_count_once(error: Exception):
    """The connection's transport was made and lost, then its making failed: the count
    goes down once, whatever the error."""

    async def connect() -> int:
        loop = asyncio.get_running_loop()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            server = accepting.FewestFirstServer(loop, asyncio.Protocol, sock, 8, None)

            async def failing(factory, conn):  # type: ignore[no-untyped-def]
                protocol = factory()
                protocol.connection_made(None)
                protocol.connection_lost(None)
                raise error

            loop.connect_accepted_socket = failing  # type: ignore[method-assign]
            left, right = socket.socketpair()
            right.close()
            server._count(+1)  # as _accept_one counts it
            await server._connect(left)
            return server.open_connections

    assert _run(connect()) == 0


def _ended_pid() -> int:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid



class _Handle:
    def cancel(self) -> None:
        pass

    def add_done_callback(self, callback: object) -> None:
        pass


class _ManualLoop:
    """Just what FewestFirstServer asks of its event loop, run by hand: the test says when
    each worker's loop finds the socket readable and when each wait ends."""

    def __init__(self) -> None:
        self.reader: object = None
        self.timers: list[object] = []
        self.accepted: list[socket.socket] = []

    def add_reader(self, fd: int, callback: object) -> None:
        self.reader = callback

    def remove_reader(self, fd: int) -> None:
        self.reader = None

    def call_later(self, delay: float, callback: object) -> _Handle:
        self.timers.append(callback)
        return _Handle()

    def create_task(self, coro):  # type: ignore[no-untyped-def]
        self.accepted.append(coro.cr_frame.f_locals["conn"])  # (served by no protocol here)
        coro.close()
        return _Handle()

    def readable(self) -> None:
        """The loop finds the socket readable (when the worker is reading)."""
        if self.reader is not None:
            self.reader()  # type: ignore[operator]

    def end_wait(self) -> None:
        """The worker's first pending wait ends."""
        self.timers.pop(0)()  # type: ignore[operator]


@contextlib.contextmanager
def _two_workers(tmp_path: Path, connections: int) -> Iterator[
        tuple[accepting.FewestFirstServer, _ManualLoop, accepting.FewestFirstServer,
              _ManualLoop, Callable[[], None]]]:
    """Workers A and B reading one listening socket, each on a manual loop, with their slots
    on one board, and ``connections`` clients waiting; and a function that opens one more."""
    opened: list[socket.socket] = []
    loops: list[_ManualLoop] = []
    with socket.socket() as listening, new_board(2, tmp_path) as path:
        listening.bind(("127.0.0.1", 0))
        servers = []
        for n in range(2):
            loop, board = _ManualLoop(), Board(path)
            board._offset = n * accepting._SLOT.size  # (one process plays both: by hand)
            board.publish(0)
            server = accepting.FewestFirstServer(loop, asyncio.Protocol, listening, 8,  # type: ignore[arg-type]
                                                 board)
            server._serving = True
            server._start_reading()
            servers.append(server)
            loops.append(loop)

        def connect() -> None:
            opened.append(socket.create_connection(listening.getsockname()))

        try:
            for _ in range(connections):
                connect()
            yield servers[0], loops[0], servers[1], loops[1], connect
        finally:
            for conn in [*opened, *loops[0].accepted, *loops[1].accepted]:
                conn.close()


def test_a_worker_whose_wait_ends_first_takes_no_more_than_its_share(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two workers on one socket, 8 connections waiting. Worker A takes one, then leaves the
    next to B (holding none); B takes two and leaves the rest to A (holding one); both wait.
    A's wait ends: it takes two and waits again. B's loop comes round late, and A's second
    and third waits end before B's first. Before, A took a connection at the end of each
    wait whatever the counts, and the 8 fell 5/3; now A waits while B holds fewer, and they
    fall 4/4. Every step is made by the test: no timing."""
    # (B's slot is written only when its count changes: however long the machine stalls the
    # test, it must not go stale and count for nothing)
    monkeypatch.setattr(accepting, "STALE_SECONDS", 1e6)
    with _two_workers(tmp_path, 8) as (a, a_loop, b, b_loop, connect):
        for _ in range(2):
            a_loop.readable()  # A takes one, then waits: B holds none
        assert (a.open_connections, b.open_connections) == (1, 0)
        for _ in range(3):
            b_loop.readable()  # B takes two, then waits: A holds one
        assert (a.open_connections, b.open_connections) == (1, 2)
        a_loop.end_wait()  # A takes one
        for _ in range(2):
            a_loop.readable()  # and another, then waits: B holds two
        assert (a.open_connections, b.open_connections) == (3, 2)
        for _ in range(2):  # B is late: two of A's waits end before B's first
            a_loop.end_wait()
            a_loop.readable()
        b_loop.end_wait()
        for _ in range(3):
            b_loop.readable()
        while a_loop.timers:
            a_loop.end_wait()
            a_loop.readable()
        assert (a.open_connections, b.open_connections) == (4, 4)


def test_a_waiting_worker_sleeps_once_nothing_is_left_to_take(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A worker leaves a connection to another holding fewer, which takes it; when its wait
    ends the other still holds fewer, but nothing waits: it reads the socket again (woken by
    the next connection) instead of waking at every wait's end while the other holds fewer."""
    monkeypatch.setattr(accepting, "STALE_SECONDS", 1e6)
    with _two_workers(tmp_path, 2) as (a, a_loop, b, b_loop, connect):
        a_loop.readable()  # A takes one
        a_loop.readable()  # and leaves the next to B (holding none): A waits
        assert a.open_connections == 1 and a_loop.reader is None and len(a_loop.timers) == 1
        b_loop.readable()  # B takes it
        b._count(-1)  # and its client leaves: B holds fewer again, nothing waits
        a_loop.end_wait()
        assert a.open_connections == 1
        assert a_loop.timers == [] and a_loop.reader is not None  # reading, no wait
        connect()
        a_loop.readable()  # the next connection wakes A: B holds fewer, A waits again
        assert a.open_connections == 1 and len(a_loop.timers) == 1
