"""The engine-neutral form of a query: what the forgiving parser (index.query) produces and each
engine translates (index/whoosh/translate.py, the tantivy folder).

Plain frozen dataclasses, no engine types. A query is already analysed: its words were
expanded into the per-language fields of the index (``body_de``, ``title_hu``, ...) as each
language analyses them, synonyms added, stop and question words dropped, weights set
(index.query). An engine only maps these nodes onto its own queries and scores them with the
ranking setting (index.ranking).

Fields (the names every engine indexes, see index.prepare and ARCHITECTURE.md, "An engine"):

- ``title_<lang>``, ``body_<lang>``, ``passage_<lang>``: analysed terms of a document's title,
  of its whole text (title included), of one passage; ``gp_<record>_<lang>``: of one
  good-practice record field (``gp_evidence_en``). ``<lang>`` is one of
  index.analysis.LANGUAGE_KEYS.
- ``words``: the unstemmed, folded words of a document (title and text).
- ``record_field``: the good-practice record field a passage is the section of.
- facets by facet name (index.schema.FACET_FIELDS' keys), through :class:`Facet`,
  :class:`FacetPrefix` and :class:`YearRange` (the ``year`` facet).

:func:`normalize` removes what cannot match and flattens nested groups, with the rules the
Whoosh engine has always applied (an engine must not normalise differently, or rankings move).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeAlias, TypeGuard

from index.schema import is_text_field

#: (language, term): the form one typed word takes in each language's analysis
WordFamily = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Term:
    """One analysed term in one field."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Word(Term):
    """A term that a word the user typed became in one language's field, with ``family``: the
    form the same word takes in each language's analysis. Its document frequency is counted
    across the languages' fields of the same kind (``body_*``), so a word rare in the whole
    collection scores as rare in every language (index/whoosh/scoring.py). Equal to another
    Word of the same field, text and boost whatever its family; never equal to a plain Term."""

    family: WordFamily = field(default=(), compare=False)


#: A phrase's ways of spacing its words (``slop ** (words - 1)``) are at most this many: an
#: engine that has no query for the rule of :class:`Phrase` (tantivy, whose slop lets words
#: move past each other) asks for each spacing as an exact phrase. See :func:`phrase_slop`.
MAX_PHRASE_SPACINGS = 64


#: Pattern words (prefix*, wild?card) and a word's longer forms (LongerForms) expand into at
#: most this many index terms, the first in the index's order, on every engine.
MAX_EXPANSIONS = 1024


def phrase_slop(words: int, slop: int) -> int:
    """The slop a phrase of ``words`` words keeps of ``slop``: the largest at most ``slop``
    whose spacings fit MAX_PHRASE_SPACINGS (64 for two words, 8 for three, 4 for four, 2
    for five to seven, 1 beyond: the exact phrase)."""
    # a slop above MAX_PHRASE_SPACINGS never fits (slop ** (words - 1) >= slop): clamp it
    # first, so that a typed ~100000000000 costs a few steps, not one per unit
    slop = min(max(1, slop), MAX_PHRASE_SPACINGS)
    while slop > 1 and slop ** max(1, words - 1) > MAX_PHRASE_SPACINGS:
        slop -= 1
    return slop


@dataclass(frozen=True)
class Phrase:
    """Terms in this order, each at most ``slop`` positions after the one before (1: the next
    position, an exact phrase; 2: at most one other term between two of them). The one rule
    of ``"a b"~N`` on every engine. ``slop`` is one :func:`phrase_slop` keeps (the parser,
    index.query, caps a typed ``~N`` so): a larger one is a ValueError, so that no engine
    has to cap it again."""

    field: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0

    def __post_init__(self) -> None:
        if self.slop != phrase_slop(len(self.words), self.slop):
            raise ValueError(f"a phrase of {len(self.words)} words cannot keep slop "
                             f"{self.slop}: at most {phrase_slop(len(self.words), self.slop)}"
                             " (query_form.phrase_slop)")


