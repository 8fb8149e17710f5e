"""A bounded pool of Whoosh readers on one commit of a generation, shared by the server's
threads.

Each searcher holds the index's per-segment caches (facet values, field lengths, term info):
about 55-140 MB on 1,600 documents. One searcher per thread made memory grow with the thread
pool (6.2 GB at 50 concurrent clients). Here at most ``size`` searchers exist per commit of
the index; a thread takes one for the length of a search and gives it back. Searching is
Python work under one interpreter lock, so more searchers than cores buy little.

A searcher is used by one thread at a time, so the index files are read through ordinary
file handles rather than memory maps (``mmap=False``): a segment file truncated under a
running server then raises an error that becomes a 503, where a memory map would kill the
process with SIGBUS. (Cost measured in bench/bench_mmap.py, figures in bench/README.md.)
"""

from __future__ import annotations

import threading
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from index.engine import EngineReader
from index.whoosh.integrity import INDEX_NAME
from index.whoosh.reader import WhooshReader
from index.whoosh.scoring import weighting


def open_index(gen: Path, *, mmap: bool = False) -> whoosh_index.Index:
    return FileStorage(str(gen), supports_mmap=mmap, readonly=True).open_index(INDEX_NAME)


class SearcherPool:
    """Readers on one commit (``toc``) of one generation (``gen``): an OpenIndex
    (index.engine)."""

    #: a new searcher reads the index's latest table of contents (and its files, which a
    #: later commit may have merged away), not necessarily ``toc``
    pinned = False

    def __init__(self, gen: Path, toc: int, ix: whoosh_index.Index) -> None:
        self.gen = gen
        self.toc = toc
        self._ix = ix
        self._free: list[WhooshReader] = []
        self._lock = threading.Lock()
        self.retired = False

    def take(self) -> WhooshReader:
        with self._lock:
            if self._free:
                return self._free.pop()
        return WhooshReader(self._ix.searcher(weighting=weighting()))

    def give_back(self, reader: EngineReader) -> None:
        assert isinstance(reader, WhooshReader)
        with self._lock:
            if not self.retired:
                self._free.append(reader)
                return
        reader.close()

    def close_reader(self, reader: EngineReader) -> None:
        assert isinstance(reader, WhooshReader)
        reader.close()

    def retire(self) -> None:
        """No more readers from this pool: close the idle ones (busy ones on return)."""
        with self._lock:
            self.retired = True
            idle, self._free = self._free, []
        for reader in idle:
            reader.close()
