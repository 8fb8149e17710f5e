"""The bulk analyser used for indexing gives exactly the terms of the Whoosh analyser used for
queries and highlighting, in every language, on real multilingual text."""

from __future__ import annotations

import json

import pytest

from index.analysis import (
    CODE_MARK,
    LANGUAGE_KEYS,
    acronym_term,
    analyze,
    analyze_spans,
    country_codes_in,
    find_terms,
    fold,
    language_analyzer,
)

SAMPLES = [
    "Die Förderungen für exportierende Unternehmen in Baden-Württemberg, z.B. innocheck-bw.",
    "A vállalkozások exportja Észak-Magyarországon erősödött; Nyugat-Dunántúl KKV-k.",
    "Dezvoltarea exportului şi a ţării — întreprinderile mici și mijlocii din Sud-Muntenia.",
    "Exportación de las PYMEs vascas: ¡Euskadi! O'Neill's U.S. trade 2021-2022 COVID-19.",
    "Straße ÆØÅ œuvre ½ ﬁnance",
    "Baden-Württemberg (DE) and Norte (PT); HU, RO, NL, DE. PROGRAMA DE APOYO A PYMES (ES) DE",
    "IT-Sicherheit für IT-Dienstleister in Italien (IT), RO-HU, IT- und DE-",
    "IT-2020, HU-2021-03, DE-1a und IT-Sicherheit",
    "Os fundos da UE e os programas EU. Eu acho que sim: eu. FUNDOS DA EU PARA AS PME. EU SME",
    "Programele EU și CE; Eu cred că DA. EU-Kommission AND OR the EU",
]


@pytest.mark.parametrize("lang", LANGUAGE_KEYS)
def test_country_codes_in_running_text_are_terms_of_their_own(lang):
    text = "Baden-Württemberg (DE), HU, NL; a heading: PROGRAMA DE APOYO. De minimis"
    terms = analyze(lang, text)
    assert terms.count(CODE_MARK + "de") == 1  # not the "DE" of the upper-case heading
    assert CODE_MARK + "hu" in terms and CODE_MARK + "nl" in terms
    assert [t for _, _, t in analyze_spans(lang, text)] == terms


@pytest.mark.parametrize("lang", LANGUAGE_KEYS)
def test_a_code_as_the_first_part_of_a_compound_word_is_a_word(lang):
    """"IT-Sicherheit" is information technology, not Italy: the query (one compound word,
    analysed part by part) then finds it; "RO-HU" and "IT Sicherheit" keep their codes."""
    terms = analyze(lang, "IT-Sicherheit, IT-Dienstleister")
    assert CODE_MARK + "it" not in terms and country_codes_in("IT-Sicherheit") == frozenset()
    assert {CODE_MARK + "ro", CODE_MARK + "hu"} <= set(analyze(lang, "RO-HU programme"))
    assert CODE_MARK + "it" in analyze(lang, "IT Sicherheit")
    assert CODE_MARK + "it" in analyze(lang, "Italien (IT) und IT- oder Cyber-Sicherheit")


@pytest.mark.parametrize("lang", LANGUAGE_KEYS)
def test_a_code_before_a_hyphen_and_a_number_is_a_code(lang):
    """A compound's second part starts with a letter: "IT-2020" is Italy and a year (the
    compound rule of schema 11 read it as a word, like "IT-Sicherheit")."""
    assert CODE_MARK + "it" in analyze(lang, "Programme IT-2020 and HU-2021")
    assert CODE_MARK + "hu" in analyze(lang, "Programme IT-2020 and HU-2021")
    assert country_codes_in("IT-2020, HU-2021-03") == frozenset({"it", "hu"})
    assert country_codes_in("IT-Sicherheit, IT-2020") == frozenset({"it"})


@pytest.mark.parametrize("lang", LANGUAGE_KEYS)
def test_bulk_analysis_equals_the_whoosh_chain(lang):
    for text in SAMPLES:
        assert analyze(lang, text) == [t.text for t in language_analyzer(lang)(text)]


def test_bulk_analysis_on_the_udhr_in_every_language(testdata):
    path = testdata / "multilingual" / "udhr" / "corpus.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for lang in {row["lang"].split("-")[0], "xx"} & set(LANGUAGE_KEYS):
            text = row["text"]
            assert analyze(lang, text) == [t.text for t in language_analyzer(lang)(text)]


