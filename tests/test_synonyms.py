"""Synonyms of the taxonomy match on word forms (not stems, which cross false friends) and
their multi-word terms reach inflected text in their own language."""

from __future__ import annotations

import pytest

from index import SearchRequest, parse_query, query, search
from index import query_form as qf
from index.query import add_synonyms
from index.synonyms import (
    contains_term,
    is_form_of,
    matched_terms,
    matched_terms_by_group,
    word_forms,
)
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

GROUPS = [
    {"en": ["trade fair"], "de": ["Messe"], "nl": ["handelsbeurs"], "hu": ["vásár"],
     "ro": ["târg"], "pt": ["feira comercial"], "es": ["feria comercial"]},
    {"en": ["export voucher"], "de": ["Exportgutschein"], "hu": ["exportutalvány"],
     "pt": ["vale de exportação"]},
    {"en": ["SME"], "de": ["KMU"], "pt": ["PME"], "es": ["pyme"]},
]


def _added(query: str) -> list[str]:
    return add_synonyms(parse_query(query), GROUPS)


def test_german_messen_does_not_expand_to_trade_fairs() -> None:
    assert _added("messen") == []
    assert _added("Wirkung messen") == []
    assert "trade fair" in _added("Messe")


@pytest.mark.parametrize("query,term", [
    ("trade fairs", "feira comercial"),            # en plural
    ("feiras comerciais", "trade fair"),           # pt plural of both words
    ("ferias comerciales", "trade fair"),          # es
    ("Exportgutscheine", "export voucher"),        # de plural
    ("exportutalványok", "export voucher"),        # hu ending
    ("târguri", "trade fair"),                     # ro plural
    ("SMEs", "KMU"),                               # acronym plural
])
def test_inflected_forms_match_a_term(query: str, term: str) -> None:
    assert term in _added(query)


def test_forms_are_compared_without_case_or_accents() -> None:
    assert is_form_of("Missoes", "missão", "pt") and is_form_of("targ", "târg", "ro")
    assert contains_term(["vale", "de", "exportacao"], "vale de exportação", "pt")
    assert not contains_term(["vale", "exportacao"], "vale de exportação", "pt")
    assert not is_form_of("measure", "messe", "de")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("pt-feiras", "Plano de ação",
                 "Pavilhões coletivos nas principais feiras internacionais de têxtil e calçado.",
                 language="pt"),
        make_doc("en-other", "Coaching for exporters", "Coaching helped small exporters."),
        make_doc("de-messen", "Wirkung", "Wie lässt sich die Wirkung der Förderung messen?",
                 language="de"),
        make_doc("de-messe", "Messebeteiligung", "Die Firmen stellten auf der Messe aus.",
                 language="de"),
    ]
    store = build_index(tmp_path_factory.mktemp("syn"), docs)
    store.save_synonyms(GROUPS)
    return store


def test_trade_fairs_reaches_portuguese_feiras(store) -> None:  # type: ignore[no-untyped-def]
    ids = [h.id for h in search(store, SearchRequest(query="trade fairs", with_facets=False)).hits]
    assert "pt-feiras" in ids and "de-messe" in ids
    assert "de-messen" not in ids


def test_messen_is_not_widened_to_trade_fairs_in_other_languages(store) -> None:  # type: ignore[no-untyped-def]
    ids = [h.id for h in search(store, SearchRequest(query="messen", with_facets=False)).hits]
    assert "de-messen" in ids and "pt-feiras" not in ids


@pytest.mark.parametrize("typed,prefix", [
    ("title:Messe", "title_"), ("body:Messe", "body_"), ("title:Messe Wirkung", "title_"),
    ("title:Exportgutscheine", "title_"), ("evidence:Exportgutscheine", "gp_evidence_")])
def test_the_terms_a_word_typed_in_a_field_adds_are_searched_in_that_field(
        typed: str, prefix: str) -> None:
    # 'title:KMU' found 43 pages, 1 with KMU in its title: the group's other terms were
    # searched in every field of the text ('title:Exportgutscheine' by its compound tail,
    # 'title:e-kereskedelem' by its hyphenated term)
    # (each held by the document in one of its forms: the unstemmed words of the whole text)
    parsed = parse_query(typed)
    before = set(qf.leaves(parsed.documents))
    assert add_synonyms(parsed, GROUPS)
    added = [leaf for leaf in qf.leaves(parsed.documents) if leaf not in before]
    assert added and all(getattr(leaf, "field", "").startswith(prefix)
                         or getattr(leaf, "field", "") == "words" for leaf in added), added
    assert any(getattr(leaf, "field", "").startswith(prefix) for leaf in added), added


