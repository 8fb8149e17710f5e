"""From what a user typed to the engine-neutral query form over the per-language fields.

Parsing is forgiving: words, "phrases", AND / OR / NOT, (groups), field:value, prefix*,
word^2 boosts and year:[2018 TO 2020] ranges are understood; anything that does not parse
falls back to its plain words, and nothing a user types raises an error.

The syntax is read by Whoosh's query parser on a small schema of its own (split + lower-case
only); nothing of it leaves this module. Each word is then analysed once per language (stemmed,
folded) and expanded into that language's title and body fields, so one query matches German
inflections in German documents and Hungarian ones in Hungarian documents. The result is
index.query_form's neutral nodes, which each engine translates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from whoosh import query as wq
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.qparser import OrGroup, QueryParser

from index import query_form as qf
from index import ranking
from index.analysis import (
    CODE_MARK,
    LANGUAGE_KEYS,
    acronym_term,
    analyze,
    country_codes_in,
    fold,
    language_identifier,
    query_word_analyzer,
)
from index.compounds import COMPOUNDING_LANGUAGES, Dictionary, dictionary, tails
from index.hyphen_endings import typed_clitics, typed_endings
from index.query_text import query_text, quote_joined
from index.query_words import (
    QueryWords,
    acronyms_in,
    folded_stopwords,
    is_question_word,
    merge_repeated,
    weigh_repeated,
)
from index.records import STEMMED_LANGUAGES, base_language
from index.schema import (
    FACET_FIELDS,
    PRACTICE_QUERY_FIELDS,
    YEAR_MAX,
    YEAR_MIN,
    body_field,
    is_year,
    passage_field,
    practice_field,
    title_field,
)
from index.synonyms import ACRONYM_SIZE, matched_terms_by_group, word_forms

#: Query-language field names a user may type -> facet name (see FACET_FIELDS).
FIELD_ALIASES: dict[str, str] = {
    "country": "country",
    "region": "region",
    "theme": "theme",
    "themes": "theme",
    "type": "type",
    "doctype": "type",
    "language": "language",
    "lang": "language",
    "year": "year",
    "partner": "partner",
    "instrument": "instrument",
}

#: Text fields a user may type: the whole text, the title, the body, and each searchable
#: good-practice record field (``evidence:turnover``, see PRACTICE_QUERY_FIELDS).
TEXT_FIELDS = ("text", "title", "body", *PRACTICE_QUERY_FIELDS)

YearRange = tuple[int | None, int | None]

_WORD = re.compile(r"\w+", re.UNICODE)
_YEAR_FIELD = re.compile(r"(?<!\w)year:", re.IGNORECASE)


def _query_schema() -> Schema:
    ana = query_word_analyzer()
    fields: dict[str, object] = {
        name: TEXT(analyzer=ana, multitoken_query="phrase") for name in TEXT_FIELDS
    }
    for alias, facet in FIELD_ALIASES.items():
        if facet == "year":
            fields[alias] = NUMERIC(signed=False)
        elif facet == "theme":
            fields[alias] = KEYWORD(lowercase=True, commas=True)
        else:
            fields[alias] = ID()
    return Schema(**fields)


class CompoundWord(wq.Phrase):
    """One typed word that analysis splits into several: "COVID-19", "ischaemia/reperfusion".

    Unlike a "quoted phrase" it is not a demand for adjacency: how it is searched is a ranking
    setting (index.ranking.RANKING.compound).
    """


class QuotedWord(wq.Term):
    """One word typed in quotes ("export"): the word and its stemmed forms, not the longer
    words it begins (_longer_forms)."""


class QuotedPhrase(wq.Phrase):
    """A "quoted phrase"; one of a single word becomes a QuotedWord (not a plain Term)."""

    def normalize(self) -> wq.Query:
        if len(self.words) == 1:
            word = QuotedWord(self.fieldname, self.words[0])
            if self.char_ranges:
                word.startchar, word.endchar = self.char_ranges[0]
            return word
        return super().normalize()


class _Parser(QueryParser):
    def multitoken_query(self, spec, texts, fieldname, termclass, boost):  # type: ignore[no-untyped-def]
        if spec == "phrase":
            return CompoundWord(fieldname, texts, boost=boost)
        return super().multitoken_query(spec, texts, fieldname, termclass, boost)


_PARSER = _Parser("text", _query_schema(), group=OrGroup, phraseclass=QuotedPhrase)


@dataclass
class ParsedQuery:
    """A user's query, parsed and expanded."""

    text: str
    #: the query over documents (title and body fields), or None for "everything"
    documents: qf.Query | None
    #: the same words over passage bodies only (for choosing and highlighting passages)
    passages: qf.Query | None
    #: filters the user typed in the query (country:ES ...), as facet name -> values
    filters: dict[str, list[str]] = field(default_factory=dict)
    #: year ranges the user typed in the query (year:[2018 TO 2020]) as (first, last), clamped
    #: to real years, None for an open end; they combine with typed years (year:2021) by OR
    years: list[YearRange] = field(default_factory=list)
    #: plain words of the query (for "did you mean"), those under NOT too
    words: list[str] = field(default_factory=list)
    #: words the query excludes (under NOT: "export NOT covid" -> covid), and its patterns
    #: ("digital*", "organi?ation"): none is a word a match must have (index.search's coverage)
    negated: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    #: the plain words not under NOT (the coverage's content words: word_queries)
    positive: tuple[str, ...] = ()
    #: those of ``positive`` typed without a field (or in ``text:``); the others are in
    #: ``fielded``
    widening: tuple[str, ...] = ()
    #: (field, words, synonym words) of each field other than ``text`` that words not under NOT
    #: were typed in ("title:KMU"): the other terms of their synonym groups (the glossary's,
    #: a compound tail's) are searched in that field only (add_synonyms)
    fielded: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    #: the words whose synonyms widen the query (add_synonyms): ``widening`` with, in its
    #: place, each word typed with a hyphen that analysis splits (a CompoundWord not under
    #: NOT: "üzletember-találkozó", "COVID-19") as its parts joined by hyphens, so that it
    #: matches a synonym term written with the hyphen (not one written as its parts:
    #: "supply-chain" is no "supply chain", bench/README.md)
    synonym_words: tuple[str, ...] = ()
    #: what the query excludes (its parts under NOT, as ``documents`` searches them), or None:
    #: a document found by meaning only must not match it (index.search)
    excluded: qf.Query | None = None
    #: the same as ``passages`` searches them: what passages widened by synonyms still exclude
    #: (add_synonyms; worked out once per parsed text, not per search)
    passages_excluded: qf.Query | None = None
    #: the typed words' longer forms in the passage fields (_longer_forms), or None: display
    #: only, to choose and mark a passage of a hit whose passages ``passages`` does not find
    #: (a hit found by a compound alone; index.search._attach_passages)
    passage_heads: qf.Query | None = None
    #: the terms of each synonym group its ``positive`` words contain, once add_synonyms has
    #: found them (the coverage weighting's word_queries reads them again)
    synonym_hits: SynonymHits | None = None
    #: a message for the user when the query had to be read differently than typed
    notice: str | None = None

    def shown_heads(self) -> qf.Query | None:
        """``passage_heads`` without what the passages exclude: the passages, marked, of a
        document that ``passages`` finds none of (found by a compound alone), on the results
        (index.search) and on the document page (index.documents)."""
        if self.passage_heads is None or self.passages_excluded is None:
            return self.passage_heads
        return qf.AndNot(self.passage_heads, self.passages_excluded)


@lru_cache(maxsize=50_000)
def analyse(lang: str, text: str) -> tuple[str, ...]:
    """The index terms of ``text`` in ``lang`` (the same analysis as indexing)."""
    return tuple(analyze(lang, text))


#: Fields of the query's own language (when it can be told) weigh this much more. It was
#: 1.5 (so a Spanish query preferred Spanish documents to Portuguese ones sharing a few
#: stems), chosen before a word's rarity was judged across languages and before semantic
#: search; since then it only pushed answers in other languages down: without it our
#: judgments' cross-language queries rose from 0.74 to 0.78 nDCG@10 and the held-out ones
#: from 0.64 to 0.68, questions too, no kind lost more than 0.002 (bench/README.md). Kept
#: as a setting; the query's language still decides its stop and question words.
QUERY_LANGUAGE_BOOST = 1.0
QUERY_LANGUAGE_MIN_PROBABILITY = 0.9


#: the languages a query is told among: the partner languages and two near ones
QUERY_LANGUAGES = (*STEMMED_LANGUAGES, "fr", "it")


