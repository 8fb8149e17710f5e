"""Where the admin writes a document's metadata: its sidecar if it has one (a sidecar
overrides the catalog field by field), else its entry in ``corpus/catalog.yaml``. The catalog
format, its reading and writing, belong to ``ingest.catalog``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest import CatalogFile, load_catalog, load_sidecar, sidecar_of, write_sidecar


def save_metadata(corpus: Path, rel: str, fields: dict[str, Any]) -> str:
    """Write the explicit metadata of ``rel``: into its sidecar if it has one, else the
    catalog. Returns where it went ("sidecar" or "catalog")."""
    file = Path(corpus) / rel
    if sidecar_of(file).is_file():
        write_sidecar(file, fields)
        return "sidecar"
    CatalogFile(corpus).put(rel, fields)
    return "catalog"


def explicit_metadata(corpus: Path, rel: str) -> dict[str, Any]:
    """The catalog entry of ``rel`` overlaid with its sidecar, as ingest reads them."""
    corpus = Path(corpus)
    return {**load_catalog(corpus).get(rel, {}), **load_sidecar(corpus / rel, corpus)}
