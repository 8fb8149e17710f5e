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
import fcntl
import json
import logging
import os
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

from index.analysis import LANGUAGE_KEYS, OTHER, analyze, fold, unique_words
from index.errors import IndexLockedError, IndexUnavailableError
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
from index.scoring import weighting
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


@dataclass(frozen=True)
class Fingerprint:
    """What ingest compares to decide whether a file must be read again."""

    sha256: str
    size: int
    mtime: float
    #: a hash of the file's explicit metadata (catalog entry, taxonomy), set by ingest
    meta: str = ""


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



def index_language(lang: str | None) -> str:
    """The analyser key for a document language ("fr" and unknown -> "xx")."""
    primary = (lang or "").split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGE_KEYS else OTHER


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
        elif optimize:
            self._ix.optimize()
        self._pending = 0

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self._pending = 0


class IndexStore:
    """One index folder. Cheap to create; opens nothing until asked."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._json_cache: dict[str, tuple[int, Any]] = {}
        self._live_cache: tuple[tuple[int, int, int], Path | None, int | None, int] | None = None

    # -- generations -------------------------------------------------------------------------
    def _live(self) -> tuple[Path | None, int | None]:
        """(live generation, its schema version), re-read only when CURRENT or the
        generation's metadata changes: a search costs two stat() calls here, not file reads."""
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
        gen: Path | None = self.path / name
        version = None
        meta_mtime = 0
        if gen is not None and gen.is_dir():
            try:
                meta_mtime = (gen / META).stat().st_mtime_ns
                meta = json.loads((gen / META).read_text(encoding="utf-8"))
                version = int(meta["schema_version"])
            except (OSError, ValueError, KeyError):
                version = None
        else:
            gen = None
        self._live_cache = (key, gen, version, meta_mtime)
        return gen, version

    def current_generation(self) -> Path | None:
        return self._live()[0]

    def schema_version(self) -> int | None:
        return self._live()[1]

    def version(self) -> tuple[str, int, int]:
        """What a search sees, as a key that changes with it (for caches of results): the
        live generation, its folder's modification time (every commit writes a new TOC file
        there) and that of the facet labels. IndexUnavailableError when there is no index."""
        gen = self.current_generation()
        if gen is None:
            raise IndexUnavailableError("no index yet")
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
        """Why the index must be rebuilt before use, or None when it is fine."""
        gen, version = self._live()
        if gen is None:
            return "no index yet"
        if version != SCHEMA_VERSION:
            return f"index schema version {version}, this program needs {SCHEMA_VERSION}"
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
        """Change the live index in place. Commits on success; on error cancels and re-raises."""
        if self.needs_rebuild():
            raise IndexUnavailableError(f"cannot update: {self.needs_rebuild()}")
        gen = self.current_generation()
        assert gen is not None
        ix = whoosh_index.open_dir(str(gen))
        writer = IndexWriter(ix)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        # Merge what the updates left behind: several segments and deleted documents made
        # searches about twice as slow on the sample corpus. Readers go on meanwhile (the
        # merge is one more atomic commit).
        writer.commit()
        if writer.written and _fragmented(ix):
            ix.optimize()

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

    def clean_stale_generations(self) -> None:
        """Remove generations left by a killed rebuild (call while holding the lock)."""
        live = self.current_generation()
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

    # -- reading -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A Whoosh searcher on the live index, refreshed when the index has changed.

        Each thread keeps its own searcher and refreshes it per use (a directory listing);
        a swapped generation is picked up on the next call, without a restart.
        """
        reason = self.needs_rebuild()
        if reason:
            raise IndexUnavailableError(reason)
        gen = self.current_generation()
        assert gen is not None
        yield self._fresh_searcher(gen)

    def _fresh_searcher(self, gen: Path) -> Searcher:
        local = self._local
        cached: tuple[Path, whoosh_index.Index, int, Searcher] | None = getattr(
            local, "searcher", None
        )
        try:
            if cached is not None and cached[0] == gen:
                ix = cached[1]
                toc = ix.latest_generation()
                if toc == cached[2]:
                    return cached[3]
            else:
                ix = whoosh_index.open_dir(str(gen))
                toc = ix.latest_generation()
            # A fresh searcher rather than refresh(): Whoosh's refresh reuses segment readers
            # whose deletion sets may be stale, so replaced documents would show twice.
            searcher = ix.searcher(weighting=weighting())
        except (OSError, whoosh_index.IndexError) as exc:
            raise IndexUnavailableError(f"index cannot be opened: {exc}") from exc
        if cached is not None:
            cached[3].close()
        local.searcher = (gen, ix, toc, searcher)
        return searcher

    def close(self) -> None:
        cached = getattr(self._local, "searcher", None)
        if cached is not None:
            cached[3].close()
            self._local.searcher = None

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
