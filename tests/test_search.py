"""Searching: ranking, facets, highlighting, analysis per language, forgiving queries."""

from __future__ import annotations

import json
import re

import pytest

from index import (
    IndexStore,
    QueryError,
    SearchRequest,
    get_document,
    more_like_this,
    parse_query,
    search,
    suggest,
)
from index.analysis import fold_text
from index.records import Document, Passage
from tests.helpers import build_index, count_calls, make_doc

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def store(tmp_path_factory, engine) -> IndexStore:
    docs = [
        make_doc("vouchers-es", "Export vouchers in the Basque Country",
                 "Export vouchers pay for consultants who prepare a first export plan.",
                 "The second page is about talent attraction.",
                 country_code="ES", themes=["export_promotion"], date="2019-05-01"),
        make_doc("matchmaking-ro", "Online B2B matchmaking during the pandemic",
                 "Online B2B matchmaking replaced trade fairs during the pandemic.",
                 country_code="RO", themes=["covid_response", "export_promotion"],
                 date="2021-03-01"),
        make_doc("missions-de", "Förderung von Exportreisen",
                 "Die Förderungen für exportierende Unternehmen in Baden-Württemberg.",
                 language="de", country_code="DE", themes=["export_promotion"], date="2018"),
        make_doc("eszak-hu", "Észak-magyarországi vállalkozások",
                 "A vállalkozások exportja Észak-Magyarországon erősödött.",
                 language="hu", country_code="HU", date="2020-06-01"),
        make_doc("xss", 'Evil <script>alert("t")</script> title',
                 'Body <img src=x onerror="alert(1)"> with export words and <b>tags</b>.',
                 country_code="ES", date="2022-01-01"),
    ]
    return build_index(tmp_path_factory.mktemp("ix"), docs)


def hit_ids(store: IndexStore, **kw) -> list[str]:
    return [h.id for h in search(store, SearchRequest(**kw)).hits]


def test_ranked_results_with_highlighted_passages_and_pages(store):
    result = search(store, SearchRequest(query="export vouchers"))
    assert result.hits[0].id == "vouchers-es"
    passage = result.hits[0].passages[0]
    assert passage.page == 1
    assert "<mark>vouchers</mark>" in passage.snippet.lower()


def test_facets_count_documents_not_passages(store):
    result = search(store, SearchRequest(query="", page_size=10))
    countries = {v.value: v.count for v in result.facets["country"].values}
    assert countries == {"ES": 2, "RO": 1, "DE": 1, "HU": 1}
    themes = {v.value: v.count for v in result.facets["theme"].values}
    assert themes["export_promotion"] == 3  # multi-valued: each document counted once
    assert result.facets["country"].values[0].label == "Spain"


def test_values_of_one_facet_or_facets_and_and_own_counts_ignore_selection(store):
    req = SearchRequest(query="", filters={"country": ["ES", "RO"]})
    result = search(store, req)
    assert {h.id for h in result.hits} == {"vouchers-es", "matchmaking-ro", "xss"}
    countries = {v.value: (v.count, v.selected) for v in result.facets["country"].values}
    assert countries["DE"] == (1, False)  # still selectable with its true count
    assert countries["ES"] == (2, True)
    both = SearchRequest(query="", filters={"country": ["ES", "RO"], "theme": ["covid_response"]})
    assert hit_ids(store, **both.__dict__) == ["matchmaking-ro"]


def test_year_range_and_sorting(store):
    assert hit_ids(store, query="", year_from=2020, year_to=2021, sort="oldest") == [
        "eszak-hu", "matchmaking-ro"]
    assert hit_ids(store, query="", sort="newest")[0] == "xss"
    titles = [h.title for h in search(store, SearchRequest(query="", sort="title")).hits]
    assert titles == sorted(titles, key=lambda t: t.lower().replace("é", "e").replace("ö", "o"))


def test_stemming_in_the_documents_language_and_accent_folding(store):
    assert hit_ids(store, query="Förderung") == ["missions-de"]
    assert hit_ids(store, query="exportierenden") == ["missions-de"]
    assert hit_ids(store, query="Eszak") == ["eszak-hu"]  # "Észak" without accents
    assert hit_ids(store, query="vallalkozasokat") == ["eszak-hu"]


def test_query_syntax(store):
    assert hit_ids(store, query='"online b2b matchmaking"') == ["matchmaking-ro"]
    assert "vouchers-es" not in hit_ids(store, query="export NOT vouchers")
    assert hit_ids(store, query="matchm*") == ["matchmaking-ro"]
    assert hit_ids(store, query="country:ro pandemic") == ["matchmaking-ro"]
    assert hit_ids(store, query="title:pandemic") == ["matchmaking-ro"]
    assert set(hit_ids(store, query="year:[2020 TO 2021]")) == {"eszak-hu", "matchmaking-ro"}
    assert hit_ids(store, query="year:2021") == ["matchmaking-ro"]
    assert search(store, SearchRequest(query="year:[x TO y]")).notice.startswith("The year")


@pytest.mark.parametrize("text", [
    "(((", '"unclosed phrase', "AND OR NOT", "a:b:c", "*", "?", "title:", "^^^", "\\", "[",
    "x" * 5000, "export AND (", "year:[abc TO]", "country:", "NOT", "\x00", "🙂 emoji",
])
def test_strange_queries_never_raise(store, text):
    result = search(store, SearchRequest(query=text))
    # the count and the page agree (the fixture's index is smaller than a page)
    assert len(result.hits) == result.total, (text, result.total, result.hits)
    assert len({h.id for h in result.hits}) == len(result.hits)


def test_did_you_mean_beside_words_that_find_something(store):
    # "export" alone finds documents: the misspelt word still gets a suggestion
    result = search(store, SearchRequest(query="vuochers export"))
    assert result.total > 0 and result.corrected is None
    assert result.suggestion == "vouchers export"


def test_one_word_that_finds_nothing_is_ranked_by_its_clear_correction(store):
    # "pandemic" finds the matchmaking page; "vuochers" finds nothing, has one close word
    # (a swap of two letters: one typo) and is searched as "vouchers" too: typo tolerance
    result = search(store, SearchRequest(query="vuochers pandemic"))
    ids = [h.id for h in result.hits]
    assert set(ids) == {"vouchers-es", "matchmaking-ro"}, ids
    assert result.total == 2 and result.corrected is None
    assert result.suggestion == "vouchers pandemic"
    voucher = next(h for h in result.hits if h.id == "vouchers-es")
    assert "<mark>vouchers</mark>" in " ".join(p.snippet for p in voucher.passages).lower()
    # as typed on request (the "search as typed" link)
    assert hit_ids(store, query="vuochers pandemic", exact=True) == ["matchmaking-ro"]


def test_two_misspelt_words_are_ranked_by_their_clear_corrections(store):
    # two words that find nothing, each with one clear correction: two typos
    # (bench/typo_variants.py: two misspelt words cost English queries 0.045 nDCG@10)
    result = search(store, SearchRequest(query="vuochers pandemik export"))
    assert result.suggestion == "vouchers pandemic export"
    assert [h.id for h in result.hits] == hit_ids(store, query="vouchers pandemic export")
    # ... but not when one of them has none (words of a language the texts lack, rather
    # than typos), nor three: the words as typed
    for typed in ("vuochers pandemik qqqzzz export", "vuochers pandemik matchmkaing export"):
        assert hit_ids(store, query=typed) == hit_ids(store, query="export"), typed


