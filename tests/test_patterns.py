"""Patterns (prefix*, wild?card) match the words of a document as written, not only the
stems the per-language fields hold: "vouchers*" is no prefix of the stem "voucher", and
"organi?ation" matches no stem "organis"; both found nothing by keywords."""

from __future__ import annotations

import pytest

from index import IndexStore, SearchRequest, search
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [make_doc("en-v", "Export vouchers", "Vouchers for organisations that export."),
            make_doc("de-f", "Förderung", "Die Förderungen der Region.", language="de"),
            make_doc("en-d", "Digitalisation", "The digitalisation of exporters.")]
    return build_index(tmp_path_factory.mktemp("patterns"), docs)


def _hits(store: IndexStore, query: str):  # type: ignore[no-untyped-def]
    return search(store, SearchRequest(query=query, with_facets=False)).hits


@pytest.mark.parametrize("query,expected", [
    ("vouchers*", ["en-v"]), ("organi?ation*", ["en-v"]), ("organi?ations", ["en-v"]),
    ("Förderungen*", ["de-f"]), ("exporters*", ["en-d"]), ("digitali?ation", ["en-d"]),
    ("digital*", ["en-d"]), ("zzz*", []), ("organi?ationen", []),
])
def test_a_pattern_finds_the_words_as_written(store: IndexStore, query: str,
                                               expected: list[str]) -> None:
    assert [h.id for h in _hits(store, query)] == expected


@pytest.mark.parametrize("query,marked", [("vouchers*", "<mark>Vouchers</mark>"),
                                          ("Förderungen*", "<mark>Förderungen</mark>"),
                                          ("organi?ation*", "organisations")])
def test_a_document_found_by_a_pattern_shows_a_passage(store: IndexStore, query: str,
                                                       marked: str) -> None:
    (hit,) = _hits(store, query)
    assert hit.passages and marked in hit.passages[0].snippet
