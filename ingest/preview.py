"""Read files that are not (yet) in the corpus and show what ingest would make of them.

The admin's upload form uses this to prefill metadata with what the file says and what
inference suggests, before the file is saved into the corpus. Files are parsed in worker
processes with the same time and memory limits as an ingest. Pages without text are not read
by OCR here (it is slow): ``Preview.ocr_pages`` says how many the ingest will read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index import Document
from ingest.catalog import Taxonomy
from ingest.ocr import OcrSettings
from ingest.reading import read_document
from ingest.workers import DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT, run_jobs


@dataclass
class PreviewJob:
    path: str  # the file to read
    source_path: str  # where it would stand in the corpus (POSIX, relative)
    taxonomy: Taxonomy


@dataclass
class Preview:
    path: str
    #: the Document ingest would make with no catalog entry, or None when the file fails
    document: Document | None
    #: why the file cannot be read ("password required", "unsupported file type: ...")
    reason: str | None = None
    #: pages the ingest will read by OCR (0: none)
    ocr_pages: int = 0


def _preview_job(job: PreviewJob) -> Document:
    path = Path(job.path)
    # OCR is not run here (it is slow): the pages it will read are only counted.
    return read_document(
        path, doc_id="preview", source_path=job.source_path, sha256="",
        size=path.stat().st_size, mtime=0.0, entry={}, taxonomy=job.taxonomy,
        ocr=OcrSettings.from_env(plan_only=True),
    )


def preview_files(
    files: list[tuple[Path, str]],
    taxonomy: Taxonomy,
    *,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Iterator[Preview]:
    """For each (file, source path in the corpus): the Document ingest would build from it,
    with metadata from the file and inference only; results come as workers finish."""
    jobs = [PreviewJob(str(path), source, taxonomy) for path, source in files]
    for result in run_jobs(_preview_job, jobs, workers=workers, time_limit=time_limit,
                           memory_mb=memory_mb):
        if result.ok:
            planned = (result.value.ocr or {}).get("planned", [])
            yield Preview(result.job.path, result.value, ocr_pages=len(planned))
        else:
            yield Preview(result.job.path, None, result.reason or "cannot be read")
