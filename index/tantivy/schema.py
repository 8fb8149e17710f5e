"""The tantivy schemas (documents and passages), the one tokenizer, and opening an index.

A generation of the tantivy engine holds, for each language its documents are in (the
analyser keys of index.analysis), two tantivy indexes:

- ``docs-<lang>/``: one record per Document of that language: the title, body and
  good-practice fields that searches rank, ``words``, the facets as fast fields (named like
  the facets: counted by aggregations), the sort keys, the hidden flag, and the Document's
  metadata as stored JSON.
- ``passages-<lang>/``: one record per Passage of those documents: doc id, ordinal, record
  field, the passage field, and the Passage as stored JSON.

and ``tantivy.json``, rewritten atomically after every commit: the languages it holds (the
commit readers open).

Why so many indexes: tantivy's BM25 takes its statistics over every record of an index, the
average field length of ``body_es`` included (all tokens of ``body_es`` / all records). With
passages (about ten per document) in the same index, or documents of other languages, that
average would be a fraction of the true one and every length would look long: Spanish
documents among many in other languages lost to Portuguese ones (the UDHR test). Per kind and
language, the average is the protocol's (over the records that have the field), and the idf
is brought to the protocol's across all of them (index.tantivy.translate).

Text arrives analysed (index.prepare, in ingest's workers: the terms the Whoosh engine indexes
too); tantivy only splits it again on whitespace (``TERMS_TOKENIZER``). Queries are built from
the engine-neutral query form (index.tantivy.translate), never by tantivy's query parser.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import tantivy

from index.analysis import LANGUAGE_KEYS
from index.schema import (
    FACET_FIELDS,
    PRACTICE_QUERY_FIELDS,
    body_field,
    passage_field,
    practice_field,
    title_field,
)

#: The two kinds of index, each a sub-folder per language of a generation: ``docs-en``.
DOCS = "docs"
PASSAGES = "passages"
#: The list of the languages of the last commit (see the module's docstring).
COMMIT_FILE = "tantivy.json"


def folder(kind: str, lang: str) -> str:
    return f"{kind}-{lang}"

#: The tokenizer of every text field: the terms index.prepare made, joined by spaces.
TERMS_TOKENIZER = "kb_terms"
#: Facet values, ids and sort keys: the whole value is one term.
RAW = "raw"

#: The facets, by name (index.schema.FACET_FIELDS); "year" is a number field.
FACETS: tuple[str, ...] = tuple(FACET_FIELDS)
YEAR = "year"
#: Which kinds of text a record has ("title", "body", "passage"): the N of BM25's idf
#: (records with text in any language's field of the kind).
HAS = "has"
#: A 63-bit hash of the document id as a fast field: the ids of many matches without reading
#: their stored records (see TantivyReader.allowed).
DOC_KEY = "doc_key"


def doc_key(doc_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(),
                          "big") >> 1


def practice_names() -> list[str]:
    return list(dict.fromkeys(PRACTICE_QUERY_FIELDS.values()))


def document_text_fields() -> list[str]:
    """The analysed text fields of a document record."""
    names = []
    for lang in LANGUAGE_KEYS:
        names.extend([title_field(lang), body_field(lang)])
        names.extend(practice_field(name, lang) for name in practice_names())
    return names


def passage_text_fields() -> list[str]:
    return [passage_field(lang) for lang in LANGUAGE_KEYS]


def _text_fields(builder: tantivy.SchemaBuilder, names: list[str]) -> None:
    for name in names:
        builder.add_text_field(name, tokenizer_name=TERMS_TOKENIZER, index_option="position")


def docs_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("doc_id", stored=True, tokenizer_name=RAW)
    b.add_unsigned_field(DOC_KEY, fast=True)
    b.add_text_field("source_path", stored=True, tokenizer_name=RAW)
    b.add_bytes_field("meta", stored=True)  # the Document's metadata as JSON
    b.add_bytes_field("fingerprint", stored=True)  # for incremental ingest, as JSON
    b.add_text_field("sort_title", fast=True, tokenizer_name=RAW)
    b.add_text_field("sort_date", fast=True, tokenizer_name=RAW)
    b.add_boolean_field("hidden", stored=True, indexed=True, fast=True)
    b.add_text_field(HAS, tokenizer_name=RAW, index_option="basic")
    for facet in FACETS:
        if facet == YEAR:
            b.add_unsigned_field(YEAR, indexed=True, fast=True)
        else:
            b.add_text_field(facet, fast=True, tokenizer_name=RAW, index_option="basic")
    _text_fields(b, document_text_fields())
    # unstemmed folded words of title and text: did you mean, completion, synonyms
    b.add_text_field("words", tokenizer_name=TERMS_TOKENIZER, index_option="freq")
    return b.build()


def passages_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("doc_id", stored=True, tokenizer_name=RAW)
    b.add_unsigned_field("ordinal", stored=True, indexed=True, fast=True)
    b.add_text_field("record_field", tokenizer_name=RAW, index_option="basic")
    b.add_text_field(HAS, tokenizer_name=RAW, index_option="basic")
    # the Passage (index.records) as JSON: ordinal, text, page, heading, source, ...
    b.add_bytes_field("passage", stored=True)
    _text_fields(b, passage_text_fields())
    return b.build()


def _terms_analyzer() -> tantivy.TextAnalyzer:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def open_index(path: Path, schema: tantivy.Schema, *, create: bool = False) -> tantivy.Index:
    """The tantivy index in ``path`` (a new one with ``create``), with our tokenizer."""
    if create:
        path.mkdir(parents=True, exist_ok=True)
        ix = tantivy.Index(schema, path=str(path), reuse=False)
    else:
        if not (path / "meta.json").is_file():
            raise FileNotFoundError(f"no tantivy index in {path}")
        ix = tantivy.Index.open(str(path))
    ix.register_tokenizer(TERMS_TOKENIZER, _terms_analyzer())
    return ix


#: A space inside a term (a few compatibility characters fold to several words: "ﷺ") is kept
#: in the term as a no-break space, which the whitespace tokenizer does not split on.
_INNER_SPACE = "\u00a0"


def index_term(term: str) -> str:
    """A term as this engine indexes it (queries look terms up through this too)."""
    return term.replace(" ", _INNER_SPACE) if " " in term else term


def analysed_term(term: str) -> str:
    """The term index.analysis made of an indexed one (the inverse of index_term)."""
    return term.replace(_INNER_SPACE, " ") if _INNER_SPACE in term else term


def terms_text(terms: list[str]) -> str:
    """Analysed terms as the text of a field (``TERMS_TOKENIZER`` splits it again)."""
    return " ".join(index_term(t) for t in terms)


__all__ = [
    "COMMIT_FILE",
    "DOCS",
    "DOC_KEY",
    "FACETS",
    "HAS",
    "PASSAGES",
    "TERMS_TOKENIZER",
    "analysed_term",
    "doc_key",
    "docs_schema",
    "document_text_fields",
    "folder",
    "index_term",
    "open_index",
    "passage_text_fields",
    "passages_schema",
    "terms_text",
]
