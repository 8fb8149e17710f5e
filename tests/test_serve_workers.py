"""`kb serve --workers 2` spreads keep-alive connections over its workers (search_app/accepting.py).

Before, each worker's event loop took every connection waiting when it woke, so connections
opened one after the other mostly fell on whichever worker woke first (counted: 6 such
connections fell 3/3 in 4 of 10 tries, 2/4 in 5, 1/5 in 1).
"""

from __future__ import annotations

import http.client
import os
import sys
import time
from pathlib import Path

import pytest

from bench.bench_http import socket_inodes
from search_app.accepting import Board, new_board
from tests.helpers import server_process

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


def _both_serving(server_pid: int, port: int, seconds: float = 300) -> None:
    """Wait until both workers have started serving: bursts of 8 connections opened at once
    until both have taken one (the server answers as soon as its first worker is up; on a
    loaded machine the second can take a minute more)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
        for conn in conns:
            conn.connect()
        for conn in conns:
            conn.request("GET", "/help")
        for conn in conns:
            conn.getresponse().read()
        holders = set(_holders(server_pid, port, conns)) - {None}
        for conn in conns:
            conn.close()
        if len(holders) == 2:
            return
        time.sleep(0.5)
    raise AssertionError("the second worker did not start")


@linux_only
def test_connections_opened_one_after_another_alternate_between_two_workers(tmp_path: Path):
    env = {"KB_INDEX": str(tmp_path / "index"), "KB_CORPUS": str(tmp_path),
           "KB_ADMIN_SECRET": None,
           # a worker holding more waits this long for the other (50 ms when serving): a
           # loaded machine can leave the other without a core for longer than 50 ms
           "KB_SERVE_YIELD_MS": "500"}
    with server_process(env, serve_args=["--workers", "2"], quiet=True) as (base, proc):
        port = int(base.rsplit(":", 1)[1])
        _both_serving(proc.pid, port)
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


def test_the_board_gives_each_worker_a_slot_and_frees_a_dead_workers(tmp_path: Path):
    with new_board(2) as path:
        mine = Board(path)
        assert not mine.fewer_elsewhere(5)  # nobody else yet
        # a slot held by a process that has ended is free again
        dead = _ended_pid()
        with path.open("r+b") as f:
            f.seek(16)
            f.write(dead.to_bytes(8, sys.byteorder, signed=True) + (0).to_bytes(8, "little"))
        assert not mine.fewer_elsewhere(5)  # a dead worker's count does not count
        again = Board(path)  # (this process again: it takes its own slot)
        assert again._offset == mine._offset
        mine.publish(3)
        with path.open("r+b") as f:  # a live worker (the test's parent) holding 1
            f.seek(16)
            f.write(os.getppid().to_bytes(8, sys.byteorder, signed=True)
                    + (1).to_bytes(8, sys.byteorder, signed=True))
        assert mine.fewer_elsewhere(3) and not mine.fewer_elsewhere(1)
    assert not path.exists()


def _ended_pid() -> int:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid

