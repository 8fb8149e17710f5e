"""A small per-process cache of search pages, keyed by the index's version.

Searches repeat (a shared link, the back button, popular queries), and a page costs far more
to compute (ranking, facets, highlighting) than to look up. An entry is valid only for the
exact index it came from: the key holds the live generation and the modification time of its
folder (every Whoosh commit writes a new TOC file there) and of the facet labels, so a new
ingest, incremental or full, is seen at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from index import IndexStore, IndexUnavailableError

T = TypeVar("T")


def index_version(store: IndexStore) -> tuple[Any, ...]:
    gen = store.current_generation()
    if gen is None:
        raise IndexUnavailableError("no index yet")
    try:
        gen_mtime = gen.stat().st_mtime_ns
    except OSError as exc:
        raise IndexUnavailableError(f"index cannot be opened: {exc}") from exc
    try:
        labels_mtime = (store.path / "labels.json").stat().st_mtime_ns
    except OSError:
        labels_mtime = 0
    return (gen.name, gen_mtime, labels_mtime)


class PageCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.size <= 0:
            return compute()
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        value = compute()
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value
