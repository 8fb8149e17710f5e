"""What only the Whoosh engine does (index/whoosh/): its files, segments and merges."""

from __future__ import annotations

import struct

import pytest

from index.whoosh import scoring
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


class _DamagedLeaf:
    """A segment whose document records cannot be read (a damaged file)."""

    def __contains__(self, term: object) -> bool:
        return True

    def postings(self, fieldname: str, text: str) -> None:
        raise struct.error("unpack requires a buffer of 4 bytes")


def test_an_error_reading_the_scorings_statistics_is_not_taken_for_no_documents():
    # (the document records were once read under `except Exception`: a damaged segment, or a
    # bug, scored as a segment without documents, silently other averages and rankings)
    with pytest.raises(struct.error):
        scoring._FieldStats()._doc_records(_DamagedLeaf())


class _OtherCodecLeaf:
    """A segment of another codec: no per-document reader of Whoosh's own codec."""

    def doc_count_all(self) -> int:
        return 3

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return [4, 0, 7][docnum]


def test_field_lengths_come_from_the_length_column_or_else_the_public_call(tmp_path):
    assert scoring._lengths(_OtherCodecLeaf(), "body_en") == [4, 0, 7]
    store = build_index(tmp_path / "ix", [make_doc("d0", "Export", "export cells export"),
                                          make_doc("d1", "Cells", "cells")])
    with store.reader() as r:
        assert isinstance(r, WhooshReader)
        (leaf, _), = r.searcher.reader().leaf_readers()
        lengths = scoring._lengths(leaf, "body_en")
        assert lengths == [leaf.doc_field_length(d, "body_en", 0) or 0
                           for d in range(leaf.doc_count_all())]
        assert sum(1 for n in lengths if n) >= 2  # both documents' bodies (and passages)
