"""The tantivy engine (index.engine.Engine): writers and readers of its generations.

A generation holds ``docs/`` and ``passages/`` (index.tantivy.schema). A commit of it is
named by the two tantivy ``meta.json`` files (their inode, size and modification time): the
store opens a new ``TantivyOpenIndex`` when they change. Its readers are pinned to the commit
they were opened at (tantivy's manual reload policy), so one search sees one commit.

tantivy reads its files through memory maps whatever ``mmap`` says; it checks each file's
footer when it opens a segment and raises ValueError (the damage the store reports as a 503).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable
from pathlib import Path

from index.engine import EngineReader, Filter
from index.tantivy.reader import TantivyReader
from index.tantivy.schema import DOCS, PASSAGES, docs_schema, open_index, passages_schema
from index.tantivy.writer import TantivyWriter

#: Readers kept per open commit (readers are light: two tantivy searchers).
MAX_IDLE_READERS = 8
#: Filters whose allowed documents are kept per open commit (for the semantic fusion).
MAX_CACHED_FILTERS = 64


class TantivyOpenIndex:
    """One commit of one generation, opened: tantivy indexes pinned to it, and readers."""

    def __init__(self, gen: Path, key: Hashable) -> None:
        self.gen = gen
        self.key = key
        self.docs_schema = docs_schema()
        self.passages_schema = passages_schema()
        self.docs = open_index(gen / DOCS, self.docs_schema)
        self.passages = open_index(gen / PASSAGES, self.passages_schema)
        for ix in (self.docs, self.passages):
            ix.config_reader("Manual", 0)
            ix.reload()
        self._lock = threading.Lock()
        self._free: list[TantivyReader] = []
        #: whether ``retire`` was called
        self.retired = False
        self._allowed: dict[Filter, frozenset[int]] = {}
        self._words: dict[str, list[tuple[str, int]]] = {}
        # open every segment now: a damaged file fails here, before any search
        self.give_back(self.take())

    def take(self) -> TantivyReader:
        with self._lock:
            if self._free:
                return self._free.pop()
        return TantivyReader(self)

    def give_back(self, reader: EngineReader) -> None:
        with self._lock:
            if (isinstance(reader, TantivyReader) and not self.retired
                    and len(self._free) < MAX_IDLE_READERS):
                self._free.append(reader)

    def close_reader(self, reader: EngineReader) -> None:
        """A reader found damaged is dropped (tantivy frees its files with it)."""

    def retire(self) -> None:
        with self._lock:
            self.retired = True
            self._free = []

    # -- caches of this commit ---------------------------------------------------------------
    def allowed_keys(self, reader: TantivyReader, flt: Filter) -> frozenset[int]:
        keys = self._allowed.get(flt)
        if keys is None:
            keys = reader.allowed_keys(flt)
            with self._lock:
                if len(self._allowed) >= MAX_CACHED_FILTERS:
                    self._allowed.clear()
                self._allowed[flt] = keys
        return keys

    def words_starting(self, reader: TantivyReader, letter: str) -> list[tuple[str, int]]:
        """The words of the ``words`` field starting with ``letter``, with their counts."""
        words = self._words.get(letter)
        if words is None:
            words = reader.words_starting(letter)
            with self._lock:
                self._words[letter] = words
        return words


def _meta_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = (path / "meta.json").stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class TantivyEngine:
    name = "tantivy"
    #: tantivy-py raises ValueError for what it cannot read (a damaged or missing file),
    #: OSError comes from opening the folders
    damage_errors: tuple[type[BaseException], ...] = (ValueError, OSError)

    def create(self, gen: Path) -> TantivyWriter:
        return TantivyWriter(gen, create=True)

    def update(self, gen: Path) -> TantivyWriter:
        return TantivyWriter(gen)

    def commit_key(self, gen: Path) -> Hashable:
        if not gen.is_dir():
            raise FileNotFoundError(f"{gen} is missing")
        docs, passages = _meta_key(gen / DOCS), _meta_key(gen / PASSAGES)
        if docs is None or passages is None:
            return None
        return (docs, passages)

    def version(self, gen: Path) -> Hashable:
        return self.commit_key(gen)

    def check(self, gen: Path, key: Hashable) -> str | None:
        """What is wrong with the commit's files as listed: a meta.json that does not parse,
        a segment without its files or with an empty one (tantivy checks each file's footer
        when it opens it: see ``open``)."""
        for name in (DOCS, PASSAGES):
            folder = gen / name
            try:
                meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
                segments = [str(s["segment_id"]).replace("-", "") for s in meta["segments"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                return f"{gen.name}/{name}/meta.json cannot be read: {exc}"
            files = {p.name: p for p in folder.iterdir()}
            for segment in segments:
                parts = [p for n, p in files.items() if n.startswith(segment + ".")]
                if not parts:
                    return f"{gen.name}/{name}: the files of segment {segment} are missing"
                for part in parts:
                    try:
                        if part.stat().st_size == 0:
                            return f"{gen.name}/{name}/{part.name} is empty"
                    except OSError as exc:
                        return f"{gen.name}/{name}/{part.name} cannot be read: {exc}"
        return None

    def open(self, gen: Path, key: Hashable, *, mmap: bool = False) -> TantivyOpenIndex:
        return TantivyOpenIndex(gen, key)


__all__ = ["TantivyEngine", "TantivyOpenIndex"]
