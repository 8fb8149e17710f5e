"""What a query excludes (NOT, or a leading minus) brings nothing back: no document by the
synonyms of an excluded word, none found by meaning that has the word (or the excluded
filter's value), and the excluded words are not part of the text the model embeds."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import IndexStore, SearchRequest, parse_query, search
from index.search import semantic_text
from index.semantic import embed_index
from tests import test_fuzz as fuzz
from tests.helpers import build_index, make_doc
from tests.test_semantic import DOCS

pytestmark = pytest.mark.engines

GROUPS = [{"en": ["SME"], "de": ["KMU"], "pt": ["PME"], "es": ["pyme"]}]


@pytest.fixture(scope="module")
def synonym_store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [
        make_doc("en-export", "Export coaching", "Coaching helped exporters."),
        make_doc("de-kmu", "Förderung", "Die KMU erhielten Beratung.", language="de"),
        make_doc("en-sme", "SME support", "SME received export support."),
    ]
    store = build_index(tmp_path_factory.mktemp("neg-syn"), docs)
    store.save_synonyms(GROUPS)
    return store


@pytest.fixture(scope="module")
def meaning_store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    store = build_index(tmp_path_factory.mktemp("neg-sem"), DOCS)
    assert embed_index(store).state == "done"
    return store


def _ids(store: IndexStore, query: str) -> list[str]:
    return [h.id for h in search(store, SearchRequest(query=query, with_facets=False)).hits]


@pytest.fixture(scope="module")
def ordered_store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    """An excluded word's first document comes before the first match of the rest."""
    docs = [make_doc("a-covid", "Pandemic", "The covid crisis."),
            make_doc("b-both", "Exporters in the crisis", "Export fell during covid."),
            make_doc("c-export", "Export vouchers", "Vouchers help export.")]
    return build_index(tmp_path_factory.mktemp("neg-order"), docs)


@pytest.mark.parametrize("query", ["export NOT covid", "export -covid", "export ANDNOT covid",
                                   "(export OR vouchers) NOT covid", "export AND NOT covid",
                                   "export NOT year:2020", "export NOT language:en",
                                   "export NOT NOT covid", "export -NOT covid"])
def test_the_first_match_is_checked_against_what_is_excluded(ordered_store: IndexStore,
                                                             query: str) -> None:
    # Whoosh's AndNotMatcher let the first match through when an excluded document came
    # earlier in the index (b-both, which says covid, was listed for "export NOT covid").
    expected = [] if "2020" in query or "language" in query else ["c-export"]
    assert _ids(ordered_store, query) == expected
    with ordered_store.reader() as reader:
        parsed = parse_query(query)
        assert parsed.documents is not None
        matched = reader.matching(parsed.documents, ["a-covid", "b-both", "c-export"])
    assert sorted(matched) == expected


def test_an_excluded_word_adds_no_synonyms(synonym_store: IndexStore) -> None:
    assert "de-kmu" in _ids(synonym_store, "export SME")  # KMU is SME's synonym
    for query in ("export NOT SME", "export -SME", "export AND NOT SME", "export ANDNOT SME",
                  "export NOT (SME OR grants)"):
        assert _ids(synonym_store, query) == ["en-export"], query


def test_a_word_both_wanted_and_excluded_elsewhere_keeps_its_synonyms() -> None:
    parsed = parse_query("(SME AND export) OR (grants NOT SME)")
    assert "SME".lower() in [w.lower() for w in parsed.positive]
    assert [w.lower() for w in parse_query("export NOT SME").positive] == ["export"]


def test_passages_widened_by_synonyms_still_exclude() -> None:
    """What the passages' query excludes is worked out once with the parse, and the synonyms
    that widen it (an OR beside it) leave it excluded."""
    from index import query_form as qf
    from index.query import add_synonyms

    parsed = parse_query("export SME NOT covid")
    assert parsed.passages is not None and parsed.passages_excluded is not None
    assert add_synonyms(parsed, GROUPS)
    assert isinstance(parsed.passages, qf.AndNot)
    assert parsed.passages.negative == parsed.passages_excluded
    assert parse_query("export SME").passages_excluded is None