def _spans_wanted(lang, text, terms):
    return [span for span in analyze_spans(lang, text) if span[2] in terms]


TRICKY = [
    # a wanted word inside longer tokens, joined by dots and apostrophes, at the edges
    "export exporters U.S.export export.U.S O'export export' 'export .export. export..x",
    "re-export(export)export_x x_export 19export export19 Export EXPORT éxport",
    # country codes: their term depends on their neighbours
    "DE (DE) DE-export HU, RO; PROGRAMA DE APOYO. de De dE #de",
    "\texport\u00a0export\u2003export\nexport\x1cexport",
]


@pytest.mark.parametrize("lang", LANGUAGE_KEYS)
def test_finding_terms_gives_the_spans_of_the_whole_analysis(lang, testdata):
    """find_terms (highlighting) looks words up instead of analysing every word: the same
    spans as analyze_spans, for every term of the text, for a few, and for codes."""
    path = testdata / "multilingual" / "udhr" / "corpus.jsonl"
    texts = [json.loads(line)["text"] for line in
             path.read_text(encoding="utf-8").splitlines()[:40]]
    for text in [*SAMPLES, *TRICKY, *texts]:
        every = sorted({t for _, _, t in analyze_spans(lang, text)})
        for terms in (set(every), set(every[::7]), set(analyze(lang, "export U.S de")), {"eu"},
                      {CODE_MARK + "de", CODE_MARK + "hu"}, set()):
            assert find_terms(lang, text, terms) == _spans_wanted(lang, text, terms), text[:60]
        # twice: the second time from what the first one learnt
        assert find_terms(lang, text, set(every)) == _spans_wanted(lang, text, set(every))


def test_finding_terms_when_the_known_chunks_are_many(monkeypatch):
    """What find_terms knows is bounded: past the bound it starts again, same answers."""
    import index.analysis as analysis

    monkeypatch.setattr(analysis, "MAX_KNOWN_CHUNKS", 5)
    monkeypatch.setattr(analysis, "_FINDERS", {})
    for text in [*SAMPLES, *TRICKY]:
        terms = set(analyze("en", text))
        assert find_terms("en", text, terms) == _spans_wanted("en", text, terms)
    assert len(analysis._FINDERS["en"].tokens) < 5 + 20


@pytest.mark.parametrize("lang", ["pt", "ro"])
def test_a_stop_word_written_as_an_acronym_is_a_term(lang):
    """"EU" written in capitals in a Portuguese or Romanian text is the European Union, not
    the stop word "eu" (I): a term there, as typed in a query (acronym_term). Lower case, a
    capital first letter, or a word of a heading in capitals stays the stop word."""
    assert analyze(lang, "fundos EU") == analyze(lang, "fundos") + ["eu"]
    assert acronym_term(lang, "eu") == "eu" == acronym_term(lang, "EU")
    for pronoun in ("Eu acho que sim, eu", "FUNDOS DA EU", "EU PARA", "PROGRAMAS EU"):
        assert "eu" not in analyze(lang, pronoun), pronoun
    assert [t for _, _, t in analyze_spans(lang, "programas EU, eu")] == analyze(
        lang, "programas EU, eu")
    # not a country code (a term of its own) nor an operator word
    assert acronym_term(lang, "de") is None and acronym_term(lang, "or") is None
    assert acronym_term("en", "eu") is None  # no stop word there: the word itself


def test_folding():
    assert fold("Észak") == "eszak"
    assert fold("Straße") == "strasse"
    assert fold("ȘȚ") == "st"


@pytest.mark.parametrize("tag,lang", [("pt-BR", "pt"), ("pt_br", "pt"), (" PT ", "pt"),
                                      ("de-AT", "de"), ("fr-CA", "fr"), ("", ""), (None, "")])
def test_a_language_tag_means_one_language_everywhere(tag, lang):
    """index.base_language decides it for the analysers, the semantic layer, the results page
    and ingest's language codes alike."""
    from index import base_language
    from index.analysis import LANGUAGE_KEYS, OTHER
    from index.prepare import index_language
    from ingest.language import normalise_language

    assert base_language(tag) == lang
    assert index_language(tag) == (lang if lang in LANGUAGE_KEYS else OTHER)
    assert normalise_language(tag) == (lang or None)
