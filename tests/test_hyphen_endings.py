"""A word typed with an inflectional ending or a clitic after a hyphen ("kkv-k", "IMM-urile",
"realizar-se") is read as the word before it: its synonyms, stems and marks are the word's,
and the ending is searched nowhere alone (index.hyphen_endings)."""

from __future__ import annotations

import re

import pytest

from index import SearchRequest, parse_query, search
from index.hyphen_endings import is_ending, typed_endings
from index.query import add_synonyms
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

#: the sample taxonomy's SME group (corpus/taxonomy.yaml)
SME = [{"en": ["SME"], "de": ["KMU"], "nl": ["mkb"], "hu": ["KKV"], "ro": ["IMM"], "pt": ["PME"],
        "es": ["pyme"]}]


@pytest.mark.parametrize("part", [
    "k", "knak", "kat", "kra", "kban", "kkal", "t", "et", "s", "ban", "ben", "nak", "val", "mal",
    "e", "i", "inak", "ul", "ului", "uri", "urile", "urilor", "se", "lo", "las"])
def test_endings_and_clitics(part: str) -> None:
    assert is_ending(part)


@pytest.mark.parametrize("part", [
    "K", "Uri", "commerce", "up", "ups", "eszköz", "bw", "Muntenia", "megtartó", "19", "chain"])
def test_words_and_capitals_are_no_endings(part: str) -> None:
    assert not is_ending(part)


def test_a_portuguese_pronoun_only_after_a_word_not_in_capitals() -> None:
    assert typed_endings("realizar-se PKG-la") == {("realizar", "se")}


@pytest.mark.parametrize(("typed", "read"), [
    ("kkv-k", ("kkv",)), ("kkv-knak exportja", ("kkv", "exportja")), ("IMM-urile", ("imm",)),
    ("EU-s támogatás", ("eu", "támogatás")), ("van-e", ("van",)),
    ("COVID-19-et", ("covid-19",)), ("start-up-urile", ("start-up",)),
    # a compound's last word, and a part in capitals, are words
    ("kkv-eszköz", ("kkv-eszköz",)), ("e-commerce", ("e-commerce",)),
    ("Vitamin-K", ("vitamin-k",)),
])
def test_a_word_is_read_without_its_ending(typed: str, read: tuple[str, ...]) -> None:
    assert parse_query(typed).synonym_words == read


def test_the_ending_is_not_searched_and_in_quotes_the_word_is_as_typed() -> None:
    assert parse_query("IMM-urile").documents == parse_query("IMM").documents
    assert parse_query('"IMM-urile"').documents != parse_query("IMM").documents


def test_an_inflected_acronym_widens_with_the_acronyms_synonyms() -> None:
    for typed in ("kkv-k", "kkv-knak", "IMM-urile", "IMM-ul"):
        assert {"SME", "KMU", "pyme"} <= set(add_synonyms(parse_query(typed), SME)), typed


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("hu", "Exportutalvány", "Az exportutalvány segíti a kkv-k exportját.",
                 language="hu"),
        make_doc("ro", "Coaching digital", "Clinica de site-uri a ajutat IMM-urile din regiune.",
                 language="ro"),
        make_doc("en", "Export vouchers", "Vouchers helped SMEs to export."),
        make_doc("de", "Exportgutschein", "Der Gutschein half den KMU beim Export.",
                 language="de"),
    ]
    built = build_index(tmp_path_factory.mktemp("endings"), docs)
    built.save_synonyms(SME)
    return built


def _ids(store, query: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.id for h in search(store, SearchRequest(query=query, with_facets=False)).hits}


def test_an_inflected_acronym_finds_what_the_acronym_finds(store) -> None:  # type: ignore[no-untyped-def]
    """"kkv-k" found only the Hungarian page (its "kkv" and "k"), not the SME pages of the other
    languages that "kkv" finds through its synonyms."""
    assert _ids(store, "kkv") == {"hu", "ro", "en", "de"}
    for typed in ("kkv-k", "kkv-knak", "IMM-urile", "IMM-uri", "IMM-ul"):
        assert _ids(store, typed) == _ids(store, typed.split("-")[0]), typed


def test_the_ending_is_not_marked_alone(store) -> None:  # type: ignore[no-untyped-def]
    """"IMM-urile" marked the "uri" of "site-uri" (websites), "kkv-k" a lone "k"."""
    for typed, word in (("IMM-urile", "IMM"), ("kkv-k", "kkv")):
        hits = search(store, SearchRequest(query=typed, with_facets=False)).hits
        marks = {m for h in hits for p in h.passages
                 for m in re.findall(r"<mark>(.*?)</mark>", p.snippet)}
        assert word in marks and not marks & {"uri", "urile", "k"}, (typed, marks)


@pytest.mark.parametrize(("typed", "without"), [
    ("Cum s-a dezvoltat exportul într-un an?", "Cum dezvoltat exportul an?"),
    ("firmele care s-au extins", "firmele care extins"),
    ("să-și extindă afacerea", "extindă afacerea"),
    ("N-a primit finanțare dintr-un proiect", "primit finanțare proiect"),
    ("I-a ajutat să-i găsească", "ajutat găsească"),
])
def test_a_romanian_word_of_clitics_alone_is_a_stop_word(typed: str, without: str) -> None:
    """"s-a", "într-un", "să-și" were searched as their parts, "s", "a", "intr", "un", in every
    language's fields, as content words."""
    parsed = parse_query(typed)
    assert parsed.documents == parse_query(without).documents
    assert parsed.passages == parse_query(without).passages


@pytest.mark.parametrize("typed", ["e-mail", "S-A", "s-Au", "EU-s", "spune-mi", "kkv-eszköz",
                                   "a-b"])
def test_other_hyphenated_words_are_no_clitics(typed: str) -> None:
    from index.hyphen_endings import typed_clitics

    assert typed_clitics(typed) == set()