@pytest.mark.parametrize("query", [
    "trade shows online NOT Messen", "trade shows online -Messen",
    "trade shows online NOT language:de", "trade shows online -language:de",
    'trade shows online NOT "Digitale Messen"', "trade shows online -(Pandemie OR Messen)",
])
def test_nothing_excluded_is_found_by_meaning(meaning_store: IndexStore, query: str) -> None:
    plain = search(meaning_store, SearchRequest(query="trade shows online"))
    assert "de-fairs" in [h.id for h in plain.hits]  # close in meaning: it would come back
    result = search(meaning_store, SearchRequest(query=query))
    assert result.semantic
    assert "de-fairs" not in [h.id for h in result.hits]
    assert result.total == len(result.hits)
    languages = {v.value: v.count for v in result.facets["language"].values}
    assert languages.get("de", 0) == 0, languages


@pytest.mark.parametrize("query,excluded", [
    ("the NOT export", "export"), ("-trade the", "trade"), ("the NOT vouchers", "vouchers"),
    ("of the NOT language:en", "language:en"), ("-export the", "export"),
    ("NOT export NOT", "export"), ("NOT export AND", "export"), ("NOT export OR", "export"),
    # operators of the parser beside very common words or with a side missing: the NOT was
    # lost ("the ANDMAYBE NOT export" and "the ANDNOT export" found nothing, "NOT export
    # ANDNOT" searched the word "andnot"; "the OR ANDNOT export" found the pages with export)
    ("the ANDMAYBE NOT export", "export"), ("the ANDNOT export", "export"),
    ("the REQUIRE NOT export", "export"), ("ANDNOT export", "export"),
    ("the OR ANDNOT export", "export"), ("NOT export ANDNOT", "export"),
    ("ANDMAYBE NOT export the", "export"), ("the AND ANDNOT NOT export", "export"),
])
def test_a_query_of_common_words_keeps_out_what_it_excludes(
        meaning_store: IndexStore, query: str, excluded: str) -> None:
    """Very common words beside a NOT search as the NOT alone: the documents without what it
    excludes (not those found by meaning, which had it; not nothing)."""
    result = search(meaning_store, SearchRequest(query=query, with_facets=False))
    alone = search(meaning_store, SearchRequest(query=f"NOT {excluded}", with_facets=False))
    assert alone.hits
    assert {h.id for h in result.hits} == {h.id for h in alone.hits}, query
    with meaning_store.reader() as reader:
        out = parse_query(f"NOT {excluded}").excluded  # the word, not the longer words
        assert out is not None
        assert not reader.matching(out, [h.id for h in result.hits]), query


@pytest.fixture(scope="module")
def flat_store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [make_doc("export-covid", "One", "Export and covid trade."),
            make_doc("export", "Two", "Export of trade goods."),
            make_doc("covid", "Three", "Covid trade fair."),
            make_doc("fair", "Four", "Trade fair visitors.")]
    return build_index(tmp_path_factory.mktemp("neg-flat"), docs)


@pytest.mark.parametrize("query,found", [
    ("export AND NOT covid trade", {"export", "fair"}),
    ("trade OR export AND NOT covid", {"export", "fair"}),
    ("export ANDNOT covid fair", {"export", "fair"}),
    ("export ANDMAYBE NOT covid", {"export"}),
    ("fair export REQUIRE NOT covid", {"export", "fair"}),
    ("export AND NOT covid export", {"export"}),
    ("the ANDMAYBE NOT covid", {"export", "fair"}),
    ("export OR ANDNOT covid", {"export"}),
])
def test_a_not_in_a_query_without_brackets_excludes_from_all_of_it(
        flat_store: IndexStore, query: str, found: set[str]) -> None:
    """The parser binds AND (and AND NOT, ANDMAYBE, REQUIRE) tighter than the words' OR:
    "export AND NOT covid trade" was "(export AND NOT covid) OR trade", and found the covid
    page by "trade", while "export NOT covid trade" did not; "export ANDMAYBE NOT covid" only
    preferred the pages without covid. Without brackets, a NOT excludes from the whole
    query, as in web search engines, on every engine."""
    assert set(_ids(flat_store, query)) == found, query


def test_a_not_in_brackets_excludes_from_its_group(flat_store: IndexStore) -> None:
    assert set(_ids(flat_store, "(export AND NOT covid) OR trade")) == {
        "export-covid", "export", "covid", "fair"}
    assert set(_ids(flat_store, "(export AND NOT covid) OR fair")) == {"export", "covid", "fair"}


