"""A live server for the browser tests: uvicorn on a free localhost port, on a tmp index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.appdata import build
from tests.helpers import server_process

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; browser tests are required in CI")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("live")
    build(root / "index", root / "corpus")
    env = {"KB_INDEX": str(root / "index"), "KB_CORPUS": str(root / "corpus")}
    with server_process(env) as (base, _proc):
        yield base


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "400" not in m.text
          and "404" not in m.text else None)
    pg.base = live_server  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert errors == [], errors  # no script errors and no CSP violations


@pytest.fixture()
def no_js_page(browser):  # type: ignore[no-untyped-def]
    """A page with JavaScript turned off: the site must work without it."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()