@lru_cache(maxsize=4096)
def query_language(text: str) -> str | None:
    """The language of a query's words, when the model is sure enough; else None."""
    words = " ".join(_WORD.findall(text))
    if sum(c.isalpha() for c in words) < 4:
        return None
    lang, prob = language_identifier(QUERY_LANGUAGES).classify(words)
    return str(lang) if prob >= QUERY_LANGUAGE_MIN_PROBABILITY else None


def _target_fields(
    fieldname: str, *, passages: bool, prefer: str | None = None, only: str | None = None
) -> list[tuple[str, float]]:
    """(field, boost) pairs per language that a textual query field expands into (into one
    language's fields only with ``only``)."""
    out: list[tuple[str, float]] = []
    for lang in (only,) if only else LANGUAGE_KEYS:
        weight = QUERY_LANGUAGE_BOOST if lang == prefer else 1.0
        if fieldname in PRACTICE_QUERY_FIELDS:  # its record field; passages: the text
            target = PRACTICE_QUERY_FIELDS[fieldname]
            out.append((passage_field(lang) if passages else practice_field(target, lang),
                        weight))
            continue
        if fieldname in ("text", "title") and not passages:
            boost = ranking.RANKING.title_boost if fieldname == "text" else 1.0
            if boost > 0:
                out.append((title_field(lang), boost * weight))
        if fieldname in ("text", "body") or passages:
            out.append((passage_field(lang) if passages else body_field(lang), weight))
    return out


@lru_cache(maxsize=50_000)
def _word_forms(word: str) -> tuple[tuple[str, str], ...]:
    """(language, term) for every language in which ``word`` is one term (for its document
    frequency across languages, see index.query_form.Word)."""
    out = []
    for lang in LANGUAGE_KEYS:
        tokens = analyse(lang, word)
        if len(tokens) == 1:
            out.append((lang, tokens[0]))
    return tuple(out)


@lru_cache(maxsize=4096)
def _acronym_tokens(lang: str, word: str) -> tuple[str, ...]:
    """The term of ``word`` typed as an acronym in the fields of ``lang`` whose analysis drops
    it as a stop word but keeps it written in capitals (index.analysis.acronym_term)."""
    term = acronym_term(lang, word)
    return (term,) if term is not None else ()


@lru_cache(maxsize=4096)
def _acronym_forms(word: str) -> tuple[tuple[str, str], ...]:
    """_word_forms of ``word`` typed as an acronym: with its term in the languages whose
    analysis keeps it only written in capitals (_acronym_tokens)."""
    return _word_forms(word) + tuple(
        (lang, term) for lang in LANGUAGE_KEYS if not analyse(lang, word)
        for term in _acronym_tokens(lang, word))


#: The shortest stem searched as the head of longer terms: shorter ones head unrelated words
#: (German "mess" of "Messe" would reach "messen" and "Messung")
MIN_HEAD_STEM = 5


def _longer_forms(lang: str, stem: str, target: str, boost: float,
                  family: qf.WordFamily, *, passages: bool = False) -> qf.Query | None:
    """A typed word's stem in a compounding language (COMPOUNDING_LANGUAGES) as the head of the
    longer terms of ``target`` (qf.LongerForms), at ``Ranking.longer_forms`` of the word's
    weight: the first part of a compound ("export" of "Exportförderung", Hungarian
    "exporttámogatás"), a derivation the stemmer keeps apart ("exportierende"), a Hungarian
    name the stemmer cuts short when bare ("Budapest": "budapes") but not when inflected
    ("Budapesten": "budapest"). Only stems of MIN_HEAD_STEM letters or more; the stem itself
    is the word's own match. Each longer term scores with the typed word's document frequency
    (across languages) added to its own, so a rare compound does not outweigh the word. Only
    in the body fields (the whole text): each pattern walks a field's vocabulary, and in the
    title and passage fields they cost 25% more search time for no gain (bench/README.md).
    In the passage fields (``passages``) for display only (ParsedQuery.passage_heads): a hit
    found by a compound alone shows it marked."""
    weight = ranking.RANKING.longer_forms
    if (weight <= 0 or lang not in COMPOUNDING_LANGUAGES
            or not target.startswith("passage_" if passages else "body_")
            or len(stem) < MIN_HEAD_STEM or not stem.isalpha()):
        return None
    return qf.LongerForms(target, stem + "?*", boost * weight, family)


def _without_longer_forms(q: qf.Query) -> qf.Query:
    """``q`` without its qf.LongerForms leaves, otherwise of the same shape: what _expand
    makes of the same query with ``longer`` off."""
    if isinstance(q, (qf.Or, qf.And)):
        return type(q)(tuple(_without_longer_forms(p) for p in q.parts
                             if not isinstance(p, qf.LongerForms)), q.boost)
    if isinstance(q, qf.Not):
        return qf.Not(_without_longer_forms(q.part), q.boost)
    if isinstance(q, qf.AndNot):
        return qf.AndNot(_without_longer_forms(q.positive), _without_longer_forms(q.negative),
                         q.boost)
    if isinstance(q, qf.AndMaybe):
        return qf.AndMaybe(_without_longer_forms(q.required), _without_longer_forms(q.optional),
                           q.boost)
    if isinstance(q, qf.Require):
        return qf.Require(_without_longer_forms(q.scored), _without_longer_forms(q.required),
                          q.boost)
    return qf.NOTHING if isinstance(q, qf.LongerForms) else q


def _expand_leaf(
    q: wq.Query, *, passages: bool, prefer: str | None = None, only: str | None = None,
    words: QueryWords | None = None, longer: bool = True, negated: bool = False,
) -> qf.Query:
    """``q`` (one parsed leaf) in the fields it searches; ``longer``: a word also as the head
    of longer words (_longer_forms; never for a QuotedWord, nor under NOT: _expand);
    ``negated``: under a NOT, where a CompoundWord is its phrase (_expand)."""
    fieldname = getattr(q, "fieldname", None)
    facet = FIELD_ALIASES.get(fieldname or "")
    if facet:
        # Passages carry no metadata: a facet clause means nothing there.
        return qf.NOTHING if passages else _facet_query(facet, q)
    if fieldname not in TEXT_FIELDS:
        return qf.NOTHING
    if passages and fieldname == "title":
        return qf.NOTHING
    alternatives: list[qf.Query] = []
    word = type(q) in (wq.Term, QuotedWord)
    longer = longer and type(q) is wq.Term
    family = _word_forms(q.text) if word else ()
    if word and words is not None and q.text in words.acronyms:
        family = _acronym_forms(q.text)
    for target, boost in _target_fields(fieldname, passages=passages, prefer=prefer, only=only):
        lang = target.rsplit("_", 1)[1]
        boost *= q.boost
        if words is not None and word and q.text in words.codes:
            alternatives.append(qf.Term(target, CODE_MARK + q.text, boost))
        if words is not None and word and not words.scores_in(q.text, lang):
            continue
        if isinstance(q, wq.Term):
            tokens: tuple[str, ...] | list[str] = analyse(lang, q.text)
            if not tokens and words is not None and q.text in words.acronyms:
                # a stop word of this language, that its texts write in capitals as an acronym
                tokens = _acronym_tokens(lang, q.text)
            if len(tokens) == 1:
                alternatives.append(qf.Word(target, tokens[0], boost, family))
                heads = (_longer_forms(lang, tokens[0], target, boost, family,
                                       passages=passages) if longer else None)
                if heads is not None:
                    alternatives.append(heads)
            elif tokens:
                alternatives.append(qf.Phrase(target, tuple(tokens), boost=boost))
        elif isinstance(q, wq.Phrase):
            tokens = [t for w in q.words for t in analyse(lang, w)]
            compound = ranking.RANKING.compound
            if len(tokens) == 1:
                alternatives.append(qf.Term(target, tokens[0], boost))
            elif tokens and isinstance(q, CompoundWord) and compound != "phrase" and not negated:
                # its parts as words; "both": and the whole as a phrase, on top
                if compound == "both":
                    alternatives.append(qf.Phrase(target, tuple(tokens), boost=boost))
                alternatives.extend(
                    qf.Word(target, t, boost, _word_forms(t)) for t in dict.fromkeys(tokens))
            elif tokens:
                # "a b"~N: N capped once, here (query_form.phrase_slop)
                alternatives.append(qf.Phrase(target, tuple(tokens),
                                              qf.phrase_slop(len(tokens), q.slop), boost))
        elif isinstance(q, (wq.Prefix, wq.Wildcard)):
            text = fold(q.text)
            if isinstance(q, wq.Prefix) and len(text) >= 2:
                alternatives.append(qf.Prefix(target, text, boost))
                stem = analyse(lang, text) if passages else ()
                if len(stem) == 1 and 2 <= len(stem[0]) < len(text) and text.startswith(stem[0]):
                    # a passage by the stem ("vouchers*": voucher*), to show and mark it
                    alternatives.append(qf.Prefix(target, stem[0], boost))
            elif isinstance(q, wq.Wildcard) and len(text.strip("*?")) >= 2:
                alternatives.append(qf.Wildcard(target, text, boost))
    if isinstance(q, (wq.Prefix, wq.Wildcard)) and alternatives and not passages and (
            fieldname in ("text", "body")):
        # Also among the document's words as written: the fields above hold stems, which
        # lose what a pattern may ask for ("vouchers*" is no prefix of the stem "voucher",
        # "organi?ation" matches no stem "organis"; they found nothing).
        pattern = alternatives[0]
        assert isinstance(pattern, (qf.Prefix, qf.Wildcard))
        alternatives.append(replace(pattern, field="words", boost=q.boost))
    if not alternatives:
        return qf.NOTHING
    if passages and fieldname in PRACTICE_QUERY_FIELDS:
        # the passages that are this record field's section (a good practice's "evidence")
        section = qf.Term("record_field", PRACTICE_QUERY_FIELDS[fieldname])
        return qf.And((qf.Or(tuple(alternatives)), section))
    return qf.Or(tuple(alternatives))


