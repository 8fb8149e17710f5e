"""Writing one generation of the tantivy engine: put, delete, commit.

A document is its record in ``docs/`` and its passages' records in ``passages/`` (see
index.tantivy.schema), replaced together when it is put again. A commit commits the passages
first, then the documents: between the two, a reader may see a changed document's new
passages under its old record, never a document record whose passages are missing; readers
open both at one commit each (index.tantivy.engine). Generations, their swap, the lock and
kb-meta.json are the store's (index.store).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import tantivy

from index.engine import Fingerprint
from index.prepare import PreparedDocument
from index.tantivy.schema import (
    DOC_KEY,
    DOCS,
    HAS,
    PASSAGES,
    YEAR,
    doc_key,
    docs_schema,
    open_index,
    passages_schema,
    terms_text,
)

#: Memory of each of the two writers (tantivy writes a segment when it is full).
WRITER_HEAP = 96_000_000


def document_record(doc: PreparedDocument, fingerprint: Fingerprint) -> tantivy.Document:
    """The docs/ record of a prepared document."""
    d = tantivy.Document()
    doc_id = doc.document.id
    d.add_text("doc_id", doc_id)
    d.add_unsigned(DOC_KEY, doc_key(doc_id))
    d.add_text("source_path", doc.document.source_path or "")
    d.add_bytes("meta", doc.meta.encode("utf-8"))
    d.add_bytes("fingerprint", json.dumps(fingerprint.to_dict()).encode("utf-8"))
    d.add_text("sort_title", doc.sort_title)
    d.add_text("sort_date", doc.sort_date)
    d.add_boolean("hidden", bool(doc.document.hidden))
    for facet, values in doc.facets.items():
        for value in values:
            if not value:
                continue
            if facet == YEAR:
                d.add_unsigned(YEAR, int(value))
            else:
                d.add_text(facet, value)
    lang = doc.language
    if doc.title:
        d.add_text(f"title_{lang}", terms_text(doc.title))
        d.add_text(HAS, "title")
    if doc.body:
        d.add_text(f"body_{lang}", terms_text(doc.body))
        d.add_text(HAS, "body")
    for name, terms in doc.practice.items():
        if terms:
            d.add_text(f"gp_{name}_{lang}", terms_text(terms))
            d.add_text(HAS, f"gp_{name}")
    if doc.words:
        d.add_text("words", terms_text(doc.words))
    return d


def passage_records(doc: PreparedDocument) -> list[tantivy.Document]:
    """The passages/ records of a prepared document."""
    out = []
    field = f"passage_{doc.language}"
    for prepared in doc.passages:
        p = prepared.passage
        d = tantivy.Document()
        d.add_text("doc_id", doc.document.id)
        d.add_unsigned("ordinal", int(p.ordinal))
        if p.record_field:
            d.add_text("record_field", p.record_field)
        d.add_bytes("passage", json.dumps(dataclasses.asdict(p), ensure_ascii=False)
                    .encode("utf-8"))
        if prepared.terms:
            d.add_text(field, terms_text(prepared.terms))
            d.add_text(HAS, "passage")
        out.append(d)
    return out


class TantivyWriter:
    """Adds, replaces and removes documents in one generation (index.engine.EngineWriter)."""

    def __init__(self, gen: Path, *, create: bool = False) -> None:
        self.gen = gen
        self._docs = open_index(gen / DOCS, docs_schema(), create=create)
        self._passages = open_index(gen / PASSAGES, passages_schema(), create=create)
        self._docs_writer: tantivy.IndexWriter | None = None
        self._passages_writer: tantivy.IndexWriter | None = None

    def _writers(self) -> tuple[tantivy.IndexWriter, tantivy.IndexWriter]:
        if self._docs_writer is None or self._passages_writer is None:
            self._docs_writer = self._docs.writer(WRITER_HEAP)
            self._passages_writer = self._passages.writer(WRITER_HEAP)
        return self._docs_writer, self._passages_writer

    def put(self, doc: PreparedDocument, fingerprint: Fingerprint) -> None:
        """Add the document and its passages, replacing any with the same id."""
        docs, passages = self._writers()
        doc_id = doc.document.id
        docs.delete_documents_by_term("doc_id", doc_id)
        passages.delete_documents_by_term("doc_id", doc_id)
        docs.add_document(document_record(doc, fingerprint))
        for record in passage_records(doc):
            passages.add_document(record)

    def delete(self, doc_id: str) -> None:
        docs, passages = self._writers()
        docs.delete_documents_by_term("doc_id", doc_id)
        passages.delete_documents_by_term("doc_id", doc_id)

    def commit(self) -> None:
        """Publish what was written (passages first, see the module's docstring)."""
        if self._docs_writer is not None and self._passages_writer is not None:
            self._passages_writer.commit()
            self._docs_writer.commit()

    def finish(self, *, rebuild: bool) -> None:
        """The last commit; then wait for tantivy's merges of segments (its merge policy
        merges what updates and deletes left behind) and remove the files they freed."""
        if self._docs_writer is None or self._passages_writer is None:
            self._writers()  # an empty generation still gets its first commit
        self.commit()
        for writer in (self._passages_writer, self._docs_writer):
            assert writer is not None
            writer.wait_merging_threads()
        self._docs_writer = self._passages_writer = None
        for ix in (self._passages, self._docs):
            writer = ix.writer(WRITER_HEAP // 4, 1)
            writer.garbage_collect_files()
            writer.wait_merging_threads()

    def cancel(self) -> None:
        """Drop what was written since the last commit."""
        for writer in (self._passages_writer, self._docs_writer):
            if writer is not None:
                writer.rollback()

    def close(self) -> None:
        """Let the writers go (they hold tantivy's lock on the indexes), uncommitted work
        dropped."""
        self.cancel()
        for writer in (self._passages_writer, self._docs_writer):
            if writer is not None:
                writer.wait_merging_threads()
        self._docs_writer = self._passages_writer = None


__all__ = ["TantivyWriter", "document_record", "passage_records"]
