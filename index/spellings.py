"""The documents' own spellings of their words, and a query typed without accents read with
them ("kulfoldi" as "külföldi", "Baden-Wurttemberg" as "Baden-Württemberg").

The keyword side folds its words ("kozepes" finds "közepes") but stems them before: the
Portuguese "exportação" is "export", "exportacao" "exportaca", which no text has. And the
model of the semantic side reads the text as typed, and a query without its diacritics is
another text to it: measured with bench/typo_variants.py (bench/README.md),
dropping a query's accents cost Hungarian queries 0.10 nDCG@10 and English ones naming
"Baden-Württemberg" or "San Sebastián" 0.11, all of it on the semantic side. The model is
given the query with each word that has no diacritics written as the documents of the
languages the query may be in write it, when they agree: the word whole, when they have it
and never write it without its accents ("kulfoldi": "külföldi"; "firma" stays, the
Romanian documents write "firma" and "firmă"); else the longest start it shares with their
words (half the word at least, MIN_SHARED letters at least, shorter than the word: a longer
word may be another form with other vowels, "Zuschuss" and "Zuschüsse"), without that
start's last letter (a Hungarian vowel lengthens before an ending: "Duna", "Dunántúl"), when
every one of their words with that start writes it alike ("cegeknek" shares "cegek" with
"cégek", "cégekkel": "cégeknek"; "publicaria" shares "public" with "pública" and
"publicação": stays), and only when the word so written is another form of theirs, its stem
the same ("cégeknek", "cégek": "cég"; "exportaciones" shared "exportacion" with the Spanish
"exportación" and became "exportaciónes", stemmed "exportacion" where both others are
"export": it lost every keyword hit, and "szektor" took the accent of "székhely"). A word the
documents write without accents ("export") stays as typed, and so does a query with a
diacritic anywhere (who types one types them all, and "konnten" beside "einlösen" is not
"könnten"), and a word that finds, as typed, documents of a language it may be in that do
not write it so, or that it would not find so written (index.search.with_accents reads the
index for that: the Portuguese "economia" beside the Spanish documents' "economía"). "Did
you mean" offers only the words the documents write whole: a start gives no ending its
accents ("cegekrol" is "cégekről"); and a word typed with some of its accents but not all
("exportaçao", the tilde forgotten) that finds nothing, as they write it whole, when so it
finds something (index.search: the results of "exportação" are shown when the query as
typed finds nothing by keywords; beside words that find something the word is not offered,
another form may differ by an accent alone: "segítettek", "segítették").

The spellings are read once per index version and process from the documents' texts (their
titles, summaries and first passages, at most MAX_CHARS characters: a bounded cost on any
collection).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from index.analysis import analyze, fold
from index.prepare import index_language

#: passages read per document, and characters read in all, to learn the spellings
PASSAGES = 20
MAX_CHARS = 1_000_000
#: the least a word and a documents' word must share at their start for its accents (a
#: shorter word is restored only as the documents write it whole: "fur", "für")
MIN_SHARED = 4
#: a start shared by more of the documents' words than this is not looked at (a bound)
MAX_SHARING = 200

_WORD = re.compile(r"[^\W\d_]+")

#: whether a word's terms in a language (its analysis there) are in that language's documents
Found = Callable[[str, str], bool]


@dataclass(frozen=True)
class Spellings:
    """Per language (index.analysis.LANGUAGE_KEYS): the folded words of its documents in
    order, and each one's spellings (lower case, each as its documents write it)."""

    folded: dict[str, list[str]]
    spelt: dict[str, dict[str, frozenset[str]]]

    def of(self, folded: str, langs: Sequence[str]) -> frozenset[str]:
        """How the documents of ``langs`` write the word ``folded`` (lower case; none: they
        do not have it, or it is not among the texts read)."""
        return frozenset().union(*(self.spelt.get(lang, {}).get(folded, frozenset())
                                   for lang in langs))

    def restore(self, text: str, langs: Sequence[str], found: Found | None = None,
                offer: bool = False) -> str:
        """``text`` with each word that has no diacritics written with the accents the
        documents of ``langs`` all give it, or its start (see the module), when the text has
        no diacritic at all; the text itself when there is nothing to restore. ``found``:
        whether a word's terms in a language are in that language's documents (a word that
        finds what it would not find so written stays as typed: _accented_start).

        ``offer``: what "Did you mean" may offer: only the words the documents write whole
        (a word restored by its start may lack an ending's accents), and, with ``found``, a
        word typed with some of its accents that finds nothing, as the documents write it
        whole ("exportaçao": "exportação"; not read so: "segítettek" is not "segítették")."""
        bare = not any(c.isalpha() and not c.isascii() for c in text)

        def spell(m: re.Match[str]) -> str:
            word = m.group()
            if len(word) < 2:
                return word
            if not word.isascii():
                if found is None or not offer:
                    return word
                spelling = self._partly_accented(word, langs, found)
            elif not bare:
                # a query with accents anywhere is typed by someone who types them: its
                # other words are meant so ("konnten", not "könnten")
                return word
            else:
                spelling = self._accented_start(word.lower(), langs, found, offer)
                if spelling is None and "de" in langs:
                    umlauts = self._umlauts(word.lower(), found, offer)
                    if umlauts is not None:
                        written, typed = umlauts
                        return _accented(word, written)[:len(written)] + word[typed:]
            return word if spelling is None else _accented(word, spelling)

        return _WORD.sub(spell, text)

    def _umlauts(self, word: str, found: Found | None, offer: bool
                 ) -> tuple[str, int] | None:
        """How the German documents write ``word`` (lower case, no diacritics) typed with
        "ae", "oe", "ue" for "ä", "ö", "ü" (a keyboard without umlauts, an address or a file
        name: "Wuerttemberg", "Exportfoerderung"), the German transliteration, which Snowball's
        "german2" and Lucene's GermanNormalizationFilter read so, and the folding here does
        not ("wuerttemberg" is not "wurttemberg"): the spelling of its start, and how many of
        the letters typed it stands for; None when they do not write it with an umlaut there.
        Each of its "ae", "oe", "ue" is read so, else only one of them (a "ue" may be one:
        "Steuer")."""
        spots = [m.start() for m in _TRANSLITERATED.finditer(word)]
        if not spots:
            return None
        tries = [spots] + ([[spot] for spot in spots] if len(spots) > 1 else [])
        for chosen in tries[:1 + MAX_UMLAUT_SPOTS]:
            plain = "".join(c for i, c in enumerate(word) if i not in chosen)
            spelling = self._accented_start(plain, ("de",), found, offer)
            if spelling is None or not any(c in "äöü" for c in spelling):
                continue
            typed = spelling.translate(_TRANSLITERATION)
            # the umlauts it writes are those typed: "ue" is "ü", not another letter's "u"
            at = [i - 1 - sum(j < i for j in chosen) for i in chosen]
            if word.startswith(typed) and all(spelling[i] in "äöü"
                                              for i in at if i < len(spelling)):
                return spelling, len(typed)
        return None

    def _partly_accented(self, word: str, langs: Sequence[str], found: Found) -> str | None:
        """How the documents of ``langs`` write ``word`` whole, when it has diacritics but
        not theirs (a tilde forgotten, "exportaçao", or a cedilla, "exportacão") and its
        terms are in none of these languages' documents, while theirs are; else None."""
        key = fold(word.lower())
        if len(key) != len(word):
            return None
        spellings = {form for lang in langs
                     for form in self.spelt.get(lang, {}).get(key, ())}
        if len(spellings) != 1:
            return None
        (spelling,) = spellings
        if spelling == word.lower() or any(found(lang, word) for lang in langs):
            return None
        if not any(found(lang, spelling) for lang in langs):
            return None
        return spelling

    def _accented_start(self, word: str, langs: Sequence[str], found: Found | None = None,
                        offer: bool = False) -> str | None:
        """How the documents of ``langs`` write ``word`` (folded) or its start, when they
        agree and write accents there; else None. The word whole when they have it
        (then only its spellings count); else (not for an ``offer``) the longest start it
        shares with their words, of half the word and MIN_SHARED letters at least but
        shorter than the word (a longer word of the documents may be another form with
        other vowels: "Zuschuss", "Zuschüsse"), without its last letter (a vowel lengthens
        before an ending: "Duna", "Dunán"), as every documents' word with that start writes
        it, and only when the word so written is another form of one of them (its stem in
        that language is theirs: "cégeknek" of "cégek"; not "exportaciónes" of
        "exportación", whose Spanish stems are "exportacion" and "export", nor "széktor" of
        "székhely").

        With ``found``, the word stays as typed when it so finds what it would not find so
        written, or finds documents of a language of ``langs`` that does not write it so
        (the Portuguese "economia" beside the Spanish documents' "economía")."""
        whole: set[str] = set()
        starts: set[str] = set()
        giving: set[str] = set()  # the languages whose documents write it so
        for lang in langs:
            words = self.folded.get(lang)
            if not words:
                continue
            spelt = self.spelt[lang]
            i = bisect.bisect_left(words, word)
            if i < len(words) and words[i] == word:
                whole |= spelt[word]
                giving.add(lang)
                continue
            if offer or whole or len(word) < MIN_SHARED:
                continue
            shared = max((_shared(word, words[j]) for j in (i - 1, i)
                          if 0 <= j < len(words)), default=0)
            if shared < max(MIN_SHARED, (len(word) + 1) // 2) or shared == len(word):
                continue
            start = word[:shared]
            lo = bisect.bisect_left(words, start)
            hi = bisect.bisect_left(words, start + "\uffff")
            if hi - lo > MAX_SHARING:
                continue
            forms = {form for folded in words[lo:hi] for form in spelt[folded]}
            begun = {form[:shared - 1] for form in forms}
            if len(begun) == 1:
                written = next(iter(begun)) + word[shared - 1:]
                stem = analyze(lang, written)
                if not stem or not any(analyze(lang, form) == stem for form in forms):
                    continue
            starts |= begun
            giving.add(lang)
        spellings = whole or starts
        if len(spellings) != 1:
            return None
        (spelling,) = spellings
        if spelling.isascii():
            return None
        if found is not None:
            written = spelling + word[len(spelling):]
            for lang in langs:
                if found(lang, word) and (lang not in giving or not found(lang, written)):
                    return None
        return spelling


#: "ae", "oe", "ue" as German writes "ä", "ö", "ü" without umlauts (Spellings._umlauts)
_TRANSLITERATED = re.compile(r"(?<=[aou])e")
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: the single "ae", "oe", "ue" of a word tried each alone, at most
MAX_UMLAUT_SPOTS = 3


def _shared(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _accented(word: str, start: str) -> str:
    """``word`` with the letters of ``start`` (a documents' spelling of its first letters,
    lower case) in place of its own, in the case typed."""
    out = [c.upper() if typed.isupper() else c for typed, c in zip(word, start, strict=False)]
    return "".join(out) + word[len(start):]


def learn(texts: Iterable[dict[str, Any]], max_chars: int = MAX_CHARS) -> Spellings:
    """The spellings of documents' texts (IndexStore.document_texts: "language", "title",
    "summary", "passages"), up to ``max_chars`` characters."""
    counts: dict[str, set[str]] = {}
    read = 0
    for doc in texts:
        lang = index_language(doc.get("language"))
        parts = [doc.get("title") or "", doc.get("summary") or "", *doc.get("passages", [])]
        found = counts.setdefault(lang, set())
        for part in parts:
            found.update(w.lower() for w in _WORD.findall(part))
            read += len(part)
        if read >= max_chars:
            break
    folded: dict[str, list[str]] = {}
    spelt: dict[str, dict[str, frozenset[str]]] = {}
    for lang, found in counts.items():
        forms: dict[str, set[str]] = {}
        for word in found:
            key = fold(word)
            # one folded letter for each letter: "ß" and the like change the length
            if len(key) == len(word):
                forms.setdefault(key, set()).add(word)
        spelt[lang] = {key: frozenset(v) for key, v in forms.items()}
        folded[lang] = sorted(forms)
    return Spellings(folded, spelt)


_CACHE: dict[Hashable, Spellings] = {}
_LOCK = threading.Lock()


def spellings(version: Hashable, texts: Callable[[], Iterable[dict[str, Any]]]) -> Spellings:
    """The spellings of the index at ``version`` (IndexStore.version), learnt from
    ``texts()`` once per version and process (the last two versions are kept)."""
    with _LOCK:
        found = _CACHE.get(version)
    if found is not None:
        return found
    # learnt without the lock: reading the texts takes a reader, which may wait for another
    # search's opening of the commit (two searches may both learn the first time)
    learnt = learn(texts())
    with _LOCK:
        while len(_CACHE) >= 2:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[version] = learnt
    return learnt


__all__ = ["Spellings", "learn", "spellings"]
