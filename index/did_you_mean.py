""""Did you mean": a query's words unknown to the index replaced by the closest indexed words,
when that finds something; and the query that searches the words as typed."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence

from index import query_form as qf
from index.analysis import OTHER, fold, language_identifier
from index.engine import EngineReader, Filter
from index.query import (
    QUERY_LANGUAGE_MIN_PROBABILITY,
    ParsedQuery,
    analyse,
    parse_query,
    unknown_field_names,
)
from index.query_form import searches
from index.query_words import QUESTION_WORDS, folded_stopwords
from index.records import STEMMED_LANGUAGES
from index.schema import body_field, title_field
from index.spellings import Spellings

#: "did you mean" looks up at most this many words of a query
MAX_CORRECTED_WORDS = 6
#: Close words looked up per unknown word (the closest within 2 edits, the most frequent
#: first among those as close), before those of other languages are set aside.
SUGGEST_CANDIDATES = 8


#: Typos "did you mean" corrects in a word, by its length: one from 4 letters, two from 9 (a
#: swap of two neighbouring letters is one). Shorter words, and two typos in shorter ones,
#: were mostly correct words the index lacks, "corrected" into another word ("debe" ->
#: "date", "kregen" -> "keken"): bench/did_you_mean.py, bench/README.md.
SUGGEST_WORD_SIZES = (4, 9)

#: A correction replaces the results of words that find nothing (shown instead, saying so)
#: only when each word it corrects has this many letters or more, as the typo tolerance
#: ranks by one (TYPO_WORD_SIZES); a shorter word's is only offered ("Did you mean"): short
#: correct words of a language the documents hardly use collide with other words (the
#: Romanian "stat", state, and "start"; the Dutch "welk" and "well"). (A word with an
#: apostrophe's ending is no typo: its base replaces it.)
REPLACE_WORD_SIZE = 5

#: A close word two typos away that is another form of the typed word in a language the
#: query may be in (the typed word's stem there begins the close word's: the Dutch
#: "exporteren" and "exporters", the German "exportieren" and "exportierende") is not its
#: correction. One typo away it still is: a letter left out at a word's end is a typo whose
#: stem begins the word's ("exporte" for "exporter"), and so are too many of the misspelt
#: words (bench/README.md, "Did you mean in every language"); nor the other way round
#: ("exhibitons" is "exhibiton" in English, begun by "exhibit").
OTHER_FORMS_ARE_NO_CORRECTION = True

#: A close word two typos away that differs from the typed word only in their last three
#: letters (an ending) is not its correction while the query may be in several languages:
#: in one of them the typed word is likely a form of a word the documents lack, the ending
#: that language writes, not two typos in a word of another. The German "Exporteure" (the
#: plural of "Exporteur", which no document writes) was shown as the Dutch "Exporteert"
#: (one word alone may be Dutch, German, Portuguese or Spanish to the identifier). A query
#: whose language is clear still gets them (its close words are of its language alone).
ENDINGS_ARE_NO_TYPOS = True


def query_languages(text: str) -> tuple[str, ...]:
    """The languages ``text`` may be in: the fewest of the stemmed languages (those of the
    partners) that the language identifier, asked among them, gives
    QUERY_LANGUAGE_MIN_PROBABILITY together (one when it is sure; most of them for a word
    or two it cannot tell), and OTHER (the documents of any other language)."""
    words = " ".join(re.findall(r"[^\W\d_]+", text))
    if sum(c.isalpha() for c in words) < 4:
        return (*STEMMED_LANGUAGES, OTHER)
    out: list[str] = []
    total = 0.0
    for lang, prob in language_identifier(STEMMED_LANGUAGES).rank(words):
        out.append(str(lang))
        total += prob
        if total >= QUERY_LANGUAGE_MIN_PROBABILITY:
            break
    return (*out, OTHER)


def _in_language(reader: EngineReader, word: str, lang: str) -> bool:
    """Whether ``word`` (an indexed word, folded) is a word of ``lang``'s documents: its form
    in that language's analysis is in that language's fields."""
    tokens = analyse(lang, word)
    return len(tokens) == 1 and any(
        reader.term_count(name, tokens[0]) > 0 for name in (body_field(lang),
                                                           title_field(lang)))


def correction(reader: EngineReader, parsed: ParsedQuery, flt: Filter,
               near: list[tuple[str, list[str]]],
               spellings: Callable[[], Spellings | None] | None = None,
               ) -> tuple[str, bool] | None:
    """The query with its unknown words replaced by their closest indexed words, if that finds
    hits; and whether the correction is clear (each such word has one closest word: no other
    as close). Words in quotes are taken as typed.

    Which words are unknown, and their corrections: :func:`corrections`. ``near``: those of
    ``parsed`` (each unknown word costs a walk of the vocabulary: made once for this and
    ranked_correction). An indexed word is folded: the correction writes it as the documents
    of the languages the query may be in write it, when they all write it one way
    (``spellings``, index.spellings: "exportutalvny" is "exportutalvány", not
    "exportutalvany"; :func:`spelt_like`)."""
    corrected = parsed.text
    changed = False
    clear = True
    learnt: Spellings | None = None
    langs: tuple[str, ...] = ()
    if near and spellings is not None:
        learnt = spellings()
        langs = query_languages(" ".join(_as_typed(parsed.text, parsed.words)))
    for word, found in near:
        folded = fold(word)
        # The closest first ("exportrs": "exporters", not the more frequent "export"), then
        # the more frequent (:func:`_closest`).
        options = found[:2]
        corrected = _replace_word(corrected, word, options[0],
                                  _documents_form(options[0], learnt, langs))
        changed = True
        if len(options) > 1 and typo_distance(folded, options[1]) <= typo_distance(
                folded, options[0]):
            clear = False
    if not changed:
        return None
    if clear and any(len(fold(word)) < REPLACE_WORD_SIZE
                     and _CLITIC.sub("", fold(word)) != found[0] for word, found in near):
        clear = False  # offered, not shown instead of the words as typed
    if clear and not _in_the_words_language(reader, parsed, near):
        clear = False  # offered, not shown instead of the words as typed
    reparsed = parse_query(corrected)
    documents = reparsed.documents
    if not searches(documents) or not reader.search(documents, flt, limit=1).ids:
        return None
    return corrected, clear


def corrections(reader: EngineReader, parsed: ParsedQuery,
                synonyms: Sequence[Mapping[str, Sequence[str]]] = (),
                spellings: Callable[[], Spellings | None] | None = None,
                words: Sequence[str] = (),
                ) -> list[tuple[str, list[str]]]:
    """(word, the indexed words close to it, the closest first) for each of the query's
    words unknown to the index that has close indexed words (see :func:`correction`).

    A word is taken as typed (no typo) when its form in a language the query may be in
    (:func:`query_languages`) is in that language's fields ("exporteren" of a Dutch query is
    what the Dutch text's "exporteert" is); its close words are those of such a language
    (a Dutch word is not "corrected" into the English "exporters", a Spanish one into
    Portuguese), within the typos its length allows (SUGGEST_WORD_SIZES). A word with a digit
    (a number, a year, a code) is taken as typed. A word of the
    ``synonyms`` (the taxonomy's groups: "Produzent", "innovatie") is a correct word whatever
    the documents say: it finds what its group finds; so is a word of the taxonomy's own
    ``words`` (its themes' keywords, its place names: "hitel", Hungarian credit, is no typo
    of "hotel"). A letter typed with a diacritic is
    typed as meant: a close word that the documents (``spellings``: index.spellings, asked
    for only when such a word has close words) write with another letter there is one typo
    further (:func:`typed_distance`): "află" (Romanian, "finds out"; no document has it) is
    no typo of "aflat", which it would have become, written "aflăt"."""
    found: list[tuple[str, list[str]]] = []
    # the words as typed: the identifier reads their case ("In welk jaar" is Dutch; "in welk
    # jaar" may be German too, and "jaar" was "corrected" into the German "jahr")
    langs = query_languages(" ".join(_as_typed(parsed.text, parsed.words)))
    open_language = sum(lang != OTHER for lang in langs) > 1
    known: frozenset[str] | None = None  # the synonyms' words, made when a word is unknown
    learnt: Spellings | None = None  # the documents' spellings, asked for when needed
    quoted = {w.lower() for part in re.findall(r'"([^"]*)"', parsed.text)
              for w in [*re.findall(r"\w+", part), *re.findall(_TYPED_WORD, part)]}
    # Each unknown word costs a walk of the vocabulary: only the first few are corrected.
    for word in [w for w in dict.fromkeys(parsed.words) if w.lower() not in quoted][
            :MAX_CORRECTED_WORDS]:
        folded = fold(word)
        allowed = sum(len(folded) >= size for size in SUGGEST_WORD_SIZES)
        # a number or a code ("9001", "2025", "HU221") is meant as typed: another number is
        # no correction of it
        if not allowed or _has_digit(folded) or reader.word_count(folded) > 0 or any(
                _in_language(reader, word, lang) or _grammar_word(folded, lang)
                for lang in langs):
            continue
        if known is None:
            known = _known_words(synonyms, words)
        if folded in known:
            continue
        base = _known_base(reader, folded)
        if base is not None:
            # "SME's": no typo; its closest word is "sme" when the word as typed finds
            # nothing ("kkv's": the Hungarian analysis keeps the ending), else none
            if _finds_nothing(reader, word):
                found.append((word, [base]))
            continue
        close = _closest(folded, reader.similar_words(folded))
        if close and spellings is not None and not word.isascii():
            if learnt is None:
                learnt = spellings() or Spellings({}, {})
            close = _as_typed_closest(word.lower(), close, learnt, langs)
        options = [o for d, o in close if d <= allowed
                   and any(_in_language(reader, o, lang) for lang in langs)
                   and _written_in(reader, o, langs)
                   and not (OTHER_FORMS_ARE_NO_CORRECTION and d > 1
                            and _other_form(folded, o, langs))
                   and not (ENDINGS_ARE_NO_TYPOS and d > 1 and open_language
                            and _other_ending(folded, o))]
        if options:
            found.append((word, options))
    return found


def _written_in(reader: EngineReader, word: str, langs: Sequence[str]) -> bool:
    """Whether a document of one of the partner languages of ``langs`` writes ``word`` (an
    indexed word, folded) as it is. Its stem in such a language's fields is not enough: the
    Dutch "hielp" (helped; no document has it) was corrected into "help", the Dutch stem
    of "helpen", and the results of the English "help" shown; the German "Exporteure" was
    offered "Exporters", whose Dutch stem is that of "exporteren"."""
    partner = [lang for lang in langs if lang != OTHER]
    if not partner:
        return True
    return bool(reader.search(qf.Term("words", word), Filter.of({"language": partner}),
                              limit=1).ids)


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _in_the_words_language(reader: EngineReader, parsed: ParsedQuery,
                           near: list[tuple[str, list[str]]]) -> bool:
    """Whether each correction of ``near`` is a word of a language every other word of the
    query is a word of (in its documents, or a question or stop word), when there is such a
    language: "in welk jaar" (Dutch: "welk" is a Dutch question word, "in" a word of several
    languages) is not corrected into the German "jahr" in place of the words as typed,
    though "in welk jaar", lower-cased, may be German to the language identifier. A query of
    one word, or of words of no one language, tells nothing: True."""
    corrected = {w.lower() for w, _ in near}
    others = [w for w in dict.fromkeys(parsed.words) if w.lower() not in corrected]
    if not others:
        return True
    shared: set[str] | None = None
    for word in others:
        folded = fold(word)
        langs = {lang for lang in STEMMED_LANGUAGES
                 if _grammar_word(folded, lang) or _in_language(reader, word, lang)}
        shared = langs if shared is None else shared & langs
        if not shared:
            return True
    assert shared is not None
    return all(any(_in_language(reader, found[0], lang) for lang in shared)
               for _, found in near)


def _as_typed(text: str, words: Sequence[str]) -> list[str]:
    """Each of ``words`` (a parsed query's, lower-cased) as ``text`` writes it (its first
    occurrence in any case), or as it is where the text has it otherwise."""
    out = []
    for word in words:
        typed = re.search(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", text)
        out.append(typed.group() if typed else word)
    return out


def _grammar_word(folded: str, lang: str) -> bool:
    """Whether ``folded`` is a question or stop word of ``lang`` (the Dutch "welk", which the
    documents may never write): a word of the language, no typo."""
    return folded in QUESTION_WORDS.get(lang, frozenset()) or folded in folded_stopwords(lang)


def _closest(word: str, similar: Sequence[tuple[str, int]]) -> list[tuple[int, str]]:
    """(typos, word) of the first SUGGEST_CANDIDATES of ``similar`` (an engine's close words
    with their document counts) by typos from ``word`` (a swap of two neighbouring letters is
    one), the more frequent first among words as close, then in alphabetical order: the same
    on every engine (each engine's own first few differed: Whoosh's corrector keeps the most
    frequent words within 2 edits whatever their distance)."""
    close = sorted((typo_distance(word, o), -count, o) for o, count in similar if o != word)
    return [(d, o) for d, _, o in close[:SUGGEST_CANDIDATES]]


def _as_typed_closest(typed: str, close: list[tuple[int, str]], learnt: Spellings,
                      langs: Sequence[str]) -> list[tuple[int, str]]:
    """``close`` (_closest's typos and words) with the typos counted from ``typed`` (a word
    with diacritics, lower case) to each word as the documents of ``langs`` write it
    (:func:`typed_distance`; a word whose spelling is not known keeps its count), in the same
    order of typos, then as _closest had them."""
    counted = []
    for i, (d, other) in enumerate(close):
        spelt = learnt.of(other, langs)
        if spelt:
            d = min(typed_distance(typed, form) for form in spelt)
        counted.append((d, i, other))
    return [(d, other) for d, _, other in sorted(counted)]


def typed_distance(typed: str, spelt: str) -> int:
    """The typos from ``typed`` (a word as typed, lower case) to ``spelt`` (a word as the
    documents write it, lower case), as typo_distance counts them, but a letter typed with a
    diacritic is the same only as that letter ("ă" is not "a": who types "ă" means it),
    while a letter typed without one is the same as any letter it folds from ("a" is "ă":
    many type without accents)."""
    if len(typed) != len(fold(typed)) or len(spelt) != len(fold(spelt)):
        return typo_distance(fold(typed), fold(spelt))  # ("ß": one letter folded as two)

    def same(a: str, b: str) -> bool:
        return a == b or (a.isascii() and fold(b) == a)

    before: list[int] = []
    row = list(range(len(spelt) + 1))
    for i, ca in enumerate(typed, 1):
        above, row = row, [i] * (len(spelt) + 1)
        for j, cb in enumerate(spelt, 1):
            row[j] = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (not same(ca, cb)))
            if (j > 1 and i > 1 and same(ca, spelt[j - 2]) and same(typed[i - 2], cb)):
                row[j] = min(row[j], before[j - 2] + 1)
        before = above
    return row[-1]


def _other_ending(word: str, other: str) -> bool:
    """Whether ``word`` and ``other`` (folded) differ only in their last three letters."""
    return len(os.path.commonprefix([word, other])) >= max(len(word), len(other)) - 3


def _other_form(word: str, other: str, langs: Sequence[str]) -> bool:
    """Whether ``other`` is another form of ``word`` in one of the stemmed ``langs``: the
    stem of ``word`` there begins that of ``other``."""
    for lang in langs:
        if lang in STEMMED_LANGUAGES:
            a, b = analyse(lang, word), analyse(lang, other)
            if len(a) == len(b) == 1 and b[0].startswith(a[0]):
                return True
    return False


def _synonym_words(synonyms: Sequence[Mapping[str, Sequence[str]]]) -> frozenset[str]:
    """Every word of every term of ``synonyms``, folded."""
    return frozenset(fold(w) for group in synonyms for terms in group.values()
                     for term in terms for w in re.findall(r"[^\W\d_]+", term))


#: the last synonyms and words _known_words was asked for, and its answer (the store hands
#: every search the same lists until their files change)
_last_known: tuple[object, object, frozenset[str]] | None = None


def _known_words(synonyms: Sequence[Mapping[str, Sequence[str]]],
                 words: Sequence[str]) -> frozenset[str]:
    """Every word of the ``synonyms``' terms and of ``words`` (the taxonomy's), folded; made
    once per pair of lists."""
    global _last_known
    last = _last_known
    if last is not None and last[0] is synonyms and last[1] is words:
        return last[2]
    known = _synonym_words(synonyms) | frozenset(
        fold(w) for term in words for w in re.findall(r"[^\W\d_]+", term))
    _last_known = (synonyms, words, known)
    return known


#: an apostrophe's ending: the English possessive ("SME's", "partners'"), the Dutch and German
#: plural or genitive of a short word or name ("kmo's", "Andreas'")
_CLITIC = re.compile(r"(?:'s|')$")


def _known_base(reader: EngineReader, folded: str) -> str | None:
    """The known word ``folded`` is with an apostrophe's ending ("sme" of "sme's"), or None.
    Such a word is no typo though no text has it as written, whatever the query's language
    (one word such as "SME's" tells none): its closest words are not looked for."""
    base = _CLITIC.sub("", folded)
    return base if base != folded and len(base) >= 2 and reader.word_count(base) > 0 else None


#: Typos a word may have to be ranked by its correction, by its length (Meilisearch's
#: defaults, minWordSizeForTypos: one from 5 letters, two from 9); a swap of two neighbouring
#: letters is one.
TYPO_WORD_SIZES = (5, 9)

#: At most this many words that find nothing are corrected for the ranking, each with one
#: clear correction (ranked_correction)
TYPO_TOLERANCE_WORDS = 2


def ranked_correction(reader: EngineReader, parsed: ParsedQuery,
                      near: list[tuple[str, list[str]]]) -> str | None:
    """The query to rank by when one or two (TYPO_TOLERANCE_WORDS) of its words find nothing
    as typed, in any language's fields, and each has one closest indexed word within the
    typos its length allows (TYPO_WORD_SIZES): the text with those words corrected; else None
    (typo tolerance, index.search). Such words beside words the index knows are taken for
    typos; more of them ("clientes estrangeiros invocaram força maior": words of a language
    the texts use little), or one without such a close word, are taken as typed (two
    misspelt words cost English queries 0.045 nDCG@10 taken as typed, 0.033 corrected:
    bench/typo_variants.py, bench/README.md). A word unknown as written that still finds
    documents by its stem is no such word. ``near``: :func:`corrections` of ``parsed``
    (made once for "did you mean" and this)."""
    unknown = [w for w in dict.fromkeys(parsed.positive)
               if len(fold(w)) >= 3 and reader.word_count(fold(w)) == 0]
    missing = [w for w in unknown if _finds_nothing(reader, w)]
    if not 1 <= len(missing) <= TYPO_TOLERANCE_WORDS:
        return None
    text = parsed.text
    for word in missing:
        options = dict(near).get(word)
        folded = fold(word)
        allowed = sum(len(folded) >= size for size in TYPO_WORD_SIZES)
        if not options or not allowed:
            return None
        close = sorted((typo_distance(folded, o), o) for o in options)
        if close[0][0] > allowed or (len(close) > 1 and close[1][0] == close[0][0]):
            return None
        if _typed_as_field_name(parsed.text, word):
            return None
        text = _replace_word(text, word, close[0][1])
    return text


def _typed_as_field_name(text: str, word: str) -> bool:
    """Whether ``word`` is typed in ``text`` as a field name ("titel:innovation", "contry:ES";
    not "resilence: alternative suppliers"): a name that is no field is searched as words
    (index.query, with its notice), and "correcting" it made it a field, silently: the
    keyword side was restricted to titles, or said a country filter was in the query that
    the search never applied. "Did you mean" still offers the field."""
    return word.lower() in {name.lower() for name in unknown_field_names(text)}


def _finds_nothing(reader: EngineReader, word: str) -> bool:
    """Whether ``word``, searched alone, is a query that matches no document (a stop word,
    which searches nothing, is not)."""
    alone = parse_query(word).documents
    return alone is not None and searches(alone) and not reader.search(
        alone, Filter(), limit=1).total


def typo_distance(a: str, b: str) -> int:
    """The edits from ``a`` to ``b``, a swap of two neighbouring letters counting as one
    (the optimal string alignment distance)."""
    return distance(a, b, swaps=True)


def quote_changed(typed: str, corrected: str) -> str:
    """``typed`` with the words that ``corrected`` replaced in quotes ("vouchrs" for exporters)."""
    kept = {w.lower() for w in re.findall(_TYPED_WORD, corrected)}
    return re.sub(rf'(?<![\w"]){_TYPED_WORD}(?![\w"])',
                  lambda m: m.group() if m.group().lower() in kept else f'"{m.group()}"', typed)


#: a word as the analysis reads it, with an apostrophe or a dot inside ("kkv's": quoted whole,
#: not as kkv'"s") and an apostrophe's ending ("partners'")
_TYPED_WORD = r"\w+(?:[.']\w+)*'?"


def distance(a: str, b: str, bound: int | None = None, *, swaps: bool = False) -> int:
    """The edits from ``a`` to ``b``: the Levenshtein distance (what Whoosh's corrector counts;
    the tantivy reader's similar_words), or with ``swaps`` the optimal string alignment
    distance (a swap of two neighbouring letters is one edit; typo_distance). Short words
    only: suggestions are at most 2 edits away. With ``bound``: at most ``bound + 1``, returned
    as soon as the distance is sure to be larger (every cell of a row past the bound; a swap's
    cell is at least the substitution's cell of the row between)."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        above, row = row, [i] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            row[j] = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (ca != cb))
            if swaps and j > 1 and i > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], before[j - 2] + 1)
        if bound is not None and min(row) > bound:
            return bound + 1
        before = above
    return row[-1] if bound is None else min(row[-1], bound + 1)


