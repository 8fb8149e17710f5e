"""Choosing the search engine: an index remembers its engine; another engine needs
`kb ingest --rebuild` and every entry point says so (the store, ingest, the kb command, the
site's 503 page), never a crash.

A second name for the Whoosh engine stands in for another engine, so these run without one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from index import (
    IndexEngineError,
    IndexStore,
    SearchRequest,
    UnknownEngineError,
    get_engine,
    search,
)
from index import engine as engine_registry
from ingest import run_ingest
from search_app.app import create_app
from search_app.cli import main
from tests.browser.appdata import settings_for
from tests.helpers import build_index, make_doc

OTHER = "whoosh-again"


@pytest.fixture()
def other_engine() -> Iterator[str]:
    engine_registry.register(OTHER, "index.whoosh")
    yield OTHER
    engine_registry.ENGINES.pop(OTHER, None)
    engine_registry._LOADED.pop(OTHER, None)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "news").mkdir(parents=True)
    (root / "news" / "vouchers.md").write_text(
        "---\ntitle: Export vouchers in Spain\ndate: 2019-05-01\n---\n\n"
        "Export vouchers pay consultants who write a first export plan for small firms.\n")
    return root


def _meta(store: IndexStore) -> dict[str, object]:
    gen = store.current_generation()
    assert gen is not None
    data: dict[str, object] = json.loads((gen / "kb-meta.json").read_text())
    return data


def test_an_index_remembers_its_engine(tmp_path: Path) -> None:
    store = build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    assert _meta(store)["engine"] == "whoosh" == store.engine_name()
    # an index made before engines had names is a Whoosh index
    gen = store.current_generation()
    assert gen is not None
    (gen / "kb-meta.json").write_text(json.dumps({"schema_version": _meta(store)[
        "schema_version"]}))
    reader = IndexStore(tmp_path / "ix", engine="whoosh")
    assert reader.needs_rebuild() is None and reader.engine_name() == "whoosh"
    assert [h.id for h in search(reader, SearchRequest(query="vouchers")).hits] == ["a"]


def test_another_engine_asks_for_a_rebuild(tmp_path: Path, other_engine: str) -> None:
    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    store = IndexStore(tmp_path / "ix", engine=other_engine)
    reason = store.needs_rebuild() or ""
    assert "built with the whoosh search engine" in reason and "kb ingest --rebuild" in reason
    with pytest.raises(IndexEngineError, match="kb ingest --rebuild"):
        search(store, SearchRequest(query="vouchers"))


def test_ingest_switches_engines_only_with_rebuild(corpus: Path, tmp_path: Path,
                                                   other_engine: str) -> None:
    index = tmp_path / "index"
    run_ingest(corpus, index, workers=1, ocr=False)
    with pytest.raises(IndexEngineError, match="--rebuild"):
        run_ingest(corpus, index, workers=1, ocr=False, engine=other_engine)
    assert IndexStore(index).engine_name() == "whoosh"  # untouched
    report = run_ingest(corpus, index, workers=1, ocr=False, engine=other_engine, rebuild=True)
    assert report.documents == 1
    store = IndexStore(index, engine=other_engine)
    assert store.engine_name() == other_engine and store.needs_rebuild() is None
    assert [h.title for h in search(store, SearchRequest(query="vouchers")).hits] == [
        "Export vouchers in Spain"]
    # and incremental runs go on with it
    assert run_ingest(corpus, index, workers=1, ocr=False, engine=other_engine).unchanged == 1


def test_an_unknown_engine_is_a_clear_error(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(UnknownEngineError, match="unknown search engine 'nope'"):
        get_engine("nope")
    with pytest.raises(UnknownEngineError, match="whoosh"):
        run_ingest(corpus, tmp_path / "index", workers=1, ocr=False, engine="nope")
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_the_kb_command_says_what_to_do(corpus: Path, tmp_path: Path, other_engine: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    index = str(tmp_path / "index")

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, f"exit {result.exit_code}\n{result.output}"

    code, out = run("ingest", str(corpus), "--index", index, "--quiet")
    assert code == 0, out
    code, out = run("stats", "--index", index)
    assert code == 0 and "engine whoosh" in out, out
    monkeypatch.setenv("KB_ENGINE", other_engine)
    code, out = run("search", "vouchers", "--index", index)
    assert code == 1 and "kb ingest --rebuild" in out and "Traceback" not in out, out
    code, out = run("ingest", str(corpus), "--index", index, "--quiet")
    assert code == 1 and "--rebuild" in out, out
    code, out = run("ingest", str(corpus), "--index", index, "--quiet", "--engine", "nope")
    assert code == 1 and "unknown search engine 'nope'" in out, out
    code, out = run("ingest", str(corpus), "--index", index, "--quiet", "--rebuild")
    assert code == 0, out
    code, out = run("search", "vouchers", "--index", index)
    assert code == 0 and "Export vouchers in Spain" in out, out


def test_the_site_answers_503_with_what_to_do(tmp_path: Path, other_engine: str) -> None:
    build_index(tmp_path / "ix", [make_doc("a", "Export vouchers", "text")])
    (tmp_path / "corpus").mkdir()
    settings = settings_for(tmp_path / "ix", tmp_path / "corpus").model_copy(
        update={"engine": other_engine})
    with TestClient(create_app(settings)) as client:
        for path in ("/?q=vouchers", "/api/search?q=vouchers"):
            r = client.get(path)
            assert r.status_code == 503, (path, r.text[:300])
            assert "kb ingest --rebuild" in r.text, (path, r.text[:500])
            assert "have not been indexed" not in r.text, path  # not told to run `kb ingest`
        assert client.get("/docs").status_code == 200
