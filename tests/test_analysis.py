"""The bulk analyser used for indexing gives exactly the terms of the Whoosh analyser used for
queries and highlighting, in every language, on real multilingual text."""

from __future__ import annotations

import json

import pytest

from index.analysis import (
    CODE_MARK,
    LANGUAGE_KEYS,
    analyze,
    analyze_spans,
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
]


@pytest.mark.parametrize("lang", LANGUAGE_KEYS)
def test_country_codes_in_running_text_are_terms_of_their_own(lang):
    text = "Baden-Württemberg (DE), HU, NL; a heading: PROGRAMA DE APOYO. De minimis"
    terms = analyze(lang, text)
    assert terms.count(CODE_MARK + "de") == 1  # not the "DE" of the upper-case heading
    assert CODE_MARK + "hu" in terms and CODE_MARK + "nl" in terms
    assert [t for _, _, t in analyze_spans(lang, text)] == terms


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


def test_folding():
    assert fold("Észak") == "eszak"
    assert fold("Straße") == "strasse"
    assert fold("ȘȚ") == "st"
