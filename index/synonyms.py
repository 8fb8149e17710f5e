"""Which synonym terms of the taxonomy a query contains, matched on word forms, not stems.

A synonym group (``{en: trade fair, de: Messe, pt: feira comercial, ...}``) widens a query that
contains one of its terms. Matching on Snowball stems crossed false friends: German "messen"
(to measure) and "Messe" (trade fair) share the stem "mess". Here a term matches when the
query has its words in order, each as typed or as one of the regular inflected forms of its
language (plurals and, for the inflecting languages, the common case endings), compared
without case or accents:

- en: -s, -es, -y/-ies ("trade fairs", "export vouchers", "SMEs");
- de: -e, -s, -es, -er, -n, -en, -ern, but a noun in -e only as written: its plural in -en
  ("Messen") has the form of an infinitive ("messen"), and the verb wins;
- nl: -s, -'s, -en, -n; es: -s, -es (and -z/-ces); pt: -s, -es, -l/-is, -ão/-ões/-ães,
  -m/-ns; ro: the definite and plural endings (-ul, -ului, -uri, -urile, -a, -ei, -i, -le,
  -lor, -e/-i/-ea/-ele); hu: any ending of up to five letters (an agglutinating language);
- a word of three letters or fewer ("SME", "KMU", "PME") only as written, or with -s in
  en, nl, es, pt ("SMEs").

index.query searches each added term in its own language's fields (see add_synonyms there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from index.analysis import fold

_SUFFIXES: dict[str, tuple[str, ...]] = {
    "en": ("s", "es"),
    "de": ("e", "s", "es", "er", "n", "en", "ern"),
    "nl": ("s", "'s", "en", "n"),
    "es": ("s", "es"),
    "pt": ("s", "es"),
    "ro": ("ul", "ului", "uri", "urile", "urilor", "a", "ei", "i", "ii", "le", "lor", "ilor"),
}
#: (ending, replacement) pairs: the word's ending is replaced
_REPLACEMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("y", "ies"),),
    "es": (("z", "ces"),),
    "pt": (("l", "is"), ("ao", "oes"), ("ao", "aes"), ("m", "ns")),
    "ro": (("e", "i"), ("e", "ea"), ("e", "ele"), ("e", "elor"), ("a", "e"), ("a", "ele")),
}
_HU_MAX_ENDING = 5
_PLURAL_S = ("en", "nl", "es", "pt")
#: a word of this many letters or fewer is an acronym ("SME", "KMU", "mkb"): as written, or
#: with a plural -s
ACRONYM_SIZE = 3


@lru_cache(maxsize=4096)
def word_forms(word: str, lang: str) -> frozenset[str]:
    """The folded forms of one word of a synonym term that a query may use for it."""
    base = fold(word)
    if len(base) <= ACRONYM_SIZE:  # an acronym: as written, or with a plural -s
        return frozenset({base, base + "s"} if lang in _PLURAL_S else {base})
    forms = {base}
    for suffix in _SUFFIXES.get(lang, ()):
        if lang == "de" and base.endswith("e") and (base + suffix).endswith("en"):
            continue  # "Messen" would be the infinitive "messen"
        forms.add(base + suffix)
    for ending, replacement in _REPLACEMENTS.get(lang, ()):
        if base.endswith(ending):
            forms.add(base[: len(base) - len(ending)] + replacement)
    return frozenset(forms)


def is_form_of(typed: str, word: str, lang: str) -> bool:
    """Whether the typed query word is ``word`` (of a synonym term in ``lang``) or one of its
    inflected forms."""
    typed = fold(typed)
    if typed in word_forms(word, lang):
        return True
    if lang == "hu":
        base = fold(word)
        return (len(base) > 3 and typed.startswith(base)
                and len(typed) - len(base) <= _HU_MAX_ENDING)
    return False


def contains_term(words: list[str], term: str, lang: str) -> bool:
    """Whether the query words contain ``term`` (one or more words), in order, each word as
    typed or inflected."""
    parts = term.split()
    n = len(parts)
    if not n:
        return False
    return any(
        all(is_form_of(words[i + k], parts[k], lang) for k in range(n))
        for i in range(len(words) - n + 1)
    )


def matched_terms(words: list[str], group: Iterable[tuple[str, str]]) -> set[str]:
    """The terms of a group ((language, term) pairs) that the query words contain."""
    return {term for lang, term in group if contains_term(words, term, lang)}


#: letters of a term's first word that every form of it a query may use begins with (_head)
_HEAD_LETTERS = 4


@lru_cache(maxsize=65536)
def _head(term: str) -> str:
    """The letters every form of ``term``'s first word begins with (word_forms, is_form_of),
    folded, at most _HEAD_LETTERS: an ending replaces at most two letters of a word of four or
    more (pt "-ão" -> "-ões"), so its first len - 2 letters stay; a shorter word's forms are
    it and it + s."""
    parts = term.split()
    if not parts:
        return ""
    base = fold(parts[0])
    keep = len(base) if len(base) <= 3 else len(base) - 2
    return base[:min(_HEAD_LETTERS, keep)]


#: the terms of recent lists of groups by their _head (_by_head): the list itself (kept, so
#: that its identity stays its own) and, per head, (group number, language, term)
_heads_of: list[tuple[Sequence[Iterable[tuple[str, str]]],
                      dict[str, list[tuple[int, str, str]]]]] = []


def _by_head(groups: Sequence[Iterable[tuple[str, str]]]) -> dict[str, list[tuple[int, str, str]]]:
    """The terms of ``groups`` by their _head, made once per list of groups (the index's
    synonym groups are one list as long as its synonyms do not change)."""
    for known, made in _heads_of:
        if known is groups:
            return made
    table: dict[str, list[tuple[int, str, str]]] = {}
    for i, group in enumerate(groups):
        for lang, term in group:
            table.setdefault(_head(term), []).append((i, lang, term))
    _heads_of.insert(0, (groups, table))
    del _heads_of[4:]
    return table


def matched_terms_by_group(words: list[str],
                           groups: Sequence[Iterable[tuple[str, str]]]) -> list[set[str]]:
    """matched_terms of each group: the same sets, but a term is compared with the query only
    when its first word can be one of ``words`` (their first one to four letters: _head):
    with a glossary of two hundred groups most of its ~2,400 terms share no first letters with
    a query, and comparing each of them word by word took ~9 ms a query with a hundred groups
    (bench/README.md), ~4 ms with two hundred when only the first two letters were compared."""
    by_head = _by_head(groups)
    found: list[set[str]] = [set() for _ in groups]
    heads = {fold(w)[:k] for w in words for k in range(1, _HEAD_LETTERS + 1)}
    for head in heads:
        for i, lang, term in by_head.get(head, ()):
            if contains_term(words, term, lang):
                found[i].add(term)
    return found


__all__ = ["ACRONYM_SIZE", "contains_term", "is_form_of", "matched_terms",
           "matched_terms_by_group", "word_forms"]
