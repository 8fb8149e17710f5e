"""Shared fixtures.

Real third-party test files live in ../shared/testdata (override with KB_TESTDATA). Outside CI
a test that needs them skips with a reason; with CI=true or KB_REQUIRE_TESTDATA=1 their absence
is a failure, so CI always runs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search_app.app import create_app
from tests.browser.appdata import build, settings_for

REPO_ROOT = Path(__file__).resolve().parents[1]


def _require_testdata() -> bool:
    return os.environ.get("KB_REQUIRE_TESTDATA") == "1" or os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The folder ../shared/testdata (or $KB_TESTDATA)."""
    path = Path(os.environ.get("KB_TESTDATA", REPO_ROOT.parent / "shared" / "testdata"))
    if not (path / "README.md").is_file():
        message = f"real test data not found at {path} (set KB_TESTDATA)"
        if _require_testdata():
            pytest.fail(message + "; required in CI")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The made-up index and corpus of tests/browser/appdata.py (``index/``, ``corpus/``),
    built once per test module."""
    root = tmp_path_factory.mktemp("site")
    build(root / "index", root / "corpus")
    return root


@pytest.fixture(scope="module")
def client(site_root: Path) -> Iterator[TestClient]:
    """The site on ``site_root`` (admin off), through TestClient; one per test module."""
    with TestClient(create_app(settings_for(site_root / "index", site_root / "corpus"))) as c:
        yield c
