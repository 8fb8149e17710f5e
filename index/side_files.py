"""The small files of an index folder beside its generations: the failures of ingest, the facet
labels and synonym groups of the taxonomy, the ingest reports; the one atomic write of the
project; the lock that keeps a second ingest, or embedding run, from starting (try_lock).

    failures.json      files that failed, with their fingerprints, so unchanged ones are not retried
    labels.json        facet value labels (facet -> value -> label)
    synonyms.json      synonym groups for queries (language -> terms)
    words.json         the taxonomy's own words (theme keywords, place names): correct words
                       that "did you mean" does not correct, though no document has them
    places.json        the countries and regions as a query may name them (names and
                       adjectives by language): a query naming one prefers its documents
    reports/           a JSON report of each ingest run
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.records import PRACTICE_FIELDS

log = logging.getLogger(__name__)

FAILURES = "failures.json"
REPORTS = "reports"
LABELS = "labels.json"
SYNONYMS = "synonyms.json"
WORDS = "words.json"
PLACES = "places.json"


@contextlib.contextmanager
def try_lock(path: Path) -> Iterator[int | None]:
    """Hold an OS lock (flock) on the file ``path`` (made if missing, with its folder) when no
    other process holds it: yields the open file's descriptor, or None at once when another
    process holds it. The OS frees it when its process dies (the ingest's, the embedding
    run's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        yield fd
    finally:
        os.close(fd)  # closing releases the flock


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


class SideFiles:
    """The side files of the index folder ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._json_cache: dict[str, tuple[int, Any]] = {}

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

    def version(self) -> tuple[int, ...]:
        """Changes when a side file a search reads changes: the labels, the synonym groups,
        the taxonomy's words and the places (0 for a missing file)."""
        return tuple(self._stamp(name) for name in (LABELS, SYNONYMS, WORDS, PLACES))

    def words_version(self) -> tuple[int, int]:
        """Changes when the synonym groups or the taxonomy's words change (0 for a missing
        file): what reading a query takes from the index folder beside the index."""
        return self._stamp(SYNONYMS), self._stamp(WORDS)

    def _stamp(self, name: str) -> int:
        try:
            return (self.path / name).stat().st_mtime_ns
        except OSError:
            return 0

    def save_synonyms(self, groups: list[dict[str, list[str]]]) -> None:
        """Groups of equivalent terms across languages (language -> terms), for queries."""
        self._save_json(SYNONYMS, groups)

    def load_synonyms(self) -> list[dict[str, list[str]]]:
        """The synonym groups ingest saved; [] (with a warning in the log) when missing or
        damaged: searches then do not cross languages until ``kb ingest`` rewrites them."""
        return self._load_json(SYNONYMS, list) or []

    def save_words(self, words: list[str]) -> None:
        """The taxonomy's own words and terms (theme keywords, place names), for did you mean."""
        self._save_json(WORDS, words)

    def load_words(self) -> list[str]:
        """The words ingest saved; [] (with a warning in the log) when damaged, and without
        the file (an index ingested before it was written): only the synonyms' words are
        then known beside the documents'."""
        return self._load_json(WORDS, list) or []

    def save_places(self, places: list[dict[str, Any]]) -> None:
        """The taxonomy's countries and regions with their names and adjectives by language
        (ingest.Taxonomy.places), for queries that name a place (index.places)."""
        self._save_json(PLACES, places)

    def load_places(self) -> list[dict[str, Any]]:
        """The places ingest saved; [] (with a warning in the log) when damaged, and without
        the file (an index ingested before it was written): no query then names a place."""
        return self._load_json(PLACES, list) or []

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


__all__ = ["SideFiles", "write_atomic"]
