"""A small per-process cache of search pages, keyed by the index's version.

Searches repeat (a shared link, the back button, popular queries), and a page costs far more
to compute (ranking, facets, highlighting) than to look up. An entry is valid only for the
exact index it came from: the key holds ``IndexStore.version()``, which changes with every
ingest, incremental or full, with the vectors an embedding run writes, and with the files
beside the index a search reads (labels, synonyms, the taxonomy's words, places), so a new one
is seen at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class PageCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, make_key: Callable[[], Hashable], compute: Callable[[], T]) -> T:
        """The value cached under ``make_key()``, else ``compute()`` (kept). The key is made
        only when the cache is on (it reads the index's version: a few stat calls)."""
        if self.size <= 0:
            return compute()
        key = make_key()
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
