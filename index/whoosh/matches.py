"""Which of a few wanted documents each of several queries matches (Whoosh).

The hybrid ranking's coverage weighting asks, for each content word of a query (a group of
terms: the word in every language's fields, with its synonyms), which of the first keyword
hits it matches (index.search). Built as one Whoosh query per word (pruned, normalised,
scorers set up for every term) this cost more than the keyword search it weighs. Here a group
(``qf.Or``) matches what any of its parts matches, so a term is looked up once per call in
the postings (no scorer: matching needs none; not at all in the fields of a language none of
the wanted documents is in), skipped to the wanted document numbers, and a part shared by
several groups (a synonym group's terms, added to each word of its term) is looked at once.
A part of another kind (a phrase, a pattern, AND, NOT ...) is matched as a Whoosh query of its
own, pruned as index.whoosh.translate.prune prunes a whole query: an OR's normalisation drops
parts that cannot match and merges nested ones, which leaves what it matches as is, so the
answer is the one a matcher of the whole query gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from whoosh import query as wq
from whoosh.matching import Matcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from index import query_form as qf
from index.schema import is_text_field
from index.whoosh.translate import present_fields, prune, to_whoosh


def matched_docnums(matcher: Matcher, wanted: Sequence[int]) -> Iterable[int]:
    """Those of ``wanted`` (ascending document numbers) that ``matcher`` matches: the matcher
    skipped to each (a few postings read each, not every one)."""
    for docnum in wanted:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum


class WantedMatches:
    """The wanted documents (ascending document numbers) each query matches, for the queries
    of one call (what parts share is computed once)."""

    def __init__(self, searcher: Searcher, wanted: Sequence[int], languages: Set[str]
                 ) -> None:
        self.searcher = searcher
        self.wanted = wanted
        #: the analyser keys of the wanted documents: a document has text only in the
        #: per-language fields of its language (index.prepare), so a term of another
        #: language's field cannot match any of them and is not looked up
        self.languages = languages
        self._present = present_fields(searcher)
        #: by the node's identity (the nodes are kept alive by the queries of the call)
        self._groups: dict[int, frozenset[int]] = {}
        #: by (field, text)
        self._terms: dict[tuple[str, str], frozenset[int]] = {}

    def of(self, q: qf.Query) -> frozenset[int]:
        """The wanted documents ``q`` matches."""
        if isinstance(q, qf.Or):
            found = self._groups.get(id(q))
            if found is None:
                out: set[int] = set()
                for part in q.parts:
                    out |= self.of(part)
                    if len(out) == len(self.wanted):
                        break
                found = self._groups[id(q)] = frozenset(out)
            return found
        if type(q) in (qf.Term, qf.Word):
            assert isinstance(q, qf.Term)
            key = (q.field, q.text)
            found = self._terms.get(key)
            if found is None:
                found = self._terms[key] = frozenset(self._term(q.field, q.text))
            return found
        return frozenset(self._query(q))

    def _term(self, field: str, text: str) -> Iterable[int]:
        """Which wanted documents a Whoosh Term of ``field``:``text`` matches (pruned when the
        field is a text field without text in this index version; the checks of Whoosh's
        Term.matcher)."""
        schema = self.searcher.schema
        if is_text_field(field) and (field not in self._present
                                     or field.rsplit("_", 1)[1] not in self.languages):
            return ()
        if field not in schema:
            return ()
        try:
            btext = schema[field].to_bytes(text)
        except ValueError:
            return ()
        try:  # (one look-up: Whoosh's Term.matcher asks whether the term is there first)
            matcher = self.searcher.reader().postings(field, btext)
        except TermNotFound:
            return ()
        return list(matched_docnums(matcher, self.wanted))

    def _query(self, q: qf.Query) -> Iterable[int]:
        """What the Whoosh query of ``q``, pruned, matches."""
        pruned = prune(to_whoosh(q), self.searcher)
        if pruned is wq.NullQuery:
            return ()
        return list(matched_docnums(pruned.matcher(self.searcher), self.wanted))


__all__ = ["WantedMatches", "matched_docnums"]
