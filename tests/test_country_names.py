"""A country's names in the partner languages, given by language in the taxonomy, are a synonym
group: "Ungarn" also finds the pages that write "Hungary" or "Magyarország" (review2 G8: the
names served only to infer a document's country)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from index import SearchRequest, search
from ingest import CatalogError, load_taxonomy
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

HUNGARY = {"code": "HU", "name": "Hungary", "adjectives": ["Hungarian", "magyar"],
           "names": {"en": "Hungary", "hu": ["Magyarország", "Magyarorszag"], "de": "Ungarn",
                     "ro": "Ungaria", "fr": "Hongrie"}}
NETHERLANDS = {"code": "NL", "name": "Netherlands",
               "names": {"en": ["Netherlands", "The Netherlands"], "hu": "Hollandia",
                         "ro": ["Olanda", "Țările de Jos"], "es": ["Países Bajos", "Holanda"]}}
SPAIN = {"code": "ES", "name": "Spain", "names": ["Spain", "España", "Spanien"]}


def _taxonomy(tmp_path: Path, *countries: dict[str, object]):  # type: ignore[no-untyped-def]
    (tmp_path / "taxonomy.yaml").write_text(
        yaml.safe_dump({"countries": list(countries)}, allow_unicode=True), encoding="utf-8")
    return load_taxonomy(tmp_path)


def test_names_by_language_are_a_group_of_one_word_names(tmp_path: Path) -> None:
    tax = _taxonomy(tmp_path, HUNGARY, NETHERLANDS, SPAIN)
    assert tax.synonyms == [
        {"en": ["Hungary"], "hu": ["Magyarország", "Magyarorszag"], "de": ["Ungarn"],
         "ro": ["Ungaria"], "fr": ["Hongrie"]},
        # "The Netherlands", "Țările de Jos", "Países Bajos": each word would be searched alone
        {"en": ["Netherlands"], "hu": ["Hollandia"], "ro": ["Olanda"], "es": ["Holanda"]},
    ]  # (Spain's names are a plain list: their languages are not known)


def test_inference_reads_every_name_and_the_adjectives(tmp_path: Path) -> None:
    tax = _taxonomy(tmp_path, HUNGARY, SPAIN)
    assert sorted(tax.country_names("HU")) == sorted([
        "Hungary", "Hungary", "Magyarország", "Magyarorszag", "Ungarn", "Ungaria", "Hongrie",
        "Hungarian", "magyar"])
    assert tax.country_names("ES") == ["Spain", "Spain", "España", "Spanien"]
    assert tax.resolve_country("Ungarn") == "HU" and tax.resolve_country("magyar") == "HU"


def test_the_sample_countries_infer_from_their_names_and_adjectives() -> None:
    """The sample taxonomy's names moved into languages and adjectives: inference counts the
    names of before (its English name first) and the adjectives of every partner language
    (given by language since, for the queries that name a place: tests/test_places.py)."""
    tax = load_taxonomy(CORPUS)
    assert sorted(tax.country_names("HU")) == sorted([
        "Hungary", "Hungary", "Magyarország", "Magyarorszag", "Ungarn", "Hongarije", "Ungaria",
        "Hungria", "Hungría", "Hongrie", "Ungheria", "Hungarian", "ungarisch", "Hongaars",
        "Hongaarse", "magyar", "maghiar", "maghiară", "maghiare", "maghiari", "húngaro",
        "húngara", "húngaros", "húngaras"])
    groups = {g["en"][0]: g for g in tax.synonyms if g.get("en") in (
        ["Hungary"], ["Germany"], ["Netherlands", "Holland"])}
    assert groups["Germany"]["hu"] == ["Németország", "Nemetorszag"]
    assert groups["Hungary"]["de"] == ["Ungarn"]


def test_a_name_that_is_not_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="names of country HU in de"):
        _taxonomy(tmp_path, {**HUNGARY, "names": {"en": "Hungary", "de": {"x": 1}}})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("countries")
    tax = _taxonomy(tmp, HUNGARY, NETHERLANDS)
    docs = [
        make_doc("en", "Export vouchers", "Small firms in Hungary used export vouchers."),
        make_doc("hu", "Exportutalvány", "Magyarországon a kisvállalkozások exportálnak.",
                 language="hu"),
        make_doc("de", "Pressemitteilung", "Partner aus Ungarn trafen sich in Stuttgart.",
                 language="de"),
        make_doc("es", "Plan de acción", "Los países socios y la región de abajo.",
                 language="es"),
        make_doc("ro", "Coaching", "Firmele din regiune au vândut în jos.", language="ro"),
    ]
    built = build_index(tmp / "index", docs)
    built.save_synonyms(tax.synonyms)
    return built


def test_a_country_named_in_one_language_finds_its_names_in_the_others(store) -> None:  # type: ignore[no-untyped-def]
    for query in ("Ungarn", "Hungary", "Magyarország"):
        hits = search(store, SearchRequest(query=query, with_facets=False)).hits
        assert {h.id for h in hits} == {"en", "hu", "de"}, query
        marks = {m for h in hits for p in h.passages
                 for m in re.findall(r"<mark>(.*?)</mark>", p.snippet)}
        assert {"Hungary", "Magyarországon", "Ungarn"} <= marks, (query, marks)


def test_a_name_of_several_words_does_not_find_its_words(store) -> None:  # type: ignore[no-untyped-def]
    assert not search(store, SearchRequest(query="Hollandia", with_facets=False)).hits
