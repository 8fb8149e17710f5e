"""A query that names a place prefers the documents of that place.

The corpus is regional: each partner region's documents carry the catalog's country and
region, and a query names the place it asks about in its own language ("el bono de
exportación húngaro", "Nordportugal", "Magyarországon", "San Sebastián") while the
document that answers may be written in another, or be an English document about that
region. Such a name was only a word to match. The taxonomy lists each country's and
region's names and adjectives by language (corpus/taxonomy.yaml; ingest writes them beside
the index as ``places.json``, ingest.Taxonomy.places); :func:`named_places` finds them in a
query as users write them, inflected ("ungarischen", "Portugaliei", "Budapesten",
"észak-portugál"), and :func:`prefer_places` lifts the documents of the named countries and
regions in the ranking (the keyword ranking and the fused one alike) by a factor on their
score: a preference, never a filter (the other documents stay, in their order).

A term written in one language (``terms["de"]``) names its place in a query of that
language, or of a language that cannot be told; a term of no one language (``terms[""]``: a
region's variants, cities) in any query. A query word matches a term's word when they are
the same folded ("Hungría", "hungria"), when the word is the term's word with an ending of
up to MAX_ENDING letters (a term's word of MIN_PREFIX letters or more: "Budapesten",
"frízföldi", "ungarischen"), or when both are one stem of at least MIN_STEM letters in the
term's language ("Portugaliei" and "Portugalia", "húngaros" and "húngaro"). A term of
several words matches those words in a row ("San Sebastián", "Nyugat-Dunántúlon"). A
country a firm exports to ("to Germany") and a language's name ("auf Deutsch", "limba
germană", "németül") name no place. Measured in bench/README.md ("A query that names a
place", 2026-12-03; "Across languages and in questions: ... languages' names", fourth
session).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from index import query_form as qf
from index.analysis import LANGUAGE_KEYS, analyze, fold

#: the factor on the score of a document of a country the query names (or of the country of
#: a region it names) is 1 + this; 0: off
COUNTRY_BOOST = 0.2
#: ... and 1 + COUNTRY_BOOST + this for a document of a region it names
REGION_BOOST = 0.0
#: ... a document of the whole partnership (PROJECT_WIDE, the catalog's "EU") gets this share
#: of COUNTRY_BOOST when the query names a country or region (it is about every partner)
PROJECT_WIDE_SHARE = 1.0
#: ... and this share instead when the query names places only from another language (its
#: language, when told, is none of the named countries' own: an English or Spanish query
#: naming Hungary): there the place's own-language documents stand low in the semantic lists
#: and the coverage, where the project-wide English reports stand high, and the full share
#: kept those reports above them. PROJECT_WIDE_SHARE: the same for every query
ACROSS_PROJECT_WIDE_SHARE = 0.5
#: ... and this more for a document of a named place written in its country's language
OWN_LANGUAGE_BOOST = 0.1
#: the catalog's code of documents of the whole partnership (ingest.metadata.PROJECT_WIDE)
PROJECT_WIDE = "EU"
#: whether a word that names a place still counts among the query's content words in the
#: hybrid ranking's coverage (index.query.word_queries) when the query prefers that place
PLACE_WORDS_CONTENT = True
#: the keyword hits (or fused hits) the preference reorders: the fusion's depth
DEPTH = 100

#: a query word matches a longer word of a term only when that term's word has this many
#: letters or more ("porto" is no name of "portos", ports) ...
MIN_PREFIX = 6
#: ... and the query word has at most this many letters more (an ending: "Budapesten")
MAX_ENDING = 4
#: a shared stem names the place only when it has this many letters (the Hungarian stemmer
#: makes "német", German, "nem")
MIN_STEM = 4

#: A country's name right after one of these words (or the one before it: "para a
#: Alemanha") is where a firm exports to, not the place the query asks about ("selling to
#: Germany", "verkopen naar Duitsland", "exportieren nach Ungarn", "vender para a Espanha",
#: "exportar hacia Rumanía", "export spre Germania"): it names no place. Folded; not the
#: words that also say where ("in", "în", "en"), nor an adjective's or a region's name.
DESTINATION_WORDS = frozenset({"to", "into", "towards", "nach", "naar", "para", "hacia",
                               "spre", "catre", "vers"})
#: ... and a Hungarian name with the ending of a direction ("Németországba", "Romániára")
DESTINATION_ENDINGS = {"hu": ("ba", "be", "ra", "re")}
#: whether a destination names no place (False: it does, as any other name)
DESTINATIONS = True

#: A country's adjective next to a word of these beginnings (folded) names a language, not
#: the place ("German language", "German-speaking", "deutscher Sprache", "Duitse taal",
#: "idioma alemán", "lengua alemana", "língua alemã", "limba germană", "német nyelvű"): a
#: label in German is no German document
LANGUAGE_WORDS = ("language", "speaking", "sprach", "taal", "idioma", "lengua", "lingua",
                  "limb", "nyelv")
#: ... and so does the uninflected adjective right after these words of its language ("auf
#: Deutsch", "in het Duits", "en alemán", "em alemão", "în germană") ...
LANGUAGE_PREPOSITIONS = {"en": ("in",), "de": ("auf",), "nl": ("het",), "es": ("en",),
                         "pt": ("em",), "ro": ("in",)}
#: ... in these languages, whose adjectives stand before their noun, only at the end of the
#: text or before a punctuation mark ("labels in German" but "firms in German regions",
#: "etiketten in het Duits" but "het Hongaarse ministerie")
PHRASE_END = frozenset({"en", "nl"})
#: ... and, in Hungarian, the adjective with the ending "-ul"/"-ül" ("németül", "magyarul")
LANGUAGE_ENDINGS = {"hu": ("ul",)}
#: whether a language's name names no place (False: it names its country, as an adjective)
LANGUAGE_MENTIONS = True

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class NamedPlaces:
    """The places a query names."""

    #: country codes named, with the countries of the regions named
    countries: frozenset[str] = frozenset()
    #: region codes named
    regions: frozenset[str] = frozenset()
    #: the folded query words that name them
    words: frozenset[str] = frozenset()
    #: the official languages of the countries named (and of the regions named)
    languages: frozenset[str] = frozenset()
    #: whether the query's language is known and none of ``languages``: the places are
    #: named from another language (ACROSS_PROJECT_WIDE_SHARE)
    across: bool = False

    def __bool__(self) -> bool:
        return bool(self.countries or self.regions)


NOWHERE = NamedPlaces()


@dataclass(frozen=True)
class _Term:
    kind: str  # "country" or "region"
    code: str
    country: str
    lang: str  # "" for a term of no one language
    words: tuple[str, ...]  # folded
    typed: tuple[str, ...]  # as the taxonomy writes them (its stems are of these)
    languages: tuple[str, ...] = ()  # its country's official languages
    adjective: bool = False  # a country's adjective (the side file's "adjectives")


@dataclass(frozen=True)
class _Terms:
    """The places' terms, by the first four letters of their first word."""

    by_key: dict[str, list[_Term]]


