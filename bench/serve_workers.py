"""How the connections to a ``kb serve`` fall on its worker processes (Linux: read from /proc),
and waiting until each worker takes connections: shared by bench/bench_http.py and
tests/test_serve_workers.py (a plain module: a bench imports no test module)."""

from __future__ import annotations

import http.client
import os
import time
from pathlib import Path


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets the process ``pid`` holds open (Linux, from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def connections_per_worker(server_pid: int, port: int) -> list[int]:
    """How the established connections to ``port`` fall on the server's worker processes
    (Linux: read from /proc; [] elsewhere), fewest first."""
    try:
        children = [int(c) for c in
                    Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()]
        rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        ours = [row for row in rows if int(row[1].split(":")[1], 16) == port]
        listening = {row[9] for row in ours if row[3] == "0A"}
        established = {row[9] for row in ours if row[3] == "01"}
        counts = []
        for pid in children:  # the workers: the children holding the listening socket
            sockets = socket_inodes(pid)
            if sockets & listening:
                counts.append(len(sockets & established))
    except OSError:
        return []
    return sorted(counts)


def all_serving(server_pid: int, base: str, workers: int, timeout: float = 300) -> bool:
    """Wait until each of the server's ``workers`` processes takes connections: the server
    answers once its first worker serves, and on a loaded machine another can start a minute
    later (connections opened before all fall on the first). Rounds of ``2 * workers``
    keep-alive connections, each answered before the next opens, every half second, until
    each worker holds one of a round. True then, and at once for one worker or where /proc
    cannot be read (nothing to wait for that can be seen); False after ``timeout``."""
    if workers < 2:
        return True
    host, port = base.removeprefix("http://").rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conns = [http.client.HTTPConnection(host, int(port), timeout=30)
                 for _ in range(2 * workers)]
        try:
            for conn in conns:
                conn.request("GET", "/help")
                conn.getresponse().read()
            counts = connections_per_worker(server_pid, int(port))
        finally:
            for conn in conns:
                conn.close()
        if not counts or (len(counts) >= workers and all(counts)):
            return True
        time.sleep(0.5)
    return False