def test_a_corrected_word_walks_the_vocabulary_once(store, monkeypatch):
    # "did you mean" and typo tolerance share the close words of each unknown word
    with store.reader() as reader:
        walks = count_calls(monkeypatch, type(reader), "similar_words")
    result = search(store, SearchRequest(query="vuochers pandemic"))
    assert {h.id for h in result.hits} == {"vouchers-es", "matchmaking-ro"}  # (ranked by it)
    assert walks == [("vuochers",)]


def test_typo_distance_counts_a_swap_as_one_edit():
    from index.did_you_mean import distance, typo_distance

    for a, b, swaps, edits in [("vuochers", "vouchers", 1, 2), ("huose", "house", 1, 2),
                               ("virtal", "virtual", 1, 1), ("kitten", "sitting", 3, 3),
                               ("", "abc", 3, 3), ("ab", "ba", 1, 2)]:
        assert typo_distance(a, b) == swaps == typo_distance(b, a)
        assert distance(a, b) == edits


def test_nothing_found_shows_the_clear_correction_and_how_to_search_as_typed(store):
    result = search(store, SearchRequest(query="vuochers"))
    assert result.corrected == "vouchers" and result.total > 0 and result.hits
    assert result.request.query == "vuochers" and result.suggestion is None
    assert result.as_typed == '"vuochers"'
    as_typed = search(store, SearchRequest(query=result.as_typed))
    assert as_typed.total == 0 and as_typed.corrected is None and as_typed.suggestion is None


def test_bad_parameters_raise_query_errors(store):
    for req in (SearchRequest(page=0), SearchRequest(page_size=10**9), SearchRequest(sort="x"),
                SearchRequest(filters={"colour": ["red"]})):
        with pytest.raises(QueryError):
            search(store, req)


def test_highlighting_escapes_document_text(store):
    result = search(store, SearchRequest(query="export words"))
    hit = next(h for h in result.hits if h.id == "xss")
    html = " ".join(p.snippet for p in hit.passages)
    assert "<img" not in html and "<b>" not in html and "&lt;img" in html
    assert "<mark>" in html
    view = get_document(store, "xss", "export")
    assert "<img" not in view.passages[0].html and "<mark>export</mark>" in view.passages[0].html


def test_document_view_suggestions_and_more_like_this(store):
    view = get_document(store, "vouchers-es", "talent")
    assert [p.matched for p in view.passages] == [False, True]
    assert get_document(store, "nope") is None
    titles = [s.text for s in suggest(store, "matchm")]
    assert "matchmaking" in titles
    assert any(s.kind == "title" for s in suggest(store, "online b2b"))
    similar = more_like_this(store, "vouchers-es")
    assert similar and all(s.id != "vouchers-es" for s in similar), similar


def test_a_completed_word_is_written_as_the_documents_write_it(store):
    # the index keeps its words folded ("forderung"); a completion showed that form
    words = [s.text for s in suggest(store, "Förd") if s.kind == "word"]
    assert "Förderung" in words, words
    assert "förderung" in [s.text for s in suggest(store, "ford") if s.kind == "word"]
    assert "Exportreisen" in [s.text for s in suggest(store, "Exportr") if s.kind == "word"]
    assert "vállalkozások" in [s.text for s in suggest(store, "vallal") if s.kind == "word"]


def test_a_completed_acronym_keeps_its_capitals(tmp_path, engine):
    # "cov" was completed "cOVID": the case typed was given to a form's first letter alone
    store = build_index(tmp_path, [
        make_doc("covid", "COVID, the EU and the SMEs", "The EU helped SMEs through COVID.")])

    def words(text: str) -> list[str]:
        return [s.text for s in suggest(store, text) if s.kind == "word"]

    assert "COVID" in words("cov") and "COVID" in words("Cov")
    assert "kkv COVID" in words("kkv cov")
    assert "EU" in words("eu")
    # a word written in lower case takes the case of the letter typed
    assert "Helped" in words("Hel") and "helped" in words("hel")


def test_the_last_part_of_a_hyphenated_word_is_completed(tmp_path, engine):
    # "Sud-Munt" suggested nothing: the whole "sud-munt" was looked up as a word's start
    # (the index's words are split at hyphens) and as a title pattern
    store = build_index(tmp_path, [
        make_doc("ro", "Coaching digital din Sud-Muntenia", "Exportatori din Sud-Muntenia.",
                 language="ro"),
        make_doc("de", "Förderung in Baden-Württemberg", "E-commerce in Baden-Württemberg.",
                 language="de"),
    ])

    def texts(text: str, kind: str) -> list[str]:
        return [s.text for s in suggest(store, text) if s.kind == kind]

    assert texts("Sud-Munt", "word") == ["Sud-Muntenia"]
    assert texts("Sud-Munt", "title") == ["Coaching digital din Sud-Muntenia"]
    assert "e-commerce" in texts("e-comm", "word")
    assert "Baden-Württemberg" in texts("Baden-Württ", "word")
    assert texts("Baden-W", "title") == texts("Baden-", "title") == [
        "Förderung in Baden-Württemberg"]
    # a word excluded is no hyphenated word
    assert texts("-Sud", "title") == []


def test_a_completion_keeps_the_accents_typed(tmp_path, engine):
    # "közép" was completed "kozep..." when no title or summary wrote the word: the passages'
    # spellings (index.spellings) tell, and an accent typed is never dropped
    store = build_index(tmp_path, [
        make_doc("hu", "Exportutalvány", "Támogatás kis- és középvállalkozásoknak.",
                 "A középvállalkozások exportja nőtt.", language="hu"),
        make_doc("de", "Leitfaden", "Die Außenwirtschaftsforderung der Region.",
                 language="de"),
    ])

    def words(text: str) -> list[str]:
        return [s.text for s in suggest(store, text) if s.kind == "word"]

    assert "középvállalkozásoknak" in words("közép")
    assert "középvállalkozások" in words("kozep")
    # a form no text writes with the accents typed: those typed are kept
    assert words("Außen") == ["Außenwirtschaftsforderung"]


def test_a_completion_puts_no_typed_accent_into_another_spelling(tmp_path, engine):
    # "exportaç" was completed "exportaçión" (the Spanish "exportación" with the "ç" typed), a
    # word of no language; "e-comm" gave "e-communication", "e-common", which no text writes
    store = build_index(tmp_path, [
        make_doc("pt", "Exportação das PME", "A exportação cresceu.", language="pt"),
        make_doc("es", "Exportación de las pymes", "La exportación creció.", language="es"),
        make_doc("en", "E-commerce for SMEs", "Our common e-mail communication.",
                 "A community of shops in South Muntenia."),
        make_doc("ro", "Coaching digital din Sud-Muntenia", "Exportatori din Sud-Muntenia.",
                 language="ro"),
    ])

    def texts(text: str, kind: str) -> list[str]:
        return [s.text for s in suggest(store, text) if s.kind == kind]

    assert texts("exportaç", "word") == ["exportação"]
    assert sorted(texts("exportac", "word")) == ["exportación", "exportação"]
    assert texts("e-comm", "word") == ["e-commerce"]
    assert texts("e-comm", "title") == ["E-commerce for SMEs"]
    # the titles of a hyphenated word are those that write it
    assert texts("Sud-M", "title") == ["Coaching digital din Sud-Muntenia"]


