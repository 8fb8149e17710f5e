"""A query rendered in another language through the glossary (index.rendering): what the
semantic side embeds beside the query (renderings), and the in-place rendering measured
against it (render)."""

from __future__ import annotations

from index.rendering import render, rendered_terms, renderings

GROUPS = [
    {"en": ["export voucher"], "de": ["Exportgutschein"], "hu": ["exportutalvány"],
     "es": ["bono de exportación"]},
    {"en": ["voucher"], "de": ["Gutschein"], "hu": ["utalvány"], "es": ["bono"]},
    {"en": ["supplier"], "de": ["Zulieferer", "Lieferant"], "es": ["proveedor"]},
    {"en": ["SME"], "de": ["KMU"], "hu": ["kkv"], "es": ["pyme"]},
]


def test_each_glossary_term_is_replaced_by_its_concepts_term_the_other_words_kept():
    assert (render("Musste eine Firma beim ungarischen Exportgutschein angeben?", GROUPS, "en")
            == "Musste eine Firma beim ungarischen export voucher angeben?")
    # a term of several words, inflected forms (a Spanish plural), punctuation kept
    assert (render("¿El bono de exportación húngaro se canjeaba con proveedores acreditados?",
                   GROUPS, "en")
            == "¿El export voucher húngaro se canjeaba con supplier acreditados?")
    # into another partner language: its first term; a Hungarian word with an ending
    assert render("KMU und Lieferanten", GROUPS, "hu") == "kkv und Lieferanten"
    assert render("exportutalványok kkv-knak", GROUPS, "de") == "Exportgutschein kkv-knak"


def test_the_longest_term_wins_and_a_word_is_replaced_once():
    # "bono de exportación" holds "bono" (the voucher concept): the export voucher wins
    assert render("bono de exportación", GROUPS, "de") == "Exportgutschein"
    assert render("bono y bono de exportación", GROUPS, "de") == "Gutschein y Exportgutschein"


def test_a_query_without_terms_of_other_languages_is_not_rendered():
    assert render("export vouchers for small firms", GROUPS, "en") == (
        "export vouchers for small firms")
    assert render("nothing of the glossary", GROUPS, "de") == "nothing of the glossary"
    assert render("", GROUPS, "en") == ""
    # a concept without a term in the language leaves the word as typed
    assert render("Lieferant", GROUPS, "hu") == "Lieferant"
    assert renderings("export vouchers for SMEs", GROUPS, ["en"]) == []
    assert rendered_terms("export vouchers for SMEs", GROUPS, "en") == ""


def test_a_rendering_is_the_query_followed_by_its_terms_concepts_in_the_language():
    assert rendered_terms("Exportgutschein für KMU", GROUPS, "en") == "export voucher SME"
    assert renderings("Exportgutschein für KMU?", GROUPS, ["en"]) == [
        "Exportgutschein für KMU? export voucher SME"]
    assert renderings("KMU exportieren", GROUPS, ["en", "es", "hu", "de"]) == [
        "KMU exportieren SME", "KMU exportieren pyme", "KMU exportieren kkv"]