@pytest.fixture(scope="module")
def field_store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [make_doc("pt-title", "Feira comercial do Norte", "Texto sobre empresas.",
                     language="pt"),
            make_doc("pt-body", "Plano de ação", "Uma feira comercial em Lisboa.", language="pt"),
            make_doc("de-messe", "Messe in Stuttgart", "Ein Text über Firmen.", language="de")]
    store = build_index(tmp_path_factory.mktemp("syn-field"), docs)
    store.save_synonyms(GROUPS)
    return store


def test_a_word_typed_in_a_field_finds_its_synonyms_in_that_field_only(field_store) -> None:  # type: ignore[no-untyped-def]
    def ids(query: str) -> set[str]:
        return {h.id for h in search(field_store, SearchRequest(query=query,
                                                                with_facets=False)).hits}
    assert ids("title:Messe") == {"de-messe", "pt-title"}
    assert "pt-body" in ids("body:Messe")
    assert ids("Messe") == {"de-messe", "pt-title", "pt-body"}


@pytest.mark.parametrize("typed", ["title:vásár", "body:târg", "title:handelsbeurs"])
def test_a_word_typed_in_a_field_reaches_no_false_friend_of_its_synonyms(
        tmp_path, typed: str) -> None:  # type: ignore[no-untyped-def]
    # issue 10 point 2, as fixed for words typed in no field: the German "Messe" (trade fair)
    # was searched by its stem in the field, which the verb "messen" (to measure) shares
    docs = [make_doc("de-messe", "Messe in Stuttgart", "Ein Text über Firmen.", language="de"),
            make_doc("de-messen", "Wirkung messen", "Indikatoren für den Export.",
                     language="de")]
    store = build_index(tmp_path, docs)
    store.save_synonyms(GROUPS)
    ids = {h.id for h in search(store, SearchRequest(query=typed, with_facets=False)).hits}
    assert "de-messe" in ids and "de-messen" not in ids, ids


