"""An acronym of the synonym groups, typed, finds the pages writing its plural, as it does when
another language's acronym adds it (the review's H4): Snowball keeps the English "smes" (and
the Portuguese "pmes") apart from "sme" ("pme"), so "SME" found 33 of the sample's documents
and "kkv" 44 (through the added "SME", matched on its forms); and the plural is marked on the
pages found through it. In every partner language, on both engines."""

from __future__ import annotations

import pytest

from index import SearchRequest, search
from index.query import _unjoined_forms
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

SME = {"en": ["SME"], "de": ["KMU"], "nl": ["mkb"], "hu": ["KKV"], "ro": ["IMM"],
       "pt": ["PME"], "es": ["pyme"]}

#: pages writing only the plural where the language makes one with -s, else the acronym
DOCS = {
    "en-smes": ("Frisian SMEs", "Frisian SMEs sell online to customers abroad.", "en"),
    "pt-pmes": ("Consultoria", "As PMEs exportadoras recebem consultoria gratuita.", "pt"),
    "es-pymes": ("Asesoramiento", "Las pymes exportadoras reciben asesoramiento.", "es"),
    "de-kmu": ("Exportberatung", "Die Beratung richtet sich an KMU im Export.", "de"),
    "nl-mkb": ("Exportadvies", "Het advies is voor het mkb in Friesland.", "nl"),
    "hu-kkv": ("Exporttanácsadás", "A tanácsadás a kkv-k számára ingyenes.", "hu"),
    "ro-imm": ("Consultanță", "Consultanța pentru IMM este gratuită.", "ro"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [make_doc(i, title, text, language=lang) for i, (title, text, lang) in DOCS.items()]
    docs.append(make_doc("en-large", "Large firms", "Large firms export on their own."))
    store = build_index(tmp_path_factory.mktemp("acronyms"), docs)
    store.save_synonyms([SME])
    return store


def _keyword_ids(store, q: str) -> set[str]:  # type: ignore[no-untyped-def]
    result = search(store, SearchRequest(query=q, page_size=50, with_facets=False))
    return {h.id for h in result.hits if h.match == "keyword"}


@pytest.mark.parametrize("word,lang,forms", [
    ("SME", "en", ("smes",)), ("PME", "pt", ("pmes",)), ("mkb", "nl", ("mkbs",)),
    ("pyme", "es", ()),       # four letters: no acronym (its "pymes" is left as it was)
    ("KMU", "de", ()), ("KKV", "hu", ()), ("IMM", "ro", ()),  # no plural -s
    ("voucher", "en", ()),    # no acronym
])
def test_the_forms_an_acronyms_stem_does_not_join(word: str, lang: str,
                                                  forms: tuple[str, ...]) -> None:
    assert _unjoined_forms(word, lang) == forms


@pytest.mark.parametrize("typed", [
    "SME", "sme", "SMEs", "smes",  # en
    "PME", "PMEs",                 # pt
    "KMU", "mkb", "kkv", "IMM",    # de, nl, hu, ro
])
def test_every_acronym_finds_every_page_of_the_group(store, typed: str) -> None:  # type: ignore[no-untyped-def]
    assert _keyword_ids(store, typed) == set(DOCS)


@pytest.mark.parametrize("typed,doc,marked", [
    ("SME", "en-smes", "SMEs"), ("kkv", "en-smes", "SMEs"), ("KMU", "en-smes", "SMEs"),
    ("PME", "pt-pmes", "PMEs"), ("IMM", "pt-pmes", "PMEs"), ("mkb", "en-smes", "SMEs"),
])
def test_the_plural_is_marked_on_the_page_found_through_it(  # type: ignore[no-untyped-def]
        store, typed: str, doc: str, marked: str) -> None:
    hits = search(store, SearchRequest(query=typed, with_facets=False)).hits
    hit = next(h for h in hits if h.id == doc)
    assert any(f"<mark>{marked}</mark>" in p.snippet for p in hit.passages)
