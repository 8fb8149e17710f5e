"""pyproject.toml's dependency ranges: what is installed fits them, and the ranges of
uvicorn's protocol stack (uvloop, httptools; used whenever installed) start no lower than
uvicorn's own "standard" extra asks for; the test extra gives Starlette's TestClient the
HTTP client it is built on."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import requires, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _ours() -> dict[str, Requirement]:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return {(r := Requirement(d)).name.lower(): r for d in deps}


def _lowest(req: Requirement) -> Version | None:
    floors = [Version(s.version) for s in req.specifier
              if s.operator in (">=", "==", "~=", ">")]
    return max(floors) if floors else None


def test_the_installed_versions_fit_the_ranges():
    for name, req in _ours().items():
        if req.marker is not None and not req.marker.evaluate():
            continue
        assert req.specifier.contains(version(name), prereleases=True), (name, version(name))


def test_uvicorns_protocol_stack_starts_where_uvicorn_asks():
    ours = _ours()
    standard = [Requirement(r) for r in requires("uvicorn") or []
                if "extra == 'standard'" in r or 'extra == "standard"' in r]
    checked = 0
    for theirs in standard:
        mine = ours.get(theirs.name.lower())
        if mine is None:
            continue
        need, have = _lowest(theirs), _lowest(mine)
        assert need is None or (have is not None and have >= need), (str(mine), str(theirs))
        checked += 1
    assert checked >= 2  # uvloop and httptools


def test_the_test_client_has_the_http_client_it_is_built_on():
    # starlette.testclient (fastapi.testclient) prefers httpx2 and, with httpx only, warns on
    # import that this is deprecated, in every test run: the test extra installs httpx2. In a
    # fresh interpreter, so that no earlier import has chosen for it; only Starlette's own
    # warning is an error (another library's import-time warning is not this test's failure).
    code = ("import warnings\n"
            "from starlette.exceptions import StarletteDeprecationWarning\n"
            "warnings.simplefilter('error', StarletteDeprecationWarning)\n"
            "import starlette.testclient as t\n"
            "print(t.httpx.__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-600:]
    assert done.stdout.strip() == "httpx2"
