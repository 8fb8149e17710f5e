"""Text analysis: tokenising, accent folding, stop words and Snowball stemming per language.

Every analyser here is picklable (Whoosh stores the schema, analysers included, in the index),
so the stemmer is created lazily and never pickled.

Order of the filters matters: the Snowball stemmers know each language's accented suffixes
("-ación", "-ások"), so words are stemmed first and folded after. Query words go through the
same analyser, so "Észak" and "Eszak" both end as "esz".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import Stemmer
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.lang.stopwords import stoplists

from index.records import STEMMED_LANGUAGES

#: Analysers exist for the stemmed languages and for "xx" (any other language: folded only).
OTHER = "xx"
LANGUAGE_KEYS: tuple[str, ...] = (*STEMMED_LANGUAGES, OTHER)

SNOWBALL_NAMES = {
    "en": "english",
    "de": "german",
    "nl": "dutch",
    "hu": "hungarian",
    "ro": "romanian",
    "pt": "portuguese",
    "es": "spanish",
}

# Whoosh has no Romanian list; these are the commonest Romanian function words.
_ROMANIAN_STOPWORDS = frozenset(
    """a acea aceasta această acel acest acesta aceste acestea acestei acestor ai al ale
    alt alte am ar are as aș au avea care ce cel cele cei ci cu că când cât de decât deci
    din dintre după este eu fi fie fost iar in în la le lor lui mai mult ne nici nu o
    ori pe pentru prin sa să se sau si și sunt sub sus tot toate un una unei unor unui
    va vor""".split()
)

# Whoosh's English list is long and contains content words; keep to the classic short one.
_ENGLISH_STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the
    their then there these they this to was will with""".split()
)


@cache
def stopwords_for(lang: str) -> frozenset[str]:
    if lang == OTHER:
        # Text in other languages is not stemmed; dropping the function words of every
        # language keeps "la", "de", "en" in a French text from matching Spanish or Dutch
        # queries.
        return frozenset().union(
            _ENGLISH_STOPWORDS, _ROMANIAN_STOPWORDS, *(frozenset(v) for v in stoplists.values())
        )
    if lang == "en":
        return _ENGLISH_STOPWORDS
    if lang == "ro":
        return _ROMANIAN_STOPWORDS
    if lang in stoplists:
        return frozenset(stoplists[lang])
    return frozenset()


#: Country codes (ISO 3166-1 alpha-2) of the European countries a partner text names, and
#: "EL" and "UK" as the EU writes Greece and the United Kingdom.
COUNTRY_CODES = frozenset(
    """AT BE BG CH CY CZ DE DK EE EL ES FI FR GB GR HR HU IE IS IT LI LT LU LV MT NL NO PL
    PT RO SE SI SK UK""".split()
)
#: What a country code in running text is indexed as ("DE" -> "#de"): a term of its own that no
#: word analyses into, so "Baden-Württemberg (DE)" or "HU, RO, NL, DE" do not make the words
#: "de", "es", "nl"... of those documents (the Spanish "de", the English "es"). A query reaches
#: it by typing the code in upper case (index.query); the country facet carries a document's
#: own country (country:DE).
CODE_MARK = "#"


