"""A dictionary decompounder for German, Dutch and Hungarian: the words that end with a term of
the taxonomy's synonym groups and glossary (its dictionary) of their language.

German, Dutch and Hungarian write a concept as one word with the thing it qualifies:
"Exportgutschein", "exportvoucher", "exportutalvány" end with the glossary's "Gutschein",
"voucher", "utalvány" (a voucher). Lucene's DictionaryCompoundWordTokenFilter splits such words
with a word list per language; here the word list is the taxonomy's own one-word terms of each
compounding language (corpus/taxonomy.yaml, ``synonyms`` and ``glossary``), nothing else. A word
ends with a term (its tail) when:

- the tail is the term or one of its inflected forms as the synonyms read them
  (index.synonyms.is_form_of: "gutscheine", "utalványokat");
- the term has MIN_TAIL letters or more (folded): shorter ones end unrelated words (Hungarian
  "adat", data, ends "feladat", a task);
- MIN_HEAD letters or more stand before it (the first part, a German or Dutch linking -s-,
  -en-, -e- included: "Innovations|gutschein"): "Preise" (prices) is no "P|reise" (a trip);
- the term is not one of NOT_TAILS (terms that also end the nouns of "-able": German
  "Fähigkeit", Hungarian "képesség", "hatóság"), and the tail does not start inside a word of
  STRADDLED ("Umkreise" is no "Umk|reise");
- only the longest tail of a word counts, and a word that is itself a form of a term of that
  language keeps a tail only when the tail ends where that term does: "exportutalványok" is
  the term "exportutalvány" and ends with "utalvány"; "Landkreise" is "Landkreis" (a county),
  not "Landk|reise" (a trip).

A query word that ends with a term also stands for that term's synonym group (index.query's
_group_hits, in the query's language when it is told): a German "Exportgutschein" reaches the
glossary's vouchers in every language, and "Onlineberatung" the consulting concept. Only the
query side: a document's compounds are not
split at ingest (tried: their tails among the documents' words, so that an English "voucher",
translated to the Hungarian "utalvány", finds "exportutalvány"; no gain on the development
sets, and false splits on real text: bench/README.md, "A compound's last part").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from index.analysis import fold
from index.synonyms import is_form_of

#: Languages whose words join into compounds or take their endings as one word: their
#: compounds are split here, and a typed word's stem heads longer index terms there
#: (index.query's _longer_forms: the first parts of compounds)
COMPOUNDING_LANGUAGES = frozenset({"de", "nl", "hu"})
#: The shortest term (folded letters) that is a compound's tail
MIN_TAIL = 5
#: The fewest letters before a tail (the compound's first part)
MIN_HEAD = 3
#: Terms are looked up by their first letters: this many (no term shorter than it is one)
_KEY = 3
#: Terms (folded) that end other words far more often than they are a compound's last part:
#: never a tail. German "-fähigkeit" and Hungarian "-képesség", "-hatóság" also end the nouns
#: of "-able" ("Arbeitsfähigkeit", "működőképesség", "megbízhatóság": reliability, not an
#: authority; 38 of the 43 words of Snowball's Hungarian vocabulary that end with "hatóság")
NOT_TAILS: dict[str, frozenset[str]] = {
    "de": frozenset({"fahigkeit"}),
    "hu": frozenset({"kepesseg", "hatosag"}),
}
#: Words (folded) that a tail does not start inside of: the German "Kreis" (a circle, a
#: district) of "Umkreise", "Wirtschaftskreisen" is no "Reise" (a trip)
STRADDLED: dict[str, tuple[str, ...]] = {"de": ("kreis",)}


@dataclass(frozen=True)
class Dictionary:
    """The one-word terms of the compounding languages, by the first _KEY letters of their
    folded form: (language, term as written, folded) each."""

    by_start: dict[str, tuple[tuple[str, str, str], ...]]

    def __bool__(self) -> bool:
        return bool(self.by_start)


@lru_cache(maxsize=16)
def dictionary(pairs: tuple[tuple[str, str], ...]) -> Dictionary:
    """The Dictionary of the (language, term) pairs of a taxonomy's groups: its one-word terms
    in COMPOUNDING_LANGUAGES of _KEY letters or more (the shorter than MIN_TAIL only tell a
    word that is itself a term)."""
    by_start: dict[str, list[tuple[str, str, str]]] = {}
    for lang, term in pairs:
        base = fold(term)
        if lang in COMPOUNDING_LANGUAGES and len(base) >= _KEY and base.isalpha():
            entry = (lang, term, base)
            found = by_start.setdefault(base[:_KEY], [])
            if entry not in found:
                found.append(entry)
    return Dictionary({key: tuple(entries) for key, entries in by_start.items()})


def _terms_of(folded: str, lang: str, known: Dictionary) -> list[str]:
    """The folded terms of ``lang`` in ``known`` that the folded word is a form of."""
    return [base for entry_lang, term, base in known.by_start.get(folded[:_KEY], ())
            if entry_lang == lang and folded.startswith(base) and is_form_of(folded, term, lang)]


def _straddles(folded: str, start: int, lang: str) -> bool:
    """Whether a word of STRADDLED stands in ``folded`` across ``start`` (a tail's start)."""
    for other in STRADDLED.get(lang, ()):
        at = folded.find(other, max(0, start - len(other) + 1))
        if at != -1 and at < start:
            return True
    return False


def tails(word: str, known: Dictionary, languages: Iterable[str] = COMPOUNDING_LANGUAGES
          ) -> list[tuple[str, str, str]]:
    """(language, term, tail) for each term of ``known`` in ``languages`` that ``word`` ends
    with, the tail as it stands in the folded word ("Exportgutscheine" -> ("de", "Gutschein",
    "gutscheine")): the longest tail only, and of a word that is itself a term of that language
    only a tail that ends where the term does (see the module's rules). Empty for most words."""
    folded = fold(word)
    if len(folded) < MIN_HEAD + MIN_TAIL or not known:
        return []
    wanted = set(languages).intersection(COMPOUNDING_LANGUAGES)
    found: list[tuple[str, str, str]] = []
    for i in range(MIN_HEAD, len(folded) - MIN_TAIL + 1):
        tail = folded[i:]
        for lang, term, base in known.by_start.get(tail[:_KEY], ()):
            if (lang in wanted and len(base) >= MIN_TAIL and tail.startswith(base)
                    and base not in NOT_TAILS.get(lang, ()) and is_form_of(tail, term, lang)
                    and not _straddles(folded, i, lang)):
                found.append((lang, term, tail))
        if found:
            break
    kept = []
    for lang, term, tail in found:
        whole = _terms_of(folded, lang, known)
        # a word that is a term's form keeps a tail that ends where that term ends
        # ("exportutalványok": export|utalványok), not one that reads it otherwise
        # ("Landkreise" is Landkreis|e, not Landk|reise)
        start = len(folded) - len(tail)
        if not whole or any(b.endswith(fold(term)) and start == len(b) - len(fold(term))
                            for b in whole):
            kept.append((lang, term, tail))
    return kept


__all__ = ["COMPOUNDING_LANGUAGES", "MIN_HEAD", "MIN_TAIL", "Dictionary", "dictionary", "tails"]
