"""The tantivy engine (PyPI ``tantivy``, the binding of the Rust library): for collections far
beyond one project's documents, behind the engine protocol (index.engine).

It indexes the terms index.prepare makes (the Whoosh engine's terms), ranks with BM25 per
field scored as the protocol says, counts facets with aggregations over fast fields and keeps
passages in an index of their own. Modules: ``schema`` (fields, the tokenizer, opening),
``writer`` (put, delete, commit), ``translate`` (the query form as tantivy queries),
``reader`` (searches of one commit), ``engine`` (generations' writers, commits, readers),
``panics`` (a panic of the Rust library as an ordinary exception).

This package is named like the PyPI module it wraps: inside it, ``import tantivy`` is the
PyPI module (absolute imports); ``index.tantivy`` is this package.
"""

from index.engine import Engine
from index.tantivy.engine import TantivyEngine

_ENGINE = TantivyEngine()


def engine() -> Engine:
    """The engine (index.engine.get_engine("tantivy") calls this)."""
    return _ENGINE


__all__ = ["TantivyEngine", "engine"]
