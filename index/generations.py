"""Which generation of an index folder is live, making and swapping generations, and the ingest
lock (engine-neutral: a generation's files are its engine's business).

Layout of an index folder::

    CURRENT            name of the live generation (replaced atomically)
    gen-<stamp>/       one index of one engine, with kb-meta.json (schema version, engine,
                       creation time)
    ingest.lock        held (flock) by the one running ingest; the OS frees it when a process dies

A rebuild writes a new generation beside the live one and swaps CURRENT with ``os.replace``;
readers of the old one go on until they finish.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexDamagedError, IndexLockedError, describe
from index.schema import SCHEMA_VERSION
from index.side_files import try_lock, write_atomic

#: The engine of an index whose kb-meta.json names none (made before engines had names).
UNNAMED_ENGINE = "whoosh"

CURRENT = "CURRENT"
META = "kb-meta.json"
LOCK = "ingest.lock"

_GENERATION_NAME = re.compile(r"gen-[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Live:
    """The live generation as its kb-meta.json describes it."""

    path: Path
    schema_version: int
    #: the engine that wrote it (indexes made before engines had names: the default)
    engine: str


class Generations:
    """The generations of the index folder ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[tuple[int, int, int], Live, int] | None = None

    def live(self) -> Live | None:
        """The live generation, re-read only when CURRENT or the generation's metadata
        changes: a search costs two stat() calls here, not file reads. None without one;
        IndexDamagedError when CURRENT or the generation's metadata cannot be read."""
        try:
            st = (self.path / CURRENT).stat()
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._cache
        if cached is not None and cached[0] == key:
            try:
                if (cached[1].path / META).stat().st_mtime_ns == cached[2]:
                    return cached[1]
            except OSError:
                pass
        try:
            name = (self.path / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
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
            engine = str(meta.get("engine") or UNNAMED_ENGINE)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexDamagedError(f"{name}/{META} cannot be read: {describe(exc)}") from exc
        live = Live(gen, version, engine)
        self._cache = (key, live, meta_mtime)
        return live

    def new(self) -> Path:
        """A new, empty generation folder (not live)."""
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        gen = self.path / name
        gen.mkdir()
        return gen

    @staticmethod
    def write_meta(gen: Path, engine: str) -> None:
        """The schema version and engine of a new generation."""
        meta = {"schema_version": SCHEMA_VERSION, "engine": engine, "created": time.time()}
        write_atomic(gen / META, json.dumps(meta))

    def swap_to(self, gen: Path) -> None:
        """Make ``gen`` the live generation; remove older ones."""
        write_atomic(self.path / CURRENT, gen.name + "\n")
        self._remove_old(keep={gen.name})

    def _remove_old(self, keep: set[str]) -> None:
        """Delete generations but the live one and the one before it (still open elsewhere)."""
        gens = sorted(
            (p for p in self.path.glob("gen-*") if p.is_dir() and p.name not in keep),
            key=lambda p: p.stat().st_mtime,
        )
        for old in gens[:-1]:
            shutil.rmtree(old, ignore_errors=True)

    def clean_stale(self) -> None:
        """Remove generations left by a killed rebuild (call while holding the lock). With a
        damaged CURRENT, nothing is removed: the rebuild swaps a new generation in."""
        try:
            live = self.live()
        except IndexDamagedError:
            return
        for gen in self.path.glob("gen-*"):
            if live is not None and gen == live.path:
                continue
            if live is None or gen.stat().st_mtime > live.path.stat().st_mtime:
                shutil.rmtree(gen, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the ingest lock; raise IndexLockedError when another ingest holds it."""
        with try_lock(self.path / LOCK) as fd:
            if fd is None:
                raise IndexLockedError(
                    f"another ingest is running (pid {self._lock_holder()}); try again when "
                    "it has finished")
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield

    def _lock_holder(self) -> str:
        """The pid the running ingest wrote in the lock file ("?": unknown)."""
        try:
            return (self.path / LOCK).read_bytes()[:64].decode(errors="replace").strip() or "?"
        except OSError:
            return "?"


__all__ = ["CURRENT", "LOCK", "META", "Generations", "Live"]
