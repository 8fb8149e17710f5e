"""Writing a generation with Whoosh: a PreparedDocument as one document record and one record
per passage (index/whoosh/schema.py), commits, and the merge after updates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from index.engine import Fingerprint
from index.prepare import PreparedDocument
from index.schema import (
    FACET_FIELDS,
    MULTI_VALUED_FACETS,
    body_field,
    passage_field,
    practice_field,
    title_field,
)
from index.side_files import write_atomic
from index.whoosh.integrity import record_commit

#: Merge an updated index when it has more segments than this, or any deleted documents.
MAX_SEGMENTS = 1


def document_fields(prepared: PreparedDocument, fingerprint: Fingerprint) -> dict[str, Any]:
    """The Whoosh fields of a document record."""
    d = prepared.document
    lang = prepared.language
    fields: dict[str, Any] = {
        "uid": d.id,
        "kind": "doc",
        "doc_id": d.id,
        "meta": prepared.meta,
        "source_path": d.source_path,
        "title_sort": prepared.sort_title,
        "date_sort": prepared.sort_date,
        "hidden": d.hidden,
        title_field(lang): prepared.title,
        body_field(lang): prepared.body,
        "words": prepared.words,
        "fingerprint": fingerprint.to_dict(),
    }
    for name, terms in prepared.practice.items():
        fields[practice_field(name, lang)] = terms
    for facet, values in prepared.facets.items():
        if facet == "year":
            fields[FACET_FIELDS[facet]] = int(values[0])
        elif facet in MULTI_VALUED_FACETS:
            fields[FACET_FIELDS[facet]] = ",".join(values)
        else:
            fields[FACET_FIELDS[facet]] = values[0]
    return fields


def passage_fields(prepared: PreparedDocument) -> list[dict[str, Any]]:
    """The Whoosh fields of each passage record."""
    d = prepared.document
    lang = prepared.language
    out = []
    for pp in prepared.passages:
        p = pp.passage
        out.append({
            "uid": f"{d.id}#{p.ordinal}",
            "kind": "passage",
            "doc_id": d.id,
            "ordinal": p.ordinal,
            "page": p.page,
            "heading": p.heading,
            "text": p.text,
            "source": p.source if p.source != "text" else None,
            "confidence": p.confidence,
            "boilerplate": p.boilerplate,
            **({"record_field": p.record_field} if p.record_field else {}),
            "lang": lang,
            passage_field(lang): pp.terms,
        })
    return out


def _fragmented(ix: whoosh_index.Index) -> bool:
    with ix.reader() as reader:
        segments = len(list(reader.leaf_readers())) if not reader.is_atomic() else 1
        return segments > MAX_SEGMENTS or reader.doc_count_all() > reader.doc_count()


class WhooshWriter:
    """An EngineWriter (index.engine) on one Whoosh index."""

    def __init__(self, ix: whoosh_index.Index) -> None:
        self._ix = ix
        self._writer: SegmentWriter | None = None
        self._changed = False

    def _w(self) -> SegmentWriter:
        if self._writer is None:
            self._writer = self._ix.writer(limitmb=256)
        return self._writer

    def put(self, doc: PreparedDocument, fingerprint: Fingerprint) -> None:
        w = self._w()
        w.delete_by_term("doc_id", doc.document.id)
        w.add_document(**document_fields(doc, fingerprint))
        for fields in passage_fields(doc):
            w.add_document(**fields)
        self._changed = True

    def delete(self, doc_id: str) -> None:
        self._w().delete_by_term("doc_id", doc_id)
        self._changed = True

    def commit(self, *, optimize: bool = False) -> None:
        if self._writer is not None:
            self._writer.commit(optimize=optimize)
            self._writer = None
            self._record()
        elif optimize:
            self._ix.optimize()
            self._record()

    def finish(self, *, rebuild: bool) -> None:
        if rebuild:
            self.commit(optimize=True)
            return
        # Merge what the updates left behind: several segments and deleted documents made
        # searches about twice as slow on the sample corpus. Readers go on meanwhile (the
        # merge is one more atomic commit).
        self.commit()
        if self._changed and _fragmented(self._ix):
            self._ix.optimize()
            self._record()

    def _record(self) -> None:
        """Note the sizes and checksums of the last commit's files (see integrity.py)."""
        record_commit(Path(self._ix.storage.folder), self._ix.latest_generation(), write_atomic)

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    def close(self) -> None:
        self._ix.close()
