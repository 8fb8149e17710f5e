"""A query that names a place (a country or a partner region, by its name or an adjective, in
any of the seven languages, inflected) prefers the documents of that place, whatever their
language: a soft preference on both engines, by keywords and fused with meaning, never a
filter (index.places)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index import SearchRequest, search
from index import places as place_settings
from index.places import factors, named_places
from index.query import query_language
from index.search import semantic_text
from index.semantic import embed_index
from ingest import load_taxonomy
from tests.helpers import build_index, make_doc

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LANGUAGES = ("en", "de", "nl", "hu", "ro", "pt", "es")


@pytest.fixture(scope="module")
def sample_places() -> list[dict[str, object]]:
    return load_taxonomy(CORPUS).places()


def _named(text: str, places: list[dict[str, object]]) -> tuple[set[str], set[str]]:
    found = named_places(text, places, query_language(text))
    return set(found.countries), set(found.regions)


@pytest.mark.parametrize(("text", "countries", "regions"), [
    ("How did the Hungarian export voucher work?", {"HU"}, set()),
    ("Haben durch den ungarischen Exportgutschein viele Firmen exportiert?", {"HU"}, set()),
    ("Hogyan változott a kkv-k támogatása Magyarországon?", {"HU"}, set()),
    ("Welke vragen legde het Hongaarse ministerie voor?", {"HU"}, set()),
    ("Ce puncte slabe vede ministerul maghiar la instrumentul național?", {"HU"}, set()),
    ("Porque é que o vale de exportação húngaro aceitava serviços?", {"HU"}, set()),
    ("¿Cuántas empresas solicitaron el bono de exportación húngaro?", {"HU"}, set()),
    ("Miért javasol az észak-portugál akcióterv online értékesítést?", {"PT"}, {"PT11"}),
    ("Ce program de export are regiunea de nord a Portugaliei?", {"PT"}, set()),
    ("Wie haben Textilhersteller in Nordportugal die Produktion umgestellt?", {"PT"}, {"PT11"}),
    ("Mi történik a nyugat-dunántúli akciótervben?", {"HU"}, {"HU22"}),
    ("Mit határoztak el a partnerek a budapesti nyitótalálkozón?", {"HU"}, {"HU10"}),
    ("¿Qué ofrece San Sebastián a las pymes que quieren exportar?", {"ES"}, {"ES21"}),
    ("Welke Friese exporteurs werden het hardst getroffen?", {"NL"}, {"NL12"}),
    ("Hogyan segítettek a frízföldi kisvállalkozásoknak?", {"NL"}, {"NL12"}),
    ("Welche Branchen prägen die Industrie in Baden-Württemberg?", {"DE"}, {"DE1"}),
    ("Firmele au plătit pentru coachingul digital din Sud-Muntenia?", {"RO"}, {"RO31"}),
])
def test_a_place_is_named_in_every_language_as_users_write_it(
        sample_places: list[dict[str, object]], text: str, countries: set[str],
        regions: set[str]) -> None:
    assert _named(text, sample_places) == (countries, regions), text


@pytest.mark.parametrize("text", [
    "likviditási garancia exportőröknek: milyen gyorsan döntenek",  # "gyors" is no Győr
    "¿Qué empresas del norte exportan más?",  # a Spanish "norte" is no Região Norte
    "export vouchers for small firms",
    "Nem tudom, melyik program",  # the Hungarian stemmer makes "német" (German) "nem"
])
def test_words_that_only_look_like_a_place_name_none(
        sample_places: list[dict[str, object]], text: str) -> None:
    assert not named_places(text, sample_places, query_language(text)), text


def test_every_country_and_partner_region_has_its_names_in_the_seven_languages() -> None:
    """The place vocabulary is complete, not what some queries happen to use: every country
    has its name and an adjective in each partner language, every region its name."""
    tax = load_taxonomy(CORPUS)
    for place in tax.places():
        missing = [lang for lang in LANGUAGES if not place["terms"].get(lang)]
        assert not missing, (place["code"], missing)
    for code, entry in tax.countries.items():
        if code != "EU":
            assert set(LANGUAGES) <= set(entry["adjectives"]), code


TEXT = "Export vouchers paid for advice and online fairs of small firms."
#: one text for every place (English, the language of most of the sample's regional
#: documents): only the place tells them apart
DOCS = [make_doc(doc_id, "Export vouchers", TEXT, country_code=country, region_code=region)
        for doc_id, country, region in (("de", "DE", "DE1"), ("ro", "RO", "RO31"),
                                        ("es", "ES", "ES21"), ("pt", "PT", "PT11"),
                                        ("hu-west", "HU", "HU22"), ("hu", "HU", "HU10"))]
#: a document of another place that matches the query better (its rare word)
BETTER = make_doc("nl", "Export vouchers", TEXT + " Matchmaking online.", country_code="NL",
                  region_code="NL12")
#: a document of the whole partnership, and one of Hungary in Hungarian
PROJECT_WIDE = make_doc("eu", "Export vouchers", TEXT, country_code="EU", region_code="EU")
HUNGARIAN = make_doc("hu-hu", "Exportutalvány",
                     "Az exportutalvány tanácsadást és online vásárt fizetett.", language="hu",
                     country_code="HU", region_code="HU10")


def _built(root: Path, *, vectors: bool):  # type: ignore[no-untyped-def]
    built = build_index(root / "index", [*DOCS, BETTER, PROJECT_WIDE, HUNGARIAN])
    built.save_places(load_taxonomy(CORPUS).places())
    if vectors:
        assert embed_index(built).state == "done"
    return built


@pytest.fixture(scope="module", params=[False, True], ids=["keywords", "hybrid"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          engine: str):  # type: ignore[no-untyped-def]
    return _built(tmp_path_factory.mktemp("places"), vectors=request.param)


@pytest.fixture(scope="module")
def keyword_store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    return _built(tmp_path_factory.mktemp("places-keywords"), vectors=False)


def _scores(store, query: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    result = search(store, SearchRequest(query=query, with_facets=False))
    return {h.id: h.score for h in result.hits}


QUERIES = [
    ("export vouchers of Hungarian firms", {"hu", "hu-west"}),
    ("export vouchers für ungarische Firmen", {"hu", "hu-west"}),
    ("export vouchers van Roemeense bedrijven", {"ro"}),
    ("export vouchers a spanyol cégeknek", {"es"}),
    ("export vouchers pentru firmele germane", {"de"}),
    ("export vouchers das empresas húngaras", {"hu", "hu-west"}),
    ("export vouchers de las pymes portuguesas", {"pt"}),
    ("export vouchers in Nordportugal", {"pt"}),
    ("export vouchers a Nyugat-Dunántúlon", {"hu", "hu-west"}),
    ("export vouchers în Baden-Württemberg", {"de"}),
]


def _without_preference(store, query: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    off = place_settings.COUNTRY_BOOST
    try:
        place_settings.COUNTRY_BOOST = 0.0
        return _scores(store, query)
    finally:
        place_settings.COUNTRY_BOOST = off


@pytest.mark.engines
@pytest.mark.parametrize(("query", "places"), QUERIES)
def test_a_named_place_lifts_its_documents_by_a_factor(store, query: str,  # type: ignore[no-untyped-def]
                                                       places: set[str]) -> None:
    """By keywords and fused with meaning alike, the score of a document of the place the
    query names (in the query's own language, as written there) is its score without the
    preference times 1 + COUNTRY_BOOST (+ OWN_LANGUAGE_BOOST written in the place's
    language), a project-wide document's times 1 + COUNTRY_BOOST x PROJECT_WIDE_SHARE (x
    ACROSS_PROJECT_WIDE_SHARE when the place is named from another language); the others'
    are unchanged, and none is left out."""
    scores, plain = _scores(store, query), _without_preference(store, query)
    assert set(scores) == set(plain), (query, scores, plain)
    assert {d.id for d in [*DOCS, BETTER, PROJECT_WIDE]} <= set(scores), (query, scores)
    if "hu" in places:
        places = places | {"hu-hu"}
    boost = place_settings.COUNTRY_BOOST
    said = semantic_text(query)
    share = place_settings.project_wide_share(
        named_places(said, store.load_places(), query_language(said)))
    for doc, score in scores.items():
        factor = (1 + boost + (place_settings.OWN_LANGUAGE_BOOST if doc == "hu-hu" else 0)
                  if doc in places else 1 + boost * share if doc == "eu" else 1.0)
        assert score == pytest.approx(plain[doc] * factor, rel=2e-3, abs=2e-4), (
            query, doc, scores, plain)


@pytest.mark.parametrize("text", [
    "e-commerce webshop selling to Germany",
    "webwinkel openen en verkopen naar Duitsland",
    "Firmen, die nach Ungarn exportieren",
    "vender online para a Alemanha",
    "hogyan exportáljunk Németországba",
])
def test_a_country_a_firm_exports_to_is_no_place_the_query_asks_about(
        sample_places: list[dict[str, object]], text: str) -> None:
    """A destination market ("to Germany") is not the region whose documents answer."""
    assert not named_places(text, sample_places, query_language(text)), text


def test_a_country_named_as_where_firms_are_is_a_place(
        sample_places: list[dict[str, object]]) -> None:
    assert named_places("e-commerce webshops of small firms in Germany", sample_places,
                        "en").countries == {"DE"}


@pytest.mark.engines
@pytest.mark.parametrize(("query", "places"), QUERIES)
def test_a_query_naming_a_place_prefers_its_documents(keyword_store, query: str,  # type: ignore[no-untyped-def]
                                                      places: set[str]) -> None:
    """The same text in every place: by keywords (fused with meaning, same texts are no tie:
    their ranks by meaning differ), the places the query names come first, the others follow
    (a preference, not a filter), and the document of another place that matches the
    query's words better stays first."""
    store = keyword_store
    scores = _scores(store, query + " matchmaking")
    assert {d.id for d in [*DOCS, BETTER, PROJECT_WIDE]} <= set(scores), (query, scores)
    ranked = list(scores)
    assert ranked[0] == "nl", (query, ranked)
    others = {d.id for d in DOCS} - places
    assert max(ranked.index(p) for p in places) < min(ranked.index(o) for o in others), (
        query, ranked)
    plain = _without_preference(store, query + " matchmaking")
    assert len({plain[d.id] for d in DOCS}) == 1, (query, plain)  # a tie without it