@pytest.mark.parametrize("text", ["-exp", "NOT exp", "-export", "NOT matchm"])
def test_a_text_that_only_excludes_suggests_no_titles(store, text):
    # it matches documents by what they lack, in no order: each engine listed its own two
    assert [s for s in suggest(store, text) if s.kind == "title"] == []
    # beside words it asks for, titles still come
    assert [s for s in suggest(store, "pandemic -exp") if s.kind == "title"]


def test_a_deleted_documents_words_are_not_suggested(tmp_path, engine):
    store = build_index(tmp_path / "index", [
        make_doc("gone", "Zebracrossing grants", "Zebracrossing grants for exporters."),
        make_doc("kept", "Export grants", "Grants for exporters."),
    ])
    assert "zebracrossing" in [s.text for s in suggest(store, "zebr")]
    with store.lock(), store.update() as writer:
        writer.delete("gone")
    assert search(store, SearchRequest(query="zebracrossing")).total == 0
    assert [s.text for s in suggest(store, "zebr") if s.kind != "title"] == []


def test_parse_query_takes_facet_filters_out_of_the_text():
    parsed = parse_query("country:es theme:covid_response matchmaking")
    assert parsed.filters == {"country": ["ES"], "theme": ["covid_response"]}
    assert parsed.words == ["matchmaking"]


LANGS = ("en", "de", "nl", "hu", "ro", "pt", "es")


def test_udhr_article_text_finds_that_article_first_in_each_language(testdata, tmp_path):
    """Per-language analysis on real text: a query taken from one article of the Universal
    Declaration of Human Rights finds that article first, in each partner language."""
    rows = [json.loads(line) for line in
            (testdata / "multilingual" / "udhr" / "corpus.jsonl").read_text().splitlines()]
    docs = [Document(id=r["id"], source_path=r["id"], sha256="", title=r["title"],
                     language=r["lang"], passages=[Passage(0, r["text"])]) for r in rows]
    store = build_index(tmp_path / "ix", docs)
    for lang in LANGS:
        articles = [r for r in rows if r["lang"].startswith(lang) and r["article"] > 0]
        assert articles, lang
        found = 0
        for r in articles:
            # A query as a user would type it: the article's five longest distinct words.
            words = sorted(set(re.findall(r"\w+", r["text"])), key=lambda w: (-len(w), w))
            query = " ".join(words[:5])
            top = search(store, SearchRequest(query=query, page_size=1, passages=0,
                                              with_facets=False)).hits
            # pt-BR and pt-PT are near-identical: either variant of the article counts
            found += bool(top) and top[0].id.split("-")[-1] == r["id"].split("-")[-1] and (
                top[0].id.split("-")[0][:3] == r["id"].split("-")[0][:3])
        share = found / len(articles)
        assert share >= 0.9, f"{lang}: {found}/{len(articles)} articles found first"


def test_a_document_without_a_date_has_no_year(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc("undated", "Export", "text", date=None),
                                          make_doc("dated", "Export", "text", date="2019")])
    years = search(store, SearchRequest(query="export")).facets["year"].values
    assert [(v.value, v.count) for v in years] == [("2019", 1)]


@pytest.fixture(scope="module")
def dated(tmp_path_factory, engine) -> IndexStore:
    """Dates of every precision, and none; in three languages (tantivy: three parts)."""
    docs = [
        make_doc("day-2016", "Export day", "export", date="2016-05-10"),
        make_doc("month-2016", "Export month", "export", date="2016-05"),
        make_doc("year-2016", "Export year", "export", language="de", date="2016"),
        make_doc("day-2017", "Export later", "export", language="hu", date="2017-01-02"),
        make_doc("undated-en", "Export undated", "export", date=None),
        make_doc("undated-de", "Export ohne Datum", "export", language="de", date=None),
    ]
    return build_index(tmp_path_factory.mktemp("dated"), docs)


DATED = ["year-2016", "month-2016", "day-2016", "day-2017"]  # oldest first
UNDATED = {"undated-en", "undated-de"}


@pytest.mark.parametrize("query", ["", "export"])
def test_sorting_by_date_puts_partial_dates_at_their_period_and_undated_last(dated, query):
    oldest = hit_ids(dated, query=query, sort="oldest")
    newest = hit_ids(dated, query=query, sort="newest")
    # a year or a month without its day sorts before that period's days when oldest first,
    # after them when newest first (the known part of the ISO date compares as text)
    assert oldest[:4] == DATED and set(oldest[4:]) == UNDATED, oldest
    assert newest[:4] == DATED[::-1] and set(newest[4:]) == UNDATED, newest
    if not query:  # browsing without words: newest first, undated last too
        assert hit_ids(dated, query="")[:4] == DATED[::-1]
    # pages: the undated documents are on the last page in both orders
    for sort in ("oldest", "newest"):
        last = hit_ids(dated, query=query, sort=sort, page=3, page_size=2)
        assert set(last) == UNDATED, (sort, last)
        first = hit_ids(dated, query=query, sort=sort, page=1, page_size=2)
        assert not set(first) & UNDATED


def test_a_document_without_a_date_is_in_no_year_and_no_year_filter(dated):
    result = search(dated, SearchRequest(query="export"))
    years = {v.value: v.count for v in result.facets["year"].values}
    assert years == {"2016": 3, "2017": 1} and result.total == 6
    assert set(hit_ids(dated, query="export", filters={"year": ["2016"]})) == {
        "day-2016", "month-2016", "year-2016"}
    assert set(hit_ids(dated, query="year:[1900 TO 2100]")) == set(DATED)
    assert set(hit_ids(dated, query="", year_from=1900, page_size=10)) == set(DATED)
    # a range from a low year or from none (Whoosh matched every year in these before)
    assert set(hit_ids(dated, query="", year_to=2016, page_size=10)) == set(DATED[:3])
    assert set(hit_ids(dated, query="year:[0 TO 2016]")) == set(DATED[:3])
    assert set(hit_ids(dated, query="year:[1500 TO 2016]")) == set(DATED[:3])
    hit = next(h for h in search(dated, SearchRequest(query="", sort="oldest")).hits
               if h.id == "month-2016")
    assert (hit.date, hit.year) == ("2016-05", 2016)  # no day made up on the way out
    undated = search(dated, SearchRequest(query="undated")).hits[0]
    assert (undated.date, undated.year) == (None, None)


