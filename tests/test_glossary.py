"""The domain glossary of the taxonomy (``glossary:`` of corpus/taxonomy.yaml): query translation
across the seven languages, searched as the synonyms are, with its false friends kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from index import SearchRequest, parse_query, search
from index.analysis import fold
from index.query import add_synonyms
from index.query_words import folded_stopwords
from ingest import load_taxonomy
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LANGUAGES = ("en", "de", "nl", "hu", "ro", "pt", "es")


@pytest.fixture(scope="module")
def taxonomy_groups() -> list[dict[str, list[str]]]:
    """The synonym groups ingest saves for the sample corpus: synonyms, then the glossary,
    then the countries' names (tests/test_country_names.py)."""
    return load_taxonomy(CORPUS).synonyms


def _glossary() -> list[dict[str, object]]:
    data = yaml.safe_load((CORPUS / "taxonomy.yaml").read_text(encoding="utf-8"))
    return list(data["glossary"])


def _added(query: str, groups: list[dict[str, list[str]]]) -> list[str]:
    return add_synonyms(parse_query(query), groups)


def test_the_glossary_follows_the_synonyms_among_the_groups(taxonomy_groups) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((CORPUS / "taxonomy.yaml").read_text(encoding="utf-8"))
    countries = [c for c in data["countries"] if isinstance(c.get("names"), dict)]
    assert len(countries) == 6
    assert len(taxonomy_groups) == len(data["synonyms"]) + len(data["glossary"]) + 6
    assert taxonomy_groups[len(data["synonyms"])]["en"] == ["managing authority"]


def test_the_taxonomy_names_the_three_parts_of_its_synonym_groups() -> None:
    data = yaml.safe_load((CORPUS / "taxonomy.yaml").read_text(encoding="utf-8"))
    tax = load_taxonomy(CORPUS)
    parts = tax.synonym_parts
    assert len(parts.synonyms) == len(data["synonyms"])
    assert [g["en"] for g in parts.glossary] == [
        t if isinstance(t, list) else [t] for t in (g["en"] for g in data["glossary"])]
    assert [g["en"][0] for g in parts.countries] == [
        c["name"] for c in data["countries"] if isinstance(c.get("names"), dict)]
    assert tax.synonyms == [*parts.synonyms, *parts.glossary, *parts.countries]


def test_the_groups_written_without_the_glossary_keep_the_countries(tmp_path: Path) -> None:
    """bench/glossary_terms.py --write INDEX --no-glossary: the product without the glossary
    (its synonyms and the countries' names), not the first groups up to the glossary's length
    from the end (which cut the glossary's first concepts and kept the countries')."""
    from bench.glossary_terms import write
    from index import IndexStore

    parts = load_taxonomy(CORPUS).synonym_parts
    write(tmp_path, with_glossary=False)
    assert IndexStore(tmp_path).load_synonyms() == [*parts.synonyms, *parts.countries]
    write(tmp_path, with_glossary=True)
    assert IndexStore(tmp_path).load_synonyms() == load_taxonomy(CORPUS).synonyms


def test_every_concept_has_all_seven_languages_and_no_stop_word() -> None:
    """A single-word term that is a stop word of any language would match a common word of a
    query in that language ("de", "is", "die") and widen it with the concept."""
    stops = {lang: folded_stopwords(lang) for lang in LANGUAGES}
    glossary = _glossary()
    assert len(glossary) >= 100
    for concept in glossary:
        assert set(concept) == set(LANGUAGES), concept
        for lang, terms in concept.items():
            for term in terms if isinstance(terms, list) else [terms]:
                word = fold(str(term).lower())
                if " " not in word:
                    assert not any(word in stops[m] for m in LANGUAGES), (lang, term)


@pytest.mark.parametrize("query,term", [
    ("tanácsadás exportőröknek", "consulting"),         # hu -> en
    ("consultanță pentru exportatori", "advice"),       # ro -> en
    ("beszállítók", "supplier"),                        # hu plural ending
    ("leveranciers", "Zulieferer"),                     # nl plural -> de
    ("geannuleerde bestellingen", "orders"),            # nl -> en
    ("supply chain disruption", "lanț de aprovizionare"),  # en -> ro
])
def test_a_query_word_reaches_its_concept_in_the_other_languages(
        query: str, term: str, taxonomy_groups) -> None:  # type: ignore[no-untyped-def]
    assert term in _added(query, taxonomy_groups)


