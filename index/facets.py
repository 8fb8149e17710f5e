"""Facet counting from per-segment value lists that are built once per index version.

Whoosh's FieldFacet re-reads a column's offsets (or, for multi-valued fields, walks every
posting list of the field) on every search: most of a faceted search's time. Here each
segment's values are read once and kept for as long as that segment reader lives, so a search
only looks values up for the documents it matched.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from whoosh import sorting

_MISSING_NUMBER = 2**32 - 1

_CACHE: weakref.WeakKeyDictionary[Any, dict[str, list[Any]]] = weakref.WeakKeyDictionary()


def _segment_values(reader: Any, fieldname: str, multi: bool) -> list[Any]:
    """Per document number of ``reader`` (one segment): its value(s) of ``fieldname``."""
    per_field = _CACHE.setdefault(reader, {})
    values = per_field.get(fieldname)
    if values is not None:
        return values
    count = reader.doc_count_all()
    values = [() if multi else None] * count
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
                value = None  # an unsigned numeric column stores "no value" as its maximum
            values[docnum] = value if value != "" else None
    per_field[fieldname] = values
    return values


class _Categorizer(sorting.Categorizer):
    def __init__(self, fieldname: str, multi: bool) -> None:
        self.fieldname = fieldname
        self.allow_overlap = multi
        self._values: list[Any] = []

    def set_searcher(self, segment_searcher: Any, docoffset: int) -> None:
        self._values = _segment_values(
            segment_searcher.reader(), self.fieldname, self.allow_overlap
        )

    def key_for(self, matcher: Any, segment_docnum: int) -> Any:
        return self._values[segment_docnum]

    def keys_for(self, matcher: Any, segment_docnum: int) -> Iterable[Any]:
        return self._values[segment_docnum]


class CachedFacet(sorting.FacetType):
    """Groups documents by the value(s) of one field, counting them."""

    def __init__(self, fieldname: str, *, multi: bool = False) -> None:
        self.fieldname = fieldname
        self.multi = multi
        self.maptype = sorting.Count
        self.allow_overlap = multi

    def categorizer(self, global_searcher: Any) -> sorting.Categorizer:
        return _Categorizer(self.fieldname, self.multi)