def _is_code(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` is a country code in running text: upper case, in COUNTRY_CODES,
    and not inside a run of upper-case words ("PROGRAMA DE APOYO" is a heading, not Germany).
    (Nor the first part of a compound word: see _compound_heads.)"""
    if words[i] not in COUNTRY_CODES:
        return False
    for j in (i - 1, i + 1):
        if 0 <= j < len(words) and len(words[j]) > 2 and words[j].isupper():
            return False
    return True


#: The longest word that may be an acronym though it is a stop word of the text's language
#: (_acronym_positions): "EU" (Portuguese and Romanian "eu", I), "CE", "UN".
ACRONYM_STOP_SIZE = 3
#: Words in capitals that are never taken for acronyms: the query's operators
#: (index.query_words), which a text writing them in capitals means as the words ("this OR that").
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "TO"})
#: A word in capitals this long or longer among the words in capitals around a short one tells
#: a heading or a line written in capitals ("FUNDOS DA EU", "PROGRAMAS EU"), where the short
#: word is the language's own.
_HEADING_WORD = 4


def _may_be_acronym(word: str) -> bool:
    """Whether ``word`` as written may be an acronym that is also some language's stop word:
    2 to ACRONYM_STOP_SIZE letters, all in capitals, no country code (which is a term of its
    own: CODE_MARK) and no operator word."""
    return (2 <= len(word) <= ACRONYM_STOP_SIZE and word.isupper() and word.isalpha()
            and word not in COUNTRY_CODES and word not in _OPERATOR_WORDS)


def _in_capitals_run(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` stands among words in capitals (the words next to it, and theirs)
    one of which has _HEADING_WORD letters or more: a heading or a line in capitals."""
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(words) and words[j].isupper():
            if len(words[j]) >= _HEADING_WORD:
                return True
            j += step
    return False


@cache
def _capital_stopwords(lang: str) -> frozenset[str]:
    """The stop words of ``lang`` that may be acronyms (_may_be_acronym) as written in
    capitals (in Romanian also with the cedilla letters, which analysis reads as comma-below)."""
    upper = {w.upper() for w in stopwords_for(lang)}
    if lang == "ro":
        upper |= {w.replace("Ș", "Ş").replace("Ț", "Ţ") for w in upper}
    return frozenset(w for w in upper if _may_be_acronym(w))


def _acronym_positions(lang: str, words: list[str]) -> set[int]:
    """Indexes of the stop words among ``words`` (the tokens as written) that are written as
    acronyms: in capitals (_may_be_acronym), not among words in capitals with a long one (a
    heading: _in_capitals_run). They are no stop words: "EU" of a Portuguese or Romanian text
    is the European Union, its "eu" and "Eu" the pronoun (I). The query side searches them for
    a word typed in capitals (index.query_words.acronyms_in, index.query)."""
    found: set[int] = set()
    # (each such word looked for in C: most texts have none, a long one has a few)
    for word in _capital_stopwords(lang).intersection(words):
        i = words.index(word)
        while True:
            if not _in_capitals_run(words, i):
                found.add(i)
            try:
                i = words.index(word, i + 1)
            except ValueError:
                break
    return found


def acronym_term(lang: str, word: str) -> str | None:
    """The term of ``word`` typed as an acronym in ``lang``'s fields where it is a stop word
    that the fields hold only as an acronym (_acronym_positions), else None."""
    written = word.upper()
    if written not in _capital_stopwords(lang):
        return None
    return _stemmed(lang, _lowered(lang, [written]))[0]


def _compound_head(hyphen_after: bool, joined: bool, next_word: str) -> bool:
    """Whether a word is the first part of a compound: a hyphen right after it, then (``joined``:
    no other character between) a word that starts with a letter and is not in upper case.
    "IT-Sicherheit" and "IT-Dienstleister" are information technology, not Italy; "RO-HU"
    stays two codes, "IT-2020" Italy and a year."""
    return hyphen_after and joined and next_word[:1].isalpha() and not next_word.isupper()


def _code_positions(words: list[str], text: str | None = None) -> set[int]:
    """Indexes of the country codes among ``words`` (the tokens of ``text``, which tells the
    first parts of compound words; without it, words alone)."""
    codes = {i for i, w in enumerate(words) if len(w) == 2 and _is_code(words, i)}
    if codes and text is not None and "-" in text:
        matches = list(_TOKEN_RE.finditer(text))
        codes = {i for i in codes if i + 1 == len(matches) or not _compound_head(
            text[matches[i].end():matches[i].end() + 1] == "-",
            matches[i].end() + 1 == matches[i + 1].start(), words[i + 1])}
    return codes


def country_codes_in(text: str) -> frozenset[str]:
    """The country codes written in ``text`` as analysis reads them, lower-cased ("de")."""
    words = _TOKEN_RE.findall(text)
    return frozenset(words[i].lower() for i in _code_positions(words, text))


_FOLD_EXTRA = str.maketrans({"ß": "ss", "ẞ": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l"})


@cache
def language_identifier(languages: tuple[str, ...] = ()) -> LanguageIdentifier:
    """py3langid's n-gram identifier, loaded once per process and set of languages: all 97
    of its languages (ingest, for a document), or only ``languages`` (a query)."""
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages:
        ident.set_languages(list(languages))
    return ident


def fold_text(text: str) -> str:
    """Lower-case and strip accents: "Észak" -> "eszak", "Straße" -> "strasse"."""
    text = text.lower().translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: fold_text for single words, cached (indexing and queries fold the same words again and again)
fold = lru_cache(maxsize=200_000)(fold_text)


class RomanianLettersFilter(Filter):
    """Maps the legacy cedilla letters ş ţ to the correct comma-below ș ț."""

    _table = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = t.text.translate(self._table)
            yield t


class SnowballStemFilter(Filter):
    """Stems with PyStemmer (Snowball's C stemmers). Picklable: keeps only the language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SnowballStemFilter) and other.lang == self.lang

    def __getstate__(self) -> dict[str, str]:
        return {"lang": self.lang}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.lang = state["lang"]

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stem = _stemmer(self.lang)
        for t in tokens:
            if not t.stopped and not t.text.startswith(CODE_MARK):
                t.text = stem(t.text)
            yield t


class FoldFilter(Filter):
    """Accent folding that also handles ß, ø, æ, œ, ł (Whoosh's accent_map maps ß to s)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold(t.text)
            yield t


@cache
def _stemmer_object(lang: str):  # type: ignore[no-untyped-def]
    stemmer = Stemmer.Stemmer(SNOWBALL_NAMES[lang])
    stemmer.maxCacheSize = 50_000
    return stemmer


def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    return _stemmer_object(lang).stemWord


# Words: letters and digits, allowing inner dots and apostrophes ("COVID-19" -> covid, 19).
_TOKEN_PATTERN = r"\w+(?:[.']\w+)*"


class _Tokenizer(RegexTokenizer):
    """Words as RegexTokenizer finds them, each marked when a hyphen follows it
    (``hyphen_after``) for CountryCodeFilter; they carry their characters."""

    def __call__(self, value, **kwargs):  # type: ignore[no-untyped-def]
        start_char = kwargs.get("start_char", 0)
        kwargs["chars"] = True
        for t in super().__call__(value, **kwargs):
            end = t.endchar - start_char
            t.hyphen_after = value[end:end + 1] == "-"
            yield t


class CountryCodeFilter(Filter):
    """Marks country codes in running text (see CODE_MARK) before lower-casing."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        # the next token must be seen to tell a code from a word of an upper-case heading
        prev: str = ""
        held: Token | None = None
        held_text = ""
        for t in tokens:
            text = t.text
            if held is not None:
                if (held_text in COUNTRY_CODES and _is_code([prev, held_text, text], 1)
                        and not _compound_head(getattr(held, "hyphen_after", False),
                                               held.endchar + 1 == t.startchar, text)):
                    held.text = CODE_MARK + held_text.lower()
                yield held
                prev = held_text
            held, held_text = t.copy(), text
        if held is not None:
            if held_text in COUNTRY_CODES and _is_code([prev, held_text], 1):
                held.text = CODE_MARK + held_text.lower()
            yield held


class AcronymFilter(Filter):
    """Marks the words that may be acronyms (``acronym``: _may_be_acronym, not among words in
    capitals with a long one: _in_capitals_run) before lower-casing, for AcronymStopFilter.
    A country code (marked before: CODE_MARK) counts as the word in capitals it was."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        # a run of words in capitals is held until it ends: any of its words tells a heading
        run: list[Token] = []
        for t in tokens:
            if t.text.isupper() or t.text.startswith(CODE_MARK):
                run.append(t.copy())
                continue
            yield from self._flush(run)
            run = []
            t.acronym = False
            yield t
        yield from self._flush(run)

    @staticmethod
    def _flush(run: list[Token]) -> Iterator[Token]:
        heading = any(len(t.text) >= _HEADING_WORD for t in run)
        for t in run:
            t.acronym = not heading and _may_be_acronym(t.text)
            yield t


class AcronymStopFilter(StopFilter):
    """Whoosh's StopFilter, but a stop word marked as an acronym (AcronymFilter) is kept."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stoplist = self.stops
        pos = None
        for t in tokens:
            if t.text not in stoplist or getattr(t, "acronym", False):
                if self.renumber and t.positions:
                    if pos is None:
                        pos = t.pos
                    else:
                        pos += 1
                        t.pos = pos
                t.stopped = False
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


@cache
def language_analyzer(lang: str) -> Analyzer:
    """The analyser for text in ``lang`` (one of LANGUAGE_KEYS)."""
    chain = (_Tokenizer(_TOKEN_PATTERN) | CountryCodeFilter() | AcronymFilter()
             | LowercaseFilter())
    if lang == "ro":
        chain = chain | RomanianLettersFilter()
    stops = stopwords_for(lang)
    if stops:
        chain = chain | AcronymStopFilter(stoplist=stops, minsize=1, renumber=True)
    if lang in SNOWBALL_NAMES:
        chain = chain | SnowballStemFilter(lang)
    return chain | FoldFilter()


_TOKEN_RE = re.compile(_TOKEN_PATTERN)


def _lowered(lang: str, words: list[str]) -> list[str]:
    """Words as written, lower-cased (and, in Romanian, with the comma-below letters)."""
    words = [w.lower() for w in words]
    if lang == "ro":
        table = RomanianLettersFilter._table
        words = [w.translate(table) for w in words]
    return words


def _stemmed(lang: str, words: list[str]) -> list[str]:
    """Lower-cased words that are not stop words, stemmed (in bulk) and folded."""
    if lang in SNOWBALL_NAMES:
        words = _stemmer_object(lang).stemWords(words)
    return [fold(w) for w in words]


def analyze(lang: str, text: str) -> list[str]:
    """The terms ``language_analyzer(lang)`` makes of ``text``, computed in bulk.

    Indexing calls this (in the ingest's worker processes) instead of running Whoosh's
    token-by-token filter chain: the same steps as list operations, with Snowball stemming a
    whole list in C. tests/test_analysis.py checks that both give the same terms.
    """
    raw = _TOKEN_RE.findall(text)
    codes = _code_positions(raw, text)
    words = _lowered(lang, raw)
    acronyms = _acronym_positions(lang, raw)
    if codes or acronyms:
        return [t for _, _, t in _analyze_marked(lang, [(0, 0, w) for w in words], codes,
                                                 acronyms)]
    stops = stopwords_for(lang)
    if stops:
        words = [w for w in words if w not in stops]
    return _stemmed(lang, words)


def _analyze_marked(
    lang: str, found: list[tuple[int, int, str]], codes: set[int], acronyms: set[int]
) -> list[tuple[int, int, str]]:
    """Stop words, stemming and folding of lower-cased words with spans, the words at
    ``codes`` (indexes into ``found``) made country-code terms, those at ``acronyms`` kept
    though stop words (_acronym_positions)."""
    stops = stopwords_for(lang)
    kept = [(i, f) for i, f in enumerate(found)
            if i in codes or i in acronyms or f[2] not in stops]
    stemmed = iter(_stemmed(lang, [f[2] for i, f in kept if i not in codes]))
    return [(s, e, CODE_MARK + w if i in codes else next(stemmed)) for i, (s, e, w) in kept]


def analyze_spans(lang: str, text: str) -> list[tuple[int, int, str]]:
    """(start, end, term) for every word of ``text`` that is not a stop word: where the terms
    of ``analyze(lang, text)`` stand in the text (for highlighting)."""
    matches = list(_TOKEN_RE.finditer(text))
    raw = [m.group() for m in matches]
    codes = _code_positions(raw, text)
    lowered = _lowered(lang, raw)
    found = [(m.start(), m.end(), w) for m, w in zip(matches, lowered, strict=True)]
    acronyms = _acronym_positions(lang, raw)
    if codes or acronyms:
        return _analyze_marked(lang, found, codes, acronyms)
    stops = stopwords_for(lang)
    if stops:
        found = [f for f in found if f[2] not in stops]
    terms = _stemmed(lang, [w for _, _, w in found])
    return [(s, e, t) for (s, e, _), t in zip(found, terms, strict=True)]


class _TermFinder:
    """What find_terms knows of the texts of one language: the tokens of every chunk of text
    between white space seen so far ("(Baden-Württemberg)," -> Baden, Württemberg), each
    token's term when analysed alone (None: a stop word), and the chunks holding each term.
    A token never spans white space, so a chunk's tokens do not depend on its neighbours;
    only a country code's term does, and whether a stop word in capitals is an acronym
    (_acronym_positions; see find_terms)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.tokens: dict[str, tuple[str, ...]] = {}
        self.term_of: dict[str, str | None] = {}
        self.chunks_with: dict[str, set[str]] = {}
        #: chunks with a token that may be a country code, or a stop word that may be an acronym
        self.coded: set[str] = set()
        #: tokens that are stop words but may be acronyms: their term as an acronym
        self.acronym_of: dict[str, str] = {}
        self._lock = threading.Lock()

    def learn(self, chunks: set[str]) -> None:
        """Learn ``chunks`` (searches run in threads: one learns at a time, and a token's term
        is never seen unset while another thread learns it)."""
        with self._lock:
            self._learn(chunks)

    def _learn(self, chunks: set[str]) -> None:
        tokens = {chunk: tuple(_TOKEN_RE.findall(chunk)) for chunk in chunks}
        new = list({t for ts in tokens.values() for t in ts}.difference(self.term_of))
        if new:
            stops = stopwords_for(self.lang)
            lowered = _lowered(self.lang, new)
            kept = [(w, low) for w, low in zip(new, lowered, strict=True) if low not in stops]
            terms = _stemmed(self.lang, [low for _, low in kept])
            learnt: dict[str, str | None] = dict.fromkeys(new)
            learnt.update(zip((w for w, _ in kept), terms, strict=True))
            self.term_of.update(learnt)
            capitals = _capital_stopwords(self.lang)
            stopped = [(w, low) for w, low in zip(new, lowered, strict=True) if w in capitals]
            if stopped:
                self.acronym_of.update(zip(
                    (w for w, _ in stopped), _stemmed(self.lang, [low for _, low in stopped]),
                    strict=True))
        for chunk, ts in tokens.items():
            for token in ts:
                term = self.term_of[token]
                if term is not None:
                    self.chunks_with.setdefault(term, set()).add(chunk)
                if token in COUNTRY_CODES:
                    self.chunks_with.setdefault(CODE_MARK + token.lower(), set()).add(chunk)
                    self.coded.add(chunk)
                acronym = self.acronym_of.get(token)
                if acronym is not None:
                    self.chunks_with.setdefault(acronym, set()).add(chunk)
                    self.coded.add(chunk)
        self.tokens.update(tokens)


#: find_terms's knowledge per language; replaced by an empty one past this many chunks (about
#: 0.7 KB each measured with tracemalloc: 71 MB for 100k chunks of the UDHR's words with
#: varied punctuation and numbers; a language's common words fit in far fewer)
_FINDERS: dict[str, _TermFinder] = {}
MAX_KNOWN_CHUNKS = 50_000

_WORD_CHAR = re.compile(r"\w")


def _whole_tokens(text: str, word: str) -> Iterator[int]:
    """Where ``word`` stands in ``text`` as a whole token of _TOKEN_RE: not preceded by a
    word character (nor by one and a dot or apostrophe, which would join them into a token
    such as "U.S"), and not followed by one (nor by a dot or apostrophe and one)."""
    is_word = _WORD_CHAR.match
    n = len(word)
    start = text.find(word)
    while start != -1:
        end = start + n
        if not (start and (is_word(text, start - 1) or (
                start > 1 and text[start - 1] in ".'" and is_word(text, start - 2)))
                ) and not (end < len(text) and (is_word(text, end) or (
                text[end] in ".'" and is_word(text, end + 1)))):
            yield start
        start = text.find(word, start + 1)


def find_terms(lang: str, text: str, terms: set[str] | frozenset[str]
               ) -> list[tuple[int, int, str]]:
    """The spans of ``analyze_spans(lang, text)`` whose term is in ``terms``, found without
    analysing every word of the text: the chunks of the text between white space are looked
    up in what is known of them (each new chunk is analysed once per process), and only the
    tokens whose term is wanted are looked for in the text (str.find, with the tokeniser's
    word boundaries). When a chunk that holds a wanted term may hold a country code or an
    acronym that is a stop word, the text is analysed whole (their terms depend on their
    neighbours).
    tests/test_analysis.py checks that both give the same spans."""
    finder = _FINDERS.get(lang)
    if finder is None or len(finder.tokens) > MAX_KNOWN_CHUNKS:
        finder = _FINDERS[lang] = _TermFinder(lang)  # (a search holding the old one keeps it)
    chunks = set(text.split())
    new = chunks.difference(finder.tokens)  # (looks each chunk up: not O(len(tokens)))
    if new:
        finder.learn(new)
    found: set[str] = set()
    for term in terms:
        holding = finder.chunks_with.get(term)
        if holding:
            found |= chunks & holding
    if not found:
        return []
    if not found.isdisjoint(finder.coded):
        return [span for span in analyze_spans(lang, text) if span[2] in terms]
    wanted = {token: found_term for chunk in found for token in finder.tokens[chunk]
              if (found_term := finder.term_of[token]) is not None and found_term in terms}
    return sorted((start, start + len(token), term) for token, term in wanted.items()
                  for start in _whole_tokens(text, token))


def unique_words(text: str) -> list[str]:
    """The distinct folded words of ``text`` (what ``words_analyzer`` makes, deduplicated)."""
    return sorted({fold(w) for w in _TOKEN_RE.findall(text)})


def words_analyzer() -> Analyzer:
    """Unstemmed, folded words in any language: for spelling suggestions and completion."""
    return RegexTokenizer(_TOKEN_PATTERN) | LowercaseFilter() | FoldFilter()


def query_word_analyzer() -> Analyzer:
    """What the query parser uses before per-language analysis: split and lower-case only."""
    return RegexTokenizer(_TOKEN_PATTERN) | LowercaseFilter()


__all__ = [
    "ACRONYM_STOP_SIZE",
    "CODE_MARK",
    "COUNTRY_CODES",
    "LANGUAGE_KEYS",
    "OTHER",
    "acronym_term",
    "analyze",
    "analyze_spans",
    "find_terms",
    "country_codes_in",
    "fold",
    "fold_text",
    "language_analyzer",
    "query_word_analyzer",
    "unique_words",
    "words_analyzer",
]