@pytest.mark.parametrize(("text", "language"), [
    ("utilizare voucher export: etichetă în limba germană, certificare", "ro"),
    ("traducere în germană", "ro"),
    ("Etiketten auf Deutsch", "de"),
    ("Etiketten in deutscher Sprache", "de"),
    ("etiketten in het Duits", "nl"),
    ("etiquetas en alemán", "es"),
    ("idioma alemán en la etiqueta", "es"),
    ("rótulos em alemão", "pt"),
    ("címkék németül", "hu"),
    ("magyarul írt útmutató", "hu"),
    ("német nyelvű címke", "hu"),
    ("labels in German", "en"),
    ("labels in German, and certificates", None),
    ("German-speaking buyers", "en"),
])
def test_a_language_named_is_no_place(sample_places: list[dict[str, object]], text: str,
                                      language: str | None) -> None:
    """A label in German is no German document: a country's adjective next to a word for a
    language, or as a language's name after a preposition ("auf Deutsch", "en alemán"), or
    with the Hungarian ending of a language ("németül"), names no place."""
    assert not named_places(text, sample_places, language), text


@pytest.mark.parametrize(("text", "language", "country"), [
    ("firms in German regions", "en", "DE"),
    ("labels in Germany", "en", "DE"),
    ("Welke vragen legde het Hongaarse ministerie voor?", "nl", "HU"),
    ("¿Qué empresas exportan en Alemania?", "es", "DE"),
    ("Firmen in Deutschland", "de", "DE"),
    ("a magyar kkv-k", "hu", "HU"),
])
def test_a_place_by_a_preposition_or_before_its_noun_stays_a_place(
        sample_places: list[dict[str, object]], text: str, language: str, country: str) -> None:
    assert named_places(text, sample_places, language).countries == {country}, text


