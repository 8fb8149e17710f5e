"""The document page's reading of a query, kept per index version (index.documents).

A document page reads its query as the search did: the synonyms' and the glossary's terms,
the accents the documents write, did you mean's corrections, the count of what the words
find (index.search.passage_query), and the index terms its passage query matches (the words
the page marks). That cost as much as a search's own reading, for every document opened
from the same results (bench/document_page_reading.py, bench/README.md). It depends only on
the text, the index's commit and the files beside it (the synonym groups, the taxonomy's
words: index.search.reading_key), so it is kept under a key holding them: a new commit or a
new synonyms file is read afresh at once. A bounded LRU, per process; what it hands out is
shared, to be read, never changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from index.engine import EngineReader
from index.query import ParsedQuery
from index.query_form import asked_for

T = TypeVar("T")

#: how many query readings are kept (a reading is a small tree of query terms)
SIZE = 128


class Readings:
    """A bounded LRU of readings by key (thread-safe; two threads reading the same text at
    once both read it, and one of theirs is kept)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_read(self, make_key: Callable[[], Hashable | None], read: Callable[[], T]) -> T:
        """The reading kept under ``make_key()``, else ``read()`` (kept; not when the key is
        None). The key is made only when the cache is on (it reads the index's version)."""
        if self.size <= 0:
            return read()
        key = make_key()
        if key is None:
            return read()
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                kept: T = self._data[key]
                return kept
        value = read()
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def put(self, make_key: Callable[[], Hashable | None], value: Any) -> None:
        """Keep ``value`` under ``make_key()`` (a reading made elsewhere: the search's)."""
        if self.size <= 0:
            return
        key = make_key()
        if key is None:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


class PageQuery:
    """A query as a document page reads it (shared by the pages opened with it: read only):
    the query read as the search reads it (index.search.passage_query), and the index terms
    its passage query asks for, by field (the words a page marks): the search's
    (index.search._attach_passages), else listed by the first page that needs them."""

    def __init__(self, parsed: ParsedQuery,
                 terms: dict[str, frozenset[str]] | None = None) -> None:
        self.parsed = parsed
        self._terms = terms

    def terms(self, reader: EngineReader) -> dict[str, frozenset[str]]:
        if self._terms is None:  # (two pages at once list the same terms)
            found = reader.query_terms(asked_for(self.parsed.passages))
            self._terms = {name: frozenset(terms) for name, terms in found.items()}
        return self._terms


#: the document page's readings (index.documents.get_document), the search's kept too
#: (index.search._search: a page opened from its results finds its reading)
PAGE_READINGS = Readings()