_last: tuple[list[dict[str, Any]], _Terms] | None = None


def _terms_of(places: list[dict[str, Any]]) -> _Terms:
    """The _Terms of ``places`` (the side file's list), made once per list."""
    global _last
    last = _last
    if last is not None and last[0] is places:
        return last[1]
    by_key: dict[str, list[_Term]] = {}
    for place in places:
        try:
            kind, code = str(place["kind"]), str(place["code"]).upper()
            country = str(place.get("country") or code).upper()
            terms = place.get("terms") or {}
            languages = tuple(str(lang) for lang in place.get("languages") or ())
            adjectives = place.get("adjectives") or {}
        except (KeyError, TypeError):
            continue
        if not isinstance(terms, Mapping) or not isinstance(adjectives, Mapping):
            continue
        for lang, names in terms.items():
            said = adjectives.get(lang) or ()
            for name in names if isinstance(names, list) else [names]:
                written = tuple(_WORD.findall(str(name)))
                words = tuple(fold(w) for w in written)
                if words:
                    term = _Term(kind, code, country, str(lang), words, written, languages,
                                 isinstance(said, list) and name in said)
                    by_key.setdefault(words[0][:4], []).append(term)
    made = _Terms(by_key)
    _last = (places, made)
    return made


@lru_cache(maxsize=20_000)
def _stem(lang: str, word: str) -> str | None:
    tokens = analyze(lang, word)
    return tokens[0] if len(tokens) == 1 and len(tokens[0]) >= MIN_STEM else None


