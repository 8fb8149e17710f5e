"""The tantivy engine (index.engine.Engine): writers and readers of its generations.

A generation holds a documents index and a passages index per language and ``tantivy.json``,
the languages of its last commit (index.tantivy.schema); that file is rewritten after each
commit, so its identity names the commit: the store opens a new ``TantivyOpenIndex`` when it
changes. Readers are pinned to the commit they were opened at (tantivy's manual reload
policy), so one search sees one commit.

tantivy reads its files through memory maps whatever ``mmap`` says; it checks each file's
footer when it opens a segment and raises ValueError (the damage the store reports as a 503),
but not the checksum the footer holds: a file overwritten inside gave wrong results or a panic
of the Rust library (pyo3's PanicException, a BaseException) in the middle of a search. So
``check`` compares every file of the commit's segments with its footer's CRC-32 before the
commit is opened, once per process and commit (as the Whoosh engine checks its own record of
checksums: about 0.1 s per 100 MB), and a panic while reading counts as damage too
(index.tantivy.panics), when the check, done again, finds the damage (index.store).

A file truncated under a running server is another matter: its memory map kills the process
with SIGBUS when a search reads the lost pages (the Whoosh engine reads through file handles;
tantivy-py has no such choice, and a SIGBUS cannot be caught and resumed). So every search
first compares the sizes of the open commit's files with their sizes when it was opened
(``check_sizes``: one stat per file, about 2 us each; 24 files at 100k passages in one
language): a truncated file is damage (a 503) before any search reads it. What remains: a file
truncated during a search, between that comparison and the reading (a few milliseconds), still
kills the process; restarted, the check at opening finds the damage and the site answers 503.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import zlib
from collections.abc import Hashable
from pathlib import Path

import tantivy

from index.engine import EngineReader, Filter
from index.errors import describe
from index.tantivy.panics import RustPanicError, guard_panics
from index.tantivy.reader import DOC_FIELDS, PASSAGE_FIELDS, Part, TantivyReader
from index.tantivy.schema import (
    COMMIT_FILE,
    DOCS,
    PASSAGES,
    docs_schema,
    folder,
    open_index,
    passages_schema,
)
from index.tantivy.translate import Statistics, Translator
from index.tantivy.writer import TantivyWriter, committed_languages

#: Readers kept per open commit (readers are light: the searchers and translators are
#: the commit's, made once when it is opened).
MAX_IDLE_READERS = 8
#: Filters whose allowed documents are kept per open commit (for the semantic fusion).
MAX_CACHED_FILTERS = 64


@guard_panics
class TantivyOpenIndex:
    """One commit of one generation, opened: its tantivy indexes pinned to it, and readers."""

    #: its readers share the searchers opened on the commit (and their memory maps)
    pinned = True

    def __init__(self, gen: Path, key: Hashable) -> None:
        self.gen = gen
        self.key = key
        self.docs_schema = docs_schema()
        self.passages_schema = passages_schema()
        self.languages = committed_languages(gen)
        self._docs: list[tuple[str, tantivy.Index]] = []
        self._passages: list[tuple[str, tantivy.Index]] = []
        for lang in self.languages:
            for kind, schema, out in ((DOCS, self.docs_schema, self._docs),
                                      (PASSAGES, self.passages_schema, self._passages)):
                ix = open_index(gen / folder(kind, lang), schema)
                ix.config_reader("Manual", 0)
                ix.reload()
                out.append((lang, ix))
        # one searcher per index (pinned to the commit: the reload policy is manual) and one
        # translator each, shared by the commit's readers with their caches
        self.doc_parts = _parts(self._docs, self.docs_schema, DOC_FIELDS)
        self.passage_parts = _parts(self._passages, self.passages_schema, PASSAGE_FIELDS)
        self._lock = threading.Lock()
        self._free: list[TantivyReader] = []
        self._retired = False
        self._allowed: dict[Filter, frozenset[int]] = {}
        self._words: dict[str, list[tuple[str, int]]] = {}
        self._sizes = _file_sizes(gen, self.languages)
        # open every segment now: a damaged file fails here, before any search
        self.give_back(self.take())

    def take(self) -> TantivyReader:
        self.check_sizes()
        with self._lock:
            if self._free:
                return self._free.pop()
        return TantivyReader(self)

    def give_back(self, reader: EngineReader) -> None:
        with self._lock:
            if (isinstance(reader, TantivyReader) and not self._retired
                    and len(self._free) < MAX_IDLE_READERS):
                self._free.append(reader)

    def close_reader(self, reader: EngineReader) -> None:
        """A reader found damaged is dropped (tantivy frees its files with it)."""

    def retire(self) -> None:
        with self._lock:
            self._retired = True
            self._free = []

    @property
    def retired(self) -> bool:
        return self._retired

    def check_sizes(self) -> None:
        """TruncatedFileError when a file of the commit is shorter than when it was opened
        (a search would read pages its memory map lost: SIGBUS, see the module's docstring).
        A file removed or replaced since (a merge, a rebuild) is no matter: its map keeps
        what it mapped."""
        for path, inode, size in self._sizes:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            if st.st_ino == inode and st.st_size < size:
                name = "/".join(Path(path).parts[-3:])
                raise TruncatedFileError(f"{name} was truncated while the index was open "
                                         f"({st.st_size} bytes, {size} when it was opened)")

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
        """The words of the ``words`` field starting with ``letter``, with their counts, in
        alphabetical order (read once per commit)."""
        words = self._words.get(letter)
        if words is None:
            words = reader.words_starting(letter)
            with self._lock:
                self._words[letter] = words
        return words


class TruncatedFileError(OSError):
    """A file of an open commit was truncated (TantivyOpenIndex.check_sizes)."""


def _file_sizes(gen: Path, languages: list[str]) -> list[tuple[str, int, int]]:
    """The path, inode and size of every file of the commit's segments (as its meta.json
    lists them)."""
    sizes: list[tuple[str, int, int]] = []
    for lang in languages:
        for kind in (DOCS, PASSAGES):
            path = gen / folder(kind, lang)
            segments = _segments(path)
            for file in path.iterdir():
                if file.name.split(".", 1)[0] in segments:
                    st = file.stat()
                    sizes.append((str(file), st.st_ino, st.st_size))
    return sizes


def _segments(path: Path) -> set[str]:
    """The segment ids (as in file names) that the index at ``path`` lists in its meta.json."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    return {str(s["segment_id"]).replace("-", "") for s in meta["segments"]}


