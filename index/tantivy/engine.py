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
(``check_sizes``): a truncated file is damage (a 503) before any search reads it. The files
are the ones the opened commit's meta.json lists (read when it was opened, and checked to be
the meta.json the commit key named); each is held open, so the comparison is one seek to the
end of the very file tantivy mapped (bench/bench_size_check.py: 24 files at 100k passages in
one language, figures in bench/README.md); a file the process had no handle left for is
compared by name (a stat). What remains: a file truncated during a search,
between that comparison and the reading (a few milliseconds), still kills the process;
restarted, the check at opening finds the damage and the site answers 503.

The commit key names tantivy.json and the meta.json of each index it lists: tantivy's merges
(in the background of a writer, between its commits) replace a meta.json and remove the files
of the segments they merged, so a commit key that did not change with them would let the store
take files removed under a reader for damage (index.store re-reads the key before it calls
anything damage).
"""

from __future__ import annotations

import errno
import json
import os
import struct
import threading
import weakref
import zlib
from collections.abc import Hashable
from pathlib import Path

import tantivy

from index.engine import EngineReader, Filter
from index.errors import describe, out_of_resources
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
        #: the commit's files, held open (fd, size when opened, name): closed with this object
        self._files: list[tuple[int, int, str]] = []
        #: those that could not be held open (out of file handles): (path, size, name)
        self._unheld: list[tuple[str, int, str]] = []
        weakref.finalize(self, _close_files, self._files)
        _open_files(gen, self.languages, key, self._files, self._unheld)
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
        The files are held open: a file removed or replaced since (a merge, a rebuild) is
        still the one mapped, and no matter while it keeps its size. The size is where a seek
        to the end lands (nothing reads through these handles): a quarter of an fstat's time.
        A file that could not be held open (the process was out of file handles) is looked up
        by its name: when it is gone (a merge or a rebuild removed it) its map still holds its
        pages, and tantivy never writes a file of that name again (segment ids are unique)."""
        # (two loops, one error: one loop over both kinds cost 1.3-1.8 us more per search
        # than this one over 24 held files, x1.23-1.43; 08:04, load 5.6-5.9)
        seek, end = os.lseek, os.SEEK_END
        for fd, size, name in self._files:
            actual = seek(fd, 0, end)
            if actual < size:
                raise TruncatedFileError.of(name, actual, size)
        for path, size, name in self._unheld:
            try:
                actual = os.stat(path).st_size
            except FileNotFoundError:
                continue
            if actual < size:
                raise TruncatedFileError.of(name, actual, size)

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

    @classmethod
    def of(cls, name: str, actual: int, size: int) -> TruncatedFileError:
        """The error for file ``name``, ``actual`` bytes long now and ``size`` when opened."""
        return cls(f"{name} was truncated while the index was open ({actual} bytes, {size} "
                   "when it was opened)")


