"""What only the Whoosh engine does (index/whoosh/): its files, segments and merges."""

from __future__ import annotations

from index.whoosh.reader import WhooshReader
from tests.helpers import build_index, make_doc


def test_an_update_leaves_one_segment_without_deleted_documents(tmp_path):
    store = build_index(tmp_path / "ix", [make_doc(f"d{i}", f"Doc {i}", "text") for i in range(5)])
    for round_ in range(3):
        with store.lock(), store.update() as w:
            w.put(make_doc("d1", "Doc 1", f"changed {round_}"))
    with store.reader() as r:
        assert isinstance(r, WhooshReader)
        reader = r.searcher.reader()
        assert reader.is_atomic() and reader.doc_count_all() == reader.doc_count()