@pytest.mark.parametrize("typed,embedded", [
    ("export NOT covid", "export"),
    ("export -covid", "export"),
    ('export -"supply chain" vouchers', "export vouchers"),
    ("export NOT (covid OR (pandemic lockdown)) vouchers", "export vouchers"),
    ("export AND NOT language:en", "export"),
    ("export ANDNOT covid", "export"),
    ("NOT year:[2018 TO 2020] export", "export"),
    ('export NOT partner:"Fomento San Sebastián" grants', "export grants"),
    ("COVID-19 e-commerce 2016-2022 export - covid -5",
     "COVID-19 e-commerce 2016-2022 export - covid -5"),
    ('"post -covid" recovery', "post -covid recovery"),
    ("export NOT", "export"),  # a NOT with nothing after it excludes nothing
    ('export -"supply chain', "export chain"),  # a quote never closed is no phrase
    ('covid" ) ANDNOT trade', "covid"),
    ("export year:[2018 -covid", "export"),  # nor is a range never closed
])
def test_the_model_is_not_given_what_the_query_excludes(typed: str, embedded: str) -> None:
    assert semantic_text(typed) == embedded


@pytest.mark.parametrize("repeated,once", [
    ("trade NOT NOT covid", "trade NOT covid"),
    ("trade -NOT covid", "trade NOT covid"),
    ("trade AND NOT NOT covid", "trade AND NOT covid"),
    ("trade ANDNOT NOT covid", "trade ANDNOT covid"),
    ("trade NOT NOT NOT (covid OR pandemic)", "trade NOT (covid OR pandemic)"),
    ("NOT NOT covid", "NOT covid"),
    ('"not not" trade NOT NOT covid', '"not not" trade NOT covid'),
])
def test_a_run_of_nots_is_one_for_the_words_and_the_meaning(repeated: str, once: str) -> None:
    """The parser gave up on "trade NOT NOT covid" and searched every word, covid too, while
    the text embedded left covid out: both read a run of NOTs as one."""
    a, b = parse_query(repeated), parse_query(once)
    assert (a.documents, a.negated, a.notice) == (b.documents, b.negated, b.notice)
    assert a.negated and a.notice is None
    assert semantic_text(repeated) == semantic_text(once)
    assert "covid" not in semantic_text(repeated)


@pytest.mark.parametrize("minus,written", [
    ("export -covid", "export NOT covid"),
    ('export -"supply chain"', 'export NOT "supply chain"'),
    ("export -(covid OR pandemic)", "export NOT (covid OR pandemic)"),
    ("export -language:en", "export NOT language:en"),
    ("(export -covid) OR vouchers", "(export NOT covid) OR vouchers"),
    ("-covid", "NOT covid"),
])
def test_a_leading_minus_is_not(minus: str, written: str) -> None:
    a, b = parse_query(minus), parse_query(written)
    assert (a.documents, a.filters, a.negated) == (b.documents, b.filters, b.negated)
    assert a.negated or a.excluded is not None


@pytest.mark.parametrize("query", ["COVID-19", "e-commerce", "2016-2022", "export - covid",
                                   "temperature -5", '"post -covid"', "year:-2020", "a--b"])
def test_a_hyphen_in_or_between_words_is_not_a_minus(query: str) -> None:
    parsed = parse_query(query)
    assert parsed.negated == () and parsed.excluded is None, query


@pytest.mark.parametrize(("query", "word"), [
    ("tehetségvonzó és -megtartó program", "megtartó"),
    ("Innovationsförderung und -beratung", "beratung"),
    ("exportbevordering en -begeleiding", "begeleiding"),
])
def test_a_suspended_compounds_last_part_is_a_word_not_a_minus(query: str, word: str) -> None:
    """German, Dutch and Hungarian leave out a compound's first part after "und", "en", "és"
    and write its last part with a leading hyphen ("talent-attracting and -retaining"): the
    retaining was excluded. After another word, or before a capital, a minus is NOT."""
    parsed = parse_query(query)
    assert parsed.negated == () and word in parsed.positive, query
    assert semantic_text(query) == query
    assert parse_query("export und -Covid").negated == ("covid",)
    assert parse_query("trade and -covid").negated == ("covid",)


def test_minus_excludes_on_every_engine(synonym_store: IndexStore) -> None:
    assert "en-sme" in _ids(synonym_store, "export")
    assert _ids(synonym_store, "export -SME") == ["en-export"]
    assert _ids(synonym_store, "export -language:en") == []
    assert set(_ids(synonym_store, "SME -language:de")) == {"en-sme"}