def _expand(
    q: wq.Query, *, passages: bool, prefer: str | None = None, only: str | None = None,
    words: QueryWords | None = None, longer: bool = True, negated: bool = False,
) -> qf.Query:
    """``q`` (parsed) in the fields it searches. What is under a NOT (``negated``) excludes
    the words as typed (and their stemmed forms), not the longer words they begin (``longer``
    off): an excluded word's synonyms are not excluded either (add_synonyms); and a word typed
    with a hyphen ("COVID-19", "e-commerce") excludes its phrase, as in quotes, not each of
    its parts (every page with a "19", or with a lone "e")."""
    if isinstance(q, wq.Every):
        return qf.Every()
    if q.is_leaf():
        return _expand_leaf(q, passages=passages, prefer=prefer, only=only, words=words,
                            longer=longer, negated=negated)

    def expand(sub: wq.Query, under_not: bool = False) -> qf.Query:
        return _expand(sub, passages=passages, prefer=prefer, only=only, words=words,
                       longer=longer and not under_not, negated=negated or under_not)

    def searches_nothing(sub: wq.Query) -> bool:
        """Whether ``sub`` finds no document: only very common words ("the"). Asked of the
        documents' fields, so that a passage query keeps the shape of its documents'."""
        return isinstance(qf.normalize(_expand(
            sub, passages=False, prefer=prefer, only=only, words=words, longer=longer)),
            qf.Nothing)

    # A side of AND NOT, ANDMAYBE or REQUIRE that is only very common words is left out with
    # its operator, as a side of AND is: "the ANDNOT covid" is "NOT covid" (it was nothing
    # at all, the NOT lost), "export REQUIRE the" is "export". A NOT as ANDMAYBE's optional
    # side excludes ("export ANDMAYBE NOT covid" is "export NOT covid"): only preferring the
    # pages without covid, it found the others too, while the meaning left covid out.
    expanded: qf.Query
    if isinstance(q, wq.Not):
        expanded = qf.Not(expand(q.query, under_not=True))
    elif isinstance(q, wq.AndNot):
        negative = expand(q.b, under_not=True)
        expanded = (qf.Not(negative) if searches_nothing(q.a)
                    else qf.AndNot(expand(q.a), negative))
    elif isinstance(q, wq.AndMaybe):
        if searches_nothing(q.a):
            expanded = expand(q.b, under_not=isinstance(q.b, wq.Not))
        elif isinstance(q.b, wq.Not):
            expanded = qf.AndNot(expand(q.a), expand(q.b.query, under_not=True))
        else:
            expanded = qf.AndMaybe(expand(q.a), expand(q.b))
    elif isinstance(q, wq.Require):
        if searches_nothing(q.a) or searches_nothing(q.b):
            expanded = expand(q.b if searches_nothing(q.a) else q.a)
        else:
            expanded = qf.Require(expand(q.a), expand(q.b))
    elif isinstance(q, wq.And):
        expanded = qf.And(tuple(expand(sub) for sub in q.subqueries), q.boost)
    elif isinstance(q, wq.Or):
        expanded = qf.Or(tuple(expand(sub) for sub in q.subqueries), q.boost)
    else:  # nothing else comes out of the parser; searched as nothing, never an error
        return qf.NOTHING
    return qf.normalize(_negations_exclude(merge_repeated(expanded)))


def _negations_exclude(q: qf.Query) -> qf.Query:
    """In an OR group, "NOT x" excludes x from the group's matches (as users mean it),
    instead of adding every document without x."""
    if not isinstance(q, qf.Or):
        return q
    # (a NOT already read as "everything but x", "the OR NOT covid" in a group of its own,
    # is one too)
    nots = [sub for sub in q.parts if isinstance(sub, qf.Not) or (
        isinstance(sub, qf.AndNot) and isinstance(sub.positive, qf.Every))]
    if not nots:
        return q
    negatives = [sub.part if isinstance(sub, qf.Not) else sub.negative for sub in nots]
    # a part that searches nothing (only very common words: "the NOT export", a trailing
    # "NOT export OR") is dropped, as in an OR without a NOT: the NOT still excludes
    positives = [sub for sub in q.parts
                 if not any(sub is n for n in nots)
                 and not isinstance(qf.normalize(sub), qf.Nothing)]
    include: qf.Query = qf.Or(tuple(positives)) if positives else qf.Every()
    return qf.AndNot(include, qf.Or(tuple(negatives)))


def _global_negations(q: wq.Query) -> wq.Query:
    """The parsed query ``q`` of a text without brackets, each of its NOTs excluding from the
    whole query, as in web search engines and Lucene: the parser binds AND tighter than the
    words' OR, so "export AND NOT covid trade" was "(export AND NOT covid) OR trade", which
    found the pages with covid by "trade", while "export NOT covid trade" left them out. Each
    NOT (and AND NOT's right side) inside the top group's parts becomes a NOT of the top group
    (which then excludes from all of it: _negations_exclude); with brackets, a NOT excludes
    from its group, as written."""
    excluded: list[wq.Query] = []

    def positive(sub: wq.Query) -> wq.Query | None:
        if isinstance(sub, wq.Not):
            excluded.append(sub.query)
            return None
        if isinstance(sub, wq.AndNot):
            excluded.append(sub.b)
            return positive(sub.a)
        if isinstance(sub, (wq.AndMaybe, wq.Require)):
            a, b = positive(sub.a), positive(sub.b)
            return type(sub)(a, b) if a is not None and b is not None else (
                b if a is None else a)
        if isinstance(sub, (wq.And, wq.Or)) and type(sub) in (wq.And, wq.Or):
            parts = [p for p in (positive(s) for s in sub.subqueries) if p is not None]
            if not parts:
                return None
            return type(sub)(parts, boost=sub.boost) if len(parts) > 1 else parts[0]
        return sub

    parts: list[wq.Query] = []
    for sub in q.subqueries if type(q) is wq.Or else [q]:
        if isinstance(sub, wq.Not):
            parts.append(sub)
            continue
        kept = positive(sub)
        if kept is not None:
            parts.append(kept)
    if not excluded:
        return q
    return wq.Or([*parts, *(wq.Not(e) for e in excluded)],
                 boost=q.boost if type(q) is wq.Or else 1.0)


def _clamp_year(value: object) -> int:
    return max(YEAR_MIN, min(YEAR_MAX, int(value)))  # type: ignore[call-overload]


def _year_range(q: wq.NumericRange) -> YearRange:
    """The (first, last) years of a typed range, clamped to real years, open ends as None.

    Never a list of the years: `year:[0 TO 4294967295]` costs what `year:[0 TO 9999]` does.
    """
    start = None if q.start is None else _clamp_year(int(q.start) + bool(q.startexcl))
    end = None if q.end is None else _clamp_year(int(q.end) - bool(q.endexcl))
    if start is not None and end is not None and start > end:
        start, end = end, start
    return start, end


def _year_of_term(q: wq.Query) -> int | None:
    text = getattr(q, "text", "")
    try:
        if isinstance(text, bytes):  # a NUMERIC term holds its value encoded
            text = _PARSER.schema["year"].from_bytes(text)
        year = int(text)
    except (TypeError, ValueError):
        return None
    return year if is_year(year) else None


def _facet_value(facet: str, q: wq.Query) -> str | None:
    """The value of a typed facet filter (country:ES -> "ES"), as the index stores it; None
    when the clause is not one value (a prefix, a range)."""
    if isinstance(q, wq.Term) and facet == "year":
        year = _year_of_term(q)
        return None if year is None else str(year)
    if not isinstance(q, (wq.Term, wq.Phrase)) or facet == "year":
        return None
    text = str(getattr(q, "text", "") or " ".join(getattr(q, "words", []) or [])).strip()
    return as_stored(facet, text) if text else None


