"""The index: Document records in, searches out. The only package that imports a search engine.

The public API is engine-neutral: plain dataclasses in (Document, Passage, SearchRequest) and
out (SearchResult, DocumentView, ...). The engines stand behind index.engine's protocol, each in
its folder (index/whoosh/, the default); ``IndexStore(path, engine=...)`` chooses.
"""

from index.analysis import OTHER, fold_text, language_identifier, stopwords_for
from index.documents import (
    DocumentView,
    IndexStats,
    PassageView,
    SimilarDocument,
    Suggestion,
    get_document,
    index_stats,
    more_like_this,
    related_documents,
    same_topic_other_languages,
    suggest,
)
from index.embedder import CACHE_SIZE as SEMANTIC_CACHE_SIZE
from index.embedder import THREADS as SEMANTIC_THREADS
from index.embedder import set_cache_size as set_semantic_cache
from index.embedder import set_threads as set_semantic_threads
from index.engine import DEFAULT_ENGINE, UnknownEngineError, engine_names, get_engine
from index.errors import (
    RESOURCE_ERRNOS,
    IndexBusyError,
    IndexDamagedError,
    IndexEngineError,
    IndexLockedError,
    IndexNotWritableError,
    IndexUnavailableError,
    QueryError,
    SearchFailedError,
)
from index.query import FIELD_ALIASES, as_stored, parse_query
from index.ranking import Ranking, set_ranking
from index.records import (
    METADATA_FIELDS,
    PRACTICE_FIELDS,
    STEMMED_LANGUAGES,
    Document,
    Passage,
    base_language,
)
from index.results import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    SORTS,
    DocumentHit,
    FacetResult,
    FacetValue,
    HitMetadata,
    PassageHit,
    SearchRequest,
    SearchResult,
)
from index.schema import (
    FACET_FIELDS,
    RECORD_FACET_FIELDS,
    SCHEMA_VERSION,
    YEAR_FACETS,
    YEAR_MAX,
    YEAR_MIN,
)
from index.search import search, search_hits
from index.semantic import EmbedReport, embed_index
from index.semantic import enabled as semantic_enabled
from index.semantic import set_enabled as set_semantic_enabled
from index.store import (
    Fingerprint,
    IndexStore,
    IndexWriter,
    PreparedDocument,
    prepare_document,
    write_atomic,
)

__all__ = [
    "DEFAULT_ENGINE",
    "FACET_FIELDS",
    "FIELD_ALIASES",
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "METADATA_FIELDS",
    "PRACTICE_FIELDS",
    "RECORD_FACET_FIELDS",
    "SCHEMA_VERSION",
    "RESOURCE_ERRNOS",
    "SEMANTIC_CACHE_SIZE",
    "SEMANTIC_THREADS",
    "SORTS",
    "STEMMED_LANGUAGES",
    "YEAR_FACETS",
    "YEAR_MAX",
    "YEAR_MIN",
    "Document",
    "DocumentHit",
    "DocumentView",
    "EmbedReport",
    "FacetResult",
    "FacetValue",
    "Fingerprint",
    "HitMetadata",
    "IndexBusyError",
    "IndexDamagedError",
    "IndexEngineError",
    "IndexLockedError",
    "IndexNotWritableError",
    "IndexStats",
    "IndexStore",
    "IndexUnavailableError",
    "IndexWriter",
    "Passage",
    "PassageHit",
    "PassageView",
    "PreparedDocument",
    "QueryError",
    "Ranking",
    "SearchFailedError",
    "SearchRequest",
    "SearchResult",
    "UnknownEngineError",
    "SimilarDocument",
    "Suggestion",
    "base_language",
    "embed_index",
    "engine_names",
    "get_engine",
    "fold_text",
    "stopwords_for",
    "OTHER",
    "get_document",
    "index_stats",
    "language_identifier",
    "more_like_this",
    "related_documents",
    "parse_query",
    "as_stored",
    "prepare_document",
    "same_topic_other_languages",
    "search",
    "search_hits",
    "semantic_enabled",
    "set_semantic_cache",
    "set_semantic_enabled",
    "set_semantic_threads",
    "set_ranking",
    "suggest",
    "write_atomic",
]
