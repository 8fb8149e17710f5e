"""Shared fixtures.

Real third-party test files live in ../shared/testdata (override with KB_TESTDATA). Outside CI
a test that needs them skips with a reason; with CI=true or KB_REQUIRE_TESTDATA=1 their absence
is a failure, so CI always runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