def test_synonyms_from_the_taxonomy_cross_languages(tmp_path):
    store = build_index(tmp_path / "ix", [
        make_doc("hu", "Exportutalvány KKV-k részére", "Az exportutalvány segíti a kkv-kat.",
                 language="hu"),
        make_doc("en", "Trade fairs", "Export trade fairs for small firms.")])
    assert "hu" not in hit_ids(store, query="Exportgutscheine")
    # "export" alone begins the Hungarian compound (index.query's longer forms), at a lower
    # weight than the English page's "Export"
    assert hit_ids(store, query="export vouchers") == ["en", "hu"]
    store.save_synonyms([{"en": ["export voucher"], "hu": ["exportutalvány"],
                          "de": ["Exportgutschein"]}])
    ids = hit_ids(store, query="export vouchers")
    assert "hu" in ids
    assert hit_ids(store, query="Exportgutscheine")[0] == "hu"  # German plural
    assert "hu" not in hit_ids(store, query="trade fairs")


def test_a_compound_with_a_country_codes_letters_is_found_as_typed(tmp_path):
    """"IT-Sicherheit" was indexed as Italy's code and "sich", while the query (one compound
    word) looked for "it" and "sich": the document was found by "Sicherheit" alone, no higher
    than any other about Sicherheit."""
    store = build_index(tmp_path / "index", [
        make_doc("de-it", "Leitfaden für kleine Unternehmen",
                 "IT-Sicherheit im Export: Schutz der Kundendaten.", language="de"),
        make_doc("de-other", "Sichere Exporte", "Sicherheit beim Export nach Italien.",
                 language="de"),
    ])
    result = search(store, SearchRequest(query="IT-Sicherheit"))
    assert [h.id for h in result.hits] == ["de-it", "de-other"], result.hits  # both words first
    assert result.hits[0].score > result.hits[1].score
    (passage,) = result.hits[0].passages
    assert "<mark>IT</mark>-<mark>Sicherheit</mark>" in passage.snippet, passage.snippet


def test_a_country_code_before_a_hyphen_and_a_number_is_found_as_the_code(tmp_path):
    """"IT-2020" is Italy's code and a year: a search for the code (typed in upper case)
    finds it, the word "it" does not."""
    store = build_index(tmp_path / "index", [
        make_doc("it-2020", "Programme overview", "The IT-2020 programme for exporters."),
        make_doc("it-word", "Programme overview", "It is a programme for exporters."),
    ])
    assert [h.id for h in search(store, SearchRequest(query="IT")).hits] == ["it-2020"]


#: texts by id: "u" stands for a word between
SPACED = {"ab": "alpha beta", "ba": "beta alpha", "aub": "alpha xray beta",
          "bua": "beta xray alpha", "auub": "alpha xray yankee beta",
          "buua": "beta xray yankee alpha", "auuub": "alpha xray yankee zulu beta",
          "abc": "alpha beta gamma", "aubuc": "alpha xray beta yankee gamma",
          "acb": "alpha gamma beta", "auubuuc": "alpha xray yankee beta zulu quebec gamma",
          "aubuuc": "alpha xray beta yankee zulu gamma",
          "a80b": "alpha " + "xray " * 80 + "beta"}


@pytest.mark.parametrize("query,expected", [
    ('"alpha beta"~1', {"ab", "abc"}),
    ('"alpha beta"~2', {"ab", "abc", "aub", "aubuc", "aubuuc", "acb"}),
    ('"alpha beta"~3', {"ab", "abc", "aub", "aubuc", "aubuuc", "acb", "auub", "auubuuc"}),
    ('"beta alpha"~3', {"ba", "bua", "buua"}),
    ('"alpha beta gamma"~2', {"abc", "aubuc"}),
    ('"alpha beta gamma"~3', {"abc", "aubuc", "aubuuc", "auubuuc"}),
    ('"alpha beta"~9999', {"ab", "abc", "aub", "aubuc", "aubuuc", "acb", "auub", "auubuuc",
                           "auuub"}),
    # beyond the largest ~N kept (64 for two words): counted as ~64 on every engine
    ('"alpha beta"~100', {"ab", "abc", "aub", "aubuc", "aubuuc", "acb", "auub", "auubuuc",
                          "auuub"}),
])
def test_a_sloppy_phrase_keeps_its_order_on_every_engine(tmp_path, query, expected) -> None:
    # tantivy's slop let the words move past each other: "alpha beta"~3 found "beta alpha",
    # "alpha beta gamma"~2 found "alpha gamma beta" and not "alpha xray beta yankee gamma".
    store = build_index(tmp_path / "index", [
        make_doc(key, f"Document {n}", f"{text}. Some other words about nothing.")
        for n, (key, text) in enumerate(SPACED.items())])
    found = search(store, SearchRequest(query=query, page_size=50, with_facets=False))
    assert {h.id for h in found.hits} == expected


def test_a_known_word_with_an_apostrophe_ending_is_no_typo(tmp_path) -> None:
    # "SME's" found its documents (the English analysis drops "'s") and was still offered
    # "did you mean smes"; "kkv's" (Hungarian keeps the ending) found nothing, offered "kkv".
    store = build_index(tmp_path / "index", [
        make_doc("sme", "Support for SMEs", "Every SME needs buyers; SMEs export more.",
                 date="2020-01-01"),
        make_doc("kkv", "A kkv-k exportja", "A kkv exportja nőtt, a kkv támogatása.",
                 language="hu", date="2020-01-01"),
        make_doc("smes", "Small firms", "Smes smes smes and small firms.", date="2020-01-01"),
    ])
    for query in ("SME's", "SMEs'", "sme's export"):
        result = search(store, SearchRequest(query=query))
        assert (result.suggestion, result.corrected) == (None, None), query
        assert "sme" in {h.id for h in result.hits}, query
    result = search(store, SearchRequest(query="kkv's"))
    assert result.corrected == "kkv" and [h.id for h in result.hits] == ["kkv"], result


@pytest.fixture(scope="module")
def few_store(tmp_path_factory, engine) -> IndexStore:
    """A collection that is mostly English, with one short text in each of three partner
    languages: most correct words of those languages are not in it."""
    docs = [make_doc(f"en{i}", f"Virtual fairs {i}", "Virtual trade fairs and virtual "
                     f"exhibitions for small exporters, edition {i}.") for i in range(6)]
    docs += [
        make_doc("nl", "Bezoek aan de beurs", "De ondernemers keken naar de stands op de "
                 "beurs in Leeuwarden.", language="nl"),
        make_doc("es", "Pequeñas empresas exportadoras", "Las pequeñas empresas "
                 "exportadoras participan en ferias comerciales.", language="es"),
        make_doc("hu", "Exportutalvány", "Az exportutalvány működik: a kkv-k "
                 "vállalkozásai pályáznak rá.", language="hu"),
    ]
    return build_index(tmp_path_factory.mktemp("few"), docs)


@pytest.mark.parametrize("query", [
    # Dutch: a correct word two edits from an indexed Dutch word ("keken")
    "kregen", "de ondernemers kregen stands",
    # Spanish: a correct word two edits from an English one ("virtual")
    "ferias virtuales", "empresas virtuales",
    # Hungarian: a correct word two edits from an indexed Hungarian one ("működik")
    "második exportutalvány",
])
def test_a_correct_word_the_index_lacks_gets_no_suggestion(few_store, query):
    result = search(few_store, SearchRequest(query=query, passages=0, with_facets=False))
    assert result.suggestion is None and result.corrected is None


