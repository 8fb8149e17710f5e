"""How Whoosh scores matches: KbBM25, with the ranking setting of index.ranking.

The reader pool (index/whoosh/searchers.py) opens every searcher with :func:`weighting`; the
query side (``index.query``) takes its field weights and boosts from the same setting. The
values were chosen on judged test collections (bench/relevance.py, results in bench/README.md).

Whoosh's own BM25F sums a BM25 per field with statistics taken over *all* records of the
index. Our index holds two kinds of records (documents and their passages) and one pair of
fields per language, so those statistics are skewed: the average length of ``title_hu`` is
divided by every record of every language (most have no Hungarian title), and the idf's
document count includes records that cannot contain the field at all. :class:`KbBM25` keeps
BM25 but takes its statistics per field, over the records that have that field:

- idf = ln(1 + (N - n + 0.5) / (n + 0.5)) (Lucene's BM25 idf), with N the number of records
  that have text in any language's field of the same kind (``body_*``, ``title_*`` or
  ``passage_*``) and n the number of records with the typed word in any of them (each
  language's field searched for the word as that language analyses it: a :class:`WordTerm`
  carries those forms; for other terms, the same term text in every language's field). The
  languages' fields are parts of one logical field: a word that is rare in the whole
  collection scores as rare in the field of its language, and a word used in every language
  ("UpGradeSME", "partner") as common everywhere. (With N and n counted per language, a
  Spanish word in the two Spanish documents of a mostly English corpus had an idf near 0.2
  against about 3 for an English word of the same rarity, and Spanish queries ranked English
  pages first.)
- the average field length is taken over the *document* records that have the field, so a
  document's length is compared with other documents in its language, not with passages.
  ``words`` (every language's unstemmed words, where synonyms are searched) is one field for
  all languages: its average is taken per language too (:data:`PER_LANGUAGE`), over the
  document records of the record's language, as in every other text field. (With one average
  for all languages, the tantivy engine, whose indexes are per language, ranked the
  documents found through a synonym differently: issue 12's parity.)
"""

from __future__ import annotations

import copy
import threading
import weakref
from itertools import islice
from typing import Any

from whoosh import query as wq
from whoosh import scoring as wscoring
from whoosh.matching import NullMatcher
from whoosh.matching.binary import DisjunctionMaxMatcher

from index import query_form as qf
from index import ranking as _ranking
from index.prepare import index_language
from index.ranking import Ranking, idf
from index.schema import language_kind
from index.whoosh.facets import segment_values

#: Fields that hold the text of every language, whose lengths are compared with the average of
#: the record's language (its document records'), as those of the per-language fields are.
PER_LANGUAGE = frozenset({"words"})