def as_stored(facet: str, text: str) -> str:
    """A facet value as the index stores it, whatever its case as typed (in the query or the
    address: one rule): the codes of countries and regions in capitals ("ES", "HU22"), those
    of types, languages, themes and record fields in lower case ("good_practice", "en"; a
    language without its region: "de-DE" is "de"); names (partners, instruments) as typed."""
    if facet in ("country", "region"):
        return text.upper()
    if facet == "language":
        # a language tag with its region ("de-DE", a browser's; "pt_BR") is its language, as
        # ingest stores a document's (ingest.normalise_language): "de-DE" found nothing
        return base_language(text) or text.lower()
    return text.lower() if facet in ("type", "theme", "record") else text


def _facet_query(facet: str, q: wq.Query) -> qf.Query:
    """A facet clause typed anywhere in a query (under NOT, OR, in groups) as a query on that
    facet: `export NOT lang:en` excludes English documents."""
    if isinstance(q, wq.NumericRange) and facet == "year":
        start, end = _year_range(q)
        return qf.YearRange(start, end, q.boost)
    value = _facet_value(facet, q)
    if value is not None:
        return qf.Facet(facet, value, q.boost)
    if isinstance(q, wq.Prefix) and facet != "year" and q.text:
        return qf.FacetPrefix(facet, as_stored(facet, str(q.text)), q.boost)
    return qf.NOTHING


def _split_filters(
    q: wq.Query, filters: dict[str, list[str]], years: list[YearRange]
) -> wq.Query | None:
    """Take field:value clauses on facet fields out of the top level, as filters (AND);
    year ranges go to ``years`` (bounds, never lists of years)."""

    subs = q.subqueries if isinstance(q, (wq.Or, wq.And)) else [q]
    rest = []
    for sub in subs:
        name = getattr(sub, "fieldname", None)
        facet = FIELD_ALIASES.get(name) if name and sub.is_leaf() else None
        if facet == "year" and isinstance(sub, wq.NumericRange):
            years.append(_year_range(sub))
            continue
        value = _facet_value(facet, sub) if facet else None
        if facet and value is not None:
            values = filters.setdefault(facet, [])
            if value not in values:
                values.append(value)
        else:
            rest.append(sub)
    if not rest:
        return None
    if len(rest) == 1:
        return rest[0]
    return type(q)(rest) if isinstance(q, (wq.Or, wq.And)) else rest[0]


def _has_year_clause(q: wq.Query) -> bool:
    return any(getattr(leaf, "fieldname", None) == "year"
               for leaf in (q.leaves() if not q.is_leaf() else [q]))


def _has_year_out_of_range(q: wq.Query) -> bool:
    """Whether ``q`` has a year:N clause whose number is no year (year:99999)."""
    return any(getattr(leaf, "fieldname", None) == "year" and isinstance(leaf, wq.Term)
               and _year_of_term(leaf) is None
               for leaf in (q.leaves() if not q.is_leaf() else [q]))


#: Words with * or ? each walk the vocabulary of every language's fields: a query may have this
#: many (200 of them took 14 s on the sample corpus); further ones are searched as plain words.
MAX_PATTERNS = 4
#: A typed weight (word^3) is kept between these (word^1e400 made scores infinite). Not 0: a
#: match whose score is 0 is lost by Whoosh's preloaded OR (indexes under 5,000 records) and
#: its top-N collector ('export^0' found 1 of the documents with 'export'), so a weight of 0,
#: below it, or NaN is the smallest one, which still ranks such a word below all others.
MIN_BOOST = 0.001
MAX_BOOST = 100.0


def _limit_patterns(q: wq.Query) -> tuple[wq.Query, bool]:
    """``q`` with its pattern words past the first MAX_PATTERNS read as plain words and its
    weights kept finite, and whether any pattern was read as a word."""
    seen = 0

    def visit(sub: wq.Query) -> wq.Query:
        nonlocal seen
        boost = getattr(sub, "boost", 1.0)
        if not MIN_BOOST <= boost <= MAX_BOOST:
            sub.boost = MAX_BOOST if boost > MAX_BOOST else MIN_BOOST  # NaN too
        if isinstance(sub, (wq.Prefix, wq.Wildcard)) and sub.fieldname in TEXT_FIELDS:
            seen += 1
            if seen > MAX_PATTERNS:
                word = re.sub(r"[*?]+", "", str(sub.text))
                return wq.Term(sub.fieldname, word, boost=sub.boost) if word else wq.NullQuery
        return sub

    limited = q.accept(visit)
    return limited, seen > MAX_PATTERNS


def _without_endings(q: wq.Query, text: str) -> wq.Query:
    """``q`` with each word typed with an inflectional ending or a clitic after its last
    hyphen ("kkv-k", "IMM-urile", "COVID-19-et": index.hyphen_endings) read as the word before
    it ("kkv", "imm", "covid-19"): its synonyms, its stems and its marks are the word's, and the
    ending is searched nowhere on its own; and each Romanian word of clitics and stop words
    alone ("s-a", "într-un", "să-și": typed_clitics) left out, as a stop word is."""
    endings = typed_endings(text) if "-" in text else set()
    clitics = typed_clitics(text) if "-" in text else set()
    if not endings and not clitics:
        return q

    def visit(sub: wq.Query) -> wq.Query:
        if isinstance(sub, CompoundWord) and tuple(str(w) for w in sub.words) in clitics:
            return wq.NullQuery  # a Romanian clitic's word ("s-a", "într-un"): a stop word
        if (isinstance(sub, CompoundWord) and len(sub.words) > 1
                and (str(sub.words[-2]), str(sub.words[-1])) in endings):
            if len(sub.words) == 2:
                return wq.Term(sub.fieldname, sub.words[0], boost=sub.boost)
            return CompoundWord(sub.fieldname, sub.words[:-1], boost=sub.boost)
        return sub

    return q.accept(visit)


def _negated_words(q: wq.Query) -> tuple[str, ...]:
    """The words (plain or in phrases) under a NOT of the parsed query ``q``."""
    found: list[str] = []

    def words_of(sub: wq.Query) -> None:
        for leaf in sub.leaves() if not sub.is_leaf() else [sub]:
            if isinstance(leaf, wq.Term) and leaf.fieldname in TEXT_FIELDS:
                found.append(str(leaf.text))
            elif isinstance(leaf, wq.Phrase):
                found.extend(str(w) for w in leaf.words)

    def visit(sub: wq.Query) -> None:
        if isinstance(sub, wq.Not):
            words_of(sub.query)
        elif isinstance(sub, wq.AndNot):
            visit(sub.a)
            words_of(sub.b)
        elif not sub.is_leaf():
            for child in sub.children():
                visit(child)

    visit(q)
    return tuple(found)


def _patterns(q: wq.Query) -> tuple[str, ...]:
    """The patterns (``digital*``, ``organi?ation``) of the parsed query ``q``, as typed."""
    return tuple(str(leaf.text) + ("*" if isinstance(leaf, wq.Prefix) else "")
                 for leaf in (q.leaves() if not q.is_leaf() else [q])
                 if isinstance(leaf, (wq.Prefix, wq.Wildcard)))


def _short_patterns(q: wq.Query) -> list[str]:
    """The patterns of the parsed query ``q`` with fewer than two letters besides their * and
    ? ("a*", "*e*", "?*"), which _expand_leaf searches as nothing, as typed, each once."""
    found: list[str] = []
    for leaf in q.leaves() if not q.is_leaf() else [q]:
        if isinstance(leaf, (wq.Prefix, wq.Wildcard)) and leaf.fieldname in TEXT_FIELDS:
            text = fold(str(leaf.text))
            if len(text if isinstance(leaf, wq.Prefix) else text.strip("*?")) < 2:
                typed = str(leaf.text) + ("*" if isinstance(leaf, wq.Prefix) else "")
                if leaf.fieldname != "text":
                    typed = f"{leaf.fieldname}:{typed}"
                if typed not in found:
                    found.append(typed)
    return found


