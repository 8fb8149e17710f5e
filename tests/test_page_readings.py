"""The document page's reading of a query is kept per index version (index.readings): the
documents opened from one search's results read its query once (the search's own reading,
when it read the query as the page does), and show what they showed when each read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index import IndexStore, SearchRequest, get_document, search
from index import documents as documents_module
from index.readings import PAGE_READINGS, Readings
from index.search import passage_query
from ingest import load_taxonomy
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DOCS = ("en-advice", "en-rail", "pt-export", "de-help")
QUERIES = ("Beratung", "tanácsadás", "Beratung für Exporteure", "consultnts", "consultants",
           "consultnts exporters", "exportacao", "exportação", "train NOT Stuttgart",
           '"first-time exporters"', "export*", "language:pt empresas", "de", "")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [
        make_doc("en-advice", "Export help for small firms",
                 "The chamber opened its doors in 2019.",
                 "Consultants give first-time exporters advice on foreign customers."),
        make_doc("en-rail", "Travel", "The train to Stuttgart leaves every hour."),
        make_doc("pt-export", "Empresas do Norte", "A região apoia as empresas.",
                 "A exportação das empresas portuguesas cresceu em 2020.", language="pt"),
        make_doc("de-help", "Hilfe", "Beratung für Exporteure in Stuttgart.", language="de"),
    ]
    built = build_index(tmp_path_factory.mktemp("readings"), docs)
    built.save_synonyms(load_taxonomy(CORPUS).synonyms)
    return built


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The texts the document page read (index.search.passage_query), the kept ones emptied."""
    read: list[str] = []

    def counted(store, reader, text):  # type: ignore[no-untyped-def]
        read.append(text)
        return passage_query(store, reader, text)

    monkeypatch.setattr(documents_module, "passage_query", counted)
    PAGE_READINGS.clear()
    yield read
    PAGE_READINGS.clear()


def _shown(store: IndexStore, doc_id: str, query: str) -> tuple[int, list[tuple[str, bool]]]:
    view = get_document(store, doc_id, query)
    assert view is not None
    return view.matched_passages, [(p.html, p.matched) for p in view.passages]


def test_the_documents_opened_with_one_query_read_it_once(store, reads) -> None:  # type: ignore[no-untyped-def]
    for doc_id in DOCS:
        get_document(store, doc_id, "consultnts exporters")
    assert reads == ["consultnts exporters"]
    get_document(store, "en-advice", "Beratung")
    assert reads == ["consultnts exporters", "Beratung"]


@pytest.mark.parametrize("query", ["Beratung für Exporteure", "consultnts exporters",
                                   "exportacao", "export NOT Stuttgart"])
def test_a_page_opened_from_the_results_reads_the_search_s_reading(store, reads, query) -> None:  # type: ignore[no-untyped-def]
    hits = search(store, SearchRequest(query=query, with_facets=False)).hits
    assert hits
    for hit in hits:
        get_document(store, hit.id, query)
    assert reads == []


def test_a_search_with_filters_of_its_own_keeps_no_reading(store, reads) -> None:  # type: ignore[no-untyped-def]
    """A search under filters chosen beside the query counts and corrects its words under
    them, the page under those typed in the query alone: the page reads the query itself."""
    for req in (SearchRequest(query="consultnts exporters", filters={"language": ["de"]}),
                SearchRequest(query="consultnts exporters", exact=True),
                SearchRequest(query="consultnts exporters", year_from=2019)):
        PAGE_READINGS.clear()
        search(store, req)
        get_document(store, "en-advice", req.query)
    assert reads == ["consultnts exporters"] * 3


@pytest.mark.parametrize("query", QUERIES)
def test_the_pages_are_those_of_a_query_read_every_time(store, reads, query) -> None:  # type: ignore[no-untyped-def]
    """Kept from the search, kept from the first page, or read every time (as before): the
    same passages marked the same way, the same number matched."""
    size = PAGE_READINGS.size
    try:
        PAGE_READINGS.size = 0
        every_time = [_shown(store, doc_id, query) for doc_id in DOCS]
        PAGE_READINGS.size = size
        search(store, SearchRequest(query=query, with_facets=False))
        assert [_shown(store, doc_id, query) for doc_id in DOCS] == every_time
        PAGE_READINGS.clear()
        assert [_shown(store, doc_id, query) for doc_id in DOCS] == every_time
        assert [_shown(store, doc_id, query) for doc_id in DOCS] == every_time
    finally:
        PAGE_READINGS.size = size


def test_new_synonym_groups_are_read_at_once(tmp_path: Path, reads) -> None:  # type: ignore[no-untyped-def]
    built = build_index(tmp_path, [make_doc("en-advice", "Help", "Consultants give advice.")])
    assert _shown(built, "en-advice", "Beratung")[0] == 0
    built.save_synonyms([{"en": ["consultants"], "de": ["Beratung"]}])
    matched, passages = _shown(built, "en-advice", "Beratung")
    assert matched == 1 and "<mark>Consultants</mark>" in passages[0][0]
    assert reads == ["Beratung", "Beratung"]


def test_the_readings_kept_are_bounded() -> None:
    kept = Readings(size=2)
    for key in ("a", "b", "a", "c"):
        assert kept.get_or_read(lambda key=key: key, lambda key=key: key.upper()) == key.upper()
    assert (kept.hits, kept.misses) == (1, 3)
    assert kept.get_or_read(lambda: "b", lambda: "again") == "again"  # the oldest, dropped
    assert kept.get_or_read(lambda: None, lambda: "not kept") == "not kept"
    assert kept.get_or_read(lambda: None, lambda: "read again") == "read again"
