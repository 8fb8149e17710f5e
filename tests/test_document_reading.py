"""The document page reads a query as the search does (index.search.passage_query): the
synonyms' and the glossary's terms, the accents the documents write, a typo's correction, so
that the page of a hit marks what its result marked (a cross-language hit opened with "0
matching passages" and nothing marked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index import IndexStore, SearchRequest, get_document, search
from ingest import load_taxonomy
from search_app.params import parse_params
from search_app.search_page import search_page
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [
        make_doc("en-advice", "Export help for small firms",
                 "The chamber opened its doors in 2019.",
                 "Consultants give first-time exporters advice on foreign customers."),
        make_doc("en-rail", "Travel", "The train to Stuttgart leaves every hour."),
        make_doc("pt-export", "Empresas do Norte",
                 "A região apoia as empresas.",
                 "A exportação das empresas portuguesas cresceu em 2020.",
                 language="pt"),
    ]
    built = build_index(tmp_path_factory.mktemp("reading"), docs)
    # the synonym groups ingest saves for the sample corpus: synonyms, then the glossary
    built.save_synonyms(load_taxonomy(CORPUS).synonyms)
    return built


def marked(html: str) -> set[str]:
    return {word.lower() for word in MARK.findall(html)}


def page_and_hit(store: IndexStore, query: str, doc_id: str, page_query: str | None = None
                 ) -> tuple[set[str], set[str], int]:
    """The words the hit of ``doc_id`` marks in its results for ``query``, those its document
    page marks (opened with ``page_query``, by default the query), and how many passages the
    page says match."""
    result = search(store, SearchRequest(query=query, with_facets=False))
    hit = next(h for h in result.hits if h.id == doc_id)
    view = get_document(store, doc_id, query if page_query is None else page_query)
    assert view is not None
    in_page = set().union(*(marked(p.html) for p in view.passages if p.matched))
    return set().union(*(marked(p.snippet) for p in hit.passages)), in_page, \
        view.matched_passages


@pytest.mark.parametrize("query", ["Beratung", "tanácsadás", "Beratung für Exporteure"])
def test_a_cross_language_hit_opens_with_the_words_its_result_marked(store, query):
    """German "Beratung" and Hungarian "tanácsadás" reach the English page through the
    glossary's concept of consulting: its page marks "Consultants", "advice" as its result
    did (it said "0 matching passages")."""
    in_results, in_page, matching = page_and_hit(store, query, "en-advice")
    assert {"consultants", "advice"} <= in_results, in_results
    assert matching == 1
    assert in_results <= in_page, (in_results, in_page)


def test_the_correction_shown_instead_of_a_word_that_finds_nothing_is_marked(store):
    """"consultnts" finds nothing: the results are those of "consultants"; the page opened
    from them (its link carries the correction) and the page opened with the words as
    typed both mark it."""
    result = search(store, SearchRequest(query="consultnts", with_facets=False))
    assert result.corrected == "consultants"
    for page_query in ("consultants", "consultnts"):
        in_results, in_page, matching = page_and_hit(store, "consultnts", "en-advice",
                                                     page_query)
        assert "consultants" in in_results and matching == 1
        assert in_results <= in_page, (page_query, in_results, in_page)


def test_a_typo_beside_words_that_find_something_is_read_as_its_correction(store):
    """Typo tolerance: "consultnts" beside "exporters" (which finds the page) ranks and marks
    by "consultants" in the results, and so does the page."""
    result = search(store, SearchRequest(query="consultnts exporters", with_facets=False))
    assert result.corrected is None and result.suggestion == "consultants exporters"
    in_results, in_page, matching = page_and_hit(store, "consultnts exporters", "en-advice")
    assert {"consultants", "exporters"} <= in_results
    assert in_results <= in_page, (in_results, in_page)


def test_a_query_typed_without_accents_is_read_with_the_documents_accents(store):
    """"exportacao" is searched as "exportação" (the Portuguese stemmer makes the accented
    word "export", the bare one "exportaca"): the page marks "exportação" too."""
    in_results, in_page, matching = page_and_hit(store, "exportacao", "pt-export")
    assert "exportação" in in_results
    assert matching == 1 and in_results <= in_page, (in_results, in_page)


def test_the_links_of_a_correction_s_results_carry_it(store):
    page = search_page(store, parse_params([("q", "consultnts")]))
    assert page.corrected == "consultants"
    assert page.hits and all(hit.url.endswith("?q=consultants") for hit in page.hits)
    typed = search_page(store, parse_params([("q", "Beratung")]))
    assert typed.hits and all(hit.url.endswith("?q=Beratung") for hit in typed.hits)
