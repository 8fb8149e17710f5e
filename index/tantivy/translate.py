"""The engine-neutral query form (index.query_form) as tantivy queries, scored like the Whoosh
engine's KbBM25 (index.whoosh.scoring, the reference: BM25 per field, idf across the
languages' fields; ARCHITECTURE.md, "An engine").

tantivy scores each term with BM25 (k1 1.2, b 0.75, fixed in tantivy: index.ranking's values)
from the statistics of one index: a generation has one per kind and language (see
index.tantivy.schema), so the average field length is the protocol's. The protocol's idf
counts a word's document frequency across the languages' fields of one kind (a Word's
``family``: the form one typed word takes in each language) over the records that have text of
that kind, in every language's index. Each term's idf is brought to that one with a boost (idf
wanted / idf tantivy computes), from document frequencies read from the term dictionaries
(:class:`Statistics`, shared by the indexes of one reader).

Terms absent from an index are dropped before tantivy sees them (a query is expanded into 8
languages; each index holds one). The rest is the Whoosh engine's model too (issue 12's
parity): a query is first pruned of fields no index of its kind has text in and normalised
(:meth:`Statistics.searched`: index.query_form.prune, the rule index.whoosh.translate.prune
applies to Whoosh's queries); a phrase scores as the
sum of its words' term scores among the records that have the phrase (Whoosh's spans), not
as tantivy's BM25 of the phrase's frequency; prefix* and wild?card as the sum of the term
scores of the words they match (Whoosh's, see index.whoosh.scoring), not a constant. The one
field of every language, ``words``, is length-normalised per language here (its indexes are
per language), and the Whoosh engine does the same.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import tantivy

from index import query_form as qf
from index import ranking
from index.schema import language_kind
from index.tantivy.schema import HAS, YEAR, analysed_term, index_term

Occur = tantivy.Occur

#: Document frequencies kept per commit (a commit's readers share them).
MAX_CACHED_TERMS = 100_000
#: Translations (and the like) a translator keeps (Translator._remembered).
MAX_REMEMBERED = 1024

T = TypeVar("T")


def idf(n_docs: int, df: int) -> float:
    """The idf the ranking setting asks for (tantivy's own is brought to it by a boost)."""
    return ranking.idf(n_docs, df, ranking.RANKING.idf)


class Statistics:
    """Document frequencies summed over the indexes of one kind (documents, or passages) of
    one commit, kept while the commit is open."""

    def __init__(self, searchers: list[tantivy.Searcher], fields: frozenset[str]) -> None:
        self.searchers = searchers
        self.fields = fields
        self.records = sum(s.num_docs for s in searchers)
        self._df: dict[tuple[str, str], int] = {}
        self.languages: dict[str, list[str]] = defaultdict(list)
        for name in fields:
            kind = language_kind(name)
            if kind is not None:
                self.languages[kind].append(name.rsplit("_", 1)[1])
        self._present: dict[str, bool] = {}
        self._searched: tuple[qf.Query, qf.Query] | None = None

    def has_text(self, field: str) -> bool:
        """Whether any record of these indexes has a term in ``field``."""
        hit = self._present.get(field)
        if hit is None:
            hit = self._present[field] = field in self.fields and any(
                s.terms_with_prefix(field, "", limit=1) for s in self.searchers)
        return hit

    def searched(self, q: qf.Query) -> qf.Query:
        """``q`` as the Whoosh engine searches it (index.whoosh.translate.prune): its leaves on
        text fields none of these indexes has text in dropped, then normalised
        (index.query_form.normalize: duplicates and nested groups of one kind merged). Kept
        for the last query (every index of the kind translates the same one)."""
        last = self._searched
        if last is not None and last[0] is q:
            return last[1]
        out = qf.normalize(qf.prune(q, self.has_text))
        self._searched = (q, out)
        return out

    def df(self, field: str, text: str) -> int:
        """Records with ``text`` in ``field``, over the indexes."""
        key = (field, text)
        hit = self._df.get(key)
        if hit is None:
            if len(self._df) > MAX_CACHED_TERMS:
                self._df.clear()
            hit = self._df[key] = sum(int(s.doc_freq(field, text)) for s in self.searchers
                                      ) if field in self.fields else 0
        return hit

    def wanted_idf(self, term: qf.Term, text: str) -> float:
        """The protocol's idf of ``term`` (whose indexed text is ``text``)."""
        field = term.field
        kind = language_kind(field)
        if kind is None:
            if field.startswith("gp_"):  # N: the records that have this record field
                return idf(max(1, self.df(HAS, field.rsplit("_", 1)[0])), self.df(field, text))
            return idf(max(1, self.records), self.df(field, text))
        if isinstance(term, qf.Word) and term.family:
            pairs = {(kind + lang, index_term(t)) for lang, t in term.family}
        else:
            pairs = {(kind + lang, text) for lang in self.languages[kind]}
        pairs.add((field, text))
        return idf(max(1, self.df(HAS, kind[:-1])), sum(self.df(f, t) for f, t in pairs))


class Translator:
    """Translates queries for one searcher of one tantivy index (documents or passages of one
    language), with the statistics of all the indexes of its kind."""

    def __init__(self, searcher: tantivy.Searcher, schema: tantivy.Schema,
                 stats: Statistics) -> None:
        self.searcher = searcher
        self.schema = schema
        self.stats = stats
        self.fields = stats.fields
        self._local = Statistics([searcher], stats.fields)
        #: (what, id of the query) -> (the query, the ranking setting, the answer)
        self._memo: dict[tuple[str, int], tuple[qf.Query, ranking.Ranking, Any]] = {}
        #: (field, stem pattern) -> the index terms of a word's longer forms (expand)
        self._longer: dict[tuple[str, str], list[str]] = {}

    def _remembered(self, what: str, q: qf.Query, compute: Callable[[qf.Query], T]) -> T:
        """``compute(q)``, kept for the last MAX_REMEMBERED queries of this commit: a search
        translates its query for the hits, again for each selected facet's counts, its
        passages' query for them and their highlighting, and the next page or facet click
        translates the same query again (index.query keeps its parsed form). Keyed by the
        query object (its nodes are immutable; the entry holds it, so its id is not reused)
        and the ranking setting (idf's formula)."""
        key = (what, id(q))
        setting = ranking.RANKING
        hit = self._memo.get(key)
        if hit is not None and hit[0] is q and hit[1] is setting:
            return cast(T, hit[2])
        value = compute(q)
        if len(self._memo) >= MAX_REMEMBERED:
            self._memo.clear()
        self._memo[key] = (q, setting, value)
        return value

    def df(self, field: str, text: str) -> int:
        """Records of this index with ``text`` in ``field``."""
        return self._local.df(field, text)

    def _have_idf(self, df: int) -> float:
        """The idf tantivy computes itself: always BM25's ("lucene"), whatever the setting."""
        return ranking.idf(max(1, self.searcher.num_docs), df)

    def has_text(self, field: str) -> bool:
        """Whether any record of this index has a term in ``field``."""
        return self._local.has_text(field)

    def can_match(self, q: qf.Query) -> bool:
        """Whether ``q`` can match here once its leaves on fields without any text are
        dropped (the Whoosh engine's pruning: a query of words in languages this index has no
        text in cannot)."""
        return self._remembered("can_match", q, lambda q: not qf.is_nothing(
            qf.normalize(qf.prune(q, self.has_text))))

    def translate(self, q: qf.Query | None) -> tantivy.Query | None:
        """The tantivy query of ``q`` (None: every record); None when it matches nothing."""
        if q is None:
            return tantivy.Query.all_query()
        return self._remembered("translate", q, lambda q: self._q(self.stats.searched(q)))

    # -- leaves ----------------------------------------------------------------------------
    def _term(self, q: qf.Term) -> tantivy.Query | None:
        field, text = q.field, index_term(q.text)
        df = self.df(field, text)
        if df == 0:
            return None
        boost = q.boost
        have = self._have_idf(df)
        if have > 0:
            boost *= self.stats.wanted_idf(q, text) / have
        return _boosted(tantivy.Query.term_query(self.schema, field, text), boost)

    def _phrase(self, q: qf.Phrase) -> tantivy.Query | None:
        """The documents with the words in order, each at most ``slop`` positions after the
        one before (query_form.Phrase), scored as the Whoosh engine scores a phrase: the sum
        of its words' scores as terms, times the phrase's boost (not tantivy's BM25 of the
        phrase's frequency). tantivy's own slop lets words move, past each other too ("a
        b"~3 found "b a"): each spacing the rule allows is an exact phrase of its own, with
        the words at their positions (query_form.phrase_slop bounds how many: the parser
        caps ``slop`` so, query_form.Phrase)."""
        words = [index_term(w) for w in q.words]
        if not words or any(self.df(q.field, w) == 0 for w in words):
            return None
        terms = [self._term(qf.Term(q.field, w, q.boost)) for w in q.words]
        scored = must_all([t for t in terms if t is not None])
        if len(words) == 1:
            return scored
        spacings = itertools.product(range(1, q.slop + 1), repeat=len(words) - 1)
        exact = []
        for gaps in spacings:
            positions = [0, *itertools.accumulate(gaps)]
            phrase: list[str | tuple[int, str]] = list(zip(positions, words, strict=True))
            exact.append(tantivy.Query.phrase_query(self.schema, q.field, phrase, slop=0))
        return with_filter(scored, should_any(exact))

    def expand(self, q: qf.Prefix | qf.Wildcard) -> list[str]:
        """The index terms of a pattern leaf (at most query_form.MAX_EXPANSIONS). A word's
        longer forms are kept for this commit (the same word's are looked up by each search of
        a query: its hits, facet counts, coverage, the next page; and by other queries with
        it)."""
        if q.field not in self.fields:
            return []
        if isinstance(q, qf.LongerForms):
            key = (q.field, q.pattern)
            terms = self._longer.get(key)
            if terms is None:
                if len(self._longer) >= MAX_CACHED_TERMS:
                    self._longer.clear()
                terms = self._longer[key] = self._expanded(q)
            return terms
        return self._expanded(q)

    def _expanded(self, q: qf.Prefix | qf.Wildcard) -> list[str]:
        if isinstance(q, qf.Prefix):
            return [t for t, _ in self.searcher.terms_with_prefix(
                q.field, index_term(q.text), limit=qf.MAX_EXPANSIONS)]
        pattern = index_term(q.pattern)
        head = re.split(r"[*?]", pattern, maxsplit=1)[0]
        rx = re.compile(fnmatch.translate(pattern))
        return [t for t, _ in self.searcher.terms_with_prefix(q.field, head)
                if rx.match(t)][:qf.MAX_EXPANSIONS]

    def _pattern(self, q: qf.Prefix | qf.Wildcard) -> tantivy.Query | None:
        """prefix* and wild?card: the index terms they match, each scored as a term with the
        pattern's boost (as the Whoosh engine scores them: index.whoosh.scoring)."""
        if isinstance(q, qf.LongerForms):  # each with the typed word's document frequency
            terms: list[qf.Term] = [qf.Word(q.field, analysed_term(t), q.boost, q.family)
                                    for t in self.expand(q)]
        else:
            terms = [qf.Term(q.field, analysed_term(t), q.boost) for t in self.expand(q)]
        parts = [p for p in (self._term(term) for term in terms) if p is not None]
        if len(parts) > 1 and isinstance(q, qf.LongerForms):  # a record scores as its best
            return tantivy.Query.disjunction_max_query(parts)
        return should_any(parts) if parts else None

    def _facet(self, q: qf.Facet) -> tantivy.Query | None:
        if q.facet not in self.fields:
            return None
        value: object = q.value
        if q.facet == YEAR:
            try:
                value = int(q.value)
            except ValueError:
                return None
        query = tantivy.Query.term_query(self.schema, q.facet, value)
        return tantivy.Query.const_score_query(query, float(q.boost))

    def _facet_prefix(self, q: qf.FacetPrefix) -> tantivy.Query | None:
        if q.facet not in self.fields or q.facet == YEAR or not q.prefix:
            return None
        values = [t for t, _ in self.searcher.terms_with_prefix(q.facet, q.prefix,
                                                                limit=qf.MAX_EXPANSIONS)]
        if not values:
            return None
        query = tantivy.Query.term_set_query(self.schema, q.facet, values)
        return tantivy.Query.const_score_query(query, float(q.boost))

    def _years(self, q: qf.YearRange) -> tantivy.Query | None:
        if YEAR not in self.fields:
            return None
        query = year_range(self.schema, q.start, q.end)
        return tantivy.Query.const_score_query(query, float(q.boost))

    # -- the tree --------------------------------------------------------------------------
    def _q(self, q: qf.Query) -> tantivy.Query | None:
        if isinstance(q, qf.Nothing):
            return None
        if isinstance(q, qf.Every):
            return _every(q.boost)
        if isinstance(q, qf.Phrase):
            return self._phrase(q)
        if isinstance(q, qf.Term):  # Word too
            return self._term(q) if q.field in self.fields else None
        if isinstance(q, (qf.Prefix, qf.Wildcard)):
            return self._pattern(q)
        if isinstance(q, qf.Facet):
            return self._facet(q)
        if isinstance(q, qf.FacetPrefix):
            return self._facet_prefix(q)
        if isinstance(q, qf.YearRange):
            return self._years(q)
        if isinstance(q, qf.Or):
            parts = [p for p in (self._q(sub) for sub in q.parts) if p is not None]
            return _boosted(should_any(parts), q.boost) if parts else None
        if isinstance(q, qf.And):
            return self._and(q)
        if isinstance(q, qf.Not):
            inner = self._q(q.part)
            if inner is None:
                return _every(q.boost)
            return _boosted(tantivy.Query.boolean_query(
                [(Occur.Must, _every(1.0)), (Occur.MustNot, inner)]), q.boost)
        if isinstance(q, qf.AndNot):
            return self._with_other(q.positive, Occur.MustNot, q.negative, q.boost)
        if isinstance(q, qf.AndMaybe):
            return self._with_other(q.required, Occur.Should, q.optional, q.boost)
        if isinstance(q, qf.Require):
            scored, condition = self._q(q.scored), self._q(q.required)
            if scored is None or condition is None:
                return None
            return _boosted(with_filter(scored, condition), q.boost)
        raise TypeError(f"not a query form node: {q!r}")

    def _with_other(self, main: qf.Query, occur: tantivy.Occur, other: qf.Query,
                    boost: float) -> tantivy.Query | None:
        """``main``, with ``other`` as ``occur`` says (AND NOT: MustNot; ANDMAYBE: Should)
        when it can match here."""
        required = self._q(main)
        if required is None:
            return None
        second = self._q(other)
        if second is not None:
            required = tantivy.Query.boolean_query([(Occur.Must, required), (occur, second)])
        return _boosted(required, boost)

    def _and(self, q: qf.And) -> tantivy.Query | None:
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for sub in q.parts:
            translated = self._q(sub)
            if translated is None:
                return None  # one part matches nothing: so does the whole
            clauses.append((Occur.Must, translated))
        if not clauses:
            return None
        query = clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
        return _boosted(query, q.boost)

    # -- terms for highlighting ------------------------------------------------------------
    def existing_terms(self, q: qf.Query | None) -> dict[str, set[str]]:
        """Terms of ``q`` that occur in the index (patterns expanded), by field, as
        index.analysis makes them (what highlighting compares)."""
        if q is None:
            return {}
        found = self._remembered("existing_terms", q, self._existing_terms)
        return {field: set(terms) for field, terms in found.items()}

    def _existing_terms(self, q: qf.Query) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for leaf in qf.leaves(q):
            field = getattr(leaf, "field", None)
            if field is None or field not in self.fields:
                continue
            if isinstance(leaf, (qf.Prefix, qf.Wildcard)):
                out[field].update(analysed_term(t) for t in self.expand(leaf))
            elif isinstance(leaf, qf.Phrase):
                out[field].update(w for w in leaf.words if self.df(field, index_term(w)))
            elif isinstance(leaf, qf.Term) and self.df(field, index_term(leaf.text)):
                out[field].add(leaf.text)
        return dict(out)


def year_range(schema: tantivy.Schema, start: int | None, end: int | None) -> tantivy.Query:
    """Documents of the years ``start`` to ``end`` (None: open)."""
    if start is not None and end is not None and start > end:
        return tantivy.Query.empty_query()
    if start is None and end is None:
        return tantivy.Query.exists_query(YEAR)
    return tantivy.Query.range_query(schema, YEAR, tantivy.FieldType.Unsigned,
                                     None if start is None else max(0, start), end)


def should_any(parts: list[tantivy.Query]) -> tantivy.Query:
    """Any one of ``parts`` (none: nothing matches)."""
    if not parts:
        return tantivy.Query.empty_query()
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(Occur.Should, p) for p in parts])


