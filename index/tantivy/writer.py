"""Writing one generation of the tantivy engine: put, delete, commit.

A document is its record in ``docs-<lang>/`` and its passages' records in
``passages-<lang>/`` (see index.tantivy.schema), replaced together when it is put again (in
whichever language it was before). A commit commits the passages first, then the documents,
then rewrites ``tantivy.json`` (the commit readers open): a reader may see a changed
document's new passages under its old record for a moment, never a document record whose
passages are missing. Generations, their swap, the lock and kb-meta.json are the store's
(index.store).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import tantivy

from index.engine import Fingerprint
from index.prepare import PreparedDocument
from index.schema import body_field, passage_field, practice_field, title_field
from index.side_files import write_atomic
from index.tantivy.panics import guard_panics
from index.tantivy.schema import (
    COMMIT_FILE,
    DOC_KEY,
    DOCS,
    HAS,
    PASSAGES,
    YEAR,
    doc_key,
    docs_schema,
    folder,
    open_index,
    passages_schema,
    terms_text,
)

#: Memory and threads of each index's writer (tantivy writes a segment when its memory is
#: full; it needs at least 15 MB per thread). A collection in one language has two writers.
WRITER_HEAP = 64_000_000
WRITER_THREADS = 1


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
    if doc.sort_date:  # without a date, no value: tantivy sorts it last in both orders
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
        d.add_text(title_field(lang), terms_text(doc.title))
        d.add_text(HAS, "title")
    if doc.body:
        d.add_text(body_field(lang), terms_text(doc.body))
        d.add_text(HAS, "body")
    for name, terms in doc.practice.items():
        if terms:
            d.add_text(practice_field(name, lang), terms_text(terms))
            d.add_text(HAS, f"gp_{name}")
    if doc.words:
        d.add_text("words", terms_text(doc.words))
    return d


def passage_records(doc: PreparedDocument) -> list[tantivy.Document]:
    """The passages/ records of a prepared document."""
    out = []
    field = passage_field(doc.language)
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


@guard_panics
class TantivyWriter:
    """Adds, replaces and removes documents in one generation (index.engine.EngineWriter)."""

    def __init__(self, gen: Path, *, create: bool = False) -> None:
        self.gen = gen
        if create:
            gen.mkdir(parents=True, exist_ok=True)
        elif not (gen / COMMIT_FILE).is_file():
            raise FileNotFoundError(f"{gen} has no tantivy commit ({COMMIT_FILE})")
        self._indexes: dict[tuple[str, str], tantivy.Index] = {}
        self._writers: dict[tuple[str, str], tantivy.IndexWriter] = {}
        for lang in committed_languages(gen):
            for kind in (DOCS, PASSAGES):
                self._indexes[(kind, lang)] = open_index(gen / folder(kind, lang), _SCHEMAS[kind]())

    def _writer(self, kind: str, lang: str) -> tantivy.IndexWriter:
        key = (kind, lang)
        writer = self._writers.get(key)
        if writer is None:
            ix = self._indexes.get(key)
            if ix is None:
                ix = self._indexes[key] = open_index(self.gen / folder(kind, lang),
                                                     _SCHEMAS[kind](), create=True)
            writer = self._writers[key] = ix.writer(WRITER_HEAP, WRITER_THREADS)
        return writer

    def _remove(self, doc_id: str) -> None:
        for kind, lang in list(self._indexes):
            self._writer(kind, lang).delete_documents_by_term("doc_id", doc_id)

    def put(self, doc: PreparedDocument, fingerprint: Fingerprint) -> None:
        """Add the document and its passages, replacing any with the same id."""
        self._remove(doc.document.id)
        self._writer(DOCS, doc.language).add_document(document_record(doc, fingerprint))
        passages = self._writer(PASSAGES, doc.language)
        for record in passage_records(doc):
            passages.add_document(record)

    def delete(self, doc_id: str) -> None:
        self._remove(doc_id)

    def commit(self) -> None:
        """Publish what was written (see the module's docstring for the order)."""
        for kind in (PASSAGES, DOCS):
            for (k, _), writer in sorted(self._writers.items()):
                if k == kind:
                    writer.commit()
        languages = sorted({lang for _, lang in self._indexes})
        write_atomic(self.gen / COMMIT_FILE, json.dumps({"languages": languages}))

    def finish(self, *, rebuild: bool) -> None:
        """The last commit; then wait for tantivy's merges of segments (its merge policy
        merges what updates and deletes left behind) and remove the files they freed."""
        self.commit()
        for writer in self._writers.values():
            writer.wait_merging_threads()
        self._writers = {}
        for ix in self._indexes.values():
            writer = ix.writer(WRITER_HEAP, 1)
            writer.garbage_collect_files()
            writer.wait_merging_threads()

    def cancel(self) -> None:
        """Drop what was written since the last commit."""
        for writer in self._writers.values():
            writer.rollback()

    def close(self) -> None:
        """Let the writers go (they hold tantivy's lock on the indexes), uncommitted work
        dropped."""
        self.cancel()
        for writer in self._writers.values():
            writer.wait_merging_threads()
        self._writers = {}


def committed_languages(gen: Path) -> list[str]:
    """The languages of the last commit of ``gen`` (none before the first)."""
    try:
        data = json.loads((gen / COMMIT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    languages = data["languages"]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise ValueError(f"{COMMIT_FILE} does not list languages")
    return languages


_SCHEMAS = {DOCS: docs_schema, PASSAGES: passages_schema}



__all__ = ["TantivyWriter", "committed_languages", "document_record", "passage_records"]
