"""One ingest run: discover the corpus, parse what changed in workers, update the index.

    report = run_ingest(Path("corpus"), Path("var/index"))

Incremental by default: a file whose size, modification time and explicit metadata are as
indexed, and that was read by this version of the reading code (``ingest.reading``
READING_VERSION), is not read again; changed files are re-read, deleted files leave the index, files
that failed before are not retried until they change. ``rebuild=True`` (or an index of another
schema version) builds a new index beside the live one and swaps it in atomically.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from index import (
    Fingerprint,
    IndexEngineError,
    IndexStore,
    PreparedDocument,
    get_engine,
    prepare_document,
)
from ingest.catalog import (
    CATALOG_NAMES,
    SIDECAR_SUFFIX,
    TAXONOMY_NAMES,
    CatalogError,
    Taxonomy,
    entry_fingerprint,
    load_catalog,
    load_sidecar,
    load_taxonomy,
)
from ingest.language import normalise_language
from ingest.ocr import OcrSettings, ocr_enabled, ocr_status, prune_cache
from ingest.paths import (
    OUTSIDE_CORPUS,
    file_sha256,
    inside_corpus,
    name_problem,
    shown_name,
)
from ingest.reading import READING_VERSION, read_document
from ingest.workers import DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT, JobFailed, run_jobs

log = logging.getLogger(__name__)

#: progress(done, total, current path)
Progress = Callable[[int, int, str], None]


@dataclass
class SourceFile:
    path: str  # POSIX, relative to the corpus root
    size: int
    mtime: float


@dataclass
class ParseJob:
    corpus: str
    source: SourceFile
    doc_id: str
    entry: dict[str, Any]
    taxonomy: Taxonomy
    meta_fingerprint: str
    ocr: OcrSettings = field(default_factory=OcrSettings)


#: Share of the per-file time limit that OCR may use (the rest: parsing, text analysis).
OCR_TIME_SHARE = 0.85
#: Added to the catalog fingerprint when OCR is on, so that turning it on or off re-reads
#: the files; and when OCR did not finish, so that the next ingest goes on (from the cache).
OCR_ON, OCR_INCOMPLETE = "+ocr", "+ocr-incomplete"
#: Added to the catalog fingerprint: a new version of what a file becomes re-reads the files.
READING = f"+read{READING_VERSION}"


@dataclass
class IngestReport:
    corpus: str
    index: str
    mode: str  # "incremental" or "rebuild"
    started: float
    finished: float = 0.0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    #: [{"path", "reason", "retried"}]; retried=False: failed before and unchanged since
    failed: list[dict[str, Any]] = field(default_factory=list)
    #: [{"path", "reason"}]: files of a type no parser reads (they are not retried either)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    #: [{"path", "warning"}], e.g. pages without a text layer
    warnings: list[dict[str, str]] = field(default_factory=list)
    pages: int = 0
    #: pages read by OCR, and how many of them came from the OCR cache
    ocr_pages: int = 0
    ocr_cached: int = 0
    #: why OCR did not run ("OCR turned off (KB_OCR=0)", Tesseract missing); None: it ran
    ocr_off: str | None = None
    passages: int = 0
    documents: int = 0
    error: str | None = None
    #: why an incremental run rebuilt the index instead (another schema version, damage)
    rebuild_reason: str | None = None

    @property
    def seconds(self) -> float:
        return round(self.finished - self.started, 3)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = self.seconds
        return data


#: Names (of files and folders) that ingest never reads: sources and build scripts ("_"),
#: hidden and temporary files ("."), Office lock files ("~$").
IGNORED_PREFIXES = (".", "_", "~$")
#: Files at the top of the corpus that are not documents.
TOP_LEVEL_FILES = frozenset((*CATALOG_NAMES, *TAXONOMY_NAMES, "README.md"))


def is_ignored_name(name: str) -> bool:
    """Whether ingest ignores a file or folder of this name (and all below a folder)."""
    return name.startswith(IGNORED_PREFIXES)


def _is_ignored(name: str) -> bool:
    return is_ignored_name(name) or name.endswith(SIDECAR_SUFFIX)


def is_document_path(rel: str) -> bool:
    """Whether a path relative to the corpus (POSIX) is one that ingest reads as a document:
    not the catalog, the taxonomy or the README at the top, not a sidecar, nothing ignored."""
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("", ".", "..") or _is_ignored(p) for p in parts):
        return False
    return not (len(parts) == 1 and parts[0] in TOP_LEVEL_FILES)


def discover(corpus: Path, outside: list[str] | None = None,
             misnamed: list[tuple[str, str]] | None = None) -> list[SourceFile]:
    """Every document file below ``corpus``, sorted by path.

    Skipped: names starting with "." or "_" (sources, build scripts), the catalog, the
    taxonomy, sidecars, anything that is not a regular file, links whose real path leaves
    the corpus (their paths are added to ``outside``), and files and folders whose names are
    not UTF-8 or hold a control character (their paths, as ingest.paths.shown_name shows
    them, a folder's ending in "/", are added to ``misnamed`` with the reason from
    ingest.paths.name_problem). Linked folders are not entered.
    """
    out = []
    for root, dirs, files in os.walk(corpus):
        rel_root = Path(root).relative_to(corpus)
        kept = []
        for d in sorted(d for d in dirs if not _is_ignored(d)):
            problem = name_problem(d)
            if problem is None:
                kept.append(d)
            elif misnamed is not None:
                misnamed.append((shown_name((rel_root / d).as_posix()) + "/", problem))
        dirs[:] = kept
        for name in sorted(files):
            if _is_ignored(name) or (rel_root == Path(".") and name in TOP_LEVEL_FILES):
                continue
            problem = name_problem(name)
            if problem is not None:
                if misnamed is not None:
                    misnamed.append((shown_name((rel_root / name).as_posix()), problem))
                continue
            full = Path(root) / name
            try:
                st = full.stat()
            except OSError:
                continue
            if not full.is_file():
                continue
            # (os.walk does not enter linked folders: only a linked file can lead out)
            if full.is_symlink() and not inside_corpus(corpus, full):
                if outside is not None:
                    outside.append((rel_root / name).as_posix())
                continue
            out.append(SourceFile((rel_root / name).as_posix(), st.st_size, st.st_mtime))
    return out


def doc_id_for(path: str) -> str:
    """The stable id of a document: its path relative to the corpus root, as a slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    return slug or hashlib.sha1(path.encode()).hexdigest()[:12]


