"""Facet counts from arrays built once per index version.

Whoosh's FieldFacet re-reads a column's offsets (or, for multi-valued fields, walks every
posting list of the field) on every search, and its FacetCollector does Python work per
matching document and facet. Here each facet's values are read once per reader into numpy
arrays indexed by document number (a value code per document; for facets with several values
per document, a document x value matrix), so counting the matches of a search is one
``bincount`` or column sum per facet over the matched document numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: A numeric column stores "no value" as its maximum: 2**31 - 1 when signed (the year field),
#: 2**32 - 1 when unsigned (indexes before schema 10); no facet value is that large.
_MISSING_NUMBER = 2**31 - 1


def segment_values(reader: Any, fieldname: str, multi: bool) -> list[Any]:
    """Per document number of ``reader`` (one segment): its value(s) of ``fieldname``."""
    count = reader.doc_count_all()
    values: list[Any] = [() if multi else None] * count
    if multi:
        # Only document records carry facet values; passages are never counted.
        if ("kind", b"doc") in reader:
            for docnum in reader.postings("kind", b"doc").all_ids():
                raw = reader.stored_fields(docnum).get(fieldname) or ""
                values[docnum] = tuple(v for v in raw.split(",") if v)
    elif reader.has_column(fieldname):
        column = reader.column_reader(fieldname)
        for docnum, value in enumerate(column):
            if docnum >= count:
                break
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            elif isinstance(value, int) and not 0 < value < _MISSING_NUMBER:
                value = None  # "no value" (see _MISSING_NUMBER)
            values[docnum] = value if value != "" else None
    return values


def _leaves(reader: Any) -> list[tuple[Any, int]]:
    if reader.is_atomic():
        return [(reader, 0)]
    return list(reader.leaf_readers())


class FacetColumn:
    """The values of one facet for every document number of a reader."""

    def __init__(self, reader: Any, fieldname: str, *, multi: bool) -> None:
        self.multi = multi
        total = reader.doc_count_all()
        per_doc: list[Any] = [() if multi else None] * total
        for leaf, offset in _leaves(reader):
            for docnum, value in enumerate(segment_values(leaf, fieldname, multi)):
                per_doc[offset + docnum] = value
        names: dict[str, int] = {}
        if multi:
            rows, cols = [], []
            for docnum, vals in enumerate(per_doc):
                for v in vals:
                    rows.append(docnum)
                    cols.append(names.setdefault(str(v), len(names)))
            self.matrix = np.zeros((total, max(1, len(names))), dtype=np.uint8)
            self.matrix[rows, cols] = 1
        else:
            codes = np.full(total, -1, dtype=np.int32)
            for docnum, value in enumerate(per_doc):
                if value is None or value == "" or value == 0:
                    continue
                codes[docnum] = names.setdefault(str(value), len(names))
            self.codes = codes
        self.values = list(names)

    def counts(self, docnums: np.ndarray) -> dict[str, int]:
        """Value -> how many of ``docnums`` have it (values none of them has are left out)."""
        if not self.values or not len(docnums):
            return {}
        if self.multi:
            sums = self.matrix[docnums].sum(axis=0, dtype=np.int64)
        else:
            codes = self.codes[docnums]
            sums = np.bincount(codes[codes >= 0], minlength=len(self.values))
        return {self.values[i]: int(sums[i]) for i in np.flatnonzero(sums)}


def count_facets(columns: Sequence[tuple[str, FacetColumn]], docnums: Sequence[int]
                 ) -> dict[str, dict[str, int]]:
    """Facet name -> value -> count over ``docnums``."""
    matched = np.fromiter(docnums, dtype=np.int64, count=len(docnums))
    return {name: column.counts(matched) for name, column in columns}


__all__ = ["FacetColumn", "count_facets", "segment_values"]
