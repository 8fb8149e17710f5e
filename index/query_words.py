"""Which words of a query carry its topic, how much each weighs, and in which languages' fields
each word may score.

A query is searched in the fields of every language, so a word that is only grammar in one
language would otherwise score as a content word in another: a Spanish or Portuguese "de" in
the English fields, where it matched the country code DE ("Baden-Württemberg (DE)") before
analysis made codes terms of their own (index.analysis.CODE_MARK; a code typed in upper case
searches that term, QueryWords.codes). And a
natural-language question ("what should we do now to prepare for the next crisis") would rank
by its question words. Two rules, applied at query time only (the index is not changed):

1. **Stop words** (the indexing stop lists of index.analysis). A word that is a stop word of the
   query's language scores nowhere; a word that is a stop word of a field's language is already
   dropped there by analysis. When the query's language cannot be told (short queries), a word
   that is a stop word of any other partner language does not score in a field's language
   either: "de" alone finds nothing, rather than English pages by the country code.
   A word typed in capitals (an acronym: ``acronyms_in``) is no stop word of any language:
   "EU" is the European Union, not the Portuguese and Romanian "eu" (I); "EU funding" and
   "EU" alone find the texts that write it. In the fields of a language where it is a stop
   word it searches the term that analysis keeps only for the word written in capitals
   (index.analysis.acronym_term: "programas EU"); the pronoun "eu" is no term there.
2. **Question words**: interrogatives, modal and auxiliary verbs, pronouns, "now", "next" and
   similar function words of questions, and the words that ask for texts ("articles",
   "papers", "describing", "deal with": ``_REQUEST_WORDS``), per language (``QUESTION_WORDS``).
   They are dropped in the fields of their own language and, when the query is in that
   language, everywhere; but only when the query has at least one other word, so a query made
   only of such words ("now", "what next") is still searched as typed.

Words are compared folded (lower case, no accents), as users type them: "qué" and "que".

3. **A word typed twice weighs more** (:func:`weigh_repeated`): the query term frequency of
   Okapi BM25, saturated by its k3 (index.ranking.RANKING.k3 = 8: twice weighs 1.8, three
   times 2.45); Whoosh's parser keeps only one of them. Different words that analysis makes
   into the same term ("program", "programs"; "PGE" and the "PGE" of "15-ket-PGE") count once
   (:func:`merge_repeated`). On CACM's long natural-language queries the repetitions are
   worth about 0.05 nDCG@10 (bench/README.md).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from whoosh import query as wq

from index import query_form as qf
from index import ranking
from index.analysis import OTHER, country_codes_in, fold, stopwords_for
from index.records import STEMMED_LANGUAGES

_QUESTION_WORDS: dict[str, str] = {
    "en": """what which who whom whose when where why how whatever whichever however
        should shall could would can cannot may might must do does did done doing am been being
        i me my mine we us our ours you your yours he him his she her hers they them
        now next currently nowadays please want wants interested""",
    "de": """was wer wen wem wessen wie welche welcher welches welchen welchem wo wohin woher
        wann warum wieso weshalb wozu womit worauf können kann könnte könnten kannst sollte
        sollten soll sollen sollst muss müssen müsste dürfen darf möchte möchten will wollen
        würde würden gibt gab man wir ich du ihr unsere unser meine jetzt nun heute nächste
        nächsten nächster bitte etwa""",
    "nl": """wat wie wiens wanneer waar waarom hoe welke welk kan kunnen kun zou zouden moet
        moeten mag mogen wil willen wordt worden we wij ik jij jullie onze ons mijn nu nou
        vandaag volgende straks graag""",
    "es": """que qué quien quién quienes quiénes cual cuál cuales cuáles cuando cuándo donde
        dónde como cómo cuanto cuánto cuanta cuánta porque porqué por qué puede pueden puedo
        podemos podría podrían debe deben debo debemos debería deberían hay hace hacer nosotros
        yo usted ustedes ahora hoy próximo próxima próximos siguiente siguientes favor""",
    "pt": """que quê quem qual quais quando onde como quanto quanta porque porquê pode podem
        posso podemos poderia poderiam deve devem devo devemos deveria deveriam há fazer
        nós eu você vocês agora hoje próximo próxima próximos seguinte seguintes favor""",
    "ro": """ce cine care când unde cum cât câtă câți câte de ce poate pot putem puteți
        poți ar trebui trebuie trebuia aș ai am avem noi eu tu voi acum azi astăzi următor
        următoarea următorul următoare vă rog""",
    "hu": """mi mit mik miket ki kit kik kiket hol hová honnan mikor miért hogyan hogy milyen
        melyik melyek mennyi mekkora lehet lehetne kell kellene kellett tud tudnak tudunk
        tudok tudna tudnának érdemes szabad mi ön önök én most ma jelenleg következő kérem""",
}

#: Words that ask for texts rather than name their topic, as long natural-language queries use
#: them ("What articles exist which deal with ...", "papers describing ..."): the kind of text
#: sought and the verbs that say a text is about something. Not "document": in a knowledge
#: base of export support it is often the topic (the documents an application needs). Counted
#: with the question words (a query of nothing else is searched as typed).
_REQUEST_WORDS: dict[str, str] = {
    "en": """article articles paper papers publication publications discuss discusses
        discussed discussing discussion discussions describe describes described describing
        description deal deals dealing dealt exist exists relevant""",
    "de": "artikel beschreiben beschreibt beschrieben befassen befasst",
    "nl": "artikel artikelen beschrijven beschrijft beschreven",
    "es": "artículo artículos describir describe describen",
    "pt": "artigo artigos descrever descreve descrevem",
    "ro": "articol articole articolele descrie descriu",
    "hu": "leírja leírják",  # ("cikk", "cikkek": Hungarian stop words already)
}

#: Folded question words per language (with the request words).
QUESTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in f"{words} {_REQUEST_WORDS.get(lang, '')}".split())
    for lang, words in _QUESTION_WORDS.items()
}


@cache
def folded_stopwords(lang: str) -> frozenset[str]:
    """The indexing stop words of ``lang``, folded as users type them."""
    return frozenset(fold(w) for w in stopwords_for(lang))


@cache
def _foreign_stopwords(lang: str) -> frozenset[str]:
    """Words that are stop words of some partner language other than ``lang``."""
    return frozenset().union(
        *(folded_stopwords(other) for other in STEMMED_LANGUAGES if other != lang)
    )


#: Words that are operators when typed in capitals: no acronyms, nor what makes a query one
#: written in capitals ("EU OR DE").
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "TO"})


def acronyms_in(text: str) -> frozenset[str]:
    """The words of ``text`` typed as acronyms, folded: two letters or more, all in upper
    case ("EU", "VAT", "WHO"; not "HU22", nor a country code, which searches its code:
    QueryWords.codes), unless the whole query is written in capitals (caps lock: "FUNDOS DA
    EU" tells no acronym), though a query of one such word is one ("EU")."""
    words = [w for w in re.findall(r"\w+", text) if w not in _OPERATOR_WORDS
             and not w.isdigit()]
    if not words or (len(words) > 1 and not any(c.islower() for c in "".join(words))):
        return frozenset()
    codes = country_codes_in(text)
    return frozenset(fold(w) for w in words
                     if len(w) >= 2 and w.isalpha() and w.isupper() and w.lower() not in codes)


def is_question_word(word: str, lang: str | None) -> bool:
    return lang is not None and fold(word) in QUESTION_WORDS.get(lang, frozenset())


@dataclass(frozen=True)
class QueryWords:
    """The scoring rules for one query (its language, if known, and its words)."""

    #: the query's language when it can be told (index.query.query_language), else None
    language: str | None
    #: True when question words may score (the query has no other words)
    keep_question_words: bool = False
    #: words typed as country codes ("DE", lower-cased): they also search the code's term
    #: (index.analysis.CODE_MARK), whatever the rules above say of the word
    codes: frozenset[str] = frozenset()
    #: words typed as acronyms (acronyms_in, lower-cased): never a stop word of a language but
    #: the field's own
    acronyms: frozenset[str] = frozenset()
    _cache: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, words: list[str], language: str | None,
           codes: frozenset[str] = frozenset(),
           acronyms: frozenset[str] = frozenset()) -> QueryWords:
        content = [
            w for w in words
            if fold(w) in acronyms or not (is_question_word(w, language) or any(
                is_question_word(w, lang) for lang in STEMMED_LANGUAGES))
            and fold(w) not in folded_stopwords(language or OTHER)
        ]
        return cls(language, keep_question_words=not content, codes=codes, acronyms=acronyms)

    def scores_in(self, word: str, lang: str) -> bool:
        """Whether ``word`` of this query may score in the fields of ``lang``."""
        key = (word, lang)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._scores_in(fold(word), lang)
        return hit

    def _scores_in(self, word: str, lang: str) -> bool:
        q = self.language
        if word in self.acronyms:
            # a grammar word of the field's language only, unless a stop word there: its
            # analysis keeps those only written as acronyms (index.analysis.acronym_term)
            return (self.keep_question_words or word not in QUESTION_WORDS.get(lang, ())
                    or word in folded_stopwords(lang))
        if q is not None:
            if word in folded_stopwords(q):
                return False
        elif lang != OTHER and word in _foreign_stopwords(lang):
            return False
        if self.keep_question_words:
            return True
        return not (word in QUESTION_WORDS.get(lang, ()) or (
            q is not None and word in QUESTION_WORDS.get(q, ())))


