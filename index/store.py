"""An index folder as the rest of the product sees it: reading the live generation through a
bounded pool of engine readers, and the write sessions of ingest (update in place, or rebuild
beside and swap), whatever the engine.

The generations and the lock are index.generations, the small files beside them
index.side_files, the engines behind index.engine's protocol. Readers never see a half-written
index: an engine's commits are atomic, and a rebuild writes a new generation and swaps CURRENT.
Killing a writer at any moment leaves the last commit readable.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import threading
import time
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

from index import engine as engines
from index.engine import (
    Engine,
    EngineReader,
    EngineWriter,
    Fingerprint,
    OpenIndex,
    UnknownEngineError,
    get_engine,
)
from index.errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexEngineError,
    IndexNotWritableError,
    IndexUnavailableError,
    SearchFailedError,
    describe,
    out_of_resources,
)
from index.generations import Generations, Live
from index.prepare import PreparedDocument, prepare_document
from index.records import Document
from index.schema import SCHEMA_VERSION
from index.semantic import carry_vectors, document_passages
from index.side_files import SideFiles, write_atomic
from index.vectors import VECTORS

log = logging.getLogger(__name__)

#: Commit incremental updates every this many documents, so a killed run keeps its progress.
COMMIT_EVERY = 200
#: Searches that may run at once per process (a bounded pool of readers).
DEFAULT_SEARCHERS = 4
#: A search waits this long for a free reader before the server answers 503.
BUSY_SECONDS = 30.0
#: after a reading error on files found sound, further reading errors of the same commit
#: within this time are not checked again (a query the engine fails on, sent again and again,
#: must not cost a pass over every file each time: 0.1 s per 100 MB)
RECHECK_SECONDS = 60.0
#: Opening the live commit is tried this many times when it changed while it was being
#: opened (an ingest committed, merged, or swapped in a rebuild): the writer removing files of
#: the commit being checked is not damage. After that many changes in a row, IndexBusyError.
OPEN_ATTEMPTS = 5

_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                 errno.EISDIR, errno.ENOTDIR, errno.EEXIST}


class _CommitMoved(Exception):
    """The commit being opened was replaced meanwhile (IndexStore._open): open the new one."""


def _short_of_resources(gen: Path, exc: BaseException) -> IndexBusyError:
    """What running out of file handles or memory while ``gen`` was opened or read means: not
    damage (nothing is remembered; the same files open once handles are freed), a 503 that
    says to try again."""
    log.warning("out of file handles or memory while reading %s: %s", gen.name, describe(exc))
    return IndexBusyError(f"the server ran out of file handles or memory while reading the "
                          f"index ({describe(exc)}); try again")


def _raise_if_short_of_resources(gen: Path, exc: BaseException) -> None:
    """Raise _short_of_resources' IndexBusyError (from ``exc``) when ``exc`` is running out of
    file handles or memory (index.errors.out_of_resources); else return."""
    if out_of_resources(exc):
        raise _short_of_resources(gen, exc) from exc


class IndexWriter:
    """Adds, replaces and removes documents inside one write session (see IndexStore)."""

    def __init__(self, writer: EngineWriter, *, commit_every: int = COMMIT_EVERY) -> None:
        self._writer = writer
        self._pending = 0
        self._commit_every = commit_every
        self.written = 0

    def put(self, doc: Document | PreparedDocument, *, meta_fingerprint: str = "") -> None:
        """Add the document, replacing any earlier version with the same id."""
        prepared = doc if isinstance(doc, PreparedDocument) else prepare_document(doc)
        d = prepared.document
        self._writer.put(prepared, Fingerprint(d.sha256, d.size, d.mtime, meta_fingerprint))
        self._count()

    def delete(self, doc_id: str) -> None:
        self._writer.delete(doc_id)
        self._count()

    def _count(self) -> None:
        self._pending += 1
        self.written += 1
        if self._pending >= self._commit_every:
            self.commit()

    def commit(self) -> None:
        self._writer.commit()
        self._pending = 0

    def cancel(self) -> None:
        self._writer.cancel()
        self._pending = 0


class IndexStore:
    """One index folder. Cheap to create; opens nothing until asked.

    ``searchers``: how many searches may run at once (each on a reader of a bounded pool;
    further ones wait). ``mmap``: read index files through memory maps where the engine can.
    ``engine``: the engine this program is set to use (``KB_ENGINE``): a live index of another
    engine asks for ``kb ingest --rebuild``, and a rebuild writes this one. None: the live
    index's engine (a new index: the default).
    """

    def __init__(self, path: Path | str, *, searchers: int = DEFAULT_SEARCHERS,
                 mmap: bool = False, engine: str | None = None) -> None:
        self.path = Path(path)
        self.mmap = mmap
        self.engine = engine
        self.generations = Generations(self.path)
        self.side = SideFiles(self.path)
        self._local = threading.local()
        self._slots = threading.BoundedSemaphore(max(1, searchers))
        self._pool_lock = threading.Lock()
        self._pool: OpenIndex | None = None
        self._pool_key: tuple[Path, Hashable] | None = None
        #: (generation, commit) found damaged, and what is wrong: not opened again
        self._damaged: tuple[tuple[Path, Hashable], str] | None = None
        #: the last (generation, commit) whose files the engine's check found sound
        self._verified: tuple[Path, Hashable] | None = None
        #: the commit last checked strictly after a reading error, and when (time.monotonic)
        self._rechecked: tuple[tuple[Path, Hashable], float] | None = None
        #: commits being checked and opened (by the first thread that needed them), set when
        #: done
        self._opening: dict[tuple[Path, Hashable], threading.Event] = {}

    # -- generations -------------------------------------------------------------------------
    def _live(self) -> Live | None:
        return self.generations.live()

    def live_generation(self) -> Path:
        """The live generation; IndexUnavailableError without one (IndexDamagedError when
        CURRENT or the generation's metadata cannot be read)."""
        live = self._live()
        if live is None:
            raise IndexUnavailableError("no index yet")
        return live.path

    def _readable_live(self) -> Live | None:
        """The live generation; None without one, or when CURRENT or its metadata cannot be
        read."""
        try:
            return self._live()
        except IndexDamagedError:
            return None

    def current_generation(self) -> Path | None:
        live = self._readable_live()
        return live.path if live is not None else None

    def schema_version(self) -> int | None:
        live = self._readable_live()
        return live.schema_version if live is not None else None

    def engine_name(self) -> str | None:
        """The engine of the live index (None without a readable one)."""
        live = self._readable_live()
        return live.engine if live is not None else None

    def _engine_of(self, live: Live) -> Engine:
        return get_engine(live.engine)

    def _live_key(self) -> tuple[Path, Hashable] | None:
        """The live (generation, commit) as it is now (None: none that can be read)."""
        live = self._readable_live()
        if live is None:
            return None
        try:
            return live.path, self._engine_of(live).commit_key(live.path)
        except (OSError, UnknownEngineError):
            return None

    def _moved(self, key: tuple[Path, Hashable]) -> bool:
        """Whether the live generation or its commit is no longer ``key``: what was found
        wrong with ``key``'s files may be the writer's doing (files of an older commit removed
        by the next one), not damage."""
        return self._live_key() != key

    def version(self) -> tuple[str, Hashable, int, tuple[int, ...]]:
        """What a search sees, as a key that changes with it (for caches of results): the
        live generation, its engine's key of the live commit, its vectors' file (tantivy's
        key does not see it: the embedding run writes it after the commit) and the versions
        of the side files a search reads (SideFiles.version: labels, synonyms, the
        taxonomy's words, places; an ingest that changes no document still rewrites them).
        IndexUnavailableError when there is no index (IndexDamagedError when CURRENT or the
        generation's metadata cannot be read)."""
        live = self._live()
        if live is None:
            raise IndexUnavailableError("no index yet")
        try:
            commit = self._engine_of(live).version(live.path)
        except UnknownEngineError as exc:
            raise IndexEngineError(self._engine_problem(live) or str(exc)) from exc
        except OSError as exc:
            raise IndexUnavailableError(f"index cannot be opened: {exc}") from exc
        try:
            vectors = (live.path / VECTORS).stat().st_mtime_ns
        except OSError:
            vectors = 0
        return (live.path.name, commit, vectors, self.side.version())

    def needs_rebuild(self) -> str | None:
        """Why the index must be rebuilt before use, or None when it is fine (as far as
        CURRENT and the metadata tell: see ``damage`` for the index files themselves)."""
        try:
            live = self._live()
        except IndexDamagedError as exc:
            return str(exc)
        if live is None:
            return "no index yet"
        if live.schema_version != SCHEMA_VERSION:
            return (f"index schema version {live.schema_version}, this program needs "
                    f"{SCHEMA_VERSION}")
        return self._engine_problem(live)

    def _engine_problem(self, live: Live) -> str | None:
        """Why the live index cannot be read with this program's engine, or None."""
        if self.engine is not None and live.engine != self.engine:
            return (f"the index was built with the {live.engine} search engine and this "
                    f"program is set to use {self.engine} (KB_ENGINE); `kb ingest --rebuild` "
                    f"rebuilds it with {self.engine}")
        try:
            self._engine_of(live)
        except UnknownEngineError as exc:
            return (f"the index was built with the {live.engine} search engine: {exc}; "
                    "or `kb ingest --rebuild` rebuilds it with this program's engine")
        return None

    def damage(self) -> str | None:
        """What is wrong with the live index's files (checked as a search would open them:
        the engine's check of the last commit, then its own reading), or None."""
        try:
            with self.reader() as r:
                r.counts()
        except IndexDamagedError as exc:
            return str(exc)
        except IndexUnavailableError:
            return None
        return None

    def clean_stale_generations(self) -> None:
        """Remove generations left by a killed rebuild (call while holding the lock)."""
        self.generations.clean_stale()

    # -- writing -----------------------------------------------------------------------------
    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold the ingest lock; raise IndexLockedError when another ingest holds it."""
        return self.generations.lock()

    def _writing_engine(self) -> tuple[str, Engine]:
        """The engine a rebuild writes (its name in the registry, and itself): the configured
        one, else the live index's, else the default."""
        name = self.engine
        if name is None:
            name = self.engine_name() or engines.DEFAULT_ENGINE
        return name, get_engine(name)

    @contextlib.contextmanager
    def update(self) -> Iterator[IndexWriter]:
        """Change the live index in place. Commits on success; on error cancels and re-raises
        (a damaged index as IndexDamagedError)."""
        reason = self.needs_rebuild()
        if reason:
            raise IndexUnavailableError(f"cannot update: {reason}")
        live = self._live()
        assert live is not None
        engine = self._engine_of(live)
        with self.reading_errors(live.path, engine):
            engine_writer = engine.update(live.path)
        writer = IndexWriter(engine_writer)
        try:
            with self.reading_errors(live.path, engine):
                yield writer
                engine_writer.finish(rebuild=False)
        except BaseException:
            writer.cancel()
            raise
        finally:
            engine_writer.close()

    @contextlib.contextmanager
    def reading_errors(self, gen: Path, engine: Engine) -> Iterator[None]:
        """Errors of reading a damaged index in the block become IndexDamagedError (OSError
        is left out: a writer's OSError is more often a permission or a full disk, see
        ``writing``)."""
        damage = tuple(e for e in engine.damage_errors if e is not OSError)
        try:
            yield
        except damage as exc:
            raise IndexDamagedError(f"{gen.name} cannot be read: {describe(exc)}") from exc

    @contextlib.contextmanager
    def rebuild(self) -> Iterator[IndexWriter]:
        """Write a new generation beside the live one; swap it in when the block succeeds."""
        name, engine = self._writing_engine()
        gen = self.generations.new()
        try:
            engine_writer = engine.create(gen)
            self.generations.write_meta(gen, name)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        writer = IndexWriter(engine_writer, commit_every=10**9)
        try:
            yield writer
            engine_writer.finish(rebuild=True)
        except BaseException:
            writer.cancel()
            engine_writer.close()
            shutil.rmtree(gen, ignore_errors=True)
            raise
        engine_writer.close()
        # The new generation goes live with the vectors of every unchanged document (the
        # semantic layer embeds the rest in the background, see index.semantic).
        try:
            carry_vectors(self.path, gen,
                          self.document_texts(gen, passages=document_passages()))
        except Exception:  # vectors are an extra; never fail a rebuild on them
            log.exception("could not carry the vectors over to %s", gen.name)
        self.generations.swap_to(gen)

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

    # -- side files (index.side_files) -------------------------------------------------------
    def load_failures(self) -> dict[str, dict[str, Any]]:
        return self.side.load_failures()

    def save_failures(self, failures: dict[str, dict[str, Any]]) -> None:
        self.side.save_failures(failures)

    def save_labels(self, labels: dict[str, dict[str, str]]) -> None:
        self.side.save_labels(labels)

    def load_labels(self) -> dict[str, dict[str, str]]:
        return self.side.load_labels()

    def facet_labels(self) -> dict[str, dict[str, str]]:
        return self.side.facet_labels()

    def save_synonyms(self, groups: list[dict[str, list[str]]]) -> None:
        self.side.save_synonyms(groups)

    def words_version(self) -> tuple[int, int]:
        return self.side.words_version()

    def load_synonyms(self) -> list[dict[str, list[str]]]:
        return self.side.load_synonyms()

    def save_words(self, words: list[str]) -> None:
        self.side.save_words(words)

    def load_words(self) -> list[str]:
        return self.side.load_words()

    def save_places(self, places: list[dict[str, Any]]) -> None:
        self.side.save_places(places)

    def load_places(self) -> list[dict[str, Any]]:
        return self.side.load_places()

    def save_report(self, report: dict[str, Any]) -> Path:
        return self.side.save_report(report)

    def reports(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.side.reports(limit)

    # -- reading ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def reader(self) -> Iterator[EngineReader]:
        """A reader of the live index (index.engine.EngineReader), for the length of the block.

        Readers come from a bounded pool: at most ``searchers`` blocks run at once, further
        ones wait (IndexBusyError after BUSY_SECONDS). A swapped generation or a new commit is
        picked up by the next block, without a restart. Nested blocks in one thread share the
        outer block's reader. Errors that a damaged index raises while it is read become
        IndexDamagedError when the engine's check finds the damage, else SearchFailedError
        for this block only (see ``_reading_failed``).
        """
        held = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        reason = self.needs_rebuild()
        if reason:
            live = self._live()  # a damaged CURRENT raises IndexDamagedError
            if live is not None and self._engine_problem(live):
                raise IndexEngineError(reason)
            raise IndexUnavailableError(reason)
        if not self._slots.acquire(timeout=BUSY_SECONDS):
            raise IndexBusyError(f"every searcher stayed busy for {BUSY_SECONDS:g} s")
        try:
            pool, key, engine, reader = self._take()
            self._local.held = reader
            try:
                yield reader
            except engine.damage_errors as exc:
                pool.close_reader(reader)
                raise self._reading_failed(pool, key, engine, exc) from exc
            else:
                pool.give_back(reader)
            finally:
                self._local.held = None
        finally:
            self._slots.release()

    def _take(self) -> tuple[OpenIndex, tuple[Path, Hashable], Engine, EngineReader]:
        """A reader of the live commit, and its pool, key and engine. Damage found while the
        commit is opened is remembered only when the commit did not change meanwhile (see
        ``_open``); when it did, the new one is opened (at most OPEN_ATTEMPTS times)."""
        for _ in range(OPEN_ATTEMPTS):
            live = self._live()
            if live is None:
                raise IndexUnavailableError("no index yet")
            engine = self._engine_of(live)
            try:
                pool, key = self._pool_for(live.path, engine)
            except _CommitMoved:
                continue
            try:
                return pool, key, engine, pool.take()
            except engine.damage_errors as exc:
                _raise_if_short_of_resources(key[0], exc)
                if self._moved(key):
                    log.info("the index changed while a reader was opened (%s): %s",
                             key[0].name, describe(exc))
                    continue
                raise self._found_damaged(pool, key, exc) from exc
        raise IndexBusyError(f"the index changed {OPEN_ATTEMPTS} times while it was being "
                             "opened (an ingest is writing it); try again")

    def _pool_for(self, gen: Path, engine: Engine) -> tuple[OpenIndex, tuple[Path, Hashable]]:
        """The readers of the live commit: opened, and its files checked, once per commit by
        the first thread that needs it, outside the pool's lock. Meanwhile the other threads
        wait for it, or search the previous commit when its pool can still hand out readers
        of it (``OpenIndex.pinned``): a new commit never makes searches queue behind the
        check of its files (0.1 s per 100 MB). A thread that waited reads the live commit
        again: the one it waited for may have been replaced meanwhile."""
        while True:
            key = (gen, self._commit_of(gen, engine))
            with self._pool_lock:
                pool, pool_key = self._pool, self._pool_key
                if pool is not None and pool_key == key:
                    return pool, key
                damaged = self._damaged
                if damaged is not None and damaged[0] == key:
                    raise IndexDamagedError(damaged[1])
                opening = self._opening.get(key)
                if opening is None:  # this thread opens it
                    opening = self._opening[key] = threading.Event()
                    break
                if pool is not None and pool_key is not None and pool.pinned:
                    return pool, pool_key
            if not opening.wait(BUSY_SECONDS):
                raise IndexBusyError(f"opening the index took more than {BUSY_SECONDS:g} s")
            live = self._readable_live()
            if live is None or live.path != gen:  # a rebuild was swapped in meanwhile
                raise _CommitMoved(f"{gen.name} is no longer the live generation")
        try:
            opened = self._open(engine, key)
            return self._install(opened, key)
        finally:
            with self._pool_lock:
                del self._opening[key]
            opening.set()

    def _commit_of(self, gen: Path, engine: Engine) -> Hashable:
        """The engine's key of the commit of ``gen``, found live. When it cannot be read, or
        there is none: _CommitMoved when ``gen`` is no longer the live generation (a rebuild
        swapped another in and removed it meanwhile: open that one), else IndexDamagedError
        (IndexBusyError when the process is out of file handles or memory)."""
        cause: OSError | None = None
        try:
            commit = engine.commit_key(gen)
        except OSError as exc:
            _raise_if_short_of_resources(gen, exc)
            problem, cause = f"{gen.name} cannot be listed: {describe(exc)}", exc
        else:
            if commit is not None:
                return commit
            problem, cause = f"{gen.name} has no table of contents", None
        live = self._readable_live()
        if live is None or live.path != gen:
            log.info("the live generation changed while %s was opened: %s", gen.name, problem)
            raise _CommitMoved(problem) from cause
        raise IndexDamagedError(problem) from cause

    def _install(self, opened: OpenIndex, key: tuple[Path, Hashable]
                 ) -> tuple[OpenIndex, tuple[Path, Hashable]]:
        """Make ``opened`` the pool searches use, unless a pool of a newer commit is there
        already (two commits opened at once, the older finishing last): then that one is
        returned and ``opened`` retired. Newer: the one that is still the live commit."""
        with self._pool_lock:
            installed = self._pool_key
        if installed is not None and installed != key and self._live_key() == installed:
            with self._pool_lock:
                pool, pool_key = self._pool, self._pool_key
            if pool is not None and pool_key == installed:
                opened.retire()
                return pool, pool_key
        with self._pool_lock:
            old, self._pool, self._pool_key = self._pool, opened, key
        if old is not None and old is not opened:
            old.retire()
        return opened, key

    def _open(self, engine: Engine, key: tuple[Path, Hashable]) -> OpenIndex:
        """Commit ``key`` opened, its files checked first unless they were found sound
        already; IndexDamagedError (remembered for the commit) when it cannot be, or
        _CommitMoved when the live commit is no longer ``key`` (see ``_damaged_at_opening``).
        Running out of file handles or memory is no damage: IndexBusyError, not remembered."""
        gen, commit = key
        try:
            problem = engine.check(gen, commit) if self._verified != key else None
        except Exception as exc:
            _raise_if_short_of_resources(gen, exc)
            raise
        if problem is not None:
            raise self._damaged_at_opening(key, problem)
        self._verified = key
        try:
            return engine.open(gen, commit, mmap=self.mmap)
        except Exception as exc:
            _raise_if_short_of_resources(gen, exc)
            raise self._damaged_at_opening(
                key, f"{gen.name} cannot be opened: {describe(exc)}") from exc

    def _damaged_at_opening(self, key: tuple[Path, Hashable], problem: str
                            ) -> IndexDamagedError | _CommitMoved:
        """What ``problem``, found while commit ``key`` was checked or opened, means: damage
        of the commit (remembered: its searches answer it until the next commit) when the
        live commit is still ``key``; else the writer removed files of a commit it replaced
        while they were read (a race, not damage): _CommitMoved, and the new one is opened."""
        if self._moved(key):
            log.info("the index changed while it was opened (%s): %s", key[0].name, problem)
            return _CommitMoved(problem)
        with self._pool_lock:
            self._damaged = (key, problem)
        log.info("the index at %s is damaged: %s", key[0], problem)
        return IndexDamagedError(problem)

    def _reading_failed(self, pool: OpenIndex, key: tuple[Path, Hashable], engine: Engine,
                        exc: BaseException
                        ) -> IndexDamagedError | IndexBusyError | SearchFailedError:
        """What a reading error in a ``reader`` block means. Damage when the engine's strict
        check of the commit's files finds it (then every search answers that, until the
        index is repaired) and the commit is still the live one (else an ingest replaced it
        meanwhile and may have removed the files found missing: IndexBusyError, this request
        only, the next one opens the new commit); else the files are as written, and one
        request met an error of the engine (an odd query it fails on, e.g. a panic of
        tantivy's Rust code): that request gets SearchFailedError, and the next ones a freshly
        opened commit (not checked again). A commit checked so less than RECHECK_SECONDS ago
        is not checked again (nor while another thread checks it): the error is taken for the
        query's. Running out of file handles or memory is neither: IndexBusyError (raised)."""
        gen, commit = key
        _raise_if_short_of_resources(gen, exc)
        now = time.monotonic()
        with self._pool_lock:
            last = self._rechecked
            recheck = last is None or last[0] != key or now - last[1] > RECHECK_SECONDS
            if recheck:
                self._rechecked = (key, now)
        try:
            problem = engine.check(gen, commit, strict=True) if recheck else None
        except Exception as check_exc:
            if out_of_resources(check_exc):
                with self._pool_lock:
                    self._rechecked = None
                return _short_of_resources(gen, check_exc)
            raise
        if problem is not None:
            if not self._moved(key):
                return self._found_damaged(pool, key, exc, problem)
            log.info("a search failed while the index changed (%s): %s; %s", gen.name,
                     describe(exc), problem)
            self._drop(pool)
            return IndexBusyError("the index changed while it was read (an ingest is writing "
                                  "it); try again")
        log.warning("a search failed on a sound index (%s): %s", gen, describe(exc),
                    exc_info=exc)
        with self._pool_lock:
            self._verified = key
        self._drop(pool)
        return SearchFailedError()

    def _drop(self, pool: OpenIndex) -> None:
        """Searches no longer use ``pool`` (the next one opens the live commit anew)."""
        with self._pool_lock:
            if self._pool is pool:
                self._pool = self._pool_key = None
        pool.retire()

    def _found_damaged(self, pool: OpenIndex, key: tuple[Path, Hashable],
                       exc: BaseException, found: str | None = None) -> IndexDamagedError:
        gen = key[0]
        problem = f"{gen.name} cannot be read: {describe(exc)}"
        if found is not None:
            problem += f"; {found}"
        log.info("the index at %s is damaged: %s", gen, problem)
        log.debug("reading the damaged index failed", exc_info=exc)
        with self._pool_lock:
            self._damaged = (key, problem)
            if self._pool is pool:
                self._pool = self._pool_key = None
        pool.retire()
        return IndexDamagedError(problem)

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool, self._pool_key = self._pool, None, None
        if pool is not None:
            pool.retire()

    def fingerprints(self) -> dict[str, tuple[str, Fingerprint]]:
        """doc id -> (source path, fingerprint) of every indexed document."""
        if self.needs_rebuild():
            return {}
        with self.reader() as r:
            return {e.id: (e.source_path, e.fingerprint) for e in r.catalog()}

    def source_paths(self) -> dict[str, bool]:
        """Source path -> whether the document is hidden, of every indexed document."""
        with self.reader() as r:
            return {e.source_path: e.hidden for e in r.catalog()}

    def document_texts(self, gen: Path | None = None, *, passages: int = 3
                       ) -> Iterator[dict[str, Any]]:
        """Each document's id, language, title, summary and its first ``passages`` passage
        texts (what the semantic layer embeds), of the live generation or ``gen`` (a new
        one, of the engine a rebuild writes)."""
        if gen is None:
            if self.needs_rebuild():
                return
            with self.reader() as r:
                yield from r.document_texts(passages)
            return
        _, engine = self._writing_engine()
        opened = engine.open(gen, engine.commit_key(gen))
        reader = opened.take()
        try:
            yield from reader.document_texts(passages)
        finally:
            opened.close_reader(reader)
            opened.retire()

    def document_count(self) -> int:
        with self.reader() as r:
            return r.counts()[0]


__all__ = ["Fingerprint", "IndexStore", "IndexWriter", "PreparedDocument", "prepare_document",
           "write_atomic"]