class _FieldStats:
    """Per-field statistics of one searcher's index, computed lazily and cached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str], tuple[int, float, int]] = {}
        self._family: dict[tuple[int, str], int] = {}
        self._fields: dict[tuple[int, str], list[str]] = {}
        self._df: dict[tuple[int, str, Any], int] = {}
        self._docs: dict[int, list[tuple[Any, set[int]]]] = {}
        self._by_language: dict[tuple[int, str], dict[int, list[float]]] = {}

    def _doc_records(self, reader: Any) -> list[tuple[Any, set[int]]]:
        key = id(reader)
        hit = self._docs.get(key)
        if hit is None:
            hit = []
            leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
            for leaf, _offset in leaves:
                # (a segment without the term: no document records; an error reading it is
                # the index's damage, which the store reports, not a reason to score with
                # statistics taken as if the segment had no documents)
                docs: set[int] = set()
                if ("kind", b"doc") in leaf:
                    docs = set(leaf.postings("kind", "doc").all_ids())
                hit.append((leaf, docs))
            self._docs[key] = hit
        return hit

    def get(self, reader: Any, fieldname: str) -> tuple[int, float]:
        """(records with text in any field of this field's kind, average length of the
        document records with text in this field)."""
        n, avgfl, _counted = self._one(reader, fieldname)
        prefix = language_kind(fieldname)
        if prefix is None:
            return n, avgfl
        key = (id(reader), prefix)
        total = self._family.get(key)
        if total is None:
            total = self._family[key] = sum(
                self._one(reader, name)[2] for name in self._names(reader, prefix))
        return max(total, n), avgfl

    def doc_frequency(
        self, searcher: Any, fieldname: str, text: Any,
        family: tuple[tuple[str, str], ...] | None = None,
    ) -> int:
        """Records with the word in the field or in another language's field of its kind: the
        word's form in each language (``family``), or else the same term text in each
        ("upgradesme", "covid")."""
        prefix = language_kind(fieldname)
        if prefix is None:
            return int(searcher.doc_frequency(fieldname, text))
        if isinstance(text, bytes):  # Whoosh hands the scorer the term encoded
            text = text.decode("utf-8")
        reader = searcher.reader()
        if family:
            # the family's records once per word; a pattern's longer terms (WordPattern) of
            # the same word add their own
            pairs = {(prefix + lang, term) for lang, term in family}
            total = self._counted(searcher, reader, prefix, family, pairs)
            if (fieldname, text) in pairs or fieldname not in reader.schema:
                return total
            return total + int(searcher.doc_frequency(fieldname, text))
        return self._counted(searcher, reader, prefix, text,
                             {(name, text) for name in self._names(reader, prefix)})

    def _counted(self, searcher: Any, reader: Any, prefix: str, key_part: Any,
                 pairs: set[tuple[str, str]]) -> int:
        """The records with any of the (field, term) ``pairs``, summed; kept per reader, kind
        and ``key_part`` (a word's family, or a term)."""
        key = (id(reader), prefix, key_part)
        hit = self._df.get(key)
        if hit is None:
            if len(self._df) > 100_000:
                self._df.clear()
            hit = self._df[key] = sum(
                searcher.doc_frequency(name, term) for name, term in pairs
                if name in reader.schema)
        return hit

    def language_averages(self, reader: Any, target: Any, fieldname: str) -> list[float]:
        """For a field of :data:`PER_LANGUAGE`: per record of ``target`` (``reader`` or one of
        its segments), the average length of the field over the document records of that
        record's language (index.prepare.index_language of its ``language``)."""
        key = (id(reader), fieldname)
        hit = self._by_language.get(key)
        if hit is None:
            with self._lock:
                totals: dict[str, list[int]] = {}
                leaves = []
                for leaf, docs in self._doc_records(reader):
                    langs = [index_language(v) for v in segment_values(leaf, "language", False)]
                    lengths = _lengths(leaf, fieldname)
                    for docnum in docs:
                        if lengths[docnum]:
                            total = totals.setdefault(langs[docnum], [0, 0])
                            total[0] += lengths[docnum]
                            total[1] += 1
                    leaves.append((leaf, langs))
                averages = {lang: length / count for lang, (length, count) in totals.items()}
                other = sum(t[0] for t in totals.values()) / max(
                    1, sum(t[1] for t in totals.values())) or 1.0
                hit = {id(leaf): [averages.get(lang, other) for lang in langs]
                       for leaf, langs in leaves}
                # the whole reader (a search of several segments at once): in their order
                hit[id(reader)] = [a for leaf, _ in leaves for a in hit[id(leaf)]]
                self._by_language[key] = hit
        return hit[id(target)]

    def _names(self, reader: Any, prefix: str) -> list[str]:
        key = (id(reader), prefix)
        names = self._fields.get(key)
        if names is None:
            names = self._fields[key] = [
                n for n in reader.schema.names() if n.startswith(prefix)]
        return names

    def _one(self, reader: Any, fieldname: str) -> tuple[int, float, int]:
        """(records with text in the field, average length of document records with it, the
        records counted with text in it: 0 where the field is empty or has no lengths)."""
        key = (id(reader), fieldname)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        with self._lock:
            with_field = 0
            doc_total = 0
            doc_count = 0
            for leaf, docs in self._doc_records(reader):
                lengths = _lengths(leaf, fieldname)
                for docnum, length in enumerate(lengths):
                    if length:
                        with_field += 1
                        if docnum in docs:
                            doc_total += length
                            doc_count += 1
            counted = with_field
            if with_field == 0:  # no length column (an old index): Whoosh's own figures
                with_field = reader.doc_count_all()
                avgfl = reader.field_length(fieldname) / max(1, with_field)
            elif doc_count:
                avgfl = doc_total / doc_count
            else:  # passages only (no document records): their own average
                avgfl = reader.field_length(fieldname) / with_field
            hit = self._cache[key] = (with_field, avgfl or 1.0, counted)
        return hit


def _lengths(leaf: Any, fieldname: str) -> list[int]:
    """Every record's length in the field (0 where it has none), for one segment."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.util.numeric import byte_to_length

    cached_reader = getattr(getattr(leaf, "_perdoc", None), "_cached_reader", None)
    # None: a segment of another codec (or an empty reader): the public, slower call; a
    # segment of this codec without the field's length column gives None as well
    column = (cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
              if cached_reader is not None else None)
    if column is None:
        return [leaf.doc_field_length(d, fieldname, 0) or 0 for d in range(leaf.doc_count_all())]
    return [byte_to_length(b) if b else 0 for b in column]


class ShallowCopied:
    """A leaf query that Whoosh copies shallowly. Whoosh's ``Query.copy()`` is a
    ``copy.deepcopy``, and ``normalize()`` calls it (through ``with_boost``) for every leaf it
    merges into its parent: a query with a glossary's synonyms merged ~20,000 leaves over 80
    searches, a quarter of the search's time in deepcopy. These leaves hold only values never
    changed in place (strings, numbers, tuples of them; a phrase's list of words is copied),
    so the shallow copy is the same query. Put first among the bases of a Whoosh leaf."""

    def copy(self) -> Any:
        q: Any = copy.copy(self)
        words = getattr(q, "words", None)
        if isinstance(words, list):
            q.words = list(words)  # (a Phrase's)
        return q


class WordTerm(ShallowCopied, wq.Term):
    """A term that one typed word became in one language's field, with the forms the same word
    takes in every language (``family``: (language, term) pairs), for its document frequency
    across languages."""

    def __init__(self, fieldname: str, text: str, family: tuple[tuple[str, str], ...],
                 boost: float = 1.0) -> None:
        super().__init__(fieldname, text, boost=boost)
        self.family = family

    def matcher(self, searcher, context=None):  # type: ignore[no-untyped-def]
        weighting = context.weighting if context is not None else searcher.weighting
        if isinstance(weighting, KbBM25):
            context = _WithWeighting(weighting.for_word(self.family), context)
        return super().matcher(searcher, context)


class _ScoredPattern:
    """prefix* and wild?card scored as the sum of the BM25 scores of the index terms they
    match, each times the pattern's boost. (Whoosh's own patterns do the same, for their
    "constant score" falls back to the searcher's weighting, but drop the boost when the
    pattern matches one term: a title prefix weighed four times what it should.)"""

    fieldname: str
    boost: float

    def matcher(self, searcher, context=None):  # type: ignore[no-untyped-def]
        terms = [wq.Term(self.fieldname, text, boost=self.boost)
                 for text in self._btexts(searcher.reader()) if text]  # type: ignore[attr-defined]
        if not terms:
            return NullMatcher()
        return wq.Or(terms).matcher(searcher, context)


class ScoredPrefix(ShallowCopied, _ScoredPattern, wq.Prefix):
    """``wq.Prefix`` scored as :class:`_ScoredPattern` says."""


class ScoredWildcard(ShallowCopied, _ScoredPattern, wq.Wildcard):
    """``wq.Wildcard`` scored as :class:`_ScoredPattern` says."""

    def normalize(self) -> wq.Query:
        q = super().normalize()  # "word*" becomes a Prefix: this one's
        return ScoredPrefix(q.fieldname, q.text, boost=q.boost) if type(q) is wq.Prefix else q


class WordPattern(ScoredWildcard):
    """index.query_form.LongerForms: the terms a wild?card matches, each scored as a
    :class:`WordTerm` of the typed word's ``family`` (its document frequency counted with the
    word's across languages); a record scores as its best one (a disjunction max)."""

    def __init__(self, fieldname: str, text: str, family: tuple[tuple[str, str], ...],
                 boost: float = 1.0) -> None:
        super().__init__(fieldname, text, boost=boost)
        self.family = family

    def normalize(self) -> wq.Query:
        return self

    def matcher(self, searcher, context=None):  # type: ignore[no-untyped-def]
        terms = [WordTerm(self.fieldname, text, self.family, boost=self.boost)
                 for text in self._longer_terms(searcher.reader())]
        if not terms:
            return NullMatcher()
        matchers = [m for m in (t.matcher(searcher, context)  # type: ignore[no-untyped-call]
                                for t in terms) if m.is_active()]
        if not matchers:
            return NullMatcher()
        while len(matchers) > 1:  # a balanced tree of pairs
            matchers = [_BestOf(*matchers[i:i + 2]) if i + 1 < len(matchers) else matchers[i]
                        for i in range(0, len(matchers), 2)]
        return matchers[0]

    def _longer_terms(self, reader: Any) -> list[str]:
        """The terms of the pattern in ``reader``'s field, kept while the reader lives (a search
        looks the same word's longer forms up for its hits, facet counts, coverage and next
        page, and other queries have the same words)."""
        kept = _LONGER_TERMS.get(reader)
        if kept is None:
            kept = _LONGER_TERMS.setdefault(reader, {})
        key = (self.fieldname, self.text)
        terms = kept.get(key)
        if terms is None:
            if len(kept) >= MAX_KEPT_EXPANSIONS:
                kept.clear()
            found = (t for t in self._btexts(reader) if t)
            terms = kept[key] = [t.decode("utf-8") if isinstance(t, bytes) else t
                                 for t in islice(found, qf.MAX_EXPANSIONS)]
        return terms


#: A reader's longer forms of words (WordPattern), per reader, this many at most per reader
_LONGER_TERMS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], list[str]]] = (
    weakref.WeakKeyDictionary())
