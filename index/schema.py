"""The Whoosh schema, in one place, with the version that forces a rebuild when it changes.

One index holds two kinds of records:
- ``kind=doc``: one per Document, with its metadata (facets, sorting) and all of its text.
  Searches rank and count these, so facet counts count documents.
- ``kind=passage``: one per Passage (PDF page or section). After a search has chosen a page of
  documents, their passages are searched to show the best ones, highlighted.

Text is indexed in one field per language (``body_de``, ``title_hu``, ...), each with that
language's stemmer; a document's text goes into the fields of its language, and a query is
analysed once per language, so German inflections match German documents.
"""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from index.analysis import LANGUAGE_KEYS, language_analyzer, words_analyzer

#: Bump when the schema or an analyser changes: an index of another version is rebuilt.
SCHEMA_VERSION = 8

#: Facet name (as used in URLs and the API) -> index field.
FACET_FIELDS: dict[str, str] = {
    "region": "region",
    "country": "country",
    "theme": "themes",
    "type": "doc_type",
    # good practices: the record fields they have ("evidence"), the years they ran
    "record": "practice_fields",
    "running": "running",
    "year": "year",
    "language": "language",
    "partner": "partner",
    "instrument": "policy_instrument",
}
#: Facets whose documents have several values (counted once per value).
MULTI_VALUED_FACETS = frozenset({"theme", "record", "running"})
#: Facets whose values are years (numbers in URLs).
YEAR_FACETS = frozenset({"year", "running"})

#: Good-practice record fields a search can narrow to ("record" facet), in this order.
RECORD_FACET_FIELDS: tuple[str, ...] = (
    "evidence", "resources", "difficulties", "transfer", "problem", "timescale",
)
#: Record fields searchable on their own (``evidence:turnover``): query name -> field name.
PRACTICE_QUERY_FIELDS: dict[str, str] = {
    "location": "location",
    "timescale": "timescale",
    "institution": "main_institution",
    "problem": "problem",
    "description": "description",
    "resources": "resources",
    "evidence": "evidence",
    "difficulties": "difficulties",
    "transfer": "transfer",
    "keywords": "keywords",
}


def title_field(lang: str) -> str:
    return f"title_{lang}"


def body_field(lang: str) -> str:
    return f"body_{lang}"


def passage_field(lang: str) -> str:
    """Passage text has fields of its own, so a document search never walks the postings of
    passages (about ten times as many) and a passage search never those of documents."""
    return f"passage_{lang}"


def practice_field(name: str, lang: str) -> str:
    """The text of one good-practice record field (``evidence``) in one language."""
    return f"gp_{name}_{lang}"


def build_schema() -> Schema:
    fields: dict[str, object] = {
        "uid": ID(unique=True),  # doc id, or "doc id#ordinal" for passages
        "kind": ID(stored=True),  # "doc" or "passage"
        "doc_id": ID(stored=True),
        # passage records
        "ordinal": NUMERIC(stored=True, sortable=True),
        "page": STORED(),
        "heading": STORED(),
        "record_field": ID(stored=True),  # a good practice's record field ("evidence")
        "text": STORED(),
        "source": STORED(),  # "ocr" for text read by OCR (None: the file's own text)
        "confidence": STORED(),  # OCR: Tesseract's mean word confidence on the page
        "lang": STORED(),
        # document records
        "meta": STORED(),  # the Document's metadata as JSON (without passages)
        "source_path": ID(stored=True),
        "fingerprint": STORED(),  # {"sha256", "size", "mtime"} for incremental ingest
        "title_sort": ID(sortable=True),
        "date_sort": ID(sortable=True),
        "hidden": BOOLEAN(stored=True),
        "country": ID(stored=True, sortable=True),
        "region": ID(stored=True, sortable=True),
        "doc_type": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "partner": ID(stored=True, sortable=True),
        "year": NUMERIC(stored=True, sortable=True, signed=False),
        "themes": KEYWORD(stored=True, commas=True, scorable=False),
        "policy_instrument": ID(stored=True, sortable=True),
        "practice_fields": KEYWORD(stored=True, commas=True, scorable=False),
        "running": KEYWORD(stored=True, commas=True, scorable=False),
        # unstemmed folded words of title and text: spelling suggestions, completion
        "words": TEXT(analyzer=words_analyzer(), phrase=False, spelling=True),
    }
    for lang in LANGUAGE_KEYS:
        analyzer = language_analyzer(lang)
        fields[title_field(lang)] = TEXT(analyzer=analyzer, phrase=True)
        fields[body_field(lang)] = TEXT(analyzer=analyzer, phrase=True)
        fields[passage_field(lang)] = TEXT(analyzer=analyzer, phrase=True)
        for name in dict.fromkeys(PRACTICE_QUERY_FIELDS.values()):
            fields[practice_field(name, lang)] = TEXT(analyzer=analyzer, phrase=True)
    return Schema(**fields)