@dataclass(frozen=True)
class Prefix:
    """Terms of ``field`` starting with ``text`` (folded)."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """Terms of ``field`` matching ``pattern`` (``*``: any characters, ``?``: one)."""

    field: str
    pattern: str
    boost: float = 1.0


@dataclass(frozen=True)
class LongerForms(Wildcard):
    """The terms of ``field`` that continue a typed word's stem (``pattern``: the stem and
    ``?*``): the compounds and derived forms it heads in a compounding language. Each scores
    as a term whose document frequency is the typed word's across languages (``family``, as
    a :class:`Word`'s) plus its own: a longer form is never rarer than the word typed, so
    one rare compound does not outweigh the word itself. A record scores as its best longer
    term (a disjunction max, not the sum of them: a text of many compounds of the word does
    not outweigh one that has the word)."""

    family: WordFamily = field(default=(), compare=False)


@dataclass(frozen=True)
class Facet:
    """Documents with ``value`` in facet ``facet`` (``country``/``ES``, ``year``/``2020``)."""

    facet: str
    value: str
    boost: float = 1.0


@dataclass(frozen=True)
class FacetPrefix:
    """Documents with a value of facet ``facet`` starting with ``prefix``."""

    facet: str
    prefix: str
    boost: float = 1.0


@dataclass(frozen=True)
class YearRange:
    """Documents of the years ``start`` to ``end`` (None: open), constant score."""

    start: int | None
    end: int | None
    boost: float = 1.0


@dataclass(frozen=True)
class Every:
    """Every document (browsing)."""

    boost: float = 1.0


@dataclass(frozen=True)
class Nothing:
    """Matches nothing (a query of only stop words, a field the index lacks)."""

    boost: float = 1.0


NOTHING = Nothing()


@dataclass(frozen=True)
class Or:
    """Any of the parts; the scores of the matching parts add up."""

    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    """All of the parts; their scores add up."""

    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Not:
    """Documents that ``part`` does not match."""

    part: Query
    boost: float = 1.0


@dataclass(frozen=True)
class AndNot:
    """Matches of ``positive`` that ``negative`` does not match (scored by ``positive``)."""

    positive: Query
    negative: Query
    boost: float = 1.0


@dataclass(frozen=True)
class AndMaybe:
    """Matches of ``required``; ``optional`` adds its score where it matches too."""

    required: Query
    optional: Query
    boost: float = 1.0


@dataclass(frozen=True)
class Require:
    """Matches of both, scored by ``scored`` only."""

    scored: Query
    required: Query
    boost: float = 1.0


Query: TypeAlias = (Term | Word | Phrase | Prefix | Wildcard | LongerForms | Facet | FacetPrefix
                    | YearRange | Every | Nothing | Or | And | Not | AndNot | AndMaybe | Require)


def is_nothing(q: Query | None) -> bool:
    return isinstance(q, Nothing)


def searches(q: Query | None) -> TypeGuard[Query]:
    """Whether a parsed query has something to search for: not None (no words) and not
    Nothing."""
    return q is not None and not isinstance(q, Nothing)


def leaves(q: Query) -> list[Query]:
    """The leaves of ``q``, left to right."""
    if isinstance(q, (Or, And)):
        return [leaf for part in q.parts for leaf in leaves(part)]
    if isinstance(q, Not):
        return leaves(q.part)
    if isinstance(q, AndNot):
        return leaves(q.positive) + leaves(q.negative)
    if isinstance(q, AndMaybe):
        return leaves(q.required) + leaves(q.optional)
    if isinstance(q, Require):
        return leaves(q.scored) + leaves(q.required)
    return [q]


def asked_for(q: Query | None) -> Query | None:
    """``q`` without what it excludes (its parts under NOT), for the terms a page marks: the
    results (index.search) and a document page (index.documents) mark the words a query asks
    for, never those it excludes ("export NOT Stuttgart" marks no "Stuttgart")."""

    def asked(node: Query) -> Query:
        if isinstance(node, Not):
            return NOTHING
        if isinstance(node, AndNot):
            return asked(node.positive)
        if isinstance(node, (Or, And)):
            return replace(node, parts=tuple(asked(part) for part in node.parts))
        if isinstance(node, AndMaybe):
            return replace(node, required=asked(node.required), optional=asked(node.optional))
        if isinstance(node, Require):
            return replace(node, scored=asked(node.scored), required=asked(node.required))
        return node

    return None if q is None else asked(q)


def phrases_as_words(q: Query) -> Query | None:
    """``q`` with each phrase it asks for turned into any of the phrase's words (not under
    NOT: an excluded phrase stays one); None when it asks for no phrase. For the passages to
    show of a document a phrase matches only across two of its passages (a sentence running
    over a page break: a document's body holds its passages' words in order, a passage only
    its own): the passages holding the phrase's words."""

    def loose(node: Query) -> tuple[Query, bool]:
        if isinstance(node, Phrase):
            return Or(tuple(Term(node.field, w) for w in node.words), node.boost), True
        if isinstance(node, (Or, And)):
            parts = [loose(part) for part in node.parts]
            return replace(node, parts=tuple(p for p, _ in parts)), any(c for _, c in parts)
        if isinstance(node, AndNot):
            positive, changed = loose(node.positive)
            return replace(node, positive=positive), changed
        if isinstance(node, AndMaybe):
            (required, c1), (optional, c2) = loose(node.required), loose(node.optional)
            return replace(node, required=required, optional=optional), c1 or c2
        if isinstance(node, Require):
            (scored, c1), (required, c2) = loose(node.scored), loose(node.required)
            return replace(node, scored=scored, required=required), c1 or c2
        return node, False

    result, changed = loose(q)
    return result if changed else None