def _plain_words(q: wq.Query, *, negated: bool = True, compounds: bool = False,
                 fields: tuple[str, ...] = TEXT_FIELDS) -> list[str]:
    """The plain words of the parsed query ``q`` typed in one of ``fields``, in order; without
    ``negated``, not those under a NOT; with ``compounds``, each CompoundWord too, as its parts
    joined by hyphens ("covid-19": the typed separator is not kept, and the taxonomy's terms
    use hyphens)."""
    words: list[str] = []

    def visit(sub: wq.Query) -> None:
        if not negated and isinstance(sub, wq.Not):
            return
        if compounds and isinstance(sub, CompoundWord):
            if sub.fieldname in fields:
                words.append("-".join(str(w) for w in sub.words))
            return
        if sub.is_leaf():
            if isinstance(sub, wq.Term) and getattr(sub, "fieldname", None) in fields:
                words.append(str(sub.text))
        elif not negated and isinstance(sub, wq.AndNot):
            visit(sub.a)
        else:
            for child in sub.children():
                visit(child)

    visit(q)
    return words


def _fielded(q: wq.Query) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """ParsedQuery.fielded of the parsed query ``q``."""
    out = []
    for name in TEXT_FIELDS:
        if name == "text":
            continue
        compounds = tuple(_plain_words(q, negated=False, compounds=True, fields=(name,)))
        if compounds:
            out.append((name, tuple(_plain_words(q, negated=False, fields=(name,))), compounds))
    return tuple(out)


def _excluded(q: qf.Query | None) -> qf.Query | None:
    """The parts of the expanded query ``q`` under a NOT (not those under a NOT inside them:
    "a NOT (b NOT c)" excludes b without c), as one query; None when nothing is excluded."""
    found: list[qf.Query] = []

    def visit(sub: qf.Query) -> None:
        if isinstance(sub, qf.Not):
            found.append(sub.part)
        elif isinstance(sub, qf.AndNot):
            visit(sub.positive)
            found.append(sub.negative)
        elif isinstance(sub, (qf.Or, qf.And)):
            for part in sub.parts:
                visit(part)
        elif isinstance(sub, qf.AndMaybe):
            visit(sub.required)
            visit(sub.optional)
        elif isinstance(sub, qf.Require):
            visit(sub.scored)
            visit(sub.required)

    if q is not None:
        visit(q)
    excluded = qf.normalize(qf.Or(tuple(found))) if found else qf.NOTHING
    return excluded if qf.searches(excluded) else None


#: Conjunctions before the last part of a compound whose first part is left out, written with
#: a leading hyphen ("Innovationsförderung und -beratung", "exportbevordering en -begeleiding",
#: "tehetségvonzó és -megtartó"): German, Dutch and Hungarian
_SUSPENDING = frozenset({"und", "oder", "sowie", "en", "of", "és", "vagy", "illetve"})
_WORD_BEFORE = re.compile(r"(\w+)\s+$")


def _suspended(text: str, i: int) -> bool:
    """Whether the minus at ``text[i]`` starts the last part of a suspended compound: after one
    of _SUSPENDING, before a word in lower case ("und -beratung"), not a NOT."""
    before = _WORD_BEFORE.search(text, 0, i)
    return (before is not None and before.group(1).lower() in _SUSPENDING
            and text[i + 1].islower())


def _minus_as_not(text: str) -> str:
    """``text`` with each minus that starts a word, a "phrase" or a (group) read as NOT
    ("export -covid", -"supply chain", -(a OR b), -language:en), as in web search engines. A
    hyphen inside or between words ("COVID-19", "e-commerce", "2016-2022", "export - covid"),
    a minus before a number ("-5") and one inside quotes stay as typed."""
    if "-" not in text:
        return text
    out: list[str] = []
    quoted = False
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == '"' and (quoted or '"' in text[i + 1:]):  # (a quote never closed is none)
            quoted = not quoted
        elif (ch == "-" and not quoted and i < last
              and (i == 0 or text[i - 1].isspace() or text[i - 1] == "(")
              and (text[i + 1].isalpha() or text[i + 1] in '"(')
              and not _suspended(text, i)):
            out.append("NOT ")
            continue
        out.append(ch)
    return "".join(out)


#: A NOT (or ANDNOT) followed by more NOTs, outside quotes (a "phrase" is matched first and
#: kept): the whole run reads as its first ("trade NOT NOT covid" excludes covid).
_REPEATED_NOT = re.compile(r'"[^"]*"|(?<!\S)(NOT|ANDNOT)(?:\s+NOT)+(?!\S)')


#: An operator with nothing before it to work on: at the start, after a bracket or after
#: another operator ("ANDNOT covid", "export OR ANDNOT covid", "ANDMAYBE NOT covid"), or with
#: nothing after it (at the end, before a bracket: "NOT covid ANDNOT"); outside quotes.
_LEFTLESS = re.compile(r'"[^"]*"|(^\s*|\(\s*|(?<!\S)(?:AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE)\s+)'
                       r'(ANDNOT|ANDMAYBE|REQUIRE)(?!\S)')
_RIGHTLESS = re.compile(r'"[^"]*"|(?<!\S)(ANDNOT|ANDMAYBE|REQUIRE)(?=\s*(?:\)|$))')


def _dangling_operators(text: str) -> str:
    """``text`` with each ANDNOT that has nothing before it read as NOT, and each other
    ANDNOT, ANDMAYBE or REQUIRE without both sides left out: the parser searched such an
    operator as a word ("andnot", found nowhere, so "NOT covid ANDNOT" found nothing), or
    dropped it and searched the word after it ("export OR ANDNOT covid" found the pages
    with covid)."""
    def leftless(m: re.Match[str]) -> str:
        if m.group(1) is None:  # a "phrase"
            return m.group(0)
        return m.group(1) + ("NOT" if m.group(2) == "ANDNOT" else "")

    typed = text
    while True:
        read = _RIGHTLESS.sub(lambda m: "" if m.group(1) else m.group(0),
                              _LEFTLESS.sub(leftless, text))
        if read == text:
            return text if text.strip() else typed  # "REQUIRE" alone is a word
        text = read


def _negations(text: str) -> str:
    """``text`` with its negations as the parser and without_negations both read them: a
    leading minus as NOT (_minus_as_not), an ANDNOT without a left side as NOT and other
    operators without both sides left out (_dangling_operators), and a run of NOTs as one:
    "trade NOT NOT covid" is "trade NOT covid" (the parser gave up on the run and searched
    every word, covid too, while the meaning left covid out)."""
    return _REPEATED_NOT.sub(lambda m: m.group(1) or m.group(0),
                             _dangling_operators(_minus_as_not(text)))


#: One clause of a query's text, for without_negations: a "phrase", a bracket, a quote never
#: closed, a field's range (year:[2018 TO 2020]), or a word (a field:"phrase" too).
_CLAUSE = re.compile(r'"[^"]*"|[()"]|[^\s()"]+?:\[[^\]]*\]|[^\s()"]+(?:"[^"]*")?')
_NEGATIONS = ("NOT", "ANDNOT")


def without_negations(text: str) -> str:
    """What a typed query asks for without what it excludes: its clauses after NOT (or a
    leading minus: _minus_as_not), each a word, a "phrase", a field:value or a (group), left
    out ("export NOT covid" -> "export"); the text as typed when it excludes nothing. For
    the text a query's meaning is taken from (index.search.semantic_text)."""
    text = _negations(text)
    if not any(op in text for op in _NEGATIONS):
        return text
    clauses = _CLAUSE.findall(text)
    kept: list[str] = []
    i = 0
    while i < len(clauses):
        if clauses[i] not in _NEGATIONS or i + 1 == len(clauses):
            kept.append(clauses[i])
            i += 1
            continue
        i += 1  # the clause after NOT: a word, or a group to its closing bracket (a quote
        # never closed, or another NOT, before it: the one after them)
        while i + 1 < len(clauses) and clauses[i] in ('"', *_NEGATIONS):
            i += 1
        depth = 0
        while i < len(clauses):
            depth += (clauses[i] == "(") - (clauses[i] == ")")
            i += 1
            if depth <= 0:
                break
    return " ".join(kept)


#: A question mark that ends a word ("pandemia?", "exportar?", "(exporters?)", "KMU?.",
#: "export?!"): the end of a question, not a pattern of one more letter (it made a question's
#: last word find only longer words, and none in most texts); "?" inside a word
#: ("organi?ation") or before another pattern sign ("organi?*") is still a pattern.
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?![\w*?])")


#: A weight below zero ("innovation^-3"), and a "~N" right after a word ("export~2": no
#: fuzzy search here, a misspelt word has the typo tolerance): the parser read each as one
#: more word ("innovation 3", "export 2") while the model read the word alone
#: (index.search.semantic_text); not a phrase's "~N" ("a b"~3, after the quote)
_NEGATIVE_WEIGHT = re.compile(r"\^-[\d.]*")
_WORD_TILDE = re.compile(r"(?<=\w)~\d*(?:\.\d+)?(?![\w.])")


