"""The Whoosh engine: a generation folder holds one Whoosh index (``MAIN``), written by
index/whoosh/writer.py and read through a pool of readers (index/whoosh/searchers.py)."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from whoosh import index as whoosh_index

from index.whoosh.integrity import DAMAGE_ERRORS, check, latest_commit
from index.whoosh.schema import build_schema
from index.whoosh.searchers import SearcherPool, open_index
from index.whoosh.writer import WhooshWriter


class WhooshEngine:
    """The Engine (index.engine) of Whoosh indexes."""

    name = "whoosh"
    damage_errors: tuple[type[BaseException], ...] = DAMAGE_ERRORS

    def create(self, gen: Path) -> WhooshWriter:
        return WhooshWriter(whoosh_index.create_in(str(gen), build_schema()))

    def update(self, gen: Path) -> WhooshWriter:
        return WhooshWriter(whoosh_index.open_dir(str(gen)))

    def commit_key(self, gen: Path) -> Hashable:
        """The number of the latest table of contents (None: there is none)."""
        toc = latest_commit(gen)
        return toc if toc >= 0 else None

    def version(self, gen: Path) -> Hashable:
        """The generation folder's modification time: every commit writes a new table of
        contents there."""
        return gen.stat().st_mtime_ns

    def check(self, gen: Path, key: Hashable, *, strict: bool = False) -> str | None:
        assert isinstance(key, int)
        return check(gen, key, strict=strict)

    def open(self, gen: Path, key: Hashable, *, mmap: bool = False) -> SearcherPool:
        assert isinstance(key, int)
        return SearcherPool(gen, key, open_index(gen, mmap=mmap))


__all__ = ["WhooshEngine"]
