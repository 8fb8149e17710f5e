"""The engine seam: what one search engine must do for the index, and the registry of engines.

Everything above this protocol is engine-neutral (generations and the lock in index.store,
query parsing in index.query, search orchestration and semantic fusion in index.search,
documents, suggestions and statistics in index.documents). An engine lives in its own folder
(index/whoosh/, the reference) and is loaded only when an index of it is used; registering one
is a line in :data:`ENGINES`. tests/README.md says how the suite runs against each engine.

Documents are named by their id (``Document.id``) across the seam, never by an engine's
internal numbers. An index holds two kinds of records, documents and their passages; only
document records are searched, counted and filtered, passages are read for the hits shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from index.prepare import PreparedDocument
from index.query_form import Query
from index.records import Document, Passage

#: How hits are ordered: by score, by date (newest or oldest first), by folded title.
#: By date, the ISO dates compare as text: a partial date ("2016-05", "2022") comes before the
#: known days of its month or year when oldest first and after them when newest first, and
#: documents without a date come last in both orders.
Sort = Literal["score", "newest", "oldest", "title"]

YearBounds = tuple[int | None, int | None]

#: Completions (EngineReader.completions) are chosen among the first this many (+ 1) words of
#: the prefix, in alphabetical order (engines read it at each call).
MAX_COMPLETION_WORDS = 2000

#: Documents whose passage texts EngineReader.document_texts reads at once (engines read it at
#: each call): the texts embedded for semantic search are made a chunk at a time.
TEXTS_CHUNK = 200


class BestPassages:
    """Each document's best passages, gathered as an engine finds them (best first): at most
    ``per_doc`` per document, and a boilerplate passage (a table of contents, a cover's notice:
    ``Passage.boilerplate``) only when no other passage of its document matches, then its best
    one alone (EngineReader.best_passages)."""

    def __init__(self, ids: Sequence[str], per_doc: int) -> None:
        self.found: dict[str, list[Passage]] = {i: [] for i in ids}
        self.per_doc = per_doc
        self._spare: dict[str, Passage] = {}

    def wants(self, doc_id: str) -> bool:
        """Whether a passage of ``doc_id`` found next would be used."""
        found = self.found.get(doc_id)
        return found is not None and len(found) < self.per_doc

    def add(self, doc_id: str, passage: Passage) -> None:
        """The next best passage of ``doc_id`` (which :meth:`wants` one)."""
        if passage.boilerplate:
            self._spare.setdefault(doc_id, passage)
        else:
            self.found[doc_id].append(passage)

    def result(self) -> dict[str, list[Passage]]:
        for doc_id, passage in self._spare.items():
            if not self.found[doc_id]:
                self.found[doc_id].append(passage)
        return self.found


@dataclass(frozen=True)
class Fingerprint:
    """What ingest compares to decide whether a file must be read again."""

    sha256: str
    size: int
    mtime: float
    #: a hash of the file's explicit metadata (catalog entry, taxonomy), set by ingest
    meta: str = ""

    def to_dict(self) -> dict[str, Any]:
        """As an engine stores it."""
        return {"sha256": self.sha256, "size": self.size, "mtime": self.mtime,
                "meta": self.meta}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fingerprint:
        """What ``to_dict`` made (missing parts: values that match no file)."""
        return cls(data.get("sha256", ""), data.get("size", -1), data.get("mtime", -1.0),
                   data.get("meta", ""))


@dataclass(frozen=True)
class Filter:
    """Which documents a search may return: values of one facet OR-ed, facets AND-ed.

    ``years``: year ranges typed in the query, OR-ed with the values of the ``year`` facet.
    ``year_from``/``year_to``: the request's bounds (AND). Hidden documents only with
    ``include_hidden``. Hashable, so an engine may cache what a filter allows per reader.
    """

    facets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    years: tuple[YearBounds, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    include_hidden: bool = False

    @classmethod
    def of(cls, facets: Mapping[str, Sequence[str]], *, years: Sequence[YearBounds] = (),
           year_from: int | None = None, year_to: int | None = None,
           include_hidden: bool = False) -> Filter:
        return cls(tuple((name, tuple(values)) for name, values in facets.items()),
                   tuple(years), year_from, year_to, include_hidden)

    @property
    def narrows(self) -> bool:
        """Whether this filter narrows the documents (a facet value, a year), beyond hiding
        the hidden ones."""
        return bool(self.facets or self.years or self.year_from is not None
                    or self.year_to is not None)

    def values(self, facet: str) -> tuple[str, ...]:
        return next((v for name, v in self.facets if name == facet), ())

    def without(self, facet: str) -> Filter:
        """This filter without its selection in ``facet`` (for that facet's own counts: a
        facet's counts ignore its own selection). Without ``year``: the typed year ranges
        and the year bounds go too."""
        kept = tuple((name, v) for name, v in self.facets if name != facet)
        if facet == "year":
            return replace(self, facets=kept, years=(), year_from=None, year_to=None)
        return replace(self, facets=kept)


@dataclass
class Ranked:
    """What a search found: the first ``limit`` document ids in order, with their scores
    (0.0 when sorted by something else than score), the exact number of matching documents,
    and for each facet asked for: value -> number of matching documents with that value."""

    ids: list[str]
    scores: list[float]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def by_score(hits: Sequence[tuple[float, str]]) -> list[tuple[float, str]]:
    """(score, doc id) pairs best first, ties by doc id: the order of a search by score in
    every engine. Each engine broke ties in its own order (Whoosh by record number, tantivy
    by segment and part), so two installations, or the CSVs of two runs on the engines,
    listed the same documents of equal score in other orders."""
    return sorted(hits, key=lambda hit: (-hit[0], hit[1]))


@dataclass
class CatalogEntry:
    """One indexed document, as ingest, statistics and the site's file routes need it."""

    id: str
    source_path: str
    hidden: bool
    fingerprint: Fingerprint
    doc_type: str | None
    country: str | None
    language: str | None


class EngineReader(Protocol):
    """A reader of one commit of one generation, used by one thread at a time (the store hands
    it out for the length of a ``with store.reader()`` block). Methods may raise the engine's
    ``damage_errors``; the store turns them into IndexDamagedError."""

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: Query | None, flt: Filter, *, sort: Sort = "score",
               limit: int = 10, facets: Sequence[str] = ()) -> Ranked:
        """Documents matching ``query`` (None: every document) and ``flt``, best first, ties
        by doc id (:func:`by_score`; or in ``sort`` order, ties in index order), the first
        ``limit`` of them (``limit`` may be 0:
        counts only); the exact total; counts of ``facets`` over all matches. Scoring: BM25
        per field as index.ranking sets it (index/whoosh/ is the reference: ARCHITECTURE.md,
        "An engine")."""
        ...

    def matching(self, query: Query, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` that ``query`` matches (for the semantic hits: found by meaning
        only, or also by words)."""
        ...

    def matching_each(self, queries: Sequence[Query], ids: Sequence[str]) -> list[set[str]]:
        """For each of ``queries``, those of ``ids`` it matches (``matching`` of each), in one
        call: the hybrid ranking asks it for each content word of a query (a group of terms)
        and its first keyword hits, per search; an engine shares the work the queries have in
        common (their terms, the wanted documents)."""
        ...

    def allowed(self, flt: Filter, ids: Sequence[str]) -> np.ndarray:
        """For each of ``ids`` (a document id list the caller keeps, e.g. the vectors' ids):
        whether it is in this index and ``flt`` allows it (a boolean array)."""
        ...

    def query_terms(self, query: Query | None) -> dict[str, set[str]]:
        """The terms of ``query`` that occur in the index (prefixes and wildcards expanded),
        by field (``passage_en`` -> {...}): what highlighting marks."""
        ...

    # -- reading -----------------------------------------------------------------------------
    def documents(self, ids: Sequence[str]) -> list[Document | None]:
        """The stored Documents (metadata, without passages) of ``ids``, None for unknown."""
        ...

    def best_passages(self, query: Query, ids: Sequence[str], per_doc: int
                      ) -> dict[str, list[Passage]] | None:
        """For each of ``ids``: its passages that ``query`` (a passage query) matches, best
        first, at most ``per_doc``; a boilerplate passage only when no other one matches
        (gathered with BestPassages). None when the query cannot match any passage of this index
        (its words are only in languages the index has no text in): the caller shows how the
        documents open instead."""
        ...

    def passages(self, doc_id: str, limit: int | None = None) -> list[Passage]:
        """A document's passages in order (the first ``limit``)."""
        ...

    def matching_passages(self, query: Query, doc_id: str) -> set[int]:
        """Ordinals of the passages of ``doc_id`` that ``query`` matches."""
        ...

    # -- words -------------------------------------------------------------------------------
    def word_count(self, word: str) -> int:
        """Documents (of any kind) whose ``words`` field has ``word`` (folded, unstemmed)."""
        ...

    def similar_words(self, word: str) -> list[tuple[str, int]]:
        """Every indexed word at most 2 edits (Levenshtein) from ``word`` with its first
        letter, other than ``word``, with its document count (as word_count), in any order:
        "did you mean" orders them, the same on every engine (index.did_you_mean)."""
        ...

    def term_count(self, field: str, term: str) -> int:
        """Records with ``term`` (an analysed term) in ``field`` (``body_nl``, ...)."""
        ...

    def completions(self, prefix: str, limit: int) -> list[str]:
        """Indexed words starting with ``prefix`` that some visible document has, most
        frequent first (among the first MAX_COMPLETION_WORDS + 1 in alphabetical order)."""
        ...

    def more_like_this(self, doc_id: str, limit: int) -> list[tuple[str, float]]:
        """Visible documents sharing the most distinctive words of ``doc_id`` (not itself):
        (id, score), best first."""
        ...

    # -- the whole index ---------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """(document records, passage records)."""
        ...

    def catalog(self) -> Iterator[CatalogEntry]:
        """Every indexed document."""
        ...

    def document_texts(self, passages: int) -> Iterator[dict[str, Any]]:
        """Each document's id, language, title, summary and the texts of its first
        ``passages`` passages ("passages"): what the semantic layer embeds; lazily: the
        passages of at most ``TEXTS_CHUNK`` documents are read at once (an index of a million
        passages does not have all their texts in memory)."""
        ...


class OpenIndex(Protocol):
    """One commit of one generation, opened: a bounded set of readers on it."""

    def take(self) -> EngineReader:
        """A reader for one thread (a new one or one given back)."""
        ...

    def give_back(self, reader: EngineReader) -> None: ...

    def close_reader(self, reader: EngineReader) -> None:
        """Close a reader found damaged (not given back)."""
        ...

    def retire(self) -> None:
        """No more readers from here: close the idle ones, the busy ones when given back."""
        ...

    @property
    def retired(self) -> bool:
        """Whether ``retire`` was called."""
        ...

    @property
    def pinned(self) -> bool:
        """Whether a reader taken from it reads the commit it was opened at, whatever was
        committed since and without opening files (its readers share what was opened): the
        store may then hand out its readers while the next commit's files are checked."""
        ...


class EngineWriter(Protocol):
    """Writes one generation. Readers never see a half-written commit."""

    def put(self, doc: PreparedDocument, fingerprint: Fingerprint) -> None:
        """Add the document and its passages, replacing any with the same id."""
        ...

    def delete(self, doc_id: str) -> None:
        """Remove the document and its passages (nothing when unknown)."""
        ...

    def commit(self) -> None:
        """Make what was written visible to new readers, atomically."""
        ...

    def finish(self, *, rebuild: bool) -> None:
        """The last commit of a session: after a rebuild, optimised for reading; after an
        update, merged when the updates left the index fragmented."""
        ...

    def cancel(self) -> None:
        """Drop what was written since the last commit."""
        ...

    def close(self) -> None: ...


class Engine(Protocol):
    """One search engine. Stateless: everything is in the generation folders it is given."""

    #: its usual name (the registry's name is the one KB_ENGINE and kb-meta.json use)
    name: str
    #: what reading a damaged index of this engine raises (becomes IndexDamagedError)
    damage_errors: tuple[type[BaseException], ...]

    def create(self, gen: Path) -> EngineWriter:
        """A writer on a new, empty index in the (empty) folder ``gen``."""
        ...

    def update(self, gen: Path) -> EngineWriter:
        """A writer on the index in ``gen`` (incremental ingest)."""
        ...

    def commit_key(self, gen: Path) -> Hashable:
        """What changes with every commit of ``gen``, and whenever a writer may remove files
        of the commit a reader would open (a merge): the store calls damage found while
        opening a commit a race when the key moved meanwhile (OSError when it cannot be
        listed; None when ``gen`` has no commit). Read on every search: keep it cheap."""
        ...

    def version(self, gen: Path) -> Hashable:
        """A cheap key that changes with every commit of ``gen`` (for caches of pages)."""
        ...

    def check(self, gen: Path, key: Hashable, *, strict: bool = False) -> str | None:
        """What is wrong with the files of commit ``key`` of ``gen`` (truncated,
        overwritten), or None. ``strict``: files that cannot be compared with a record of
        what was written (an index written before such records) count as damaged too (the
        store asks so after a reading error, to tell damage from one failing request).
        Running out of file handles or memory (index.errors.out_of_resources) is raised, not
        returned as a problem: it is no damage."""
        ...

    def open(self, gen: Path, key: Hashable, *, mmap: bool = False) -> OpenIndex:
        """Open commit ``key`` of ``gen`` for reading (may raise anything on a damaged
        index: the store reports it as damaged, but for running out of file handles or
        memory, index.errors.out_of_resources)."""
        ...


# -- the registry ----------------------------------------------------------------------------

#: The engine of a new index when none is chosen (read at each use: the tests set it to run
#: the suite against another engine, see tests/README.md).
DEFAULT_ENGINE = "whoosh"

#: Engine name -> the module that provides it (``engine()`` returns the Engine). Imported only
#: when an index of that engine is used, so an engine's library is needed only by its users.
ENGINES: dict[str, str] = {
    "whoosh": "index.whoosh",
    "tantivy": "index.tantivy",
}

_LOADED: dict[str, Engine] = {}


class UnknownEngineError(ValueError):
    """An engine name that is not registered, or whose library is not installed."""


def register(name: str, module: str) -> None:
    """Register an engine: ``module`` has a function ``engine() -> Engine``."""
    ENGINES[name] = module
    _LOADED.pop(name, None)


def engine_names() -> tuple[str, ...]:
    return tuple(ENGINES)


def get_engine(name: str) -> Engine:
    """The engine called ``name``; UnknownEngineError when there is none, or when its library
    is missing (the message says which)."""
    loaded = _LOADED.get(name)
    if loaded is not None:
        return loaded
    module_name = ENGINES.get(name)
    if module_name is None:
        raise UnknownEngineError(
            f"unknown search engine {name!r}; engines: {', '.join(ENGINES)}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownEngineError(
            f"the search engine {name!r} cannot be loaded ({exc}); install what it needs or "
            f"choose another with KB_ENGINE") from exc
    made: Engine = module.engine()
    _LOADED[name] = made
    return made


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "CatalogEntry",
    "BestPassages",
    "Engine",
    "EngineReader",
    "EngineWriter",
    "Filter",
    "Fingerprint",
    "MAX_COMPLETION_WORDS",
    "OpenIndex",
    "Ranked",
    "Sort",
    "UnknownEngineError",
    "by_score",
    "engine_names",
    "get_engine",
    "register",
]
