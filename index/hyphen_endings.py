"""Inflectional endings and clitics written after a hyphen: "kkv-k", "IMM-urile", "realizar-se".

Hungarian and Romanian attach a case or plural ending, and Portuguese an unstressed pronoun, to
a word with a hyphen wherever the ending cannot be joined to the word as written: after an
acronym, a number or a foreign name (hu "kkv-k", "kkv-knak", "EU-s", "EU-ban", "COVID-19-et",
"2020-ban", "UpGradeSME-ben", Hungarian's question particle "van-e"; ro "IMM-uri",
"IMM-urile", "IMM-ului", "site-uri", "start-up-urile"; pt "realizar-se", "apoiá-las"). Analysis
splits such a word at the hyphen into the word and its ending ("kkv", "k"); a query read both
as words of their own: it found only what the two parts find together (10 documents for
"kkv-k", 45 for "kkv"), missed the synonyms of the word ("SME", "KMU"...), and marked the
ending wherever it stood alone ("site-<mark>uri</mark>", a lone "k").

:func:`is_ending` tells the part after a word's last hyphen that is such an ending; index.query
reads a word typed with one as the word before it (for synonyms, stemming and marks). Only a
part typed in lower case: the endings are always written so ("IMM-urile", "EU-s"), while a
capital after a hyphen starts a name or a code ("Vitamin-K", "Castilla-La Mancha", "RO-HU").
The lists hold only endings and clitics: a hyphenated compound's last word ("kkv-eszköz",
"e-commerce", "Baden-Württemberg", "start-up") is a word, searched as typed.
"""

from __future__ import annotations

import re

from index.analysis import fold

#: Hungarian, folded: an optional plural or possessive part (-k, -ak/-ek/-ok, -i, -ja/-je,
#: -jai), then an optional case ending: accusative -t, dative -nak, -ban/-ba/-ból,
#: -on/-n, -ra/-ról, -nál, -hoz, -tól, the instrumental -val with its consonant assimilated
#: to the word ("-kal", "-mal", "-szal"), -ért, -ig, -ként, the adjectival -s and -i; or the
#: question particle -e ("van-e")
_HU_CONSONANT = r"(?:cs|dz|gy|ly|ny|sz|ty|zs|[bcdfghjklmnprstvz])"
_HU_CASE = (r"(?:[aeo]?t|n[ae]k|b[ae]n|b[ae]|bol|tol|rol|[aeo]?n|r[ae]|n[ae]l|h[oe]z|"
            rf"{_HU_CONSONANT}[ae]l|ert|ig|kent|[aeo]?s|i)")
_HU = re.compile(rf"(?:(?:[aeo]?k|j[ae]i?|i){_HU_CASE}?|{_HU_CASE}|e)")
#: Romanian: the definite article and the plural of a word written with a hyphen
_RO = frozenset({"ul", "ului", "uri", "urile", "urilor", "lui", "lor", "le"})
#: Portuguese: the unstressed pronouns after a verb (not the one-letter "o", "a": "Type-A")
_PT = frozenset({"se", "lo", "la", "los", "las", "lhe", "lhes", "me", "te", "nos", "vos",
                 "no", "na", "nas"})


#: Romanian words written with a hyphen of which no part is a content word, folded: the elided
#: pronouns, negation and auxiliary ("s-a", "s-au", "n-a", "m-am", "l-am", "i-a", "v-ați"),
#: the pronouns after "să" ("să-și", "să-i", "să-mi") and the prepositions elided before an
#: article ("într-un", "dintr-o", "printr-un"), beside the Romanian stop words
_RO_CLITICS = frozenset({"s", "n", "m", "l", "v", "i", "mi", "ti", "si", "ii", "il", "va",
                         "intr", "dintr", "printr", "dedesubtul"})


def is_ending(part: str, before: str = "") -> bool:
    """Whether ``part`` (what follows a word's last hyphen, as typed) is an inflectional ending
    or a clitic of Hungarian, Romanian or Portuguese: in lower case, letters only. A
    Portuguese pronoun only after a word not in capitals (``before``, the part before the
    hyphen: a verb, never an acronym; "PKG-la" is a protein)."""
    if not part or not part.isalpha() or part != part.lower():
        return False
    folded = fold(part)
    return (folded in _RO or _HU.fullmatch(folded) is not None
            or (folded in _PT and not before.isupper()))


#: a word's last hyphen with a part of letters after it, ending the word
_LAST_PART = re.compile(r"(?<=\w)-([^\W\d_]+)(?![\w-])")


def typed_endings(text: str) -> set[tuple[str, str]]:
    """(the word part before, the ending), lower-cased, of each word of ``text`` whose part
    after its last hyphen is an ending (:func:`is_ending`): "A kkv-knak" -> {("kkv", "knak")}."""
    found: set[tuple[str, str]] = set()
    for m in _LAST_PART.finditer(text):
        before = re.search(r"\w+$", text[:m.start()])
        if before and is_ending(m.group(1), before.group()):
            found.add((before.group().lower(), m.group(1)))
    return found


#: a word of letters with one or more hyphens
_HYPHENATED = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)+(?![\w-])")


def typed_clitics(text: str) -> set[tuple[str, ...]]:
    """The parts, lower-cased, of each word of ``text`` written with a hyphen whose parts are
    all Romanian clitics or stop words (_RO_CLITICS, the Romanian stop words): "S-a", "s-au",
    "într-un", "să-și" (in lower case as they are written, but for a capital starting a
    sentence: an acronym's ending is none, "EU-s", "eu" being "I" in Romanian). Such a
    word is a stop word: the query searches none of its parts, which were searched as content
    words in every language ("s", "a", "intr", "un")."""
    from index.query_words import folded_stopwords

    stops = folded_stopwords("ro")
    found: set[tuple[str, ...]] = set()
    for m in _HYPHENATED.finditer(text):
        parts = m.group().split("-")
        if parts[0][1:] != parts[0][1:].lower() or any(p != p.lower() for p in parts[1:]):
            continue  # (a capital but the first letter: an acronym, "EU-s", "PKG-la")
        if all(fold(part.lower()) in _RO_CLITICS or fold(part.lower()) in stops
               for part in parts):
            found.add(tuple(part.lower() for part in parts))
    return found


__all__ = ["is_ending", "typed_clitics", "typed_endings"]