def _word_matches(word: str, typed: str, term_word: str, term_typed: str,
                  langs: Sequence[str]) -> bool:
    """Whether the query word ``word`` (folded; ``typed``: as typed) is the term's word
    ``term_word`` (folded; ``term_typed``: as written), in one of ``langs`` for a shared
    stem."""
    if word == term_word:
        return True
    if (len(term_word) >= MIN_PREFIX and word.startswith(term_word)
            and len(word) - len(term_word) <= MAX_ENDING):
        return True
    for lang in langs:
        stem = _stem(lang, typed)
        if stem is not None and stem == _stem(lang, term_typed):
            return True
    return False


def _destination(words: list[str], i: int, n: int, term: _Term) -> bool:
    """Whether the country name ``term``, matched by ``words[i:i + n]``, says where to
    (DESTINATION_WORDS, DESTINATION_ENDINGS)."""
    if not DESTINATIONS:
        return False
    if any(w in DESTINATION_WORDS for w in words[max(0, i - 2):i]):
        return True
    last = words[i + n - 1]
    return last != term.words[-1] and last.endswith(DESTINATION_ENDINGS.get(term.lang, ()))


def _language_mention(words: list[str], i: int, n: int, term: _Term, after: str,
                      language: str | None) -> bool:
    """Whether the country's term ``term``, matched by ``words[i:i + n]``, names its
    language (LANGUAGE_WORDS; for an adjective of the side file's, also LANGUAGE_PREPOSITIONS
    and LANGUAGE_ENDINGS); ``after``: the text after the match, ``language``: the query's
    (None: not told; then only the English preposition is read, at the end of a phrase)."""
    if not LANGUAGE_MENTIONS or term.kind != "country":
        return False
    near = words[i - 1:i] + words[i + n:i + n + 1]
    if any(w.startswith(LANGUAGE_WORDS) for w in near):
        return True
    if not term.adjective or term.lang != (language or "en"):
        return False
    last = words[i + n - 1]
    if last == term.words[-1] and i and words[i - 1] in LANGUAGE_PREPOSITIONS.get(term.lang, ()):
        rest = after.lstrip()
        return term.lang not in PHRASE_END or not rest or not rest[0].isalnum()
    return any(last == term.words[-1] + ending for ending in LANGUAGE_ENDINGS.get(term.lang, ()))