def with_boost(q: Query, boost: float) -> Query:
    """``q`` with its weight set to ``boost`` (Require passes it to its scored part)."""
    if isinstance(q, Require):
        return Require(with_boost(q.scored, boost), q.required)
    if q.boost == boost:  # (the nodes are immutable: no copy needed)
        return q
    return replace(q, boost=boost)


def _normalize_group(q: Or | And) -> Query:
    parts: list[Query] = []
    for sub in q.parts:
        sub = normalize(sub)
        if type(sub) is type(q):
            assert isinstance(sub, (Or, And))
            parts.extend(with_boost(s, s.boost * sub.boost) for s in sub.parts)
        else:
            parts.append(sub)
    if all(isinstance(p, Nothing) for p in parts):
        return NOTHING
    if any(isinstance(p, Every) for p in parts):
        return Every()
    unique: list[Query] = []
    seen: set[Query] = set()
    for p in parts:
        if p in seen:
            continue
        seen.add(p)
        unique.append(p)
    unique = [p for p in unique if not isinstance(p, Nothing)]
    if not unique:
        return NOTHING
    if len(unique) == 1:
        only = unique[0]
        if not (q.boost == 1.0 and only.boost == 1.0):
            only = with_boost(only, only.boost * q.boost)
        return only
    return type(q)(tuple(unique), q.boost)


def normalize(q: Query) -> Query:
    """``q`` without what cannot match, nested groups of one kind flattened, duplicates and
    groups of one part removed (Whoosh's Query.normalize, which the rankings were measured
    with: a phrase of one word becomes a plain term of weight 1, a NOT of nothing matches
    nothing, the parts of AND NOT, ANDMAYBE and REQUIRE lose their weights)."""
    if isinstance(q, (Or, And)):
        return _normalize_group(q)
    if isinstance(q, Not):
        part = normalize(q.part)
        return NOTHING if isinstance(part, Nothing) else Not(part, q.boost)
    if isinstance(q, AndNot):
        a, b = normalize(q.positive), normalize(q.negative)
        if isinstance(a, Nothing):
            return NOTHING
        if isinstance(b, Nothing):
            return a
        return AndNot(a, b)
    if isinstance(q, AndMaybe):
        a, b = normalize(q.required), normalize(q.optional)
        if isinstance(a, Nothing):
            return NOTHING
        if isinstance(b, Nothing):
            return a
        return AndMaybe(a, b)
    if isinstance(q, Require):
        a, b = normalize(q.scored), normalize(q.required)
        if isinstance(a, Nothing) or isinstance(b, Nothing):
            return NOTHING
        return Require(a, b)
    if isinstance(q, Phrase):
        if not q.words:
            return NOTHING
        if len(q.words) == 1:
            return Term(q.field, q.words[0])
        return q
    if isinstance(q, Wildcard):
        if "*" not in q.pattern and "?" not in q.pattern:
            return Term(q.field, q.pattern, q.boost)
        return q
    return q


def prune(q: Query, has_text: Callable[[str], bool]) -> Query:
    """``q`` with its leaves on per-language text fields without text (``has_text``) as
    Nothing: a query is expanded into every language, an index holds text in a few (then
    :func:`normalize` drops what cannot match, as the Whoosh engine's prune does)."""
    if isinstance(q, (Or, And)):
        return type(q)(tuple(prune(p, has_text) for p in q.parts), q.boost)
    if isinstance(q, Not):
        return Not(prune(q.part, has_text), q.boost)
    if isinstance(q, AndNot):
        return AndNot(prune(q.positive, has_text), prune(q.negative, has_text), q.boost)
    if isinstance(q, AndMaybe):
        return AndMaybe(prune(q.required, has_text), prune(q.optional, has_text), q.boost)
    if isinstance(q, Require):
        return Require(prune(q.scored, has_text), prune(q.required, has_text), q.boost)
    name = getattr(q, "field", None)
    if isinstance(name, str) and is_text_field(name) and not has_text(name):
        return NOTHING
    return q


__all__ = [
    "NOTHING",
    "And",
    "AndMaybe",
    "AndNot",
    "Every",
    "Facet",
    "FacetPrefix",
    "LongerForms",
    "Not",
    "Nothing",
    "Or",
    "MAX_PHRASE_SPACINGS",
    "Phrase",
    "Prefix",
    "Query",
    "Require",
    "Term",
    "Wildcard",
    "Word",
    "WordFamily",
    "YearRange",
    "asked_for",
    "is_nothing",
    "leaves",
    "normalize",
    "phrase_slop",
    "phrases_as_words",
    "prune",
    "searches",
    "with_boost",
]
