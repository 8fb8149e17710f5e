"""Ingest: files of the corpus -> Document records -> the index.

Knows nothing of Whoosh: it writes through the index package's engine-neutral API.
"""

from ingest.catalog import (
    LANGUAGE_NAMES,
    CatalogError,
    CatalogFile,
    SynonymParts,
    Taxonomy,
    entry_problems,
    load_catalog,
    load_sidecar,
    load_taxonomy,
    sidecar_of,
    write_sidecar,
)
from ingest.dates import (
    DATE_FORMS,
    DATE_INPUT_PATTERN,
    DATE_PATTERN,
    date_label,
    date_problem,
    normalise_date,
)
from ingest.filetypes import (
    DOCX,
    HTML,
    JPEG,
    MARKDOWN,
    PDF,
    PLAIN,
    PNG,
    SUFFIXES,
    SUPPORTED_MEDIA_TYPES,
    TIFF,
    describe_content,
    detect_media_type,
)
from ingest.ocr import iso_language
from ingest.pages import compress_ranges
from ingest.paths import (
    CONTROL_CHARACTER_NAME,
    NOT_UTF8_NAME,
    corpus_file,
    name_problem,
    shown_name,
)
from ingest.pipeline import (
    IngestReport,
    SourceFile,
    discover,
    doc_id_for,
    is_current,
    is_document_path,
    is_ignored_name,
    run_ingest,
)
from ingest.preview import Preview, preview_files

__all__ = [
    "DOCX",
    "HTML",
    "JPEG",
    "LANGUAGE_NAMES",
    "NOT_UTF8_NAME",
    "CONTROL_CHARACTER_NAME",
    "MARKDOWN",
    "PDF",
    "PLAIN",
    "PNG",
    "SUFFIXES",
    "SUPPORTED_MEDIA_TYPES",
    "TIFF",
    "CatalogError",
    "CatalogFile",
    "DATE_FORMS",
    "DATE_INPUT_PATTERN",
    "DATE_PATTERN",
    "IngestReport",
    "SourceFile",
    "SynonymParts",
    "Taxonomy",
    "Preview",
    "compress_ranges",
    "date_label",
    "date_problem",
    "corpus_file",
    "describe_content",
    "detect_media_type",
    "discover",
    "doc_id_for",
    "entry_problems",
    "is_current",
    "is_document_path",
    "is_ignored_name",
    "iso_language",
    "load_catalog",
    "load_sidecar",
    "load_taxonomy",
    "name_problem",
    "normalise_date",
    "preview_files",
    "run_ingest",
    "shown_name",
    "sidecar_of",
    "write_sidecar",
]
