"""German, Dutch and Hungarian compounds split with the taxonomy's terms as the dictionary
(index.compounds): a query word that ends with a term reaches that term's synonym group
(index.query's _group_hits), in every language, at Ranking.compound_tails of the synonyms'
weight."""

from __future__ import annotations

import pytest

from index import SearchRequest, parse_query, search
from index.compounds import MIN_HEAD, MIN_TAIL, dictionary, tails
from index.query import add_synonyms
from index.ranking import RANKING, set_ranking
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

GROUPS = [
    {"en": ["voucher"], "de": ["Gutschein"], "nl": ["voucher"], "hu": ["utalvány"],
     "es": ["bono"]},
    {"en": ["export voucher"], "de": ["Exportgutschein"], "hu": ["exportutalvány"]},
    {"en": ["travel", "trip"], "de": ["Reise", "Reisen"], "hu": ["utazás"]},
    {"en": ["county"], "de": ["Landkreis"], "hu": ["megye"]},
    {"en": ["data"], "de": ["Daten"], "hu": ["adat"]},
]
KNOWN = dictionary(tuple(sorted({(lang, term) for group in GROUPS
                                 for lang, terms in group.items() for term in terms})))


def _added(query: str) -> set[str]:
    return set(add_synonyms(parse_query(query), GROUPS))


@pytest.fixture
def without_tails():  # type: ignore[no-untyped-def]
    before = RANKING.compound_tails
    set_ranking(compound_tails=0.0)
    yield
    set_ranking(compound_tails=before)


@pytest.mark.parametrize("word,tail", [
    ("Exportgutscheine", ("de", "Gutschein", "gutscheine")),
    ("Innovationsgutschein", ("de", "Gutschein", "gutschein")),  # a linking -s-
    ("Dienstreise", ("de", "Reise", "reise")),
    ("exportutalványokat", ("hu", "utalvány", "utalvanyokat")),  # a case ending
    ("exportutalvány", ("hu", "utalvány", "utalvany")),  # a term that ends with a term
])
def test_a_compound_ends_with_a_term(word: str, tail: tuple[str, str, str]) -> None:
    assert tails(word, KNOWN) == [tail]


@pytest.mark.parametrize("word", [
    "Preise",  # prices: too few letters before "reise" (MIN_HEAD)
    "feladat",  # a task: "adat" (data) is shorter than MIN_TAIL
    "Landkreise",  # the county's plural, not Landk|reise: a term itself, read as the term
    "Gutscheine",  # the term itself
    "Reisebüro",  # begins with a term (the longer forms reach it), ends with none
])
def test_no_short_tail_and_no_false_split(word: str) -> None:
    assert tails(word, KNOWN) == []
    assert len("adat") < MIN_TAIL and len("p") < MIN_HEAD


def test_terms_that_end_other_words_are_no_tails() -> None:
    """NOT_TAILS and STRADDLED (index.compounds): "-fähigkeit", "-képesség" and "-hatóság" end
    the nouns of "-able"; "Reise" does not start inside "Kreis"."""
    known = dictionary((("de", "Fähigkeit"), ("de", "Reise"), ("de", "Reisen"),
                        ("hu", "hatóság"), ("hu", "képesség"), ("hu", "támogatás")))
    for word in ("Wettbewerbsfähigkeit", "Wirtschaftskreisen", "Umkreise", "megbízhatóság",
                 "versenyképesség"):
        assert tails(word, known) == [], word
    assert tails("Dienstreisen", known) == [("de", "Reisen", "reisen")]
    assert tails("exporttámogatás", known) == [("hu", "támogatás", "tamogatas")]


def test_a_german_compound_query_reaches_the_glossary_concept_of_its_tail() -> None:
    added = _added("Wie bekomme ich Exportgutscheine?")
    assert {"voucher", "utalvány", "bono", "Gutschein"} <= added  # the tail's group
    assert {"export voucher", "exportutalvány"} <= added  # and the word's own, as before
    assert "voucher" not in _added("Preise und Landkreise")


def test_the_tail_is_not_added_without_the_setting(without_tails) -> None:  # type: ignore[no-untyped-def]
    assert "voucher" not in _added("Exportgutscheine")
    assert "export voucher" in _added("Exportgutscheine")


def test_a_compound_is_split_in_the_querys_language_only() -> None:
    # "mittleren" would end with the Dutch "leren" (learning), "canceladas" with the Hungarian
    # "eladás" (a sale): a German and a Portuguese query split no word as Dutch or Hungarian
    groups = [{"en": ["learning"], "nl": ["leren"]}, {"en": ["sales"], "hu": ["eladás"]}]
    assert add_synonyms(parse_query("Innovation bei kleinen und mittleren Unternehmen"),
                        groups) == []
    assert add_synonyms(parse_query("custos de feiras e missões canceladas"), groups) == []
    assert "learning" in add_synonyms(parse_query("de medewerkers willen bijleren"), groups)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("en-voucher", "Vouchers", "Small firms received a voucher for fairs abroad."),
        make_doc("hu-utalvany", "Sajtóközlemény", "A cégek utalványt kaptak a vásárra.",
                 language="hu"),
        make_doc("en-trip", "Trips", "The partners made a trip to the fair."),
    ]
    store = build_index(tmp_path_factory.mktemp("compounds"), docs)
    store.save_synonyms(GROUPS)
    return store


def _ids(store, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.id for h in search(store, SearchRequest(query=query, with_facets=False)).hits]


def test_a_compound_query_finds_the_tails_concept_in_other_languages(store) -> None:  # type: ignore[no-untyped-def]
    found = _ids(store, "Einkaufsgutscheine")
    assert "en-voucher" in found and "hu-utalvany" in found
    assert "en-trip" not in found


def test_without_the_setting_the_compound_finds_only_itself(store, without_tails) -> None:  # type: ignore[no-untyped-def]
    found = _ids(store, "Einkaufsgutscheine")
    assert "en-voucher" not in found and "hu-utalvany" not in found


def test_a_false_split_finds_nothing(store) -> None:  # type: ignore[no-untyped-def]
    assert "en-trip" not in _ids(store, "Landkreise und Preise")