def test_a_word_is_corrected_only_into_a_word_the_documents_of_its_language_write(
        tmp_path, engine):
    # the Dutch "hielp" (helped) was corrected into "help", the Dutch stem of "helpen", and
    # the results of the English "help" shown instead
    store = build_index(tmp_path, [
        *(make_doc(f"en{i}", f"Vouchers {i}", "Export vouchers help small exporters.")
          for i in range(3)),
        make_doc("nl", "Hulp voor ondernemers", "De regio helpt ondernemers; wij helpen "
                 "bedrijven bij het exporteren.", language="nl"),
    ])

    def read(query: str) -> tuple[str | None, str | None]:
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        return result.suggestion, result.corrected

    assert read("Hoe hielp de regio ondernemers") == (None, None)
    # a typo of a word the Dutch documents write is corrected still
    assert read("Hoe helpt de regio ondernemrs") == ("Hoe helpt de regio ondernemers", None)


@pytest.mark.parametrize(("query", "meant"), [
    ("de ondernemers kekn naar de stands", "de ondernemers keken naar de stands"),
    ("pequeñas empresas exportdoras", "pequeñas empresas exportadoras"),
    # two letters swapped: one typo
    ("exportutalváyn kkv-k", "exportutalvány kkv-k"),
    ("virtual exhibitons", "virtual exhibitions"),
    # the case as typed, though the query's words are looked up in lower case
    ("Virtual Exhibitons", "Virtual Exhibitions"),
    # a letter left out, or typed without its accent: as the documents write the word
    ("Hogyan működik az exportutalvny?", "Hogyan működik az exportutalvány?"),
    ("exportutalvny kkv-k", "exportutalvány kkv-k"),
    ("EXPORTUTALVNY kkv-k", "EXPORTUTALVÁNY kkv-k"),
    ("Exportutalvanny kkv-k", "Exportutalvány kkv-k"),
    ("pequeñas empresas exportdoras", "pequeñas empresas exportadoras"),
])
def test_a_misspelt_word_gets_the_word_of_its_language(few_store, query, meant):
    result = search(few_store, SearchRequest(query=query, passages=0, with_facets=False))
    # (written with the accents typed, though the index keeps its words folded)
    assert (result.suggestion or result.corrected) == meant


@pytest.mark.parametrize(("typed", "indexed", "shown"), [
    ("exportutalváyn", "exportutalvany", "exportutalvány"),  # the accent typed, a swap
    ("Frieslnd", "friesland", "Friesland"),  # the case typed, a letter added
    ("întreprinderle", "intreprinderile", "întreprinderile"),
    ("VOUCHRS", "vouchers", "VOUCHERS"),  # an added letter in capitals too
    # a letter folded into two ("ß": "ss") stands for both: its capitals and accents kept
    ("Straße", "strasse", "Straße"),
    ("Außenwirtschaftsfördrung", "aussenwirtschaftsforderung", "Außenwirtschaftsförderung"),
    ("Außenwirtschaftförderung", "aussenwirtschaftsforderung", "Außenwirtschaftsförderung"),
    ("Strase", "strasse", "Strasse"),
    ("vuochers", "vouchers", "vouchers"),
])
def test_a_correction_is_written_as_the_word_was_typed(typed, indexed, shown):
    from index.analysis import fold_text
    from index.did_you_mean import spelt_like

    assert spelt_like(typed, indexed) == shown and fold_text(shown) == indexed


@pytest.mark.parametrize(("typed", "spelt", "shown"), [
    ("exportutalvny", "exportutalvány", "exportutalvány"),  # a letter left out
    ("exportutalvanny", "exportutalvány", "exportutalvány"),  # typed without its accent
    ("exportutalvayn", "exportutalvány", "exportutalvány"),  # ... and swapped
    ("EXPORTUTALVNY", "exportutalvány", "EXPORTUTALVÁNY"),
    ("Exportutalvny", "exportutalvány", "Exportutalvány"),
    ("exportutalvàny", "exportutalvány", "exportutalvàny"),  # an accent typed stays
    ("Strase", "straße", "Strasse"),  # not letter for letter: the indexed word
])
def test_a_correction_is_written_as_the_documents_write_the_word(typed, spelt, shown):
    from index.analysis import fold_text
    from index.did_you_mean import spelt_like

    assert spelt_like(typed, fold_text(spelt), spelt) == shown


def test_a_correction_takes_the_documents_spelling_only_when_they_agree() -> None:
    from index.did_you_mean import _documents_form
    from index.spellings import Spellings

    learnt = Spellings({}, {"ro": {"firma": frozenset({"firma", "firmă"}),
                                   "tara": frozenset({"țara"})},
                            "hu": {"tara": frozenset({"tára"})}})
    assert _documents_form("firma", learnt, ("ro",)) is None  # two ways: as indexed
    assert _documents_form("tara", learnt, ("ro",)) == "țara"
    assert _documents_form("tara", learnt, ("ro", "hu")) is None
    assert _documents_form("tara", None, ("ro",)) is None


def test_query_languages_are_those_the_identifier_gives_most_of_its_belief() -> None:
    from index.did_you_mean import query_languages

    assert query_languages("vállalkozások és exportutalvány") == ("hu", "xx")
    assert set(query_languages("kregen")) >= {"nl", "de"}  # one word: it cannot tell
    assert "en" not in query_languages("kleine bedrijven kregen subsidie")


def test_a_word_of_the_synonyms_is_no_typo_though_no_document_has_it(tmp_path, engine):
    # "Produzent" is in the taxonomy's synonyms (with "producer") but in no document: it was
    # "corrected" into "Prozent", two typos away; it finds the producer's page as it is.
    store = build_index(tmp_path, [
        make_doc("de-anteil", "Exportanteil", "Der Anteil stieg um zehn Prozent.",
                 language="de"),
        make_doc("en-cheese", "Cheese exports", "A producer of cheese exports to Germany."),
    ])
    store.save_synonyms([{"en": ["producer"], "de": ["Produzent"]}])
    result = search(store, SearchRequest(query="Produzent", passages=0, with_facets=False))
    assert result.suggestion is None and result.corrected is None
    assert [h.id for h in result.hits] == ["en-cheese"]
    typo = search(store, SearchRequest(query="Prozetn", passages=0, with_facets=False))
    assert typo.corrected == "Prozent"  # a typo still gets its correction


def test_a_word_of_the_taxonomy_is_no_typo_though_no_document_has_it(tmp_path, engine):
    # "hitel" (Hungarian credit, a keyword of the taxonomy's access-to-finance theme) was
    # "corrected" into "hotel", whose results were shown instead; the taxonomy's words are
    # saved by ingest beside the synonyms (words.json)
    store = build_index(tmp_path, [
        make_doc("en-hotels", "Suppliers of hotels", "Suppliers of restaurants and a hotel."),
    ])
    store.save_words(["hitel", "vissza nem térítendő", "Nyugat-Dunántúl"])
    for query in ("hitel", "Nyugat-Dunántúl"):
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        assert result.suggestion is None and result.corrected is None, (query, result)
    typo = search(store, SearchRequest(query="htoel", passages=0, with_facets=False))
    assert typo.corrected == "hotel"