def _weights(text: str) -> str:
    """``text`` with a weight below zero as the smallest (``^0``: MIN_BOOST) and each "~N"
    right after a word left out (_NEGATIVE_WEIGHT, _WORD_TILDE)."""
    return _WORD_TILDE.sub("", _NEGATIVE_WEIGHT.sub("^0", text))


#: A field name typed before a colon ("subject:export"), not inside or after a word, a URL
#: ("http://") or a time ("10:30"); and what follows it, when it is one plain word.
_TYPED_FIELD = re.compile(r'(?<![\w.@/:-])([^\W\d_][\w-]*):(?=[^\s/\\:]|$)([^\s()":]+)?')
_QUOTED = re.compile(r'("[^"]*")')


def _unknown_fields(text: str) -> tuple[str, list[str]]:
    """``text`` with each field name that is no field of the query language read as a word
    ("subject:export" as "(subject export)"; the parser made it one hyphen-like word), and
    those names. A known name is one in any case ("Title:", "COUNTRY:de": users type
    capitals; the parser knows the lower-case names only and read such a name as a word,
    without a notice), written in lower case; anything in quotes stays as typed; the word
    (or "phrase") after an unknown name stays with it, in brackets, so that a NOT before it
    applies to both."""
    known = set(_PARSER.schema.names())
    unknown: list[str] = []
    parts = _QUOTED.split(text)
    out: list[str] = []
    close_after = False
    for i, part in enumerate(parts):
        if i % 2:  # a "phrase"
            out.append(part + (")" if close_after else ""))
            close_after = False
            continue
        opened: list[bool] = []

        def read(m: re.Match[str], part: str = part, opened: list[bool] = opened) -> str:
            name, word = m.group(1), m.group(2)
            if name.lower() in known:
                return name.lower() + m.group(0)[len(name):]
            if name not in unknown:
                unknown.append(name)
            if word:
                return f"({name} {word})"
            if m.end() == len(part):  # the name, then a "phrase"
                opened.append(True)
                return f"({name} "
            return f"{name} "

        out.append(_TYPED_FIELD.sub(read, part))
        close_after = bool(opened) and i + 1 < len(parts)
        if opened and not close_after:
            out[-1] += ")"
    return "".join(out), unknown


def unknown_fields_as_words(text: str) -> str:
    """``text`` with each name before a colon that is no field read as its words, as
    parse_query reads it ("subject:export" is "(subject export)"), known names in lower case."""
    return _unknown_fields(text)[0]


def unknown_field_names(text: str) -> list[str]:
    """The names before a colon in ``text`` that are no fields (_unknown_fields)."""
    return _unknown_fields(text)[1]


def parse_query(text: str) -> ParsedQuery:
    """Parse what a user typed. Never raises.

    The parsed forms of the last PARSED_CACHE_SIZE texts are kept (per ranking setting, which
    the expansion reads): parsing and expanding costs about a tenth of a search's CPU, and
    searches repeat (a page's next page, its facets, the "did you mean" of a word). Each call
    returns its own ParsedQuery (the search widens it with synonyms and may set its notice);
    the query-form nodes inside are immutable and shared."""
    cached = _parsed(query_text(text or "").strip()[:1000], ranking.RANKING)
    return replace(cached, filters={k: list(v) for k, v in cached.filters.items()},
                   years=list(cached.years), words=list(cached.words))


#: Parsed queries kept by parse_query (each a few KB at most).
PARSED_CACHE_SIZE = 1024


@lru_cache(maxsize=PARSED_CACHE_SIZE)
def _parsed(text: str, setting: ranking.Ranking) -> ParsedQuery:
    """parse_query's work for ``text`` (stripped and cut) under the ranking ``setting``
    (the one in use: the argument only keys the cache)."""
    if not text:
        return ParsedQuery(text="", documents=None, passages=None)
    notice = None
    typed = text
    text, unknown = _unknown_fields(
        _QUESTION_MARK.sub("", _negations(_weights(quote_joined(text)))))
    if unknown:
        # plain text, as every notice (the page shows it as typed, not as Markdown)
        names = ", ".join(f'"{name}:"' for name in unknown)
        notice = (f"{names} is not a field; searched for the words." if len(unknown) == 1
                  else f"{names} are not fields; searched for the words.")
    try:
        parsed = _PARSER.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh can raise many things; the fallback is the point
        parsed = wq.NullQuery
    if parsed is wq.NullQuery or parsed is None:
        words = _WORD.findall(text)
        if not words:
            return ParsedQuery(
                text=typed,
                documents=qf.NOTHING,
                passages=qf.NOTHING,
                notice="The query has no words to search for.",
            )
        parsed = wq.Or([wq.Term("text", w.lower()) for w in words])
        notice = "The query could not be read as written; searched for its words instead."
    parsed, limited = _limit_patterns(_without_endings(parsed, text))
    if limited and notice is None:
        notice = (f"Only the first {MAX_PATTERNS} words with * or ? are searched as patterns; "
                  "the others as plain words.")
    filters: dict[str, list[str]] = {}
    years: list[YearRange] = []
    if "(" not in typed:  # (nor an unknown field's words, which _unknown_fields bracketed)
        parsed = _global_negations(parsed)
    core = _split_filters(weigh_repeated(parsed, text), filters, years)
    if (_YEAR_FIELD.search(text) and "year" not in filters and not years and notice is None
            and (core is None or not _has_year_clause(core))):
        notice = "The year in the query could not be read; write year:2020 or year:[2018 TO 2020]."
    elif core is not None and notice is None and _has_year_out_of_range(core):
        # (it searched nothing, as a clause that cannot be read: "export year:99999" found
        # every export page without a word, "year:99999" was "only very common words")
        notice = (f"A year in the query is not between {YEAR_MIN} and {YEAR_MAX}; "
                  "write year:2020 or year:[2018 TO 2020].")
    if core is None:
        return ParsedQuery(text=typed, documents=None, passages=None, filters=filters,
                           years=years, notice=notice)
    words = _plain_words(core)
    prefer = query_language(" ".join(words)) if words else None
    scoring_words = QueryWords.of(words, prefer, country_codes_in(text), acronyms_in(text))
    documents = _expand(core, passages=False, prefer=prefer, words=scoring_words)
    # the passage fields once, with the words' longer forms: the passages are chosen without
    # them, which show only where nothing else does (ParsedQuery.passage_heads)
    with_heads = _expand(core, passages=True, prefer=prefer, words=scoring_words)
    passages = _without_longer_forms(with_heads)
    heads = [leaf for leaf in qf.leaves(with_heads) if isinstance(leaf, qf.LongerForms)]
    short = _short_patterns(core)
    if short and notice is None:
        # (it was called "only very common words", or, beside other words, not named at all)
        shown = ", ".join(f'"{pattern}"' for pattern in short)
        notice = (f"A pattern needs two letters or more besides its * and ?: {shown} "
                  f"{'searches' if len(short) == 1 else 'search'} nothing.")
    if isinstance(documents, qf.Nothing) and notice is None:
        notice = "The query has only very common words; try more specific ones."
    return ParsedQuery(
        text=typed,
        documents=documents,
        passages=passages,
        filters=filters,
        years=years,
        words=words,
        negated=_negated_words(core),
        patterns=_patterns(core),
        positive=tuple(_plain_words(core, negated=False)),
        widening=tuple(_plain_words(core, negated=False, fields=("text",))),
        fielded=_fielded(core),
        synonym_words=tuple(_plain_words(core, negated=False, compounds=True,
                                         fields=("text",))),
        excluded=_excluded(documents),
        passages_excluded=_excluded(passages),
        passage_heads=qf.Or(tuple(heads)) if heads else None,
        notice=notice,
    )


__all__ = ["FACET_FIELDS", "FIELD_ALIASES", "ParsedQuery", "add_synonyms", "as_stored",
           "parse_query", "unknown_field_names", "unknown_fields_as_words", "without_negations",
           "word_queries"]


# -- query-side synonyms ---------------------------------------------------------------------

#: How much a synonym's match weighs against a match of what the user typed.
SYNONYM_WEIGHT = 0.5


Group = dict[str, list[str]]  # language -> its terms for one concept


def _synonym_pairs(group: Group) -> list[tuple[str, str]]:
    """A group's (language, term) pairs, in the languages the index analyses."""
    return [(lang, term) for lang, terms in sorted(group.items()) if lang in LANGUAGE_KEYS
            for term in terms]


@dataclass(frozen=True)
class _GroupTerms:
    """A list of synonym groups as the query side reads it: each group's pairs
    (_synonym_pairs), the dictionary of their one-word terms that a compound may end with
    (index.compounds), and the groups of each (language, term) pair."""

    pairs: list[list[tuple[str, str]]]
    compounds: Dictionary
    groups_of: dict[tuple[str, str], tuple[int, ...]]
    #: each group's pairs whose term is written with a hyphen ("üzletember-találkozó")
    hyphenated: list[list[tuple[str, str]]]


