"""Telling a damaged index from a sound one.

After each commit the writer records, in the generation folder, the size and CRC-32 of every
file that commit consists of (``kb-files-<N>.json`` for the table of contents ``_MAIN_<N>.toc``).
A reader checks them once per process and commit, before it opens the index (about 0.1 s per
100 MB): a truncated or overwritten segment or table of contents is found before any search
reads it, rather than as wrong results, a crash, or a SIGBUS. An index written before these
records existed is only checked as far as Whoosh's own reading goes.

The exceptions Whoosh raises when it reads a damaged file are listed in DAMAGE_ERRORS (the
engine's ``damage_errors``), so the store can turn them into IndexDamagedError (HTTP 503, a
CLI message) at its edge.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC

from index.errors import describe, out_of_resources

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"
MANIFEST = "kb-files-{}.json"
_MANIFEST_RE = re.compile(r"kb-files-(\d+)\.json$")

class PostingsDamagedError(ValueError):
    """Whoosh's bare ``Exception("Block tag error ...")``: the postings of a term do not start
    with their header (an overwritten segment), raised as this instead (see
    _postings_header_checked)."""


#: What reading a truncated or overwritten index file raises inside Whoosh: unpickling
#: overwritten bytes also raises ValueError ("unsupported pickle protocol") and TypeError.
#: In a reader block these are taken for damage only when the commit's files are found changed
#: (the store's strict check), or when an older index has no checksums to compare with.
DAMAGE_ERRORS: tuple[type[BaseException], ...] = (
    EOFError, struct.error, zlib.error, pickle.UnpicklingError, UnicodeDecodeError,
    OSError, OverflowError, ValueError, TypeError, whoosh_index.IndexError,
)


def _postings_header_checked() -> None:
    """Make Whoosh's reader of postings raise PostingsDamagedError, not a bare Exception
    (which no ``except`` can tell from any other), when a term's postings lack their header."""
    from whoosh.codec import whoosh3

    read_header = whoosh3.W3LeafMatcher._read_header
    if getattr(read_header, "kb_checked", False):
        return

    def _read_header(self):  # type: ignore[no-untyped-def]
        try:
            return read_header(self)
        except Exception as exc:
            if type(exc) is Exception and str(exc).startswith("Block tag error"):
                raise PostingsDamagedError(str(exc)) from exc
            raise

    _read_header.kb_checked = True  # type: ignore[attr-defined]
    whoosh3.W3LeafMatcher._read_header = _read_header


_postings_header_checked()


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            crc = zlib.crc32(block, crc)
    return crc


def latest_commit(gen: Path) -> int:
    """The number of the latest table of contents in ``gen`` (-1: none)."""
    pattern = TOC._pattern(INDEX_NAME)
    numbers = [int(m.group(1)) for m in map(pattern.match, os.listdir(gen)) if m]
    return max(numbers, default=-1)


def commit_files(gen: Path, toc_generation: int) -> list[str]:
    """The files that commit number ``toc_generation`` of the index in ``gen`` consists of."""
    toc = TOC.read(_storage(gen), INDEX_NAME, gen=toc_generation)
    segment_ids = {s.segment_id() for s in toc.segments}
    pattern = TOC._segment_pattern(INDEX_NAME)
    names = [TOC._filename(INDEX_NAME, toc_generation)]
    for name in sorted(os.listdir(gen)):
        match = pattern.match(name)
        if match and match.group(1) in segment_ids:
            names.append(name)
    return names


def _storage(gen: Path):  # type: ignore[no-untyped-def]
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(str(gen), supports_mmap=False, readonly=True)


def record_commit(gen: Path, toc_generation: int, write: Callable[[Path, str], None]) -> None:
    """Write the sizes and checksums of commit ``toc_generation``; drop older records."""
    files = {name: [os.path.getsize(gen / name), _crc32(gen / name)]
             for name in commit_files(gen, toc_generation)}
    write(gen / MANIFEST.format(toc_generation), json.dumps({"files": files}))
    for name in os.listdir(gen):
        match = _MANIFEST_RE.match(name)
        if match and int(match.group(1)) < toc_generation:
            try:
                os.remove(gen / name)
            except OSError:
                pass


def check(gen: Path, toc_generation: int, *, strict: bool = False) -> str | None:
    """What is wrong with commit ``toc_generation`` of ``gen``, or None when its files are
    as written (or when it has no record to compare with, unless ``strict``). Running out of
    file handles or memory is raised (index.errors.out_of_resources), not a problem."""
    path = gen / MANIFEST.format(toc_generation)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except FileNotFoundError:
        return f"{path.name} is missing (no checksums to compare with)" if strict else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if out_of_resources(exc):  # not damage: the caller says "try again"
            raise
        return f"{path.name} cannot be read: {describe(exc)}"
    for name, (size, crc) in files.items():
        file = gen / name
        try:
            actual = file.stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} has {actual} bytes instead of {size} (truncated or overwritten)"
        try:
            if _crc32(file) != crc:
                return f"{name} has been overwritten (its checksum differs)"
        except OSError as exc:
            if out_of_resources(exc):
                raise
            return f"{name} cannot be read: {describe(exc)}"
    return None