def test_a_groups_pairs_are_made_once_per_list_of_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store hands every search the same list until synonyms.json changes: its pairs are
    made once; a new list (a changed file) is read afresh."""
    from index import query

    made = []
    real = query._synonym_pairs
    monkeypatch.setattr(query, "_synonym_pairs", lambda g: made.append(g) or real(g))
    groups = [dict(g) for g in GROUPS]
    for _ in range(3):
        assert "Messe" in add_synonyms(parse_query("trade fairs"), groups)
    assert len(made) == len(GROUPS)
    changed = [{"en": ["trade fair"], "de": ["Handelsmesse"]}]
    assert add_synonyms(parse_query("trade fairs"), changed) == ["Handelsmesse"]
    assert len(made) == len(GROUPS) + 1


def test_a_search_repeated_gives_the_same_answer(store) -> None:  # type: ignore[no-untyped-def]
    """parse_query keeps the parsed forms of recent texts; the search then widens its own
    copy with synonyms, so asking again neither adds them twice nor loses them."""
    def answer() -> list[tuple[str, float, list[str]]]:
        result = search(store, SearchRequest(query="trade fairs", passages=2))
        return [(h.id, h.score, [p.snippet for p in h.passages]) for h in result.hits]

    first = answer()
    assert [a for a in first if a[0] == "pt-feiras"], first
    assert answer() == first and answer() == first


def test_parse_query_returns_a_query_of_its_own() -> None:
    first = parse_query("trade fairs country:PT year:[2018 TO 2020]")
    assert _added("trade fairs") and add_synonyms(first, GROUPS)  # widens `first` only
    first.filters["country"].append("ES")
    first.years.append((1990, 1991))
    first.words.append("extra")
    first.notice = "changed"
    again = parse_query("trade fairs country:PT year:[2018 TO 2020]")
    fresh = query._parsed.__wrapped__(  # the parser itself, past the cache
        "trade fairs country:PT year:[2018 TO 2020]", query.ranking.RANKING)
    assert again == fresh and again is not fresh
    assert again.filters == {"country": ["PT"]} and again.notice is None


def test_terms_looked_up_by_their_first_letters_are_those_compared_one_by_one() -> None:
    """matched_terms_by_group compares only the terms whose first word shares its first
    letters with a query word; it must find what comparing every term finds: every form of
    every word of the sample taxonomy's groups (glossary included), one-letter words and
    Hungarian endings too, as a query."""
    from pathlib import Path

    import yaml

    from index.query import _pairs_of

    data = yaml.safe_load((Path(__file__).parents[1] / "corpus" / "taxonomy.yaml")
                          .read_text(encoding="utf-8"))
    raw = [*(data.get("synonyms") or []), *(data.get("glossary") or [])]
    groups = [{lang: ([t] if isinstance(t, str) else list(t)) for lang, t in g.items()}
              for g in raw]
    groups.append({"en": ["a"], "de": ["B2B"]})  # one-letter and digit-led words
    all_pairs = _pairs_of(groups)
    queries = [["nothing", "here"], ["as", "b2bs"]]
    for pairs in all_pairs:
        for lang, term in pairs:
            first, *rest = term.split()
            for form in sorted(word_forms(first, lang)):
                queries.append(["the", form.upper(), *rest, "now"])
            if lang == "hu":
                queries.append([first + "nak", *rest])
    assert len(queries) > 1000
    for words in queries:
        assert matched_terms_by_group(words, all_pairs) == [
            matched_terms(words, pairs) for pairs in all_pairs], words


#: the sample taxonomy's B2B matchmaking group (corpus/taxonomy.yaml), whose Hungarian term is
#: written with a hyphen; and terms of the parts that a hyphenated word splits into
HYPHENATED = [
    {"en": ["B2B matchmaking"], "de": ["Kooperationsbörse"], "nl": ["zakelijke matchmaking"],
     "hu": ["üzletember-találkozó"], "ro": ["întâlniri de afaceri"],
     "pt": ["encontros empresariais"], "es": ["encuentros empresariales"]},
    {"en": ["supply chain"], "de": ["Lieferkette"]},
    {"en": ["trade"], "hu": ["kereskedelem"]},
]


def test_a_hyphenated_word_matches_a_term_written_with_the_hyphen() -> None:
    """A word typed with a hyphen is one CompoundWord, not a plain word (ParsedQuery.positive);
    its synonyms are looked up as the typed word (ParsedQuery.synonym_words)."""
    parsed = parse_query("üzletember-találkozók Budapesten")
    assert parsed.synonym_words == ("üzletember-találkozók", "budapesten")
    assert parsed.positive == ("budapesten",)  # the coverage's words: as before
    added = add_synonyms(parsed, HYPHENATED)
    assert {"B2B matchmaking", "Kooperationsbörse", "encuentros empresariales"} <= set(added)
    assert "üzletember-találkozó" not in added


def test_a_hyphenated_word_matches_no_term_of_its_parts_and_none_under_not() -> None:
    """Only the term written with the hyphen: "supply-chain" is not "supply chain" (measured,
    bench/README.md), "e-kereskedelem" is not "kereskedelem"."""
    assert add_synonyms(parse_query("supply-chain"), HYPHENATED) == []
    assert add_synonyms(parse_query("e-kereskedelem"), HYPHENATED) == []
    assert add_synonyms(parse_query("supply chain"), HYPHENATED) == ["Lieferkette"]
    assert add_synonyms(parse_query("export NOT üzletember-találkozó"), HYPHENATED) == []


@pytest.fixture(scope="module")
def matchmaking(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("es-encuentros", "Misión comercial",
                 "Las pymes participaron en encuentros empresariales en Bucarest.",
                 language="es"),
        make_doc("en-fairs", "Trade fairs", "Small firms exhibited at trade fairs."),
    ]
    store = build_index(tmp_path_factory.mktemp("hyphen"), docs)
    store.save_synonyms(HYPHENATED)
    return store


def test_a_hungarian_hyphenated_query_reaches_the_groups_page_in_spanish(matchmaking) -> None:  # type: ignore[no-untyped-def]
    hits = search(matchmaking, SearchRequest(query="üzletember-találkozó",
                                             with_facets=False)).hits
    assert [h.id for h in hits] == ["es-encuentros"]


def test_a_synonym_terms_query_is_made_once_per_ranking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A term's query is kept (the same terms are added search after search), but made anew
    under another ranking: a setting changed for a run (bench/relevance.py --set) must not
    be answered with a query made under the one before."""
    import dataclasses

    from index import ranking

    first = query._weighted("Messe", "de", 0.5, passages=False)
    assert query._weighted("Messe", "de", 0.5, passages=False) is first
    monkeypatch.setattr(ranking, "RANKING",
                        dataclasses.replace(ranking.RANKING, longer_forms=0.5))
    again = query._weighted("Messe", "de", 0.5, passages=False)
    assert again is not first and again == query._weighted_in.__wrapped__(
        "Messe", "de", 0.5, False, ranking.RANKING)