def named_places(text: str, places: list[dict[str, Any]], language: str | None
                 ) -> NamedPlaces:
    """The countries and regions (``places``: the side file's list) that ``text`` names,
    ``language`` being the query's language (None: not told)."""
    if not places or not text:
        return NOWHERE
    spans = list(_WORD.finditer(text))
    typed = [m.group() for m in spans]
    words = [fold(w) for w in typed]
    terms = _terms_of(places)
    matched: list[tuple[int, int, _Term]] = []
    for i, word in enumerate(words):
        for term in terms.by_key.get(word[:4], ()):
            if term.lang and language is not None and term.lang != language:
                continue
            n = len(term.words)
            if i + n > len(words):
                continue
            langs = ((term.lang,) if term.lang in LANGUAGE_KEYS else ()) if term.lang else (
                (language,) if language in LANGUAGE_KEYS else LANGUAGE_KEYS)
            if all(_word_matches(words[i + k], typed[i + k], term.words[k], term.typed[k],
                                 langs) for k in range(n)) and not (
                    term.kind == "country" and _destination(words, i, n, term)):
                matched.append((i, n, term))
    # a word that one of its country's terms reads as a language's name names no place by
    # another ("alemán" is also "Alemania" by its stem)
    languages = {i for i, n, term in matched
                 if _language_mention(words, i, n, term, text[spans[i + n - 1].end():],
                                   language)}
    countries: set[str] = set()
    regions: set[str] = set()
    naming: set[str] = set()
    spoken: set[str] = set()
    for i, n, term in matched:
        if i in languages:
            continue
        countries.add(term.country)
        if term.kind == "region":
            regions.add(term.code)
        naming.update(words[i:i + n])
        spoken.update(term.languages)
    if not countries:
        return NOWHERE
    return NamedPlaces(frozenset(countries), frozenset(regions), frozenset(naming),
                       frozenset(spoken), language is not None and language not in spoken)


def factors(found: Mapping[str, Collection[str]], named: NamedPlaces
            ) -> dict[str, float]:
    """The factor on each document's score (documents with none left out): ``found`` maps
    "country:XX", "region:YY", "language:ll" (and "country:EU", PROJECT_WIDE) to the
    documents of that value."""
    out: dict[str, float] = {}
    country_docs = {d for c in named.countries for d in found.get(f"country:{c}", ())}
    region_docs = {d for r in named.regions for d in found.get(f"region:{r}", ())}
    own_docs = {d for lang in named.languages for d in found.get(f"language:{lang}", ())}
    for doc in country_docs:
        out[doc] = (1.0 + COUNTRY_BOOST + (REGION_BOOST if doc in region_docs else 0.0)
                    + (OWN_LANGUAGE_BOOST if doc in own_docs else 0.0))
    share = project_wide_share(named)
    if share:
        for doc in found.get(f"country:{PROJECT_WIDE}", ()):
            out.setdefault(doc, 1.0 + COUNTRY_BOOST * share)
    return out


def project_wide_share(named: NamedPlaces) -> float:
    """The share of COUNTRY_BOOST a project-wide document gets for a query naming ``named``
    (PROJECT_WIDE_SHARE; ACROSS_PROJECT_WIDE_SHARE when named from another language)."""
    return ACROSS_PROJECT_WIDE_SHARE if named.across else PROJECT_WIDE_SHARE


def place_queries(named: NamedPlaces) -> dict[str, qf.Query]:
    """The facet queries whose documents :func:`factors` reads, by their key."""
    out: dict[str, qf.Query] = {f"country:{c}": qf.Facet("country", c)
                                for c in sorted(named.countries)}
    if REGION_BOOST:
        out.update({f"region:{r}": qf.Facet("region", r) for r in sorted(named.regions)})
    if OWN_LANGUAGE_BOOST:
        out.update({f"language:{lang}": qf.Facet("language", lang)
                    for lang in sorted(named.languages)})
    if project_wide_share(named):
        out[f"country:{PROJECT_WIDE}"] = qf.Facet("country", PROJECT_WIDE)
    return out


def active(named: NamedPlaces) -> bool:
    """Whether the preference changes anything for a query naming ``named``."""
    return bool(named) and COUNTRY_BOOST > 0


def reordered(order: list[tuple[str, float]], boost: Mapping[str, float]
              ) -> list[tuple[str, float]]:
    """``order`` (id, score; best first) with the first DEPTH scores times their factor
    (``boost``; 1 when absent), sorted again (ties keep their order); the rest after them."""
    head = order[:DEPTH]
    lifted = [(doc, score * boost.get(doc, 1.0)) for doc, score in head]
    lifted.sort(key=lambda kv: -kv[1])
    return lifted + order[DEPTH:]


__all__ = ["NOWHERE", "NamedPlaces", "active", "factors", "named_places", "place_queries",
           "project_wide_share", "reordered"]
