"""An unexpected error answers 500 in the error shape and keeps the connection open."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from search_app.app import create_app
from tests.browser.appdata import build, settings_for
from tests.helpers import server_thread


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root: Path = tmp_path_factory.mktemp("srv")
    build(root / "index", root / "corpus")
    app = create_app(settings_for(root / "index", root / "corpus"))

    @app.get("/api/test-failure", include_in_schema=False)
    def fail() -> None:
        raise RuntimeError("a bug")

    with server_thread(app) as base:
        yield int(base.rsplit(":", 1)[1])


def test_a_500_keeps_the_keep_alive_connection(server: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    conn.request("GET", "/api/test-failure")
    r = conn.getresponse()
    body = json.loads(r.read())
    assert r.status == 500 and body["error"]["code"] == "internal_error"
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    sock = conn.sock
    assert sock is not None, "the server closed the connection after the 500"
    conn.request("GET", "/api/search?q=export%20NOT%20lang:en")
    r = conn.getresponse()
    r.read()
    assert r.status == 200
    assert conn.sock is sock  # the same connection served both
    conn.close()