def _documents_form(folded: str, learnt: Spellings | None, langs: Sequence[str]) -> str | None:
    """How the documents of ``langs`` write the indexed word ``folded``, when they all write
    it one way, letter for letter (lower case); else None."""
    if learnt is None:
        return None
    forms = learnt.of(folded, langs)
    if len(forms) != 1:
        return None
    form = next(iter(forms))
    return form if len(form) == len(folded) and fold(form) == folded else None


def _replace_word(text: str, word: str, replacement: str, spelt: str | None = None) -> str:
    """``text`` with ``word`` (in any case) replaced by ``replacement`` (an indexed word,
    folded; ``spelt``: as the documents write it) written as ``text`` has the word
    (:func:`spelt_like`)."""
    return re.sub(rf"(?i)\b{re.escape(word)}\b",
                  lambda typed: spelt_like(typed.group(), replacement, spelt), text, count=1)


def spelt_like(typed: str, folded: str, spelt: str | None = None) -> str:
    """``folded`` (an indexed word: lower-case, without accents) with the letters of
    ``typed`` where their folded forms are its letters, along the alignment of fewest typos
    (a swap of two neighbouring letters is one): their accents and case ("exportutalváyn":
    "exportutalvány", not "exportutalvany"; "Frieslnd": "Friesland"; a letter whose folded
    form is two, "ß" for "ss", stands for both: "Außenwirtschaftsfördrung":
    "Außenwirtschaftsförderung"); a letter ``typed`` lacks is as indexed, in capitals in a
    word typed in capitals. ``spelt``: ``folded`` as the documents write it (lower case, as
    long, folding to it): a letter ``typed`` lacks, and one it has without a diacritic, is
    as they write it ("exportutalvny": "exportutalvány"; "Exportutalvanny":
    "Exportutalvány"); one typed with a diacritic stays as typed."""
    if spelt is not None and (len(spelt) != len(folded) or fold(spelt) != folded):
        spelt = None
    letters = spelt if spelt is not None else folded
    chars = list(typed)
    f = [fold(c) for c in chars]
    n, m = len(f), len(folded)

    def same(i: int, j: int) -> bool:
        """Whether the typed letter i (1-based) is the folded letters ending at j."""
        k = len(f[i - 1])
        return j >= k and folded[j - k:j] == f[i - 1]

    def swapped(i: int, j: int) -> bool:
        return (i > 1 and j > 1 and f[i - 1] == folded[j - 2] and f[i - 2] == folded[j - 1])

    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0:
                d[i][j] = j
                continue
            best = d[i - 1][j] + 1
            if j:
                best = min(best, d[i][j - 1] + 1, d[i - 1][j - 1] + 1)
            if same(i, j):
                best = min(best, d[i - 1][j - len(f[i - 1])])
            if swapped(i, j):
                best = min(best, d[i - 2][j - 2] + 1)
            d[i][j] = best
    capitals = len(typed) > 1 and typed.isupper()

    def as_written(i: int, j: int) -> str:
        """The typed letter i (0-based), the same as the indexed letter j: as the documents
        write it, in its case, when it was typed without a diacritic."""
        typed_letter = chars[i]
        if spelt is None or not typed_letter.isascii():
            return typed_letter
        return spelt[j].upper() if typed_letter.isupper() else spelt[j]

    out: list[str] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i and same(i, j) and d[i][j] == d[i - 1][j - len(f[i - 1])]:
            out.append(as_written(i - 1, j - 1) if len(f[i - 1]) == 1 else chars[i - 1])
            i, j = i - 1, j - len(f[i - 1])
        elif swapped(i, j) and d[i][j] == d[i - 2][j - 2] + 1:
            out += [as_written(i - 2, j - 1), as_written(i - 1, j - 2)]
            i, j = i - 2, j - 2
        elif i and j and d[i][j] == d[i - 1][j - 1] + 1:
            out.append(letters[j - 1].upper() if capitals else letters[j - 1])
            i, j = i - 1, j - 1
        elif j and d[i][j] == d[i][j - 1] + 1:
            out.append(letters[j - 1].upper() if capitals else letters[j - 1])
            j -= 1
        else:
            i -= 1
    return "".join(reversed(out))


__all__ = ["MAX_CORRECTED_WORDS", "REPLACE_WORD_SIZE", "SUGGEST_WORD_SIZES", "TYPO_WORD_SIZES",
           "correction", "corrections", "distance", "query_languages", "quote_changed",
           "ranked_correction", "spelt_like", "typed_distance", "typo_distance"]