def test_a_short_words_correction_is_offered_not_shown_instead(tmp_path, engine):
    # "ajutor de stat" (Romanian state aid) showed the results of "ajutor de start": a word
    # of 4 letters gets "Did you mean", its correction's results are not shown in its place
    store = build_index(tmp_path, [
        make_doc("ro-start", "Programul de start", "Un program de start pentru firmele care "
                 "exportă.", language="ro"),
        make_doc("en-start", "Getting started", "How to start exporting: a start-up guide."),
    ])
    result = search(store, SearchRequest(query="ajutor de stat", passages=0,
                                         with_facets=False))
    assert result.suggestion == "ajutor de start" and result.corrected is None, result
    longer = search(store, SearchRequest(query="exportng", passages=0, with_facets=False))
    assert longer.corrected == "exporting"


def test_the_closest_word_is_the_correction_on_every_engine(tmp_path, engine):
    # Nine frequent words two typos from "vouchrs" and one rare word one typo from it:
    # Whoosh's corrector kept the most frequent close words (its first eight were the nine's,
    # so "vouchers" was not among them and nothing was corrected); the tantivy reader the
    # closest. Both now rank an engine's close words alike: the closest, then the more
    # frequent.
    far = [f"v{a}{b}chrs" for a, b in ("xy", "xz", "yx", "yz", "zx", "zy", "qx", "qy", "qz")]
    store = build_index(tmp_path, [
        *(make_doc(f"far{i}", f"Notes {i}", " ".join(far) + f" note {i}.") for i in range(4)),
        make_doc("rare", "Export vouchers", "Export vouchers pay for consultants."),
    ])
    with store.reader() as reader:
        close = dict(reader.similar_words("vouchrs"))
    assert close == {"vouchers": 1, **{w: 4 for w in far}}
    result = search(store, SearchRequest(query="vouchrs", passages=0))
    assert result.corrected == "vouchers" and [h.id for h in result.hits] == ["rare"]


@pytest.mark.parametrize("query", ["welk", "In welk jaar", "Welk deel van het mkb"])
def test_a_question_or_stop_word_of_the_query_language_is_no_typo(tmp_path, engine, query):
    # "welk" (Dutch "which") is in no text here; "well" (English) and "welke" (Dutch) are
    # one typo from it: it is a word of the query's language, not a typo of either
    store = build_index(tmp_path, [
        make_doc("en", "Doing well abroad", "Small firms export well to nearby markets."),
        make_doc("nl", "Welke markten", "Welke markten kiezen kleine bedrijven in het jaar "
                 "van de crisis? Het mkb exporteert deel van de kaas.", language="nl"),
    ])
    result = search(store, SearchRequest(query=query, passages=0))
    assert result.suggestion is None and result.corrected is None, (
        result.suggestion, result.corrected)


def test_the_query_language_is_told_from_the_words_as_typed(tmp_path, engine):
    # "In welk jaar" is Dutch to the language identifier; lower-cased ("in welk jaar", the
    # parsed words) German too, and "jaar", which no text here has, was "corrected" into the
    # German "jahr", whose results were shown instead
    store = build_index(tmp_path, [
        make_doc("de", "Exporte im Jahr der Krise", "Im Jahr 2020 exportierten die "
                 "Unternehmen weniger.", language="de"),
        make_doc("nl", "Welke markten", "Welke markten kiezen kleine bedrijven?",
                 language="nl"),
    ])
    result = search(store, SearchRequest(query="In welk jaar", passages=0))
    assert result.suggestion is None and result.corrected is None, (
        result.suggestion, result.corrected)
    typo = search(store, SearchRequest(query="Im Jarh", passages=0))
    # (offered, not shown instead: a word of 4 letters, REPLACE_WORD_SIZE)
    assert typo.suggestion == "Im Jahr" and typo.corrected is None
    # typed in lower case, the identifier may read it as German too: "jahr" is still no
    # correction to show in place of the words as typed, as "welk" is Dutch only (a question
    # word) and "jahr" German only; it may be offered
    lower = search(store, SearchRequest(query="in welk jaar", passages=0))
    assert lower.corrected is None, lower.corrected
    assert search(store, SearchRequest(query="im jarh", passages=0)).suggestion == "im jahr"


@pytest.mark.parametrize("query", ["9001", "ISO 9001", "2025", "20221", "export 20221",
                                   "HU221", "standard HU221"])
def test_a_number_or_code_is_not_corrected(tmp_path, engine, query):
    # each is one typo from an indexed number or code; a user who typed a number means it
    store = build_index(tmp_path, [
        make_doc("iso", "ISO 900 standard", "The ISO 900 standard of 2021 for exporters in "
                 "HU22.", date="2021"),
        make_doc("other", "Export fairs", "Export fairs abroad."),
    ])
    result = search(store, SearchRequest(query=query, passages=0))
    assert result.suggestion is None and result.corrected is None, (
        result.suggestion, result.corrected)


def test_the_link_to_search_as_typed_quotes_a_word_with_an_apostrophe_whole(tmp_path, engine):
    # "kkv's" finds nothing (the Hungarian analysis keeps the ending): its results are those of
    # "kkv"; the link to the words as typed was kkv'"s" (the quotes around the ending), which
    # found the "kkv" pages again; "kkv's" in quotes is never corrected
    store = build_index(tmp_path, [
        make_doc("hu", "A kkv-k exportja", "A kkv exportja nő.", language="hu"),
    ])
    result = search(store, SearchRequest(query="kkv's", passages=0))
    assert result.corrected == "kkv" and result.as_typed == '"kkv\'s"'
    as_typed = search(store, SearchRequest(query=result.as_typed, passages=0))
    assert as_typed.corrected is None and as_typed.suggestion is None
    assert as_typed.keyword_total == 0


def test_did_you_mean_offers_no_other_form_of_the_typed_word(tmp_path, engine):
    # "exportieren" is a correct German word the German text has only as "exportierende", and
    # "exporteren" a Dutch one whose English neighbour is "exporters": neither is a typo
    store = build_index(tmp_path, [
        make_doc("en", "Training for first-time exporters",
                 "Exporters and small companies learn export pricing and contracts."),
        make_doc("de", "Exportierende Unternehmen", "Die exportierende Unternehmen der Region "
                 "verkaufen auf Messen im Ausland.", language="de"),
        make_doc("nl", "Kaas naar Duitsland", "De kmo's verkopen kaas online aan klanten over "
                 "de grens.", language="nl"),
    ])
    for query, other in (("Unternehmen exportieren", "exportierende"),
                         ("kmo's exporteren", "exporters")):
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        assert other not in (result.suggestion or ""), (query, result.suggestion)
        assert result.corrected is None, query
    # a typo is still corrected into its word, in its language and in English
    typo = search(store, SearchRequest(query="exportierede Unternehmen", passages=0))
    assert typo.suggestion == "exportierende Unternehmen"
    english = search(store, SearchRequest(query="training for first-time exportrs", passages=0))
    assert english.suggestion == "training for first-time exporters"


