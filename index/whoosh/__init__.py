"""The Whoosh engine (the default): everything of the index that knows Whoosh.

Modules: ``engine`` (the Engine of index.engine: generations created, opened, checked),
``schema`` (the Whoosh schema), ``writer`` (documents in), ``reader`` (searches, passages,
words, statistics out), ``translate`` (the neutral query form as Whoosh queries), ``scoring``
(KbBM25: BM25 per field with statistics across languages), ``facets`` (facet values cached per
segment), ``searchers`` (the bounded pool of readers), ``integrity`` (telling a damaged index
from a sound one).
"""

from __future__ import annotations

from index.engine import Engine
from index.whoosh.engine import WhooshEngine


def engine() -> Engine:
    """The Whoosh engine (for the registry, index.engine.ENGINES)."""
    return WhooshEngine()


__all__ = ["WhooshEngine", "engine"]