def test_ingest_gives_each_country_its_adjectives(sample_places: list[dict[str, object]]) -> None:
    germany = next(p for p in sample_places if p["code"] == "DE")
    assert "alemán" in germany["adjectives"]["es"] and "Alemania" not in germany["adjectives"]["es"]


@pytest.mark.parametrize(("text", "language", "across"), [
    ("¿El bono de exportación húngaro se cobraba en efectivo?", "es", True),
    ("How did the Hungarian export voucher work?", "en", True),
    ("Mire használták a magyar kkv-k az exportutalványt?", "hu", False),
    ("export vouchers of Hungarian firms", None, False),  # the language is not told
])
def test_a_place_named_from_another_language_lifts_the_project_wide_documents_less(
        sample_places: list[dict[str, object]], text: str, language: str | None,
        across: bool) -> None:
    """The project-wide documents share the preference (PROJECT_WIDE_SHARE) when the query
    is in the named country's language, and ACROSS_PROJECT_WIDE_SHARE of it when it is in
    another: there the place's own pages stand low by meaning, and the project's English
    reports, high, must not be lifted as much as they are."""
    named = named_places(text, sample_places, language)
    assert named.countries == {"HU"} and named.across is across, text
    found = {"country:HU": {"hu-page", "hu-hu"}, "language:hu": {"hu-hu"},
             "country:EU": {"eu-report"}}
    boost = place_settings.COUNTRY_BOOST
    share = (place_settings.ACROSS_PROJECT_WIDE_SHARE if across
             else place_settings.PROJECT_WIDE_SHARE)
    assert factors(found, named) == pytest.approx({
        "hu-page": 1 + boost, "hu-hu": 1 + boost + place_settings.OWN_LANGUAGE_BOOST,
        "eu-report": 1 + boost * share})
    if across:
        assert share < place_settings.PROJECT_WIDE_SHARE


def test_a_damaged_places_file_names_no_place(tmp_path: Path) -> None:
    store = build_index(tmp_path / "index", DOCS)
    store.save_places(load_taxonomy(CORPUS).places())
    (store.path / "places.json").write_text('{"HU": ', encoding="utf-8")
    os.utime(store.path / "places.json", ns=(1, 1))  # a new mtime even on a coarse clock
    assert store.load_places() == []
    hits = search(store, SearchRequest(query="export vouchers of Hungarian firms")).hits
    assert {h.id for h in hits} == {d.id for d in DOCS}


def test_a_places_file_without_adjectives_still_reads_a_word_for_a_language(
        sample_places: list[dict[str, object]]) -> None:
    """An index ingested before the side file had ``adjectives``: the word next to the name
    still says it is a language ("limba germană"); the prepositions need the adjectives."""
    old = [{k: v for k, v in p.items() if k != "adjectives"} for p in sample_places]
    assert not named_places("etichetă în limba germană", old, "ro")
    assert named_places("etiquetas en alemán", old, "es").countries == {"DE"}