#: The last list of groups searched with, and what _terms_of made of it (the store gives the
#: same list until synonyms.json changes: index.side_files)
_last_terms: tuple[list[Group], _GroupTerms] | None = None


def _terms_of(groups: list[Group]) -> _GroupTerms:
    """The _GroupTerms of ``groups``, made once per list of groups."""
    global _last_terms
    last = _last_terms
    if last is not None and last[0] is groups:
        return last[1]
    pairs = [_synonym_pairs(group) for group in groups]
    groups_of: dict[tuple[str, str], list[int]] = {}
    for i, group_pairs in enumerate(pairs):
        for pair in group_pairs:
            groups_of.setdefault(pair, []).append(i)
    terms = _GroupTerms(pairs, dictionary(tuple(sorted(groups_of))),
                        {pair: tuple(ids) for pair, ids in groups_of.items()},
                        [[(lang, term) for lang, term in group_pairs if "-" in term]
                         for group_pairs in pairs])
    _last_terms = (groups, terms)
    return terms


def _pairs_of(groups: list[Group]) -> list[list[tuple[str, str]]]:
    """Each group's pairs (_synonym_pairs), computed once per list of groups."""
    return _terms_of(groups).pairs


#: a group's (language, term) pairs, and the terms of it a query contains (with, folded, the
#: query's compound words that end with one of its terms: index.compounds)
GroupHits = tuple[list[tuple[str, str]], frozenset[str]]


@dataclass(frozen=True)
class SynonymHits:
    """For the query words ``words`` and the list of synonym groups ``groups``: each group's
    pairs with the terms of it the words contain (``hits``). Found once per search by
    add_synonyms (ParsedQuery.synonym_hits) and read again by the coverage weighting
    (word_queries), which asks for the same words but for a phrase, a boost or a pattern."""

    words: tuple[str, ...]
    groups: list[Group]
    hits: list[GroupHits]
    #: the groups (indexes into ``hits``) that only a compound's tail reaches (no term of them
    #: typed): added at Ranking.compound_tails of the synonyms' weight
    tails_only: frozenset[int] = frozenset()


def _compounding_languages(words: Sequence[str]) -> tuple[str, ...]:
    """The languages whose compounds the query ``words`` are split as (index.compounds): the
    query's language when it is told and compounds ("Zusammenhang ... mittleren Unternehmen"
    is German: its "mittleren" does not end with the Dutch "leren"); none when it is told and
    does not (a Portuguese "canceladas" does not end with the Hungarian "eladás"); all three
    when it is not told."""
    lang = query_language(" ".join(words)) if words else None
    if lang is None:
        return tuple(sorted(COMPOUNDING_LANGUAGES))
    return (lang,) if lang in COMPOUNDING_LANGUAGES else ()


def _group_hits(words: Sequence[str], groups: list[Group],
                known: SynonymHits | None = None) -> SynonymHits:
    """Each group's pairs (_pairs_of) with the terms of it the query ``words`` contain
    (index.synonyms.matched_terms_by_group); ``known`` when it is of these words and groups."""
    key = tuple(words)
    if known is not None and known.words == key and known.groups is groups:
        return known
    terms = _terms_of(groups)
    all_pairs = terms.pairs
    hits = matched_terms_by_group(list(key), all_pairs)
    languages = _compounding_languages(key) if ranking.RANKING.compound_tails > 0 else ()
    tails_only: set[int] = set()
    if languages:
        # a compound stands for the groups of its last part too (index.compounds): its
        # folded self joins their hits, so every term of them is added (none was typed)
        for word in key:
            for lang, term, _ in tails(word, terms.compounds, languages):
                for i in terms.groups_of[(lang, term)]:
                    if not hits[i]:
                        tails_only.add(i)
                    hits[i].add(fold(word))
    return SynonymHits(key, groups, [(pairs, frozenset(hit))
                                     for pairs, hit in zip(all_pairs, hits, strict=True)],
                       frozenset(tails_only))


def _weighted(text: str, lang: str, weight: float, *, passages: bool) -> qf.Query:
    """_weighted_in under the ranking of now: a query adds the same few hundred terms of
    the synonyms and the glossary again and again, and their queries (frozen) are made once."""
    return _weighted_in(text, lang, weight, passages, ranking.RANKING)


@lru_cache(maxsize=20_000)
def _weighted_in(text: str, lang: str, weight: float, passages: bool,
                 setting: ranking.Ranking) -> qf.Query:
    """A synonym term searched for documents in ``lang``: each of its words as written or in
    one of its language's forms (index.synonyms.word_forms), among the documents' unstemmed
    words, so that the German "Messe" finds "Messe" and "Messestand" but not the verb "messen"
    that shares its stem; a term of several words also as its phrase in ``lang``'s fields,
    its words sharing the weight, so "feira comercial" reaches "feiras internacionais". In
    passages (to choose and mark the ones shown) the term is searched in ``lang``'s fields."""
    words = [t.text for t in query_word_analyzer()(text)]
    if not words:
        return qf.NOTHING
    if passages:
        leaf: wq.Query = (wq.Phrase("text", words, boost=weight) if len(words) > 1
                          else wq.Term("text", words[0], boost=weight))
        if len(words) == 1 and (forms := _unjoined_forms(words[0], lang)):
            # its forms the stem does not join ("SMEs"), so that their passages are marked
            leaf = wq.Or([leaf, *(wq.Term("text", f, boost=weight) for f in forms)])
        return _expand(leaf, passages=True, only=lang)
    share = weight / len(words)
    parts: list[qf.Query] = [_word_in_any_form(w, lang, share) for w in words]
    if len(words) > 1:
        parts.append(_expand(wq.Phrase("text", words, boost=weight), passages=False, only=lang))
    return qf.Or(tuple(parts))


@lru_cache(maxsize=4096)
def _unjoined_forms(word: str, lang: str) -> tuple[str, ...]:
    """The forms of an acronym of the synonym terms (index.synonyms.word_forms: a word of
    ACRONYM_SIZE letters or fewer) that ``lang``'s stemmer does not join to the acronym's own
    stem: its plural ("SMEs": the English stem of "smes" is "smes", of "SME" "sme", so a
    document writing only "SMEs" has no term "sme"). Not for longer words: word_forms' regular
    endings are forms a query may use, not every one a word of that language ("innovationes",
    "analysises"), and stemmed apart they added ordinary typed words again ("innovation",
    "analysis", "economic": measured, bench/README.md)."""
    if fold(word) != word.lower() or len(fold(word)) > ACRONYM_SIZE:
        return ()
    own = analyse(lang, word)
    return tuple(sorted(f for f in word_forms(word, lang)
                        if f != fold(word) and analyse(lang, f) not in ((), own)))


def _typed_term_by_forms(term: str, lang: str) -> bool:
    """Whether the synonym term ``term`` (one word), typed, is also searched by its forms as
    an added term is (_weighted): when its stem does not reach some of them (_unjoined_forms),
    so that "SME" finds the pages writing only "SMEs" as "kkv" does through it."""
    return " " not in term.strip() and bool(_unjoined_forms(term, lang))


def _whole_term(text: str, lang: str, *, passages: bool) -> qf.Query:
    """A synonym term as a whole, for word_queries (which documents hold a content word or a
    synonym of it): a term of several words is held by a document in ``lang`` that has every
    one of its words, in any of their forms (_word_in_any_form), not by one that has one of
    them ("bono de exportación" is not in every Spanish text with "exportación": through such
    words the English "voucher" of the sample corpus's glossary was held by 48 of its 50
    documents, and so counted for every broad page in the coverage); in the passages' fields,
    its phrase, as _weighted searches it there. A term of one word as _weighted searches it.
    The keyword ranking itself still scores each word of such a term (add_synonyms)."""
    words = [t.text for t in query_word_analyzer()(text)]
    if len(words) < 2:
        return _weighted(text, lang, 1.0, passages=passages)
    if passages:
        return _expand(wq.Phrase("text", words), passages=passages, only=lang)
    return qf.And(tuple(_word_in_any_form(w, lang, 1.0 / len(words)) for w in words))


def _word_in_any_form(word: str, lang: str, weight: float) -> qf.Query:
    forms = sorted(word_forms(word, lang))
    alternatives: list[qf.Query] = [qf.Term("words", f, weight) for f in forms]
    if lang == "hu" and len(forms[0]) > 3:  # Hungarian endings (see index.synonyms)
        alternatives.append(qf.Prefix("words", forms[0], weight))
    return qf.Or(tuple(alternatives)) if len(alternatives) > 1 else alternatives[0]


