"""Typed errors of the index package, with messages fit for a user."""

from __future__ import annotations

import errno
import os


class IndexError_(Exception):
    """Base class."""


class IndexUnavailableError(IndexError_):
    """There is no usable index (none yet, or one of another schema version)."""


class IndexDamagedError(IndexUnavailableError):
    """The index exists but its files cannot be read (truncated, overwritten, a damaged CURRENT
    or table of contents). ``kb ingest --rebuild`` repairs it."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"the index is damaged ({detail}); `kb ingest --rebuild` repairs it")


class IndexEngineError(IndexUnavailableError):
    """The index was built with another search engine than the one this program is set to use
    (KB_ENGINE), or with one it cannot load: ``kb ingest --rebuild`` rebuilds it."""


class IndexBusyError(IndexUnavailableError):
    """Every searcher stayed busy for too long, the index changed while it was opened, or the
    process ran out of file handles or memory (``out_of_resources``): try again."""


class IndexNotWritableError(IndexError_):
    """The index folder cannot be written (permissions, a read-only or full disk)."""


class IndexLockedError(IndexError_):
    """Another ingest holds the lock."""


class QueryError(IndexError_):
    """A search request that cannot be answered (bad parameter). Query text never raises this
    (a query that does not parse falls back to plain words), but for SearchFailedError."""


#: What a search says when the engine failed on it while the index's files are sound.
SEARCH_FAILED = ("This search could not be run: the search engine failed on it. "
                 "Other searches work; try other words or a simpler query.")


class SearchFailedError(QueryError):
    """The search engine failed on one request while the index's files are sound (an odd
    query it cannot run): that request fails with this message, the others are served.
    ``message``: what the user is told (default: a search's, SEARCH_FAILED; what reads the
    index for something else than a search says what failed, index.documents)."""

    def __init__(self, message: str = SEARCH_FAILED) -> None:
        super().__init__(message)


def describe(exc: BaseException) -> str:
    """A short account of a reading error, for logs and messages."""
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


#: Running out of file handles (the process's, the system's) or memory: what reading an index
#: meets when the machine is short, never a sign of damage (the same files open later).
RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM})


def out_of_resources(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is running out of file handles or
    memory: an OSError of RESOURCE_ERRNOS, a MemoryError, or an engine's error naming one
    (tantivy's "Too many open files (os error 24)")."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, MemoryError):
            return True
        if isinstance(exc, OSError) and exc.errno in RESOURCE_ERRNOS:
            return True
        text = str(exc)
        if any(f"os error {n})" in text or os.strerror(n) in text for n in RESOURCE_ERRNOS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
