"""A query typed without accents, read with the documents' own spellings (index.spellings)."""

from __future__ import annotations

from index.analysis import fold
from index.spellings import learn


def _spellings(**texts: str):  # type: ignore[no-untyped-def]
    return learn({"language": lang, "title": "", "summary": "", "passages": [text]}
                 for lang, text in texts.items())


def test_a_word_without_its_accents_is_written_as_the_documents_write_it() -> None:
    sp = _spellings(hu="A cégek külföldi vevőket keresnek; a cégekkel beszéltünk.",
                    en="Export vouchers in Baden-Württemberg and San Sebastián.")
    assert sp.restore("kulfoldi vevoket", ("hu", "xx")) == "külföldi vevőket"
    # the case as typed
    assert sp.restore("Baden-Wurttemberg", ("en", "xx")) == "Baden-Württemberg"
    assert sp.restore("SAN SEBASTIAN", ("en", "xx")) == "SAN SEBASTIÁN"
    # a word the documents lack, by the start that all their words with it write alike
    # (without its last letter: "cégek" lengthens nothing here, but a vowel may)
    assert sp.restore("cegeknek", ("hu", "xx")) == "cégeknek"
    # words typed with accents, and words the documents write without them, as typed
    assert sp.restore("export vouchers", ("en", "xx")) == "export vouchers"
    assert sp.restore("külföldi cégeknek", ("hu", "xx")) == "külföldi cégeknek"
    # only the spellings of the languages the query may be in
    assert sp.restore("kulfoldi", ("en", "xx")) == "kulfoldi"


def test_no_accents_where_the_documents_disagree_or_another_form_may_differ() -> None:
    sp = _spellings(pt="A informação pública e a publicação do plano.",
                    ro="O firma mare și o firmă mică.",
                    de="Zuschüsse für Übersetzungen.",
                    hu="A Dunántúl régió.")
    # "public" starts "pública" and "publicação": a start they write differently
    assert sp.restore("publicaria", ("pt", "xx")) == "publicaria"
    # the documents write the word both ways: a correct word as typed
    assert sp.restore("firma", ("ro", "xx")) == "firma"
    # a longer word of the documents may be another form ("Zuschüsse" of "Zuschuss")
    assert sp.restore("Zuschuss fur", ("de", "xx")) == "Zuschuss für"
    # the start's last letter is not taken from a longer word: a vowel lengthens before an
    # ending ("Duna", "Dunántúl")
    assert sp.restore("Duna", ("hu", "xx")) == "Duna"


def test_the_spellings_are_learnt_from_a_bounded_amount_of_text() -> None:
    texts = [{"language": "hu", "title": "", "summary": "", "passages": ["külföldi " * 100]},
             {"language": "hu", "title": "", "summary": "", "passages": ["vevőket"]}]
    sp = learn(texts, max_chars=50)
    assert sp.restore("kulfoldi vevoket", ("hu",)) == "külföldi vevoket"


def test_a_start_gives_its_accents_only_to_another_form_of_its_words() -> None:
    sp = _spellings(es="La exportación de las pymes.", hu="A cégek székhelye.")
    # the Spanish stems: "exportaciones" and "exportación" are "export", "exportaciónes"
    # "exportacion": not another form of the documents' word
    assert sp.restore("exportaciones", ("es", "xx")) == "exportaciones"
    # "szék..." begins "székhelye", another word: no "széktor"
    assert sp.restore("szektor", ("hu", "xx")) == "szektor"
    # "cégeknek" is a form of "cégek" (stem "ceg")
    assert sp.restore("cegeknek", ("hu", "xx")) == "cégeknek"


def test_a_word_that_finds_documents_as_typed_stays_so() -> None:
    sp = _spellings(es="La economía y la tecnología.", pt="A exportação e a região.")

    def found(lang: str, word: str) -> bool:  # the Portuguese documents have "economia"
        return (lang, fold(word).lower()) in {("pt", "economia"), ("es", "economia"),
                                              ("pt", "exportacao")}

    # the Spanish documents' accent is not given to the word of the Portuguese ones
    assert sp.restore("economia", ("pt", "es", "xx"), found) == "economia"
    assert sp.restore("tecnologia", ("pt", "es", "xx"), found) == "tecnología"
    assert sp.restore("economia", ("pt", "es", "xx")) == "economía"


def test_an_offer_is_only_of_words_the_documents_write() -> None:
    sp = _spellings(hu="A cégek külföldi vevőket keresnek.", pt="A exportação cresceu.")
    # read by its start, but not offered: the ending's accents are not known ("cégekről")
    assert sp.restore("cegeknek kulfoldi", ("hu", "xx")) == "cégeknek külföldi"
    assert sp.restore("cegeknek kulfoldi", ("hu", "xx"), offer=True) == "cegeknek külföldi"

    def found(lang: str, word: str) -> bool:
        return lang == "pt" and word.lower() == "exportação"

    # a word typed with some of its accents that finds nothing: offered as written whole,
    # never read so
    assert sp.restore("exportaçao", ("pt", "xx"), found, offer=True) == "exportação"
    assert sp.restore("Exportacão", ("pt", "xx"), found, offer=True) == "Exportação"
    assert sp.restore("exportaçao", ("pt", "xx"), found) == "exportaçao"
    assert sp.restore("exportaçao", ("pt", "xx"), offer=True) == "exportaçao"


def test_german_typed_with_ae_oe_ue_for_the_umlauts_is_written_with_them() -> None:
    # the German transliteration (a keyboard without umlauts, an address, a file name):
    # "Wuerttemberg" found 3 documents of 25, "Exportfoerderung" 1 of 49
    sp = _spellings(de="Die Exportförderung in Baden-Württemberg: Zuschüsse, die Kunden "
                       "können beantragen. Die Steuer und die Mauer.")
    assert sp.restore("Baden-Wuerttemberg", ("de", "xx")) == "Baden-Württemberg"
    assert sp.restore("Exportfoerderung", ("de", "xx")) == "Exportförderung"
    assert sp.restore("Zuschuesse koennen", ("de", "xx")) == "Zuschüsse können"
    assert sp.restore("KOENNEN", ("de", "xx")) == "KÖNNEN"
    # an "ue" that is one, or a word the documents do not write with an umlaut there
    assert sp.restore("Steuer Mauer Queen", ("de", "xx")) == "Steuer Mauer Queen"
    # German only, and only as typed without any diacritic
    assert sp.restore("Exportfoerderung", ("nl", "xx")) == "Exportfoerderung"
    assert sp.restore("Exportfoerderung für", ("de", "xx")) == "Exportfoerderung für"
