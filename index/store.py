"""The index on disk and its life cycle.

Layout of an index folder::

    CURRENT            name of the live generation (replaced atomically)
    gen-<stamp>/       a Whoosh index, with kb-meta.json (schema version, creation time)
    ingest.lock        held (flock) by the one running ingest; the OS frees it when a process dies
    failures.json      files that failed, with their fingerprints, so unchanged ones are not retried
    reports/           a JSON report of each ingest run

Readers never see a half-written index: incremental updates go through Whoosh commits (a new
TOC renamed into place), and a rebuild writes a new generation beside the live one and swaps
CURRENT with ``os.replace``. Killing a writer at any moment leaves the last commit readable.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from index.analysis import analyze, fold, unique_words
from index.engine import Fingerprint
from index.errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexLockedError,
    IndexNotWritableError,
    IndexUnavailableError,
)
from index.integrity import DAMAGE_ERRORS, check, describe, latest_commit, record_commit
from index.prepare import index_language
from index.records import PRACTICE_FIELDS, Document
from index.schema import (
    PRACTICE_QUERY_FIELDS,
    RECORD_FACET_FIELDS,
    SCHEMA_VERSION,
    body_field,
    build_schema,
    passage_field,
    practice_field,
    title_field,
)
from index.searchers import SearcherPool, open_index
from index.semantic import carry_vectors

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
META = "kb-meta.json"
LOCK = "ingest.lock"
FAILURES = "failures.json"
REPORTS = "reports"
LABELS = "labels.json"
SYNONYMS = "synonyms.json"

#: Commit incremental updates every this many documents, so a killed run keeps its progress.
COMMIT_EVERY = 200
#: Searches that may run at once per process (a bounded pool of searchers; see searchers.py).
DEFAULT_SEARCHERS = 4
#: A search waits this long for a free searcher before the server answers 503.
BUSY_SECONDS = 30.0

#: What reading a damaged index raises (OSError is left out here: a writer's OSError is
#: more often a permission or a full disk, see IndexStore.writing).
_READ_DAMAGE = tuple(e for e in DAMAGE_ERRORS if e is not OSError)
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                 errno.EISDIR, errno.ENOTDIR, errno.EEXIST}

_GENERATION_NAME = re.compile(r"gen-[A-Za-z0-9_.-]+")


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part: a temporary
    file with a unique name beside it ("." first, so ingest ignores it), flushed to disk, then
    renamed over ``path``. The one atomic write of the project (index, admin, catalog)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise



@dataclass
class PreparedDocument:
    """A Document with its text already analysed into terms, ready to be written.

    Analysis is most of the cost of indexing, so ingest prepares documents in its worker
    processes (``prepare_document``) and the one index writer only adds postings.
    """

    document: Document
    #: the document record's fields, text fields as lists of terms
    fields: dict[str, Any]
    #: one dict per passage record
    passages: list[dict[str, Any]]


def prepare_document(doc: Document) -> PreparedDocument:
    """Analyse ``doc`` for the index (can run in any process; the result pickles)."""
    lang = index_language(doc.language)
    meta = doc.to_dict()
    meta.pop("passages")
    passages = []
    body_terms: list[str] = []
    for p in doc.passages:
        terms = analyze(lang, p.text if not p.heading else f"{p.heading}\n{p.text}")
        body_terms.extend(terms)
        passages.append({
            "uid": f"{doc.id}#{p.ordinal}",
            "kind": "passage",
            "doc_id": doc.id,
            "ordinal": p.ordinal,
            "page": p.page,
            "heading": p.heading,
            "text": p.text,
            "source": p.source if p.source != "text" else None,
            "confidence": p.confidence,
            **({"record_field": p.record_field} if p.record_field else {}),
            "lang": lang,
            passage_field(lang): terms,
        })
    body = "\n".join(p.text for p in doc.passages)
    title_terms = analyze(lang, doc.title)
    fields: dict[str, Any] = {
        "uid": doc.id,
        "kind": "doc",
        "doc_id": doc.id,
        "meta": json.dumps(meta, ensure_ascii=False),
        "source_path": doc.source_path,
        "title_sort": fold(doc.title)[:200],
        "date_sort": doc.date or "",
        "hidden": doc.hidden,
        title_field(lang): title_terms,
        # The body is the document's whole text, title included (a title is part of what a
        # document says; the title field adds its weight on top, see index.scoring).
        body_field(lang): title_terms + body_terms,
        "words": unique_words(f"{doc.title}\n{body}"),
    }
    for name in dict.fromkeys(PRACTICE_QUERY_FIELDS.values()):
        if doc.practice.get(name):
            fields[practice_field(name, lang)] = analyze(lang, doc.practice[name])
    optional = {
        "policy_instrument": doc.policy_instrument,
        "practice_fields": ",".join(n for n in RECORD_FACET_FIELDS if doc.practice.get(n))
        or None,
        "running": ",".join(map(str, doc.running_years)) or None,
        "country": doc.country_code,
        "region": doc.region_code,
        "doc_type": doc.doc_type,
        "language": doc.language,
        "partner": doc.partner,
        "year": doc.year,
        "themes": ",".join(doc.themes) if doc.themes else None,
    }
    fields.update({k: v for k, v in optional.items() if v not in (None, "")})
    return PreparedDocument(doc, fields, passages)


#: Merge an updated index when it has more segments than this, or any deleted documents.
MAX_SEGMENTS = 1


def _fragmented(ix: whoosh_index.Index) -> bool:
    with ix.reader() as reader:
        segments = len(list(reader.leaf_readers())) if not reader.is_atomic() else 1
        return segments > MAX_SEGMENTS or reader.doc_count_all() > reader.doc_count()


class IndexWriter:
    """Adds, replaces and removes documents inside one write session (see IndexStore)."""

    def __init__(self, ix: whoosh_index.Index, *, commit_every: int = COMMIT_EVERY) -> None:
        self._ix = ix
        self._writer: SegmentWriter | None = None
        self._pending = 0
        self._commit_every = commit_every
        self.written = 0

    def _w(self) -> SegmentWriter:
        if self._writer is None:
            self._writer = self._ix.writer(limitmb=256)
        return self._writer

    def put(self, doc: Document | PreparedDocument, *, meta_fingerprint: str = "") -> None:
        """Add the document, replacing any earlier version with the same id."""
        prepared = doc if isinstance(doc, PreparedDocument) else prepare_document(doc)
        d = prepared.document
        w = self._w()
        w.delete_by_term("doc_id", d.id)
        fingerprint = {"sha256": d.sha256, "size": d.size, "mtime": d.mtime,
                       "meta": meta_fingerprint}
        w.add_document(**prepared.fields, fingerprint=fingerprint)
        for fields in prepared.passages:
            w.add_document(**fields)
        self._count()

    def delete(self, doc_id: str) -> None:
        self._w().delete_by_term("doc_id", doc_id)
        self._count()

    def _count(self) -> None:
        self._pending += 1
        self.written += 1
        if self._pending >= self._commit_every:
            self.commit()

    def commit(self, *, optimize: bool = False) -> None:
        if self._writer is not None:
            self._writer.commit(optimize=optimize)
            self._writer = None
            self.record()
        elif optimize:
            self._ix.optimize()
            self.record()
        self._pending = 0

    def record(self) -> None:
        """Note the sizes and checksums of the last commit's files (see index.integrity)."""
        record_commit(Path(self._ix.storage.folder), self._ix.latest_generation(), write_atomic)

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self._pending = 0