MAX_KEPT_EXPANSIONS = 50_000


class _BestOf(DisjunctionMaxMatcher):
    """Whoosh's disjunction max of two matchers, with two of its faults mended: its score
    took the higher of both sub-matchers' scores even when they stood on different records
    (the other one's next record), and its replace() dropped both when one was used up."""

    def score(self):  # type: ignore[no-untyped-def]
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        ida, idb = a.id(), b.id()
        if ida != idb:
            return a.score() if ida < idb else b.score()
        return max(a.score(), b.score())

    def replace(self, minquality=0):  # type: ignore[no-untyped-def]
        a, b = self.a, self.b
        if minquality:
            a = a.replace(minquality) if a.is_active() and a.max_quality() >= minquality \
                else NullMatcher()
            b = b.replace(minquality) if b.is_active() and b.max_quality() >= minquality \
                else NullMatcher()
        a_active, b_active = a.is_active(), b.is_active()
        if not (a_active or b_active):
            return NullMatcher()
        if not a_active:
            return b.replace(minquality)
        if not b_active:
            return a.replace(minquality)
        if a is not self.a or b is not self.b:
            return _BestOf(a, b)
        return self


class _WithWeighting:
    """A search context with another weighting model (Whoosh's Term.matcher reads only
    ``context.weighting``)."""

    def __init__(self, weighting: Any, context: Any) -> None:
        self.weighting = weighting
        self._context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class _ForWord:
    """KbBM25 for one typed word: its document frequency counted across languages."""

    def __init__(self, model: KbBM25, family: tuple[tuple[str, str], ...]) -> None:
        self.model = model
        self.family = family

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        return self.model.scorer(searcher, fieldname, text, qf=qf, family=self.family)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