def test_a_word_alone_is_not_corrected_into_another_ending_of_another_language(
        tmp_path, engine):
    # The German "Exporteure" (exporters; no document writes it) typed alone was shown as the
    # Dutch "Exporteert" (exports): two typos in its ending, while one word may be Dutch,
    # German, Portuguese or Spanish to the language identifier
    store = build_index(tmp_path, [
        make_doc("en", "Training for first-time exporters",
                 "Exporters and small companies learn export pricing and contracts."),
        make_doc("nl", "Kaas naar Duitsland", "De coöperatie exporteert kaas naar Duitsland "
                 "en verkoopt online aan klanten over de grens.", language="nl"),
        make_doc("de", "Exportförderung", "Die Unternehmen der Region verkaufen auf Messen "
                 "im Ausland.", language="de"),
    ])
    for query in ("Exporteure", "exporteure"):
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        assert (result.suggestion, result.corrected) == (None, None), (query, result)
    # a typo in a word's ending is corrected still: one typo, or two in a Dutch query
    for query, meant in (("exporteet", "exporteert"),
                         ("De coöperatie exporteeerd kaas", "De coöperatie exporteert kaas")):
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        assert meant in (result.suggestion, result.corrected), (query, result)


def test_a_letter_typed_with_a_diacritic_is_meant(tmp_path, engine):
    # "Cum află Talent House" (Romanian: how does Talent House find out) got "Did you mean
    # Cum aflăt Talent House": "află" (no document has it) folds to "afla", one typo from the
    # documents' "aflat"; but "ă" was typed, and the documents write "a" there: two typos
    store = build_index(tmp_path, [
        make_doc("ro", "Coaching digital pentru exportatori", "Multe firme au aflat astfel că "
                 "nu aveau nicio adresă de contact în limba engleză.", language="ro"),
        make_doc("en", "Talent House", "Talent House attracts international talent."),
    ])
    for query in ("Cum află Talent House", "află"):
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        assert result.suggestion is None and result.corrected is None, (query, result)
    # a typo is still corrected, with or without the word's diacritics, or with a swap
    for typo in ("aflt", "adresa contacr", "adresă contacr", "adrseă"):
        result = search(store, SearchRequest(query=typo, passages=0, with_facets=False))
        assert (result.suggestion or result.corrected), typo


def test_accents_restored_to_a_query_are_not_typed_diacritics(tmp_path, engine):
    # "prate" (a swap in the Spanish "parte") is read as "práte" (the documents' "práticas"
    # begin so): that "á" was not typed, and "parte" is still one typo away
    store = build_index(tmp_path, [
        make_doc("es", "La parte principal", "La parte de las empresas.", language="es"),
        make_doc("pt", "As práticas", "As práticas das empresas.", language="pt"),
    ])
    result = search(store, SearchRequest(query="prate", passages=0, with_facets=False))
    offered = result.corrected or result.suggestion
    assert offered is not None and fold_text(offered) == "parte", result


@pytest.mark.parametrize(("typed", "spelt", "typos"), [
    ("află", "aflat", 2), ("afla", "aflat", 1), ("aflat", "aflat", 0),
    ("kulfoldi", "külföldi", 0), ("külföldi", "kulfoldi", 2), ("klüföldi", "külföldi", 1),
    ("exportutalváyn", "exportutalvány", 1), ("strase", "straße", 1), ("vuochers", "vouchers", 1),
])
def test_typos_count_a_typed_diacritic_as_meant(typed, spelt, typos):
    from index.did_you_mean import typed_distance, typo_distance

    assert typed_distance(typed, spelt) == typos
    if typed.isascii() and spelt.isascii():
        assert typed_distance(typed, spelt) == typo_distance(typed, spelt)


def test_a_phrase_across_a_page_break_shows_its_pages(tmp_path, engine):
    # A sentence running over a page break: the document's body holds the phrase (its
    # passages' words in order), no one page does; its pages are shown and marked, not
    # nothing (the summary or the opening).
    store = build_index(tmp_path / "ix", [
        make_doc("plan", "Regional action plan",
                 "Vouchers paid for consultants. Partners and local actors discussed the first",
                 "results of the Methodology analysis. Monitoring follows every year.",
                 "Budget tables for the vouchers.", summary="A plan."),
        make_doc("other", "Another plan", "The first steps abroad.", "Results came late."),
    ])
    result = search(store, SearchRequest(query='"first results"'))
    assert [h.id for h in result.hits] == ["plan"]
    shown = result.hits[0].passages
    assert [p.page for p in shown] == [1, 2]
    assert "<mark>first</mark>" in shown[0].snippet and "<mark>results</mark>" in shown[1].snippet
    view = get_document(store, "plan", '"first results"')
    assert view is not None and view.matched_passages == 2
    assert [p.matched for p in view.passages] == [True, True, False]
    # a document that holds the phrase's words but not the phrase, across its pages or not,
    # matches none of its passages: the phrase is loosened only for a document that holds it
    for doc_id, phrase in (("other", '"first results"'), ("plan", '"first vouchers"')):
        view = get_document(store, doc_id, phrase)
        assert view is not None and view.matched_passages == 0, (doc_id, phrase)
        assert not any(p.matched for p in view.passages), (doc_id, phrase)
    # a page holding a rare word of the phrase, not the phrase, before the two it runs over
    # (the reviewer's case: p. 4 with "Methodology analysis" was shown first)
    earlier = build_index(tmp_path / "ix2", [
        make_doc("plan", "Regional action plan",
                 "The Methodology analysis of all eight instruments: methodology, analysis.",
                 "Budget tables. A neutral first check prevents wrong applications.",
                 "Partners and local actors discussed the first",
                 "results of the Methodology analysis. Monitoring follows every year."),
        make_doc("other", "Another plan", "The first steps abroad.", "Results came late."),
    ])
    phrase = '"discussed the first results of the Methodology analysis"'
    shown = search(earlier, SearchRequest(query=phrase)).hits[0].passages
    assert [p.page for p in shown] == [3, 4], [(p.page, p.snippet) for p in shown]
    view = get_document(earlier, "plan", phrase)
    assert [p.matched for p in view.passages] == [False, False, True, True]
    # a phrase within one page shows that page only, as before
    within = search(store, SearchRequest(query='"Methodology analysis"'))
    assert [p.page for p in within.hits[0].passages] == [2]
    assert get_document(store, "plan", '"Methodology analysis"').matched_passages == 1


@pytest.mark.parametrize("typed,as_words", [
    ("titel:export vouchers consultants", "titel export vouchers consultants"),
    ("contry:ES pandemic", "contry ES pandemic")])
