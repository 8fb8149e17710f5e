"""What a query copied from a page carries (invisible characters, typographic hyphens and
apostrophes), words joined by "&", and facet values typed by name (index.query_text,
index.facet_names)."""

from __future__ import annotations

import pytest

from index import IndexStore, SearchRequest, parse_query, search, suggest
from index.query_text import query_text, quote_joined
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def store(tmp_path_factory, engine) -> IndexStore:
    docs = [
        make_doc("voucher-hu", "Exportutalvány a kkv-k számára",
                 "Az exportutalvány segíti a kkv-k exportját.",
                 language="hu", country_code="HU"),
        make_doc("foerderung-de", "Exportförderung in Baden-Württemberg",
                 "Die Exportförderung hilft kleinen Unternehmen.",
                 language="de", country_code="DE"),
        make_doc("kmo-nl", "Hulp voor kmo's", "De kmo's van de regio exporteren meer.",
                 language="nl", country_code="DE"),
        make_doc("annex-en", "The synthesis report", "Annex D lists the stakeholder groups.",
                 country_code="ES", themes=["export_promotion"]),
    ]
    store = build_index(tmp_path_factory.mktemp("ix"), docs)
    store.save_synonyms([{"en": ["Hungary"], "de": ["Ungarn"], "hu": ["Magyarország"]}])
    return store


def ids(store: IndexStore, query: str) -> list[str]:
    return [h.id for h in search(store, SearchRequest(query=query)).hits]


@pytest.mark.parametrize(("typed", "plain"), [
    ("exportutal\u00advány", "exportutalvány"),   # a soft hyphen (&shy;)
    ("Exportför\u200bderung", "Exportförderung"),  # a zero-width space
    ("Export\u2060förderung", "Exportförderung"),  # a word joiner
    ("\ufeffexportutalvány", "exportutalvány"),
])
def test_invisible_characters_copied_with_a_word_are_left_out(store, typed, plain):
    assert query_text(typed) == plain
    assert ids(store, typed) == ids(store, plain) != []


def test_a_non_breaking_hyphen_is_a_hyphen(store):
    # "kkv\u2011k": the Hungarian ending after an acronym, as Word's Ctrl+Shift+- writes it;
    # the lone "k" was searched
    assert query_text("kkv\u2011k e\u2010commerce") == "kkv-k e-commerce"
    assert parse_query("kkv\u2011k").words == parse_query("kkv-k").words
    assert ids(store, "kkv\u2011k") == ids(store, "kkv-k") == ["voucher-hu"]


def test_a_typographic_apostrophe_is_the_apostrophe(store):
    assert query_text("kmo’s SME’s partnerʼs") == "kmo's SME's partner's"
    # a quotation mark stays one: only an apostrophe inside a word is read
    assert query_text("‘export’") == "‘export’"
    assert parse_query("kmo’s").words == parse_query("kmo's").words == ["kmo's"]
    assert ids(store, "kmo’s") == ids(store, "kmo's") == ["kmo-nl"]


def test_words_joined_by_an_ampersand_are_a_phrase_not_their_lone_letters(store):
    assert quote_joined("R&D support") == '"R&D" support'
    assert quote_joined('"R&D" AT&T') == '"R&D" "AT&T"'
    assert quote_joined("R & D") == "R & D"
    # "R&D" searched the lone "D" of "Annex D"
    assert ids(store, "R&D") == []
    assert ids(store, "R&D annex") == ["annex-en"]


@pytest.mark.parametrize("query", [
    "country:hungary", "country:Hungary", "country:Ungarn", "country:magyarorszag",
    "country:HU",
])
def test_a_country_typed_by_name_is_its_code(store, query):
    result = search(store, SearchRequest(query=query))
    assert [h.id for h in result.hits] == ["voucher-hu"]
    assert result.query_filters == {"country": ["HU"]}


def test_a_theme_typed_by_its_label_is_its_code(store):
    assert ids(store, 'theme:"Export promotion"') == ["annex-en"]
    assert ids(store, "theme:export_promotion") == ["annex-en"]
    # a name of no code stays as typed
    result = search(store, SearchRequest(query="theme:promotion"))
    assert result.hits == [] and result.query_filters == {"theme": ["promotion"]}


def test_suggestions_read_the_typed_text_so(store):
    assert [s.text for s in suggest(store, "exportutal\u00adv") if s.kind == "word"] == [
        "exportutalvány"]


def test_a_typed_value_of_no_code_is_named_with_the_codes(store):
    from search_app.params import parse_params
    from search_app.search_page import search_page

    page = search_page(store, parse_params([("q", "country:atlantis")]))
    assert page.total == 0
    assert [(u.facet, u.value) for u in page.unknown_values] == [("country", "ATLANTIS")]
    assert page.empty_reason.startswith(
        'No document matches the filters typed in the query (country:ATLANTIS). '
        'No document has Country "ATLANTIS"; the values are ')
    assert "HU (Hungary)" in page.empty_reason
