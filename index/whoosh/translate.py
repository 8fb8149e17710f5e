"""The engine-neutral query form (index.query_form) as Whoosh queries.

Node by node, nothing normalised on the way (the parser normalised where it should), so a
query ranks as it did when the parser built Whoosh queries itself. :func:`prune` drops the
parts on per-language fields that hold no text in an index version (a query is expanded into
8 languages; a corpus in one or two needs only those).
"""

from __future__ import annotations

import weakref
from functools import singledispatch

from whoosh import query as wq
from whoosh.matching import AndNotMatcher, Matcher
from whoosh.searching import Searcher

from index import query_form as qf
from index.schema import FACET_FIELDS, is_text_field, is_year
from index.whoosh.scoring import (
    ScoredPrefix,
    ScoredWildcard,
    ShallowCopied,
    WordPattern,
    WordTerm,
)


class Term(ShallowCopied, wq.Term):
    """``wq.Term``, copied shallowly by normalize() (scoring.ShallowCopied)."""


class Phrase(ShallowCopied, wq.Phrase):
    """``wq.Phrase``, copied shallowly by normalize() (scoring.ShallowCopied)."""


@singledispatch
def to_whoosh(q: object) -> wq.Query:
    raise TypeError(f"not a query: {q!r}")


@to_whoosh.register
def _word(q: qf.Word) -> wq.Query:
    return WordTerm(q.field, q.text, q.family, boost=q.boost)


@to_whoosh.register
def _term(q: qf.Term) -> wq.Query:
    return Term(q.field, q.text, boost=q.boost)


@to_whoosh.register
def _phrase(q: qf.Phrase) -> wq.Query:
    return Phrase(q.field, list(q.words), slop=q.slop, boost=q.boost)


@to_whoosh.register
def _prefix(q: qf.Prefix) -> wq.Query:
    return ScoredPrefix(q.field, q.text, boost=q.boost)


@to_whoosh.register
def _wildcard(q: qf.Wildcard) -> wq.Query:
    return ScoredWildcard(q.field, q.pattern, boost=q.boost)


@to_whoosh.register
def _longer_forms(q: qf.LongerForms) -> wq.Query:
    return WordPattern(q.field, q.pattern, q.family, boost=q.boost)


@to_whoosh.register
def _facet(q: qf.Facet) -> wq.Query:
    fieldname = FACET_FIELDS[q.facet]
    if q.facet == "year":  # a number field ("running" years are keywords)
        try:
            year = int(q.value)
        except ValueError:
            return wq.NullQuery
        return Term(fieldname, year, boost=q.boost) if is_year(year) else wq.NullQuery
    return Term(fieldname, q.value, boost=q.boost)


@to_whoosh.register
def _facet_prefix(q: qf.FacetPrefix) -> wq.Query:
    return wq.Prefix(FACET_FIELDS[q.facet], q.prefix, boost=q.boost)


@to_whoosh.register
def _years(q: qf.YearRange) -> wq.Query:
    if q.start is not None and q.end is not None and q.start > q.end:
        return wq.NullQuery
    return wq.NumericRange(FACET_FIELDS["year"], q.start, q.end, boost=q.boost)


@to_whoosh.register
def _every(q: qf.Every) -> wq.Query:
    return wq.Every() if q.boost == 1.0 else wq.Every(boost=q.boost)


@to_whoosh.register
def _nothing(q: qf.Nothing) -> wq.Query:
    return wq.NullQuery


@to_whoosh.register
def _or(q: qf.Or) -> wq.Query:
    return wq.Or([to_whoosh(p) for p in q.parts], boost=q.boost)


@to_whoosh.register
def _and(q: qf.And) -> wq.Query:
    return wq.And([to_whoosh(p) for p in q.parts], boost=q.boost)


@to_whoosh.register
def _not(q: qf.Not) -> wq.Query:
    return wq.Not(to_whoosh(q.part), boost=q.boost)


class _AndNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher, which checks its first match against the excluded documents
    only when the first excluded document is that same one: an excluded document earlier in
    the index let the first match through ("export NOT covid" listed a page with covid)."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()  # (skips the excluded matcher to the first match, then on)


class AndNot(wq.AndNot):
    """``a`` without the documents of ``b``, with a correct matcher (_AndNotMatcher)."""

    def matcher(self, searcher: Searcher, context: object = None) -> Matcher:
        return _AndNotMatcher(self.a.matcher(searcher, context),
                              self.b.matcher(searcher, searcher.boolean_context()))


@to_whoosh.register
def _and_not(q: qf.AndNot) -> wq.Query:
    return AndNot(to_whoosh(q.positive), to_whoosh(q.negative))


@to_whoosh.register
def _and_maybe(q: qf.AndMaybe) -> wq.Query:
    return wq.AndMaybe(to_whoosh(q.required), to_whoosh(q.optional))


@to_whoosh.register
def _require(q: qf.Require) -> wq.Query:
    return wq.Require(to_whoosh(q.scored), to_whoosh(q.required))


_PRESENT: weakref.WeakKeyDictionary[Searcher, frozenset[str]] = weakref.WeakKeyDictionary()


def present_fields(searcher: Searcher) -> frozenset[str]:
    """The per-language text fields that hold any text in this index version."""
    present = _PRESENT.get(searcher)
    if present is None:
        reader = searcher.reader()
        present = frozenset(
            name for name in reader.schema.names()
            if is_text_field(name) and reader.field_length(name) > 0
        )
        _PRESENT[searcher] = present
    return present


def _without(q: wq.Query, present: frozenset[str]) -> wq.Query:
    """``q`` with NullQuery for its leaves on text fields not in ``present``, not normalised."""
    if q.is_leaf():
        name = getattr(q, "fieldname", None)
        if name and is_text_field(name) and name not in present:
            return wq.NullQuery
        return q
    return q.apply(lambda sub: _without(sub, present))


def _prune(q: wq.Query, present: frozenset[str]) -> wq.Query:
    """``q`` without its leaves on text fields not in ``present``, normalised once, at the top.

    Whoosh's normalize() normalises a node's children itself, and gives the same tree when run
    again; a normalize() per level, as this did until 2026-12-03, gave the same tree but
    normalised the parts at depth d d times over (a query with a glossary's synonyms is wide
    and deep)."""
    pruned = _without(q, present)
    return pruned if pruned.is_leaf() else pruned.normalize()


def prune(q: wq.Query, searcher: Searcher) -> wq.Query:
    """``q`` without its parts on text fields this index version has no text in (the rule of
    index.query_form.prune, on Whoosh's queries and with Whoosh's normalize)."""
    return _prune(q, present_fields(searcher))


__all__ = ["present_fields", "prune", "to_whoosh"]