def test_a_misspelt_field_name_is_not_made_a_field_by_the_typo_tolerance(store, typed, as_words):
    # "titel" and "contry" find nothing and are one typo from "title" and "country" (words
    # of the texts): ranked by the correction, the query was silently restricted to titles,
    # or said a country filter was typed that the search never applied, and the notice that
    # the name is no field was gone. The name's words are searched.
    result = search(store, SearchRequest(query=typed, with_facets=False))
    name = typed.split(":")[0]
    assert result.notice == f'"{name}:" is not a field; searched for the words.'
    assert result.query_filters == {}
    assert [h.id for h in result.hits] == hit_ids(store, query=as_words, exact=True)


def test_a_misspelt_word_before_a_colon_and_a_space_is_still_ranked_by_its_correction(store):
    # "vuochers: pandemic" has no field name: its typo is tolerated as without the colon
    result = search(store, SearchRequest(query="vuochers: pandemic", with_facets=False))
    assert {h.id for h in result.hits} == {"vouchers-es", "matchmaking-ro"}


def test_a_query_typed_without_accents_finds_the_words_whose_stem_needs_them(tmp_path, engine):
    # the Portuguese stemmer knows "-ação": "exportação" is "export", but "exportacao" is
    # "exportaca", which no text has; typed with no diacritic at all, the query is searched
    # as the documents write its words (index.spellings), and "Did you mean" says so
    store = build_index(tmp_path, [
        make_doc("pt-export", "A exportação das pequenas empresas",
                 "A exportação cresceu durante a pandemia.", language="pt"),
        make_doc("en-fairs", "Trade fairs", "Trade fairs moved online."),
    ])
    result = search(store, SearchRequest(query="exportacao pandemia", passages=0,
                                         with_facets=False))
    assert [h.id for h in result.hits] == ["pt-export"]
    assert result.suggestion == "exportação pandemia" and result.corrected is None
    # one word alone too; as typed on request, and beside a word typed with accents (who
    # types one types them: "exportacao" is then meant so)
    assert hit_ids(store, query="exportacao") == ["pt-export"]
    assert hit_ids(store, query="exportacao", exact=True) == []
    assert hit_ids(store, query="exportacao señal") == []


def test_a_passage_matching_by_its_heading_alone_gives_way_to_those_that_say_it(
        tmp_path, engine):
    """A passage is indexed with its heading: a newsletter's opening section under its title
    ("... Exporting in a pandemic") matched "pandemic" by the heading alone and showed first,
    its text the sample's disclaimer with nothing marked (the reviewer's G9; issue 10, point
    6: prefer passages whose text has the query's words). It still shows when it is all that
    matches."""
    store = build_index(tmp_path / "index", [
        Document(id="letter", source_path="letter.md", sha256="0" * 64, language="en",
                 title="Newsletter No. 3", passages=[
                     Passage(0, "Sample newsletter written for a test corpus.",
                             heading="Newsletter No. 3 - Exporting in a pandemic"),
                     Passage(1, "Trade fairs closed during the pandemic.", heading="Fairs"),
                     Passage(2, "Firms sold online in the pandemic.", heading="Online"),
                     Passage(3, "The partners met in Stuttgart.", heading="Meetings"),
                 ]),
    ])
    for per_doc in (1, 2, 3):
        hit = search(store, SearchRequest(query="pandemic", passages=per_doc)).hits[0]
        shown = [p.ordinal for p in hit.passages]
        assert len(shown) == min(per_doc, 2) and 0 not in shown, (per_doc, shown)
        assert all("<mark>" in p.snippet for p in hit.passages)
    hit = search(store, SearchRequest(query="exporting")).hits[0]
    assert [p.ordinal for p in hit.passages] == [0]  # the heading alone: still shown


def test_a_correct_word_without_accents_is_not_given_another_words_accents(tmp_path, engine):
    # "exportaciones" is correct Spanish and its stem is what the documents' "exportación"
    # gives ("export"); the accent of the documents' word moved into it ("exportaciónes",
    # stem "exportacion") found nothing by keywords and was offered as "Did you mean"
    store = build_index(tmp_path, [
        make_doc("es-export", "La exportación de las pymes",
                 "La exportación creció durante la pandemia.", language="es"),
        make_doc("hu-seat", "A cég székhelye", "A cég székhelye Győrben van.", language="hu"),
        make_doc("en-fairs", "Trade fairs", "Trade fairs moved online."),
    ])
    for query in ("exportaciones", "las exportaciones de las pymes"):
        result = search(store, SearchRequest(query=query, passages=0, with_facets=False))
        assert [h.id for h in result.hits] == ["es-export"], query
        assert result.keyword_total == 1 and result.suggestion is None, query
    # nor a Hungarian word the accent of another that begins alike ("szék...")
    assert search(store, SearchRequest(query="szektor", passages=0,
                                       with_facets=False)).suggestion is None


def test_a_word_typed_with_some_of_its_accents_that_finds_nothing_is_corrected(tmp_path,
                                                                             engine):
    # the tilde forgotten: the Portuguese stemmer makes "exportaçao" "exportaca", which no
    # text has; the documents write "exportação" (stem "export")
    store = build_index(tmp_path, [
        make_doc("pt-export", "A exportação das pequenas empresas",
                 "A exportação cresceu durante a pandemia.", language="pt"),
        make_doc("en-fairs", "Trade fairs", "Trade fairs moved online."),
    ])
    for typed in ("exportaçao", "exportacão"):
        result = search(store, SearchRequest(query=typed, passages=0, with_facets=False))
        assert [h.id for h in result.hits] == ["pt-export"], typed
        assert result.corrected == "exportação" and result.suggestion is None, typed
        # as typed on request
        assert hit_ids(store, query=typed, exact=True) == []
        # the document page reads it as the search does (index.search.passage_query)
        view = get_document(store, "pt-export", typed)
        assert view is not None and view.matched_passages == 1, typed
    # beside words that find something, the words as typed (another form may differ by an
    # accent alone: "segítettek", "segítették")
    result = search(store, SearchRequest(query="exportaçao pandemia", passages=0,
                                         with_facets=False))
    assert result.corrected is None and result.suggestion is None


def test_ties_are_ordered_by_doc_id_and_every_document_scores_one(tmp_path, engine):
    # each engine broke ties in its own order (Whoosh by record, tantivy by segment), and
    # tantivy scored "*" 0.0, "NOT export" 1.0 or 0.0
    from index.engine import Filter

    store = build_index(tmp_path, [
        *(make_doc(f"d{i}", "Export plan", "An export plan.") for i in (3, 1, 4, 2)),
        make_doc("x", "Other", "Nothing else."),
    ])
    with store.reader() as r:
        ranked = r.search(parse_query("export").documents, Filter(), limit=3)
        assert ranked.ids == ["d1", "d2", "d3"] and len(set(ranked.scores)) == 1, ranked
        every = r.search(parse_query("*").documents, Filter(), limit=10)
        assert every.ids == ["d1", "d2", "d3", "d4", "x"] and set(every.scores) == {1.0}
        negated = r.search(parse_query("NOT plan").documents, Filter(), limit=10)
        assert negated.ids == ["x"] and negated.scores == [1.0]
    assert [h.id for h in search(store, SearchRequest(query="*")).hits] == [
        "d1", "d2", "d3", "d4", "x"]