def _open_files(gen: Path, languages: list[str], key: Hashable,
                files: list[tuple[int, int, str]], unheld: list[tuple[str, int, str]]) -> None:
    """Open every file of the opened commit's segments into ``files`` (fd, size, name): the
    segments its meta.json lists (and of each, the deletes of its opstamp). The meta.json read
    must be the one the commit key names (``key``, read before the indexes were opened): else
    an ingest replaced it meanwhile, CommitChangedError (the store opens the new commit). A
    file that cannot be opened because the process or the system is out of file handles goes
    into ``unheld`` (path, size, name) instead: its size is then checked by name. (Every
    meta.json is read and every folder listed first, while no handle is held yet.)"""
    metas = _key_metas(key)
    folders = [(kind, lang) for lang in languages for kind in (DOCS, PASSAGES)]
    listed: list[tuple[Path, str]] = []
    for n, (kind, lang) in enumerate(folders):
        path = gen / folder(kind, lang)
        meta = path / META_FILE
        text = meta.read_text(encoding="utf-8")
        if metas is not None and (n >= len(metas) or _identity(meta) != metas[n]):
            raise CommitChangedError(f"{gen.name}/{folder(kind, lang)}/{META_FILE} changed "
                                     "while the commit was opened")
        wanted = _segment_files(text)
        for name in sorted(os.listdir(path)):
            segment, _, rest = name.partition(".")
            if segment in wanted and (not rest.endswith(".del") or rest == wanted[segment]):
                listed.append((path / name, f"{gen.name}/{folder(kind, lang)}/{name}"))
    for file, shown in listed:
        try:
            fd = os.open(file, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            if exc.errno not in (errno.EMFILE, errno.ENFILE):
                raise
            unheld.append((os.fspath(file), os.stat(file).st_size, shown))
            continue
        files.append((fd, os.fstat(fd).st_size, shown))


def _close_files(files: list[tuple[int, int, str]]) -> None:
    for fd, _, _ in files:
        try:
            os.close(fd)
        except OSError:
            pass
    files.clear()


class CommitChangedError(ValueError):
    """The files of a commit changed while it was opened (an ingest's commit or merge)."""


#: Each tantivy index's list of its segments.
META_FILE = "meta.json"


def _identity(path: str | Path) -> tuple[int, int, int] | None:
    """What changes when ``path`` is replaced or rewritten (None: it is missing)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _key_metas(key: Hashable) -> tuple[object, ...] | None:
    """The meta.json identities a commit key (TantivyEngine.commit_key) holds, None when
    ``key`` is not such a key."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], tuple):
        return key[1]
    return None


def _segment_files(meta_text: str) -> dict[str, str]:
    """Segment id (as in file names) -> the name of its deletes file after the id ("11.del";
    "" without deletes), of what a meta.json lists."""
    meta = json.loads(meta_text)
    out = {}
    for segment in meta["segments"]:
        deletes = segment.get("deletes") or {}
        opstamp = deletes.get("opstamp")
        out[str(segment["segment_id"]).replace("-", "")] = (
            f"{opstamp}.del" if opstamp is not None else "")
    return out


def _segments(path: Path) -> set[str]:
    """The segment ids (as in file names) that the index at ``path`` lists in its meta.json."""
    return set(_segment_files((path / META_FILE).read_text(encoding="utf-8")))


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

    def __init__(self) -> None:
        #: the meta.json paths of the indexes a tantivy.json lists, by its path and identity
        #: (read once: the key is read on every search)
        self._metas: dict[tuple[str, tuple[int, int, int]], tuple[str, ...]] = {}

    def commit_key(self, gen: Path) -> Hashable:
        """tantivy.json's identity, and the identity of the meta.json of each index it lists
        (see the module's docstring): 1 + 2 stats per language."""
        where = os.fspath(gen)
        commit = _identity(os.path.join(where, COMMIT_FILE))
        if commit is None:
            if not gen.is_dir():
                raise FileNotFoundError(f"{gen} is missing")
            return None
        metas = self._metas.get((where, commit))
        if metas is None:
            try:
                languages = committed_languages(gen)
            except (ValueError, KeyError, TypeError):  # the check says what is wrong
                return (commit, None)
            metas = tuple(os.path.join(where, folder(kind, lang), META_FILE)
                          for lang in languages for kind in (DOCS, PASSAGES))
            if len(self._metas) >= 64:
                self._metas.clear()
            self._metas[(where, commit)] = metas
        return (commit, tuple(map(_identity, metas)))

    def version(self, gen: Path) -> Hashable:
        return self.commit_key(gen)

    def check(self, gen: Path, key: Hashable, *, strict: bool = False) -> str | None:
        """What is wrong with the commit's files as listed: a commit file or a meta.json that
        does not parse, a segment without its files, a file whose footer is missing or whose
        checksum differs from the one in its footer (see the module's docstring). Every file
        has its checksum in its footer: ``strict`` changes nothing. Running out of file
        handles or memory is raised (index.errors.out_of_resources), not a problem."""
        try:
            languages = committed_languages(gen)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if out_of_resources(exc):  # not damage: the store says "try again"
                raise
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
        if out_of_resources(exc):
            raise
        return f"{gen.name}/{name}/meta.json cannot be read: {exc}"
    for segment in segments:
        parts = [p for n, p in files.items() if n.startswith(segment + ".")]
        if not parts:
            return f"{gen.name}/{name}: the files of segment {segment} are missing"
        for part in parts:
            try:
                problem = footer_problem(part)
            except OSError as exc:
                if out_of_resources(exc):
                    raise
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