class IndexStore:
    """One index folder. Cheap to create; opens nothing until asked.

    ``searchers``: how many searches may run at once (each on a searcher of a bounded pool;
    further ones wait). ``mmap``: read index files through memory maps (see index.searchers).
    """

    def __init__(self, path: Path | str, *, searchers: int = DEFAULT_SEARCHERS,
                 mmap: bool = False) -> None:
        self.path = Path(path)
        self.mmap = mmap
        self._local = threading.local()
        self._json_cache: dict[str, tuple[int, Any]] = {}
        self._live_cache: tuple[tuple[int, int, int], Path | None, int | None, int] | None = None
        self._slots = threading.BoundedSemaphore(max(1, searchers))
        self._pool_lock = threading.Lock()
        self._pool: SearcherPool | None = None
        #: (generation, commit) found damaged, and what is wrong: not opened again
        self._damaged: tuple[tuple[Path, int], str] | None = None

    # -- generations -------------------------------------------------------------------------
    def _live(self) -> tuple[Path | None, int | None]:
        """(live generation, its schema version), re-read only when CURRENT or the
        generation's metadata changes: a search costs two stat() calls here, not file reads.
        Raises IndexDamagedError when CURRENT or the generation's metadata cannot be read."""
        try:
            st = (self.path / CURRENT).stat()
        except FileNotFoundError:
            return None, None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._live_cache
        if cached is not None and cached[0] == key and cached[1] is not None:
            try:
                if (cached[1] / META).stat().st_mtime_ns == cached[3]:
                    return cached[1], cached[2]
            except OSError:
                pass
        try:
            name = (self.path / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexDamagedError(f"{CURRENT} cannot be read: {describe(exc)}") from exc
        if not _GENERATION_NAME.fullmatch(name):
            raise IndexDamagedError(f"{CURRENT} does not name a generation of the index")
        gen = self.path / name
        if not gen.is_dir():
            raise IndexDamagedError(f"{CURRENT} names {name}, which is missing")
        try:
            meta_mtime = (gen / META).stat().st_mtime_ns
            meta = json.loads((gen / META).read_text(encoding="utf-8"))
            version = int(meta["schema_version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamagedError(f"{name}/{META} cannot be read: {describe(exc)}") from exc
        self._live_cache = (key, gen, version, meta_mtime)
        return gen, version

    def live_generation(self) -> Path:
        """The live generation; IndexUnavailableError without one (IndexDamagedError when
        CURRENT or the generation's metadata cannot be read)."""
        gen, _ = self._live()
        if gen is None:
            raise IndexUnavailableError("no index yet")
        return gen

    def current_generation(self) -> Path | None:
        try:
            return self._live()[0]
        except IndexDamagedError:
            return None

    def schema_version(self) -> int | None:
        try:
            return self._live()[1]
        except IndexDamagedError:
            return None

    def version(self) -> tuple[str, int, int]:
        """What a search sees, as a key that changes with it (for caches of results): the
        live generation, its folder's modification time (every commit writes a new TOC file
        there) and that of the facet labels. IndexUnavailableError when there is no index
        (IndexDamagedError when CURRENT or the generation's metadata cannot be read)."""
        gen = self.live_generation()
        try:
            gen_mtime = gen.stat().st_mtime_ns
        except OSError as exc:
            raise IndexUnavailableError(f"index cannot be opened: {exc}") from exc
        try:
            labels_mtime = (self.path / LABELS).stat().st_mtime_ns
        except OSError:
            labels_mtime = 0
        return (gen.name, gen_mtime, labels_mtime)

    def needs_rebuild(self) -> str | None:
        """Why the index must be rebuilt before use, or None when it is fine (as far as
        CURRENT and the metadata tell: see ``damage`` for the index files themselves)."""
        try:
            gen, version = self._live()
        except IndexDamagedError as exc:
            return str(exc)
        if gen is None:
            return "no index yet"
        if version != SCHEMA_VERSION:
            return f"index schema version {version}, this program needs {SCHEMA_VERSION}"
        return None

    def damage(self) -> str | None:
        """What is wrong with the live index's files (checked as a search would open them:
        sizes and checksums of the last commit, then Whoosh's own reading), or None."""
        try:
            with self.searcher() as s:
                s.doc_count_all()
        except IndexDamagedError as exc:
            return str(exc)
        except IndexUnavailableError:
            return None
        return None

    def _new_generation(self) -> tuple[Path, whoosh_index.Index]:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        gen = self.path / name
        gen.mkdir()
        ix = whoosh_index.create_in(str(gen), build_schema())
        meta = {"schema_version": SCHEMA_VERSION, "created": time.time()}
        write_atomic(gen / META, json.dumps(meta))
        return gen, ix

    def _swap_to(self, gen: Path) -> None:
        write_atomic(self.path / CURRENT, gen.name + "\n")
        self._remove_old_generations(keep={gen.name})

    def _remove_old_generations(self, keep: set[str]) -> None:
        """Delete generations but the live one and the one before it (still open elsewhere)."""
        gens = sorted(
            (p for p in self.path.glob("gen-*") if p.is_dir() and p.name not in keep),
            key=lambda p: p.stat().st_mtime,
        )
        for old in gens[:-1]:
            shutil.rmtree(old, ignore_errors=True)

    # -- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the ingest lock; raise IndexLockedError when another ingest holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                raise IndexLockedError(
                    f"another ingest is running (pid {holder}); try again when it has finished"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    @contextlib.contextmanager
    def update(self) -> Iterator[IndexWriter]:
        """Change the live index in place. Commits on success; on error cancels and re-raises
        (a damaged index as IndexDamagedError)."""
        reason = self.needs_rebuild()
        if reason:
            raise IndexUnavailableError(f"cannot update: {reason}")
        gen = self.current_generation()
        assert gen is not None
        with self.reading_errors(gen):
            ix = whoosh_index.open_dir(str(gen))
        writer = IndexWriter(ix)
        try:
            with self.reading_errors(gen):
                yield writer
                # Merge what the updates left behind: several segments and deleted documents
                # made searches about twice as slow on the sample corpus. Readers go on
                # meanwhile (the merge is one more atomic commit).
                writer.commit()
                if writer.written and _fragmented(ix):
                    ix.optimize()
                    writer.record()
        except BaseException:
            writer.cancel()
            raise

    @contextlib.contextmanager
    def reading_errors(self, gen: Path) -> Iterator[None]:
        """Errors of reading a damaged index in the block become IndexDamagedError."""
        try:
            yield
        except _READ_DAMAGE as exc:
            raise IndexDamagedError(f"{gen.name} cannot be read: {describe(exc)}") from exc

    @contextlib.contextmanager
    def rebuild(self) -> Iterator[IndexWriter]:
        """Write a new generation beside the live one; swap it in when the block succeeds."""
        gen, ix = self._new_generation()
        writer = IndexWriter(ix, commit_every=10**9)
        try:
            yield writer
            writer.commit(optimize=True)
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(gen, ignore_errors=True)
            raise
        ix.close()
        # The new generation goes live with the vectors of every unchanged document (the
        # semantic layer embeds the rest in the background, see index.semantic).
        try:
            carry_vectors(self.path, gen, list(self.document_texts(gen)))
        except Exception:  # vectors are an extra; never fail a rebuild on them
            log.exception("could not carry the vectors over to %s", gen.name)
        self._swap_to(gen)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Errors of writing into the index folder (permissions, a read-only or full disk) in
        the block become IndexNotWritableError, with a message that says what to do."""
        try:
            yield
        except OSError as exc:
            where = Path(os.fsdecode(exc.filename)).absolute() if exc.filename else None
            root = self.path.absolute()
            if exc.errno not in _WRITE_ERRNOS or not (
                    where is not None and (where == root or root in where.parents)):
                raise
            raise IndexNotWritableError(
                f"the index folder {self.path} cannot be written ({exc.strerror}: {where}); "
                "make it writable for this user, or choose another one with --index or KB_INDEX"
            ) from exc

    def clean_stale_generations(self) -> None:
        """Remove generations left by a killed rebuild (call while holding the lock). With a
        damaged CURRENT, nothing is removed: the rebuild swaps a new generation in."""
        try:
            live, _ = self._live()
        except IndexDamagedError:
            return
        for gen in self.path.glob("gen-*"):
            if live is not None and gen == live:
                continue
            if live is None or gen.stat().st_mtime > live.stat().st_mtime:
                shutil.rmtree(gen, ignore_errors=True)

    # -- failures memory ---------------------------------------------------------------------
    def load_failures(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads((self.path / FAILURES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_failures(self, failures: dict[str, dict[str, Any]]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path / FAILURES, json.dumps(failures, indent=1, sort_keys=True))

    # -- labels and synonyms (from the taxonomy, written by ingest) -----------------------
    def save_labels(self, labels: dict[str, dict[str, str]]) -> None:
        """Display labels of facet values (facet -> value -> label)."""
        self._save_json(LABELS, labels)

    def load_labels(self) -> dict[str, dict[str, str]]:
        """The labels ingest saved; {} (with a warning in the log) when missing or damaged:
        the pages then show codes instead of names."""
        return self._load_json(LABELS, dict) or {}

    def facet_labels(self) -> dict[str, dict[str, str]]:
        """Labels of facet values: the taxonomy's (load_labels) and the record fields'."""
        return {**self.load_labels(), "record": dict(PRACTICE_FIELDS)}

    def save_synonyms(self, groups: list[dict[str, list[str]]]) -> None:
        """Groups of equivalent terms across languages (language -> terms), for queries."""
        self._save_json(SYNONYMS, groups)

    def load_synonyms(self) -> list[dict[str, list[str]]]:
        """The synonym groups ingest saved; [] (with a warning in the log) when missing or
        damaged: searches then do not cross languages until ``kb ingest`` rewrites them."""
        return self._load_json(SYNONYMS, list) or []

    def _save_json(self, name: str, data: Any) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path / name, json.dumps(data, ensure_ascii=False, indent=1))

    def _load_json(self, name: str, kind: type) -> Any:
        """A small JSON file of the index folder holding a ``kind``, re-read only when it
        changes; None when there is none. A damaged file gives None too, and a warning in
        the log (once per change of the file) that names it and says how to repair it."""
        path = self.path / name
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc.strerror or exc)
            return None
        cached = self._json_cache.get(name)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        data = None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, kind):
                raise ValueError(f"expected a JSON {kind.__name__}, found {type(data).__name__}")
        except (OSError, ValueError) as exc:
            log.warning("ignoring the damaged %s (%s); `kb ingest` rewrites it", path, exc)
            data = None
        self._json_cache[name] = (mtime, data)
        return data

    # -- reports -----------------------------------------------------------------------------
    def save_report(self, report: dict[str, Any]) -> Path:
        folder = self.path / REPORTS
        folder.mkdir(parents=True, exist_ok=True)
        started = float(report.get("started", time.time()))
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started))
        micro = int((started % 1) * 1_000_000)
        path = folder / f"ingest-{stamp}.{micro:06d}-{os.getpid()}.json"
        write_atomic(path, json.dumps(report, indent=1, ensure_ascii=False))
        return path

    def reports(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest ingest reports, newest first."""
        folder = self.path / REPORTS
        paths = sorted(folder.glob("ingest-*.json"), reverse=True)[:limit]
        out = []
        for p in paths:
            with contextlib.suppress(OSError, ValueError):
                out.append(json.loads(p.read_text(encoding="utf-8")))
        return out

    # -- reading ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A Whoosh searcher on the live index, for the length of the block.

        Searchers come from a bounded pool (see index.searchers): at most ``searchers`` blocks
        run at once, further ones wait (IndexBusyError after BUSY_SECONDS). A swapped
        generation or a new commit is picked up by the next block, without a restart. Nested
        blocks in one thread share the outer block's searcher. Errors that a damaged index
        raises while it is read become IndexDamagedError.
        """
        held = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        reason = self.needs_rebuild()
        if reason:
            try:
                self._live()
            except IndexDamagedError:
                raise
            except IndexUnavailableError:
                pass
            raise IndexUnavailableError(reason)
        gen = self.current_generation()
        assert gen is not None
        if not self._slots.acquire(timeout=BUSY_SECONDS):
            raise IndexBusyError(f"every searcher stayed busy for {BUSY_SECONDS:g} s")
        try:
            pool = self._pool_for(gen)
            try:
                searcher = pool.take()
            except DAMAGE_ERRORS as exc:
                raise self._found_damaged(pool, exc) from exc
            self._local.held = searcher
            try:
                yield searcher
            except DAMAGE_ERRORS as exc:
                searcher.close()
                raise self._found_damaged(pool, exc) from exc
            else:
                pool.give_back(searcher)
            finally:
                self._local.held = None
        finally:
            self._slots.release()

    def _pool_for(self, gen: Path) -> SearcherPool:
        """The pool of the live commit: opened (and its files checked) on first use."""
        try:
            toc = latest_commit(gen)
        except OSError as exc:
            raise IndexDamagedError(f"{gen.name} cannot be listed: {describe(exc)}") from exc
        if toc < 0:
            raise IndexDamagedError(f"{gen.name} has no table of contents")
        with self._pool_lock:
            pool = self._pool
            if pool is not None and pool.gen == gen and pool.toc == toc:
                return pool
            damaged = self._damaged
            if damaged is not None and damaged[0] == (gen, toc):
                raise IndexDamagedError(damaged[1])
            problem = check(gen, toc)
            if problem is not None:
                self._damaged = ((gen, toc), problem)
                log.info("the index at %s is damaged: %s", gen, problem)
                raise IndexDamagedError(problem)
            try:
                ix = open_index(gen, mmap=self.mmap)
            except Exception as exc:
                problem = f"{gen.name} cannot be opened: {describe(exc)}"
                self._damaged = ((gen, toc), problem)
                log.info("the index at %s is damaged: %s", gen, problem)
                raise IndexDamagedError(problem) from exc
            if pool is not None:
                pool.retire()
            self._pool = SearcherPool(gen, toc, ix)
            return self._pool

    def _found_damaged(self, pool: SearcherPool, exc: BaseException) -> IndexDamagedError:
        problem = f"{pool.gen.name} cannot be read: {describe(exc)}"
        log.info("the index at %s is damaged: %s", pool.gen, problem)
        log.debug("reading the damaged index failed", exc_info=exc)
        with self._pool_lock:
            self._damaged = ((pool.gen, pool.toc), problem)
            if self._pool is pool:
                self._pool = None
        pool.retire()
        return IndexDamagedError(problem)

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.retire()

    def fingerprints(self) -> dict[str, tuple[str, Fingerprint]]:
        """doc id -> (source path, fingerprint) of every indexed document."""
        if self.needs_rebuild():
            return {}
        out: dict[str, tuple[str, Fingerprint]] = {}
        with self.searcher() as s:
            for docnum in s.document_numbers(kind="doc"):
                stored = s.stored_fields(docnum)
                fp = stored.get("fingerprint") or {}
                out[stored["doc_id"]] = (
                    stored.get("source_path", ""),
                    Fingerprint(
                        fp.get("sha256", ""),
                        fp.get("size", -1),
                        fp.get("mtime", -1.0),
                        fp.get("meta", ""),
                    ),
                )
        return out

    def source_paths(self) -> dict[str, bool]:
        """Source path -> whether the document is hidden, of every indexed document."""
        out: dict[str, bool] = {}
        with self.searcher() as s:
            for docnum in s.document_numbers(kind="doc"):
                stored = s.stored_fields(docnum)
                out[stored.get("source_path", "")] = bool(stored.get("hidden"))
        return out

    def document_texts(self, gen: Path | None = None, *, passages: int = 3
                       ) -> Iterator[dict[str, Any]]:
        """Each document's id, language, title, summary and its first ``passages`` passage
        texts (what the semantic layer embeds), of the live generation or ``gen``."""
        if gen is None:
            if self.needs_rebuild():
                return
            with self.searcher() as s:
                yield from _document_texts(s, passages)
            return
        ix = whoosh_index.open_dir(str(gen))
        with ix.searcher() as s:
            yield from _document_texts(s, passages)
        ix.close()

    def document_count(self) -> int:
        with self.searcher() as s:
            return sum(1 for _ in s.document_numbers(kind="doc"))



def _document_texts(s: Searcher, passages: int) -> Iterator[dict[str, Any]]:
    firsts: dict[str, list[tuple[int, str]]] = {}
    # Ordinals count from 0 (or 1): one range query reads only the first passages.
    first = wq.And([wq.Term("kind", "passage"), wq.NumericRange("ordinal", 0, passages)])
    for docnum in s.docs_for_query(first):
        stored = s.stored_fields(docnum)
        firsts.setdefault(stored["doc_id"], []).append(
            (stored.get("ordinal") or 0, stored.get("text") or ""))
    for docnum in s.document_numbers(kind="doc"):
        stored = s.stored_fields(docnum)
        meta = json.loads(stored["meta"])
        texts = sorted(firsts.get(stored["doc_id"], []))[:passages]
        yield {
            "id": stored["doc_id"],
            "language": meta.get("language") or "",
            "title": meta.get("title") or "",
            "summary": meta.get("summary") or "",
            "passages": [t for _, t in texts],
        }

__all__ = ["Fingerprint", "IndexStore", "IndexWriter", "PreparedDocument", "prepare_document"]
