"""The query side across languages: stop words and question words score only where they are
content, repeated words weigh more, and a word's rarity is judged across languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import IndexStore, SearchRequest, parse_query, search
from index import query_form as qf
from index.query import query_language
from index.query_words import QueryWords, acronyms_in
from tests.helpers import build_index, make_doc


def _ids(store, query: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    req = SearchRequest(query=query, page_size=20, passages=0, with_facets=False, **kw)
    return [h.id for h in search(store, req).hits]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    docs = [
        # English texts that name partner countries by code, as the corpus's reports do
        make_doc("en-codes", "Partners by country",
                 "The regions are Baden-Württemberg (DE), Norte (PT) and the Basque Country (ES); "
                 "countries HU, RO, NL, DE."),
        make_doc("en-fairs", "Digital trade fairs",
                 "Small producers exhibited at international trade fairs held online."),
        make_doc("en-crisis", "Preparing for a crisis",
                 "Regions prepare crisis procedures in calm times: simple forms, fast decisions."),
        make_doc("en-questions", "Questions and answers",
                 "What should we do now? What is next? How can we help? Which one should we pick?"),
        make_doc("es-ferias", "Ferias comerciales",
                 "Las pymes de la región participan en ferias de exportación.", language="es"),
        make_doc("de-codes", "Partnerregionen",
                 "Die Partnerregionen sind Norte (PT), Gelderland (NL) und Baden-Württemberg "
                 "(DE); Länder HU, RO, NL, DE.", language="de", country_code="DE"),
        make_doc("en-minimis", "De minimis aid",
                 "Small firms may receive state aid under the de minimis rule."),
        make_doc("de-minimis", "De-minimis-Beihilfen",
                 "Kleine Firmen erhalten Beihilfen nach der De-minimis-Verordnung.",
                 language="de"),
        make_doc("de-messen", "Wirkung messen",
                 "Wie lässt sich die Wirkung der Förderung messen? Indikatoren für den Export.",
                 language="de"),
    ]
    return build_index(tmp_path_factory.mktemp("qw"), docs)


def test_a_spanish_de_finds_no_english_text_by_the_country_code(store) -> None:  # type: ignore[no-untyped-def]
    assert _ids(store, "de") == []
    hits = _ids(store, "ferias de exportación")
    assert hits and hits[0] == "es-ferias"
    assert "en-codes" not in hits


@pytest.mark.parametrize(("query", "expected"), [
    # English and German queries in which "de" is a word: the "(DE)" of texts is not that word
    ("which firms may receive de minimis aid", "en-minimis"),
    ("Beihilfen nach der De-minimis-Verordnung", "de-minimis"),
])
def test_a_word_that_is_a_country_code_does_not_match_the_code(store, query, expected) -> None:  # type: ignore[no-untyped-def]
    hits = _ids(store, query)
    assert hits[0] == expected
    assert "en-codes" not in hits and "de-codes" not in hits


def test_a_country_code_typed_as_a_code_finds_it_and_the_facet_the_country(store) -> None:  # type: ignore[no-untyped-def]
    assert set(_ids(store, "DE")) == {"en-codes", "de-codes"}
    assert set(_ids(store, "Partnerregionen NL")) == {"de-codes", "en-codes"}
    assert _ids(store, "de") == []
    assert "de-codes" in _ids(store, "country:DE")


@pytest.mark.parametrize("word", ["pentru", "para", "voor", "de"])
def test_function_words_of_other_languages_do_not_score_in_english(word: str) -> None:
    words = QueryWords.of([word], None)
    assert not words.scores_in(word, "en")


@pytest.fixture(scope="module")
def eu_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("en-eu", "Consulting on EU innovation funding",
                 "Advisers help small firms apply for EU programmes."),
        make_doc("de-eu", "EU-Förderung für KMU",
                 "Beratung zu EU-Förderprogrammen für kleine Unternehmen.", language="de"),
        make_doc("ro-eu", "Ce am învățat", "Eu cred că firmele mici au nevoie de sprijin.",
                 language="ro"),
        make_doc("en-other", "Export vouchers", "Vouchers pay for export advice."),
    ]
    return build_index(tmp_path_factory.mktemp("qw-eu"), docs)


@pytest.mark.parametrize(("query", "expected"), [
    ("EU", {"en-eu", "de-eu"}),
    ("EU-Förderung", {"de-eu"}),
    ("title:EU", {"en-eu", "de-eu"}),
])
def test_an_acronym_typed_in_capitals_is_no_stop_word_of_another_language(
        eu_store, query, expected) -> None:  # type: ignore[no-untyped-def]
    # "eu" is a Portuguese and Romanian stop word (I): "EU" was "only very common words"
    result = search(eu_store, SearchRequest(query=query, passages=0, with_facets=False))
    assert expected <= {h.id for h in result.hits}, result.hits
    assert result.notice is None
    hits = _ids(eu_store, "EU funding")
    assert hits[0] == "en-eu" and "de-eu" in hits
    # typed in lower case it is still the pronoun of a short query of unknown language
    assert _ids(eu_store, "eu") == []


@pytest.mark.parametrize(("text", "acronyms"), [
    ("EU funding", {"eu"}),
    ("EU", {"eu"}),
    ("VAT for EU shops", {"vat", "eu"}),
    ("EU OR funding", {"eu"}),
    ("FUNDOS DA EU", set()),  # written in capitals: no word of it tells an acronym
    ("eu", set()),
    ("DE", set()),  # a country code searches its code (QueryWords.codes)
    ("region HU22", set()),
    ("A", set()),
])
def test_acronyms_are_words_of_two_capitals_or_more_in_a_query_not_in_capitals(
        text: str, acronyms: set[str]) -> None:
    assert acronyms_in(text) == acronyms


def test_an_acronym_scores_in_every_language_even_where_it_is_a_stop_word() -> None:
    words = QueryWords.of(["eu"], None, acronyms=frozenset({"eu"}))
    assert words.scores_in("eu", "en") and words.scores_in("eu", "de")
    # a Portuguese query's "EU": not its pronoun either; in the Portuguese fields it finds
    # the acronym (their analysis keeps "eu" only written in capitals)
    words = QueryWords.of(["fundos", "da", "eu"], "pt", acronyms=frozenset({"eu"}))
    assert words.scores_in("eu", "en") and words.scores_in("eu", "pt")
    assert not QueryWords.of(["eu"], None).scores_in("eu", "en")
    # a question word of the field's language that its analysis keeps ("who") does not
    words = QueryWords.of(["who", "funds"], "en", acronyms=frozenset({"who"}))
    assert not words.scores_in("who", "en")


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def eu_pt_ro_store(request, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("pt-eu", "Fundos para as PME do Norte",
                 "As empresas recorrem aos fundos da UE e aos programas EU de inovação.",
                 language="pt"),
        make_doc("pt-eu-pronoun", "Entrevista", "Eu acho que as empresas precisam de apoio; "
                 "eu próprio ajudei.", language="pt"),
        make_doc("ro-eu", "Finanțare pentru IMM",
                 "Firmele folosesc fondurile UE și programele EU pentru export.", language="ro"),
        make_doc("ro-eu-pronoun", "Ce am învățat",
                 "Eu cred că firmele mici au nevoie de sprijin; eu am ajutat.", language="ro"),
        make_doc("pt-heading", "FUNDOS DA EU PARA AS PME", "Um texto sobre exportação.",
                 language="pt"),
    ]
    store = IndexStore(tmp_path_factory.mktemp(f"qw-eu-{request.param}"), engine=request.param)
    with store.lock(), store.rebuild() as writer:
        for doc in docs:
            writer.put(doc)
    return store


def test_an_acronym_written_in_capitals_is_a_word_of_a_portuguese_or_romanian_text(
        eu_pt_ro_store) -> None:  # type: ignore[no-untyped-def]
    # "eu" is a stop word there (I); "EU" written in capitals was dropped at indexing as well
    assert set(_ids(eu_pt_ro_store, "EU")) == {"pt-eu", "ro-eu"}
    assert set(_ids(eu_pt_ro_store, "programas EU")) >= {"pt-eu"}
    assert _ids(eu_pt_ro_store, "title:EU") == []  # a heading in capitals: the pronoun
    # typed in lower case it is still the pronoun: nothing
    assert _ids(eu_pt_ro_store, "eu") == []


def test_an_english_word_of_an_english_query_still_scores_in_english() -> None:
    # "over" and "die" are Dutch and German stop words, but content words of English queries
    words = QueryWords.of(["die", "casting", "over", "budget"], "en")
    assert words.scores_in("die", "en") and words.scores_in("over", "en")


def test_a_question_ranks_by_its_content_words(store) -> None:  # type: ignore[no-untyped-def]
    hits = _ids(store, "what should regions do now to prepare for the next crisis")
    assert hits[0] == "en-crisis"
    assert "en-questions" not in hits
    parsed = parse_query("how can we help exporters")
    assert parsed.documents is not None
    terms = {leaf.text for leaf in qf.leaves(parsed.documents) if isinstance(leaf, qf.Term)}
    assert "help" in terms and "how" not in terms, terms


@pytest.mark.parametrize("query,expected", [
    ("Wie können wir die Wirkung messen?", "de-messen"),
    ("¿Qué ferias de exportación hay ahora?", "es-ferias"),
])
def test_question_words_of_the_partner_languages_are_not_content(store, query, expected) -> None:  # type: ignore[no-untyped-def]
    assert _ids(store, query)[0] == expected
    assert "en-questions" not in _ids(store, query)


def test_the_question_mark_ends_a_question_and_is_no_pattern(store) -> None:  # type: ignore[no-untyped-def]
    # "messen?" was a pattern of "messen" and one more letter: the question's last word
    # found nothing (or only longer words), and counted for nothing else either
    parsed = parse_query("Wie können wir die Wirkung messen?")
    assert "messen" in parsed.words and parsed.text.endswith("messen?")
    assert not any(type(leaf) is qf.Wildcard for leaf in qf.leaves(parsed.documents))
    # (a word's longer forms in German, Dutch and Hungarian are no pattern of the user's)
    assert _ids(store, "Wie kann man messen?") == _ids(store, "Wie kann man messen") != []
    assert "de-messen" in _ids(store, "Förderung messen?")
    # before punctuation or a bracket it ends a question too
    for typed in ("(Wirkung messen?)", "Wie messen?.", "Wirkung messen?!", "messen?\"",
                  "Wirkung messen?, Export"):
        parsed = parse_query(typed)
        assert "messen" in parsed.words, (typed, parsed.words)
        assert not any(type(leaf) is qf.Wildcard
                       for leaf in qf.leaves(parsed.documents)), typed
    assert "de-messen" in _ids(store, "(Förderung messen?)")
    # a question mark inside a word, or before another pattern sign, is still a pattern
    for typed in ("mess?n", "mess?*"):
        assert any(isinstance(leaf, (qf.Wildcard, qf.Prefix))
                   for leaf in qf.leaves(parse_query(typed).documents)), typed


#: (language, a text made of the words that ask for documents, a text on a topic, a query
#: asking for documents on that topic)
REQUESTS = [
    ("en", "This article describes and discusses the papers and publications.",
     "Export vouchers pay for consulting.", "articles describing export vouchers"),
    ("de", "Dieser Artikel beschreibt andere Artikel.",
     "Exportgutscheine bezahlen die Beratung.", "Artikel über Exportgutscheine"),
    ("nl", "Dit artikel beschrijft andere artikelen.",
     "Exportvouchers betalen het advies.", "artikelen over exportvouchers"),
    ("es", "Este artículo describe otros artículos.",
     "Los bonos de exportación pagan la consultoría.", "artículos sobre bonos de exportación"),
    ("pt", "Este artigo descreve outros artigos.",
     "Os vales de exportação pagam a consultoria.", "artigos sobre vales de exportação"),
    ("ro", "Acest articol descrie alte articole.",
     "Voucherele de export plătesc consultanța.", "articole despre voucherele de export"),
    ("hu", "A szöveg leírja a programot.",
     "Az exportutalványok a tanácsadást fizetik.", "leírja az exportutalványokat"),
]


@pytest.mark.parametrize(("lang", "asking", "topic", "query"), REQUESTS,
                         ids=[r[0] for r in REQUESTS])
def test_words_that_ask_for_documents_are_not_content(tmp_path: Path, lang: str, asking: str,
                                                      topic: str, query: str) -> None:
    # "articles describing export vouchers": the texts about vouchers, not the one that
    # speaks of articles and describing (long natural-language queries, as CACM's: "What
    # articles exist which deal with TSS ...")
    store = build_index(tmp_path, [
        make_doc(f"{lang}-request", "Notes", asking, language=lang),
        make_doc(f"{lang}-topic", "Notes", topic, language=lang)])
    assert _ids(store, query) == [f"{lang}-topic"]
    # alone they are searched as typed
    assert _ids(store, query.split()[0]) == [f"{lang}-request"]


def test_a_query_of_question_words_only_is_searched_as_typed(store) -> None:  # type: ignore[no-untyped-def]
    assert _ids(store, "what next")[0] == "en-questions"


def test_a_word_typed_twice_weighs_more() -> None:
    once = parse_query("addressing schemes").documents
    twice = parse_query("addressing schemes; network addressing").documents
    assert once is not None and twice is not None
    boost = {t.text: t.boost for t in qf.leaves(once)
             if isinstance(t, qf.Term) and t.field == "body_en"}
    boost2 = {t.text: t.boost for t in qf.leaves(twice)
              if isinstance(t, qf.Term) and t.field == "body_en"}
    assert boost2["address"] > boost["address"]
    assert boost2["scheme"] == boost["scheme"]


def test_a_word_is_as_rare_in_its_language_as_in_the_collection(tmp_path: Path) -> None:
    # 12 English documents and 2 Spanish ones: a word found in one Spanish document must
    # score like a rare word, not like a word found in half of its (two-document) language.
    docs = [make_doc(f"en{i}", f"Report {i}", f"Export support for firms, edition {i}.")
            for i in range(12)]
    docs += [
        make_doc("es-plan", "Plan de acción", "Plan de acción de Fomento San Sebastián.",
                 language="es"),
        make_doc("es-nota", "Nota de prensa", "Visita de estudio en San Sebastián.",
                 language="es"),
        make_doc("en-fomento", "Fomento San Sebastián visits", "Fomento San Sebastián and "
                 "San Sebastián partners met in San Sebastián to discuss Fomento's plan."),
    ]
    store = build_index(tmp_path, docs)
    assert _ids(store, "plan de acción de Fomento San Sebastián")[0] == "es-plan"


def test_the_query_language_alone_does_not_decide_between_equal_matches(tmp_path: Path) -> None:
    # A Dutch query matching a Dutch and an English document alike (same words, as often, in
    # texts of the same length): the English one is as good an answer. With a prior for the
    # query's language (1.5 before) the Dutch one scored half as much again.
    docs = [
        make_doc("nl-groen", "Groen Werkt Leeuwarden", "Groen Werkt in Friesland: verslag.",
                 language="nl"),
        make_doc("en-groen", "Groen Werkt Leeuwarden", "Groen Werkt in Friesland: report.",
                 language="en"),
    ]
    store = build_index(tmp_path, docs)
    query = "hoe werkt Groen Werkt in Leeuwarden en Friesland"
    assert query_language(query) == "nl"
    req = SearchRequest(query=query, page_size=5, passages=0, with_facets=False)
    scores = {h.id: h.score for h in search(store, req).hits}
    assert set(scores) == {"nl-groen", "en-groen"}
    assert abs(scores["nl-groen"] - scores["en-groen"]) <= 0.01 * max(scores.values())


@pytest.fixture(scope="module")
def vocab_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("en", "Training for first-time exporters",
                 "Exporters and small companies learn export pricing and contracts."),
        make_doc("nl", "Kaas naar Duitsland", "Het kleine bedrijf exporteert kaas naar "
                 "Duitsland en verkoopt online aan klanten over de grens.", language="nl"),
        make_doc("es", "Pequeñas empresas exportadoras", "Las pequeñas empresas exportadoras "
                 "de la ciudad venden en otros mercados con ayuda municipal.", language="es"),
        make_doc("pt", "Exportação das pequenas empresas", "As pequenas empresas do Norte "
                 "aumentaram a exportação com feiras e lojas online.", language="pt"),
    ]
    return build_index(tmp_path_factory.mktemp("vocab"), docs)


@pytest.mark.parametrize(("query", "foreign"), [
    # a Dutch verb the Dutch text inflects otherwise: not "corrected" into English
    ("hoe kunnen kleine bedrijven exporteren naar Duitsland", "exporters"),
    # a Portuguese inflection of an indexed Portuguese word: not "corrected" into Spanish
    ("exportações das pequenas empresas do Norte", "exportadoras"),
    # a Spanish word the Spanish text has in another form: not "corrected" into Portuguese
    ("las pequeñas empresas exportan en otros mercados", "pequenas"),
])
def test_did_you_mean_offers_no_word_of_another_language(vocab_store, query, foreign) -> None:  # type: ignore[no-untyped-def]
    result = search(vocab_store, SearchRequest(query=query, passages=0, with_facets=False))
    assert foreign not in (result.suggestion or "") and result.corrected is None


def test_did_you_mean_corrects_from_the_query_languages_words(vocab_store) -> None:  # type: ignore[no-untyped-def]
    result = search(vocab_store, SearchRequest(query="kleine bedrijven exporteeert kaas"))
    assert result.suggestion == "kleine bedrijven exporteert kaas"
    english = search(vocab_store, SearchRequest(query="training for first-time exportrs"))
    assert english.suggestion == "training for first-time exporters"


def test_edit_distance_with_and_without_a_bound() -> None:
    from index.did_you_mean import distance

    pairs = [("exportrs", "exporters", 1), ("kitten", "sitting", 3), ("", "abc", 3),
             ("messe", "messe", 0), ("abcdef", "uvwxyz", 6)]
    for a, b, d in pairs:
        assert distance(a, b) == d == distance(b, a)
        assert distance(a, b, 2) == min(d, 3)  # past the bound: bound + 1


def test_both_edit_distances_are_one_routine_that_agrees_with_their_definitions() -> None:
    # distance (Levenshtein: the tantivy reader's similar_words, as Whoosh's corrector) and
    # typo_distance (a swap is one edit: did you mean's choice) are one routine; checked
    # against the recursive definitions on every pair of short words of three letters,
    # with and without a bound
    import functools
    import itertools

    from index.did_you_mean import distance, typo_distance

    def reference(a: str, b: str, swaps: bool) -> int:
        @functools.cache
        def d(i: int, j: int) -> int:
            if not i or not j:
                return i + j
            best = min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
            if swaps and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, d(i - 2, j - 2) + 1)
            return best
        return d(len(a), len(b))

    words = ["".join(w) for n in range(5) for w in itertools.product("abc", repeat=n)]
    assert len(words) == 121
    swapped = 0
    for a, b in itertools.product(words, words[::3]):
        lev, osa = reference(a, b, False), reference(a, b, True)
        swapped += osa < lev
        assert distance(a, b) == lev and typo_distance(a, b) == osa, (a, b)
        for bound in (0, 1, 2):
            assert distance(a, b, bound) == min(lev, bound + 1), (a, b, bound)
            assert distance(a, b, bound, swaps=True) == min(osa, bound + 1), (a, b, bound)
    assert swapped  # the words have swaps that the two count differently