WORDS = st.sampled_from(["trade", "shows", "online", "Messen", "Pandemie", "vouchers",
                         "export", "SME", "KMU", "water", "COVID-19", "e-commerce", "x"])
#: very common words, which search nothing by themselves
COMMON = st.sampled_from(["the", "of", "and", "die", "de", "a", "with"])
EXCLUSIONS = st.one_of(
    st.builds(lambda w: f"-{w}", WORDS), st.builds(lambda w: f"NOT {w}", WORDS),
    st.builds(lambda a, b: f'-"{a} {b}"', WORDS, WORDS),
    st.builds(lambda a, b: f"-({a} OR {b})", WORDS, WORDS),
    st.sampled_from(["-language:de", "NOT language:en", "-country:RO", "NOT type:report"]),
)
NEGATED_QUERIES = st.lists(st.one_of(WORDS, EXCLUSIONS, fuzz.PIECES), min_size=1,
                           max_size=8).map(" ".join)


@settings(max_examples=int(os.environ.get("KB_FUZZ_EXAMPLES", "40")), deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=NEGATED_QUERIES)
def test_no_hit_has_what_any_query_excludes(meaning_store: IndexStore, query: str) -> None:
    """Fuzz: whatever else a query holds (operators, brackets, quotes, odd characters), it
    parses, searches on each engine, and none of its hits (by words, synonyms or meaning)
    matches what it excludes."""
    result = search(meaning_store, SearchRequest(query=query))
    excluded = parse_query(result.corrected or query).excluded
    if excluded is None or not result.hits:
        return
    with meaning_store.reader() as reader:
        assert not reader.matching(excluded, [h.id for h in result.hits]), query


EXCLUDED = st.one_of(WORDS, st.sampled_from(["language:de", "language:en", "country:RO"]))


@settings(max_examples=int(os.environ.get("KB_FUZZ_EXAMPLES", "40")), deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(common=st.lists(COMMON, min_size=1, max_size=4), excluded=st.lists(
    st.tuples(st.sampled_from(["NOT ", "-"]), EXCLUDED), min_size=1, max_size=2),
    words=st.lists(WORDS, max_size=2))
def test_no_hit_has_an_excluded_part_beside_common_words(
        meaning_store: IndexStore, common: list[str], excluded: list[tuple[str, str]],
        words: list[str]) -> None:
    """Fuzz: very common words, plain words and NOTs in any order: no hit matches any
    excluded part, read on its own (not from the whole query's parse)."""
    pieces = common + words + [op + part for op, part in excluded]
    query = " ".join(sorted(pieces, key=lambda p: len(p) % 3))
    result = search(meaning_store, SearchRequest(query=query, with_facets=False))
    ids = [h.id for h in result.hits]
    with meaning_store.reader() as reader:
        for _, part in excluded:
            out = parse_query(f"NOT {part}").excluded
            assert out is not None, part
            assert not reader.matching(out, ids), (query, part)


@pytest.fixture(scope="module")
def hyphen_store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [make_doc("covid", "Export after COVID-19", "COVID-19 closed the export fairs."),
            make_doc("meeting", "Export meeting", "The export meeting of 19 October 2017."),
            make_doc("shop", "Export e-commerce", "Export through e-commerce platforms."),
            make_doc("trade", "Export and commerce", "Export and commerce chambers.")]
    return build_index(tmp_path_factory.mktemp("neg-hyphen"), docs)


@pytest.mark.parametrize("query,found", [
    ("export NOT COVID-19", ["meeting", "shop", "trade"]),
    ("export -COVID-19", ["meeting", "shop", "trade"]),
    ("export NOT e-commerce", ["covid", "meeting", "trade"]),
    ("export -e-commerce", ["covid", "meeting", "trade"]),
])
def test_a_hyphenated_word_under_not_excludes_the_word_not_its_parts(
        hyphen_store: IndexStore, query: str, found: list[str]) -> None:
    # 'export NOT COVID-19' excluded every page with a "19" (the 2017 meeting), 'export NOT
    # e-commerce' every page with "commerce": under NOT such a word is its phrase, as quoted
    assert sorted(_ids(hyphen_store, query)) == found
    quoted = query.replace("COVID-19", '"COVID-19"').replace("e-commerce", '"e-commerce"')
    assert sorted(_ids(hyphen_store, quoted)) == found
    # the positive side still finds a hyphenated word by its parts
    assert "trade" in _ids(hyphen_store, "e-commerce")
