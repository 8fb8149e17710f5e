"""Ingest: files of the corpus -> Document records -> the index.

Knows nothing of Whoosh: it writes through the index package's engine-neutral API.
"""

from ingest.catalog import CatalogError, Taxonomy, load_catalog, load_taxonomy
from ingest.pipeline import IngestReport, SourceFile, discover, doc_id_for, run_ingest

__all__ = [
    "CatalogError",
    "IngestReport",
    "SourceFile",
    "Taxonomy",
    "discover",
    "doc_id_for",
    "load_catalog",
    "load_taxonomy",
    "run_ingest",
]