class KbBM25(wscoring.WeightingModel):
    """BM25 per field with per-field statistics (see the module's docstring)."""

    def __init__(self, ranking: Ranking) -> None:
        self.ranking = ranking
        self.stats = _FieldStats()

    def supports_block_quality(self) -> bool:
        return True

    def for_word(self, family: tuple[tuple[str, str], ...]) -> _ForWord:
        return _ForWord(self, family)

    def scorer(
        self, searcher: Any, fieldname: str, text: Any, qf: int = 1,
        family: tuple[tuple[str, str], ...] | None = None,
    ) -> Any:
        if not searcher.schema[fieldname].scorable:
            return wscoring.WeightScorer.for_(searcher, fieldname, text)
        b = self.ranking.title_b if fieldname.startswith("title_") else self.ranking.b
        return _Scorer(self, searcher, fieldname, text, self.ranking.k1, b, family)


class _Scorer(wscoring.WeightLengthScorer):
    def __init__(self, model: KbBM25, searcher, fieldname, text, k1, b, family=None):  # type: ignore[no-untyped-def]
        parent = searcher.get_parent()
        reader = parent.reader()
        n_with_field, avgfl = model.stats.get(reader, fieldname)
        df = model.stats.doc_frequency(parent, fieldname, text, family)
        self.idf = idf(n_with_field, df, model.ranking.idf)
        #: each record's average length (a field of every language), else None
        self.averages: list[float] | None = None
        if fieldname in PER_LANGUAGE:
            self.averages = model.stats.language_averages(reader, searcher.reader(), fieldname)
            # the bounds of block-max skipping: the largest average gives the highest score
            avgfl = max(self.averages, default=avgfl)
        self.avgfl = avgfl
        self.k1 = k1
        self.b = b
        self.setup(searcher, fieldname, text)

    def score(self, matcher):  # type: ignore[no-untyped-def]
        if self.averages is None:
            return super().score(matcher)
        docnum = matcher.id()
        return self._bm25(matcher.weight(), self.dfl(docnum), self.averages[docnum])

    def _score(self, weight: float, length: float) -> float:
        return self._bm25(weight, length, self.avgfl)

    def _bm25(self, weight: float, length: float, avgfl: float) -> float:
        k1, b = self.k1, self.b
        return self.idf * weight * (k1 + 1) / (weight + k1 * (1 - b + b * length / avgfl))


def weighting() -> wscoring.WeightingModel:
    """The weighting model for a new searcher, with the ranking setting in use."""
    return KbBM25(_ranking.RANKING)


__all__ = ["KbBM25", "ScoredPrefix", "ScoredWildcard", "WordPattern", "WordTerm", "weighting"]
