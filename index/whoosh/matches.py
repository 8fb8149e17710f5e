"""Which of a few wanted documents each of several queries matches (Whoosh).

The hybrid ranking's coverage weighting asks, for each content word of a query (a group of
terms: the word in every language's fields, with its synonyms), which of the first keyword
hits it matches (index.search). Built as one Whoosh query per word (pruned, normalised,
scorers set up for every term) this cost more than the keyword search it weighs. Here a group
(``qf.Or``) matches what any of its parts matches, so a term is looked up once per call in
the postings (no scorer: matching needs none; not at all in the fields of a language none of
the wanted documents is in, nor in a title field beside the same term in the body field, which
holds the title too), skipped to the wanted document numbers, and a part shared by
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


def _without_titles_of_bodies(parts: Sequence[qf.Query]) -> Sequence[qf.Query]:
    """``parts`` of an OR without the title terms whose body term is among them too: a
    document's body field holds its title's terms as well (index.prepare), so the body term
    matches every document the title term does."""
    terms = [p for p in parts if isinstance(p, qf.Term)]
    bodies = {(p.field[len("body_"):], p.text) for p in terms if p.field.startswith("body_")}
    if not bodies:
        return parts
    redundant = {id(p) for p in terms if p.field.startswith("title_")
                 and (p.field[len("title_"):], p.text) in bodies}
    return [p for p in parts if id(p) not in redundant]


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
        #: by (field, the term's bytes)
        self._terms: dict[tuple[str, bytes], frozenset[int]] = {}

    def of(self, q: qf.Query) -> frozenset[int]:
        """The wanted documents ``q`` matches."""
        if isinstance(q, qf.Or):
            found = self._groups.get(id(q))
            if found is None:
                out: set[int] = set()
                for part in _without_titles_of_bodies(q.parts):
                    out |= self.of(part)
                    if len(out) == len(self.wanted):
                        break
                found = self._groups[id(q)] = frozenset(out)
            return found
        if type(q) in (qf.Term, qf.Word):
            assert isinstance(q, qf.Term)
            return self._term(q.field, q.text)
        if type(q) is qf.Prefix:
            # the OR of the terms it expands to (index.whoosh.scoring's ScoredPrefix)
            assert isinstance(q, qf.Prefix)
            if not self._searchable(q.field):
                return frozenset()
            out = set()
            for btext in self.searcher.reader().expand_prefix(q.field, q.text):
                if btext:
                    out |= self._postings(q.field, btext)
            return frozenset(out)
        if type(q) is qf.Phrase and q.words:
            # only a document with every word of a phrase can have the phrase: its matcher is
            # asked about those alone, and not made when none has them all
            assert isinstance(q, qf.Phrase)
            candidates = set(self.wanted)
            for word in q.words:
                candidates &= self._term(q.field, word)
                if not candidates:
                    return frozenset()
            return frozenset(self._query(q, sorted(candidates)))
        return frozenset(self._query(q, self.wanted))

    def _searchable(self, field: str) -> bool:
        """Whether a term of ``field`` can match a wanted document: not when the query's
        pruning drops it (a text field without text in this index version), when the wanted
        documents have no text in its language, or when the schema has no such field (the
        checks of Whoosh's Term.matcher)."""
        if is_text_field(field) and (field not in self._present
                                     or field.rsplit("_", 1)[1] not in self.languages):
            return False
        return field in self.searcher.schema

    def _term(self, field: str, text: str) -> frozenset[int]:
        """The wanted documents a Whoosh Term of ``field``:``text`` matches."""
        if not self._searchable(field):
            return frozenset()
        try:
            btext = self.searcher.schema[field].to_bytes(text)
        except ValueError:
            return frozenset()
        return self._postings(field, btext)

    def _postings(self, field: str, btext: bytes) -> frozenset[int]:
        """The wanted documents in the postings of ``field``:``btext`` (looked up once per
        call; Whoosh's Term.matcher asks whether the term is there first, a second look-up)."""
        key = (field, btext)
        found = self._terms.get(key)
        if found is None:
            try:
                matcher = self.searcher.reader().postings(field, btext)
            except TermNotFound:
                found = frozenset()
            else:
                found = frozenset(matched_docnums(matcher, self.wanted))
            self._terms[key] = found
        return found

    def _query(self, q: qf.Query, wanted: Sequence[int]) -> Iterable[int]:
        """Those of ``wanted`` (ascending) the Whoosh query of ``q``, pruned, matches."""
        pruned = prune(to_whoosh(q), self.searcher)
        if pruned is wq.NullQuery:
            return ()
        return list(matched_docnums(pruned.matcher(self.searcher), wanted))


__all__ = ["WantedMatches", "matched_docnums"]
