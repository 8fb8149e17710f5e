"""Shared fixtures.

Real third-party test files live in ../shared/testdata (override with KB_TESTDATA). Outside CI
a test that needs them skips with a reason; with CI=true or KB_REQUIRE_TESTDATA=1 their absence
is a failure, so CI always runs them.

Search engines: a test module marked ``pytestmark = pytest.mark.engines`` runs once per engine
of ``KB_TEST_ENGINES`` (comma-separated registry names, default "whoosh"; "all": every
registered engine; ``name=module`` registers one first, in this process only). For the length
of a module the ``engine`` fixture makes that engine the one new indexes are built with
(index.engine.DEFAULT_ENGINE, and KB_ENGINE for the servers and commands the tests start).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index import engine as engines
from search_app.app import create_app
from tests.browser.appdata import build, settings_for
from tests.helpers import copy_sample_corpus, ingest_with_vectors

REPO_ROOT = Path(__file__).resolve().parents[1]


def engines_under_test() -> tuple[str, ...]:
    """The engines of KB_TEST_ENGINES ("all": every registered one); default: "whoosh". An
    entry ``name=module`` registers the engine of ``module`` under ``name`` first (an engine
    not in the registry yet, or a second name for one: ``whoosh,copy=index.whoosh``)."""
    value = os.environ.get("KB_TEST_ENGINES", "").strip()
    if value == "all":
        return engines.engine_names()
    names = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        name, _, module = entry.partition("=")
        if module:
            engines.register(name.strip(), module.strip())
        names.append(name.strip())
    return tuple(names) or ("whoosh",)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("engines"):
        metafunc.parametrize("engine", engines_under_test(), indirect=True, scope="module")


@pytest.fixture(autouse=True)
def _index_process_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Semantic search on or off and its threads (what the app hands the index per process:
    search_app.settings.apply_to_index) back as they were after each test."""
    from index import embedder, semantic

    monkeypatch.setattr(semantic, "_enabled", semantic._enabled)
    monkeypatch.setattr(embedder, "_threads", embedder._threads)


@pytest.fixture(scope="module", autouse=True)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """The search engine new indexes are built with in this module (see the docstring)."""
    name = getattr(request, "param", None)
    if name is None:
        yield engines.DEFAULT_ENGINE
        return
    engines.get_engine(name)  # an engine that cannot be loaded fails here, saying why
    saved, saved_env = engines.DEFAULT_ENGINE, os.environ.get("KB_ENGINE")
    engines.DEFAULT_ENGINE = name
    os.environ["KB_ENGINE"] = name
    try:
        yield name
    finally:
        engines.DEFAULT_ENGINE = saved
        if saved_env is None:
            os.environ.pop("KB_ENGINE", None)
        else:
            os.environ["KB_ENGINE"] = saved_env


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
def site_root(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
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


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus as git holds it (``corpus/``) ingested once per test session into
    ``index/``, with its semantic vectors, as the site runs. Tests change a copy of it
    (``sample_copy``), never this."""
    root = tmp_path_factory.mktemp("sample-site")
    copy_sample_corpus(root)
    ingest_with_vectors(root / "corpus", root / "index")
    return root


@pytest.fixture()
def sample_copy(sample_site: Path, tmp_path: Path) -> Path:
    """A copy of ``sample_site`` for one test: ``tmp_path`` with ``corpus/`` and ``index/``."""
    shutil.copytree(sample_site / "corpus", tmp_path / "corpus")
    shutil.copytree(sample_site / "index", tmp_path / "index")
    return tmp_path