def assign_ids(paths: list[str]) -> dict[str, str]:
    """Ids for paths; the rare slug collision gets a short hash of the path."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for path in sorted(paths):
        doc_id = doc_id_for(path)
        if doc_id in taken:
            doc_id = f"{doc_id}-{hashlib.sha1(path.encode()).hexdigest()[:6]}"
        taken.add(doc_id)
        ids[path] = doc_id
    return ids


#: why a file listed by an ingest was not read: it went (or became a folder) before its turn
GONE_WHILE_READING = ("removed or replaced by a folder while the ingest ran (the next ingest "
                      "looks again)")


def parse_job(job: ParseJob) -> PreparedDocument:
    """Worker side: read one file into a Document, analysed for the index (runs in a worker
    process, so that parsing and text analysis use all cores)."""
    full = Path(job.corpus) / job.source.path
    # Checked again here: the file may have been replaced by a link since it was listed.
    if not inside_corpus(Path(job.corpus), full):
        raise JobFailed(OUTSIDE_CORPUS)
    full = full.resolve()
    if not full.is_file():  # (was: "unexpected error: FileNotFoundError: ..." and its path)
        raise JobFailed(GONE_WHILE_READING)
    doc = read_document(
        full, doc_id=job.doc_id, source_path=job.source.path, sha256=file_sha256(full),
        size=job.source.size, mtime=job.source.mtime, entry=job.entry, taxonomy=job.taxonomy,
        ocr=job.ocr,
    )
    return prepare_document(doc)


UNSUPPORTED = "unsupported file type"


def _record_failure(report: IngestReport, path: str, reason: str, *, retried: bool) -> None:
    if reason.startswith(UNSUPPORTED):
        report.skipped.append({"path": path, "reason": reason})
    else:
        report.failed.append({"path": path, "reason": reason, "retried": retried})


def _same(fp: Fingerprint, src: SourceFile, meta: str) -> bool:
    return (
        fp.size == src.size
        and abs(fp.mtime - src.mtime) < 1e-6
        and fp.meta == meta
    )


def is_current(fp: Fingerprint, src: SourceFile, entry: dict[str, Any],
               taxonomy: Taxonomy) -> bool:
    """Whether a document indexed with ``fp`` is still what the file and its explicit
    metadata (catalog entry and sidecar, ``entry``; the taxonomy) make of it: False when the
    next ingest reads it again (whether OCR is on aside)."""
    return (fp.size == src.size and abs(fp.mtime - src.mtime) < 1e-6
            and fp.meta.startswith(entry_fingerprint(entry, taxonomy) + READING))


def run_ingest(
    corpus: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    progress: Progress | None = None,
    ocr: bool | None = None,
    engine: str | None = None,
) -> IngestReport:
    """Bring the index at ``index_dir`` up to date with ``corpus``. Holds the ingest lock.

    ``engine``: the search engine to write (index.engine_names(); None: the index's own, or
    the default for a new index). An index of another engine is rebuilt only with
    ``rebuild``; without it, IndexEngineError says so.

    ``ocr``: read pages without text by OCR (default: on unless ``KB_OCR=0``); pages read are
    cached in ``<index_dir>/ocr-cache`` by the file's sha256.

    Raises IndexLockedError when another ingest runs, CatalogError for an unreadable catalog
    or taxonomy, FileNotFoundError for a missing corpus, UnknownEngineError for an engine that
    is not registered or cannot be loaded. Bad files never raise: they end in
    ``report.failed`` with a reason.
    """
    corpus = Path(corpus).resolve()
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus}")
    if engine is not None:
        get_engine(engine)  # an unknown engine fails before anything is read
    store = IndexStore(index_dir, searchers=1, engine=engine)
    try:
        with store.writing():
            return _run(store, corpus, rebuild=rebuild, workers=workers, time_limit=time_limit,
                        memory_mb=memory_mb, progress=progress, ocr=ocr)
    finally:
        # the searcher it read the index with (fingerprints, damage): its files were left to
        # the garbage collector, run after run under `kb ingest --watch` (a ResourceWarning
        # under `python -X dev`, and an old generation's files held after its removal)
        store.close()


def _run(
    store: IndexStore, corpus: Path, *, rebuild: bool, workers: int | None, time_limit: float,
    memory_mb: int, progress: Progress | None, ocr: bool | None,
) -> IngestReport:
    started = time.time()
    with store.lock():
        store.clean_stale_generations()
        live_engine = store.engine_name()
        if not rebuild and store.engine and live_engine and live_engine != store.engine:
            raise IndexEngineError(
                f"the index at {store.path} was built with the {live_engine} search engine; "
                f"`kb ingest --rebuild` rebuilds it with {store.engine} (searches go on using "
                f"the {live_engine} index until the new one is complete)")
        reason = store.needs_rebuild()
        if reason is None and not rebuild:
            # A damaged index is rebuilt into a new generation; the damaged one stays live
            # (and searches answer 503) until the new one is complete.
            reason = store.damage()
        if reason and reason != "no index yet":
            log.info("rebuilding the index: %s", reason)  # in the report: rebuild_reason
        report = IngestReport(
            corpus=shown_name(str(corpus)),
            index=shown_name(str(store.path.resolve())),
            mode="rebuild" if rebuild or reason else "incremental",
            started=started,
            rebuild_reason=reason if reason and reason != "no index yet" else None,
        )
        rebuild = rebuild or reason is not None
        ocr_on = ocr_enabled() if ocr is None else ocr
        report.ocr_off = ocr_status() if ocr_on else "OCR turned off (KB_OCR=0)"
        ocr_on = ocr_on and report.ocr_off is None
        ocr_cache = str(store.path.resolve() / "ocr-cache")
        taxonomy = load_taxonomy(corpus)
        catalog = load_catalog(corpus)
        outside: list[str] = []
        misnamed: list[tuple[str, str]] = []
        sources = discover(corpus, outside, misnamed)
        report.skipped.extend({"path": path, "reason": OUTSIDE_CORPUS} for path in outside)
        report.skipped.extend({"path": path, "reason": reason} for path, reason in misnamed)
        ids = assign_ids([s.path for s in sources])
        known = {} if rebuild else store.fingerprints()
        failures = {} if rebuild else store.load_failures()
        known_by_path = {path: (doc_id, fp) for doc_id, (path, fp) in known.items()}

        jobs: list[ParseJob] = []
        new_failures: dict[str, dict[str, Any]] = {}
        for src in sources:
            full = corpus / src.path
            try:
                entry = {**catalog.get(src.path, {}), **load_sidecar(full, corpus)}
            except CatalogError as exc:  # a bad sidecar fails its file only
                report.failed.append({"path": src.path, "reason": str(exc), "retried": True})
                continue
            meta = entry_fingerprint(entry, taxonomy) + READING + (OCR_ON if ocr_on else "")
            previous = known_by_path.get(src.path)
            if previous and _same(previous[1], src, meta):
                report.unchanged += 1
                continue
            failed_before = failures.get(src.path)
            if failed_before and failed_before.get("fingerprint") == [src.size, src.mtime, meta]:
                new_failures[src.path] = failed_before
                _record_failure(report, src.path, failed_before["reason"], retried=False)
                continue
            ocr_settings = OcrSettings(
                enabled=ocr_on, cache_dir=ocr_cache,
                language=normalise_language(entry.get("language")),
                time_budget=time_limit * OCR_TIME_SHARE)
            jobs.append(
                ParseJob(str(corpus), src, ids[src.path], entry, taxonomy, meta, ocr_settings))

        present = {s.path for s in sources}
        removed = [doc_id for doc_id, (path, _) in known.items() if path not in present]

        writer_cm = store.rebuild() if rebuild else store.update()
        with writer_cm as writer:
            for doc_id in removed:
                writer.delete(doc_id)
                report.removed.append(known[doc_id][0])
            done = 0
            total = len(jobs)
            if progress:
                progress(0, total, "")

            def job_progress(job: ParseJob, message: str) -> None:
                if progress:
                    progress(done, total, f"{job.source.path} ({message})")

            results = run_jobs(
                parse_job, jobs, workers=workers, time_limit=time_limit, memory_mb=memory_mb,
                on_progress=job_progress,
            )
            for result in results:
                job: ParseJob = result.job
                done += 1
                if progress:
                    progress(done, total, job.source.path)
                if not result.ok:
                    reason = result.reason or "unknown error"
                    _record_failure(report, job.source.path, reason, retried=True)
                    new_failures[job.source.path] = {
                        "reason": reason,
                        "fingerprint": [job.source.size, job.source.mtime, job.meta_fingerprint],
                    }
                    if job.source.path in known_by_path:
                        # A file that no longer reads leaves the index with its old version.
                        writer.delete(known_by_path[job.source.path][0])
                    continue
                prepared: PreparedDocument = result.value
                doc = prepared.document
                meta = job.meta_fingerprint
                if doc.ocr and doc.ocr.get("unread"):
                    meta += OCR_INCOMPLETE  # never equal: the next ingest reads it again
                writer.put(prepared, meta_fingerprint=meta)
                report.pages += doc.page_count or 0
                if doc.ocr:
                    report.ocr_pages += len(doc.ocr["pages"])
                    report.ocr_cached += doc.ocr.get("cached", 0)
                report.passages += len(doc.passages)
                for warning in doc.warnings:
                    report.warnings.append({"path": doc.source_path, "warning": warning})
                if job.source.path in known_by_path and not rebuild:
                    report.updated.append(job.source.path)
                else:
                    report.added.append(job.source.path)
        store.save_failures(new_failures)
        prune_cache(ocr_cache, {fp.sha256 for _, fp in store.fingerprints().values()})
        store.save_labels(taxonomy.labels())
        store.save_synonyms(taxonomy.synonyms)
        store.save_words(taxonomy.known_words())
        store.save_places(taxonomy.places())
        report.documents = store.document_count()
        report.finished = time.time()
        report.failed.sort(key=lambda f: f["path"])
        report.skipped.sort(key=lambda f: f["path"])
        store.save_report(report.to_dict())
    return report