def _parts(indexes: list[tuple[str, tantivy.Index]], schema: tantivy.Schema,
           fields: frozenset[str]) -> list[Part]:
    searchers = [(lang, ix.searcher()) for lang, ix in indexes]
    stats = Statistics([s for _, s in searchers], fields)
    return [Part(lang, s, Translator(s, schema, stats)) for lang, s in searchers]


class TantivyEngine:
    name = "tantivy"
    #: tantivy-py raises ValueError for what it cannot read (a damaged or missing file), or
    #: panics (a damaged file its footer check let through: index.tantivy.panics); OSError
    #: comes from opening the folders
    damage_errors: tuple[type[BaseException], ...] = (ValueError, OSError, RustPanicError)

    def create(self, gen: Path) -> TantivyWriter:
        return TantivyWriter(gen, create=True)

    def update(self, gen: Path) -> TantivyWriter:
        return TantivyWriter(gen)

    def commit_key(self, gen: Path) -> Hashable:
        if not gen.is_dir():
            raise FileNotFoundError(f"{gen} is missing")
        try:
            st = (gen / COMMIT_FILE).stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def version(self, gen: Path) -> Hashable:
        return self.commit_key(gen)

    def check(self, gen: Path, key: Hashable, *, strict: bool = False) -> str | None:
        """What is wrong with the commit's files as listed: a commit file or a meta.json that
        does not parse, a segment without its files, a file whose footer is missing or whose
        checksum differs from the one in its footer (see the module's docstring). Every file
        has its checksum in its footer: ``strict`` changes nothing."""
        try:
            languages = committed_languages(gen)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return f"{gen.name}/{COMMIT_FILE} cannot be read: {exc}"
        for lang in languages:
            for kind in (DOCS, PASSAGES):
                problem = _check_index(gen, folder(kind, lang))
                if problem:
                    return problem
        return None

    def open(self, gen: Path, key: Hashable, *, mmap: bool = False) -> TantivyOpenIndex:
        return TantivyOpenIndex(gen, key)


def _check_index(gen: Path, name: str) -> str | None:
    path = gen / name
    try:
        segments = _segments(path)
        files = {p.name: p for p in path.iterdir()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{gen.name}/{name}/meta.json cannot be read: {exc}"
    for segment in segments:
        parts = [p for n, p in files.items() if n.startswith(segment + ".")]
        if not parts:
            return f"{gen.name}/{name}: the files of segment {segment} are missing"
        for part in parts:
            try:
                problem = footer_problem(part)
            except OSError as exc:
                return f"{gen.name}/{name}/{part.name} cannot be read: {describe(exc)}"
            if problem:
                return f"{gen.name}/{name}/{part.name} {problem}"
    return None


#: tantivy's footer: JSON ({"version": ..., "crc": CRC-32 of what precedes it}), its length
#: and this magic number, both as 4 bytes little-endian, at the end of every segment file.
_FOOTER_MAGIC = 1337


def footer_problem(path: Path) -> str | None:
    """What is wrong with a segment file by its footer (None: its content has the checksum
    the footer holds)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if size < 8:
            return "is empty" if size == 0 else "is truncated (no footer)"
        fh.seek(size - 8)
        length, magic = struct.unpack("<II", fh.read(8))
        if magic != _FOOTER_MAGIC or length > size - 8:
            return "is truncated or overwritten (its footer is damaged)"
        fh.seek(size - 8 - length)
        try:
            crc = int(json.loads(fh.read(length))["crc"])
        except (ValueError, KeyError, TypeError):
            return "is truncated or overwritten (its footer is damaged)"
        fh.seek(0)
        actual, left = 0, size - 8 - length
        while left > 0:
            block = fh.read(min(left, 1 << 20))
            if not block:
                break
            actual = zlib.crc32(block, actual)
            left -= len(block)
    if actual != crc:
        return "has been overwritten (its checksum differs)"
    return None


__all__ = ["TantivyEngine", "TantivyOpenIndex"]