def add_synonyms(parsed: ParsedQuery, groups: list[Group]) -> list[str]:
    """Widen ``parsed`` with the other terms of every synonym group it contains (a term
    matches on its language's word forms, see index.synonyms), each searched in its own
    language's fields at SYNONYM_WEIGHT (a word typed with a hyphen matches a term written
    with it: ParsedQuery.synonym_words); and with every term of the groups of a compound's
    last part (index.compounds: "Exportgutscheine" ends with "Gutschein"), at
    Ranking.compound_tails of that weight. Returns the terms added. Words under NOT widen
    nothing ("export NOT SME" must not find documents by "KMU"), nor are their synonyms
    excluded; what the query excludes stays excluded from the documents the synonyms find.
    The terms of a word typed in a field ("title:KMU", "evidence:Umsatz") are searched in
    that field only (ParsedQuery.fielded, _in_field): they were searched in the whole text,
    and "title:KMU" found 43 pages, 1 with KMU in its title."""
    if not groups or not qf.searches(parsed.documents):
        return []
    if not parsed.synonym_words and not parsed.fielded:
        return []
    documents: list[qf.Query] = []
    passages: list[qf.Query] = []
    terms: list[str] = []
    if parsed.synonym_words:
        hits, added = _added_terms(parsed.widening, parsed.synonym_words, groups)
        parsed.synonym_hits = hits
        for lang, term, weight in added:
            documents.append(_weighted(term, lang, weight, passages=False))
            passages.append(_weighted(term, lang, weight, passages=True))
            terms.append(term)
    for name, words, compounds in parsed.fielded:
        for lang, term, weight in _added_terms(words, compounds, groups)[1]:
            documents.append(_in_field(name, term, lang, weight, passages=False))
            passages.append(_in_field(name, term, lang, weight, passages=True))
            terms.append(term)
    if documents:
        parsed.documents = _still_excluding(qf.Or((parsed.documents, *documents)),
                                            parsed.excluded)
        if parsed.passages is not None:
            parsed.passages = _still_excluding(qf.Or((parsed.passages, *passages)),
                                               parsed.passages_excluded)
    return terms


def _added_terms(words: tuple[str, ...], compounds: tuple[str, ...], groups: list[Group]
                 ) -> tuple[SynonymHits, list[tuple[str, str, float]]]:
    """The synonym groups' hits of ``words`` (_group_hits), and the (language, term, weight)
    that they and ``compounds`` (the same words with the hyphenated ones whole:
    ParsedQuery.synonym_words) add to a query (add_synonyms)."""
    hits = _group_hits(words, groups)
    typed = _hyphenated_hits(words, compounds, groups)
    added: list[tuple[str, str, float]] = []
    for i, (pairs, hit) in enumerate(hits.hits):
        if typed[i]:
            hit = hit | typed[i]
        if hit:
            weight = SYNONYM_WEIGHT * (ranking.RANKING.compound_tails
                                       if i in hits.tails_only and not typed[i] else 1.0)
            # a typed term is matched by the query's own words, but by its stem only: an
            # acronym is also searched by the forms its stem does not join ("SMEs")
            added.extend((lang, term, weight) for lang, term in pairs
                         if term not in hit or _typed_term_by_forms(term, lang))
    return hits, added


def _in_field(name: str, text: str, lang: str, weight: float, *, passages: bool) -> qf.Query:
    """A synonym term of a word typed in the field ``name`` (title, body or a record field),
    searched in that field of ``lang``'s documents: its word, or its phrase, stemmed, in a
    document that holds each of its words as written or in one of its language's forms
    (_word_in_any_form, as _weighted matches a term for a word typed in no field): the stem
    alone crossed false friends, "title:vásár" found a German title with the verb "messen"
    by the stem of "Messe". (The forms are the document's, the field has its stems: a title
    with "messen" in a document with "Messe" elsewhere still matches.) In passages, the
    stemmed term, as _weighted searches it there."""
    words = [t.text for t in query_word_analyzer()(text)]
    if not words:
        return qf.NOTHING
    leaf: wq.Query = (wq.Phrase(name, words, boost=weight) if len(words) > 1
                      else wq.Term(name, words[0], boost=weight))
    stemmed = _expand(leaf, passages=passages, only=lang, longer=False)
    if passages or not qf.searches(stemmed):
        return stemmed
    forms = [_word_in_any_form(w, lang, 1.0) for w in words]
    return qf.Require(stemmed, forms[0] if len(forms) == 1 else qf.And(tuple(forms)))


def _hyphenated_hits(words: tuple[str, ...], compounds: tuple[str, ...],
                     groups: list[Group]) -> list[set[str]]:
    """Each group's terms written with a hyphen that the query's words typed with one contain
    (``compounds``, ParsedQuery.synonym_words: "üzletember-találkozó", which ``words`` and so
    _group_hits lack); empty sets for a query without such words. Only these terms are
    compared: a term without a hyphen that ``compounds`` contain, ``words`` contain too. The
    coverage's word queries (word_queries) read _group_hits' of ``positive`` only, as before."""
    pairs = _terms_of(groups).hyphenated
    if compounds == words:
        return [set() for _ in pairs]
    return matched_terms_by_group(list(compounds), pairs)


def _still_excluding(widened: qf.Query, excluded: qf.Query | None) -> qf.Query:
    """A query widened by synonyms, still without what it excluded: "SME NOT language:de"
    must not find the German pages by "KMU" (the synonyms are an OR beside the query)."""
    return widened if excluded is None else qf.AndNot(widened, excluded)


def _not_content(typed: ParsedQuery) -> set[str]:
    """The folded words of the query ``typed`` that no match needs: those under NOT
    ("export NOT covid": covid, which every match lacks) and the pieces of patterns
    ("digital*": digital, which index.search.semantic_text makes a word; "digitalisation"
    matches the pattern, not "digital")."""
    pieces = (piece for pattern in typed.patterns for piece in re.split(r"[*?]+", pattern))
    return {fold(w) for w in (*typed.negated, *pieces) if w}


def word_queries(text: str, groups: list[Group], typed: ParsedQuery | None = None, *,
                 passages: bool = False, leave_out: frozenset[str] = frozenset()
                 ) -> list[qf.Query]:
    """One keyword query per content word of the query ``text`` (its stop words, any
    language's question words and, with ``typed``, _not_content's words left out, each word
    once), each with the other terms of the synonym groups the word belongs to (each term as
    a whole: _whole_term): what counts when the hybrid ranking asks how much of a query a
    keyword hit matches (index.search, ``Fusion.coverage_power``), and how many content words
    it has (``Fusion.long_query_words``). ``text`` is the query's semantic_text; ``typed``: the
    query as typed, parsed and widened by add_synonyms (its synonyms' hits are not found
    again).
    ``passages``: the queries in the passages' fields (bench/question_causes.py), not the
    documents'. ``leave_out``: folded words that are no content words either (the words
    naming a place the ranking prefers: index.places.PLACE_WORDS_CONTENT)."""
    parsed = parse_query(text)
    left_out = (_not_content(typed) if typed is not None else set()) | set(leave_out)
    lang = query_language(text)
    stops = folded_stopwords(lang or "xx")
    acronyms = acronyms_in(text)
    found: list[list[Any]] = []  # [folded word, its query]
    seen: set[str] = set()
    for word in parsed.positive:
        folded = fold(word)
        if folded in seen or folded in left_out or folded not in acronyms and (
                folded in stops or any(is_question_word(word, code)
                                       for code in STEMMED_LANGUAGES)):
            continue
        seen.add(folded)
        if folded in acronyms:
            word = word.upper()  # (alone, as typed: an acronym)
        alone = parse_query(word).passages if passages else parse_query(word).documents
        if alone is not None:
            # what the word matches itself: its longer forms (a compound it heads) are
            # weaker evidence, and counted as the word they let off-topic pages cover more
            # of a query (bench/README.md)
            alone = qf.normalize(_without_longer_forms(alone))
            found.append([folded, alone])
    known = typed.synonym_hits if typed is not None else None
    for pairs, hit in _group_hits(parsed.positive, groups, known).hits:
        if not hit:
            continue
        concept = qf.Or(tuple(_whole_term(term, term_lang, passages=passages)
                              for term_lang, term in pairs
                              if term not in hit or _typed_term_by_forms(term, term_lang)))
        words = {fold(w) for term in hit for w in term.split()}
        for entry in found:
            # the word, or a form of it (a Hungarian or Romanian ending): its first 4 letters
            if entry[0] in words or any(entry[0].startswith(w[:4]) for w in words):
                entry[1] = qf.Or((entry[1], concept))
    return [entry[1] for entry in found]