_TOKEN = re.compile(r"\w+(?:[.']\w+)*")


def weigh_repeated(q: wq.Query, text: str) -> wq.Query:
    """The parsed query with each plain word of its top-level OR group boosted by the number
    of times it was typed, saturated by BM25's k3 (Whoosh's parser keeps one of them)."""
    counts = Counter(w.lower() for w in _TOKEN.findall(text))
    if not counts or max(counts.values()) < 2:
        return q

    def weigh(sub: wq.Query) -> wq.Query:
        if type(sub) is wq.Term and sub.fieldname == "text" and sub.boost == 1.0:
            n = counts.get(str(sub.text), 1)
            if n > 1:
                k3 = ranking.RANKING.k3
                sub = sub.copy()
                sub.boost = (k3 + 1) * n / (k3 + n)
        return sub

    if type(q) is wq.Or:
        return wq.Or([weigh(sub) for sub in q.subqueries])
    return weigh(q)


def _leaves_of_or(q: qf.Or) -> list[qf.Query]:
    out: list[qf.Query] = []
    for sub in q.parts:
        if type(sub) is qf.Or:
            out.extend(_leaves_of_or(sub))
        else:
            out.append(sub)
    return out


def merge_repeated(q: qf.Query) -> qf.Query:
    """An OR of OR groups flattened, with identical terms, phrases and facet values merged
    into one that has the largest of their boosts (what normalisation would do, keeping the
    weight of a word typed twice rather than whichever copy came first)."""
    if type(q) is not qf.Or:
        return q
    merged: dict[tuple[object, ...], qf.Query] = {}
    order: list[qf.Query | tuple[object, ...]] = []
    for sub in _leaves_of_or(q):
        if isinstance(sub, qf.Term):
            key: tuple[object, ...] = ("t", sub.field, sub.text)
        elif isinstance(sub, qf.Facet):
            key = ("f", sub.facet, sub.value)
        elif type(sub) is qf.Phrase:
            key = ("p", sub.field, sub.words, sub.slop)
        else:
            order.append(sub)
            continue
        if key in merged:
            first = merged[key]
            merged[key] = qf.with_boost(first, max(first.boost, sub.boost))
        else:
            merged[key] = sub
            order.append(key)
    return qf.Or(tuple(merged[item] if isinstance(item, tuple) else item for item in order))


__all__ = ["QUESTION_WORDS", "QueryWords", "acronyms_in", "is_question_word", "merge_repeated",
           "weigh_repeated"]
