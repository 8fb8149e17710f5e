"""Readers come from a bounded pool: memory does not grow with the threads (issue 9, bug 6).

The pool of the Whoosh engine (index/whoosh/searchers.py) is counted; the store's limits (the
slots, the wait, a new pool per commit) are the same for every engine."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from index import IndexBusyError, IndexStore, SearchRequest, search
from index import store as store_module
from index.whoosh.searchers import SearcherPool
from tests.helpers import build_index, make_doc


@pytest.fixture
def path(tmp_path: Path) -> Path:
    docs = [make_doc(f"d{n}", f"Export vouchers {n}", f"Export vouchers for firms, part {n}.",
                     country_code="ES" if n % 2 else "HU") for n in range(12)]
    build_index(tmp_path / "ix", docs)
    return tmp_path / "ix"


def test_many_threads_share_at_most_the_configured_number_of_searchers(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(path, searchers=2)
    seen: set[int] = set()
    lock = threading.Lock()
    take = SearcherPool.take

    def counting(self):  # type: ignore[no-untyped-def]
        searcher = take(self)
        with lock:
            seen.add(id(searcher))
        return searcher

    monkeypatch.setattr(SearcherPool, "take", counting)
    totals: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(8):
                totals.append(search(store, SearchRequest(query="vouchers")).total)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert totals == [12] * 128
    assert 1 <= len(seen) <= 2  # one searcher per thread would have been 16


def test_nested_blocks_in_one_thread_share_a_reader(path: Path) -> None:
    store = IndexStore(path, searchers=1)
    with store.reader() as outer, store.reader() as inner:
        assert inner is outer  # and no deadlock on the one slot


def test_a_search_that_waits_too_long_for_a_searcher_is_refused(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BUSY_SECONDS", 0.2)
    store = IndexStore(path, searchers=1)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.reader():
            holding.set()
            release.wait(10)

    th = threading.Thread(target=hold)
    th.start()
    try:
        assert holding.wait(10)
        with pytest.raises(IndexBusyError):
            search(store, SearchRequest(query="vouchers"))
    finally:
        release.set()
        th.join()
    assert search(store, SearchRequest(query="vouchers")).total == 12


def test_a_new_commit_gets_a_new_pool_and_the_old_searchers_are_closed(path: Path) -> None:
    store = IndexStore(path, searchers=2)
    assert search(store, SearchRequest(query="vouchers")).total == 12
    old = store._pool
    with store.lock(), store.update() as writer:
        writer.put(make_doc("d99", "Export vouchers 99", "Export vouchers again."))
    assert search(store, SearchRequest(query="vouchers")).total == 13
    assert store._pool is not old and old is not None and old.retired
