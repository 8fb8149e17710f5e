"""Typed errors of the index package, with messages fit for a user."""


class IndexError_(Exception):
    """Base class."""


class IndexUnavailableError(IndexError_):
    """There is no usable index (none yet, or one of another schema version)."""


class IndexLockedError(IndexError_):
    """Another ingest holds the lock."""


class QueryError(IndexError_):
    """A search request that cannot be answered (bad parameter). Query text never raises this:
    a query that does not parse falls back to plain words."""