def _every(boost: float) -> tantivy.Query:
    """Every record, each of score ``boost`` (as Whoosh's Every scores: tantivy's all_query
    scored 0.0 beside a filter, so "*" and "NOT export" listed their hits with 0.0, or some
    with 1.0 and some with 0.0)."""
    return tantivy.Query.const_score_query(tantivy.Query.all_query(), float(boost))


def _boosted(query: tantivy.Query, boost: float) -> tantivy.Query:
    return query if boost == 1.0 else tantivy.Query.boost_query(query, float(boost))


def must_all(parts: list[tantivy.Query]) -> tantivy.Query:
    """Every one of ``parts``."""
    if not parts:
        return tantivy.Query.all_query()
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(Occur.Must, p) for p in parts])


def any_term(schema: tantivy.Schema, field: str, texts: Sequence[str]) -> tantivy.Query:
    """The records with any of ``texts`` in ``field`` (a few ids: the hits of a page, the
    first keyword hits), a SHOULD term query each: a search with tantivy's term_set_query of
    20 ids took ~1 ms in each index of the sample corpus (1-37 records), with the term
    queries 0.03 ms (bench/README.md)."""
    return tantivy.Query.boolean_query(
        [(Occur.Should, tantivy.Query.term_query(schema, field, text)) for text in texts])


def with_filter(query: tantivy.Query, flt: tantivy.Query | None) -> tantivy.Query:
    """``query`` restricted to the records of ``flt``, scored by ``query`` alone."""
    if flt is None:
        return query
    return tantivy.Query.boolean_query(
        [(Occur.Must, query), (Occur.Must, tantivy.Query.const_score_query(flt, 0.0))])


__all__ = ["Statistics", "Translator", "any_term", "idf", "must_all", "should_any", "with_filter",
           "year_range"]