@pytest.mark.parametrize("query,not_added", [
    ("train connections to Budapest", "képzés"),     # "train" is not a form of "training"
    ("határidő", "Grenze"),                          # hu deadline, not "határ" (border)
    ("in order to export", "bestelling"),            # "order" is not "orders"
])
def test_false_friends_do_not_cross(query: str, not_added: str, taxonomy_groups) -> None:  # type: ignore[no-untyped-def]
    assert not_added not in _added(query, taxonomy_groups)


def test_training_and_border_still_cross(taxonomy_groups) -> None:  # type: ignore[no-untyped-def]
    assert "képzés" in _added("export training", taxonomy_groups)
    assert "Grenze" in _added("határon átnyúló együttműködés", taxonomy_groups)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str, taxonomy_groups):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("en-advice", "Export consulting",
                 "Consultants give first-time exporters advice on foreign customers."),
        make_doc("en-rail", "Travel", "The train to Stuttgart leaves every hour."),
        make_doc("hu-other", "Rendezvény", "A rendezvényen a partnerek találkoztak.",
                 language="hu"),
    ]
    store = build_index(tmp_path_factory.mktemp("glossary"), docs)
    store.save_synonyms(taxonomy_groups)
    return store


def test_a_hungarian_query_finds_the_english_page_through_the_glossary(store) -> None:  # type: ignore[no-untyped-def]
    """"tanácsadás" (consulting) shares no word with the English page; the glossary's
    concept of consulting and advice does."""
    hits = search(store, SearchRequest(query="tanácsadás", with_facets=False)).hits
    assert [h.id for h in hits][:1] == ["en-advice"]
    curated = store.load_synonyms()[:10]  # the taxonomy's synonyms alone cross no such word
    assert _added("tanácsadás", curated) == []


def test_training_does_not_find_the_railway_page(store) -> None:  # type: ignore[no-untyped-def]
    hits = search(store, SearchRequest(query="képzés", with_facets=False)).hits
    assert "en-rail" not in [h.id for h in hits]


@pytest.mark.parametrize(("lang", "term", "vocabulary", "reached"), [
    # a form of the term ends with another word written with an umlaut: the buyer, the seller
    ("de", "Einkauf", {"käufer", "einkäufe", "einkaufen", "einkauf"}, ["einkäufe", "ein|käufer"]),
    ("de", "Exportförderung", {"forderung", "förderung"}, ["export|forderung"]),
    # a compound that ends with a form of the term written otherwise
    ("de", "Zahlung", {"aufzählung", "zahlungen", "auszahlung"}, ["aufzählung"]),
    ("pt", "fábrica", {"fabrica", "fábricas"}, ["fabrica"]),  # the verb: (it) makes
    ("hu", "márka", {"markáns", "márkák", "márkát"}, ["markáns"]),
    ("de", "Beratung", {"beratungen", "beratung", "bergung"}, []),  # its forms as written
    ("ro", "investiție", {"investiţii", "investițiile"}, []),  # a cedilla is the comma below
    ("ro", "cercetare", {"cercetări"}, []),  # a plural's vowel before its ending
    ("hu", "járvány", {"anyag", "járványban"}, []),  # no start and word in Hungarian
])
def test_the_check_names_words_that_reach_a_term_though_written_otherwise(
        lang: str, term: str, vocabulary: set[str], reached: list[str]) -> None:
    """bench/glossary_terms.py --check: German "Einkäufer" (a buyer) reached the glossary's
    "Einkauf" (purchasing), as folded it is "einkauf" + "er" (a query "... für ausländische
    Einkäufer" fell by 0.043 with the third tier); the check compared only other languages'
    words, and whole ones."""
    from bench.glossary_terms import LanguageWords, same_language_readings
    from index.compounds import dictionary

    known = dictionary(((lang, term),))
    assert same_language_readings(term, LanguageWords(lang, vocabulary, known)) == reached
