"""The Whoosh schema of a generation, built from the engine-neutral field names (index.schema).

Each record has ``kind`` "doc" or "passage" and a ``uid`` (the doc id, or "doc id#ordinal"
for a passage); see index/whoosh/writer.py for how a PreparedDocument fills it.
"""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from index.analysis import LANGUAGE_KEYS, language_analyzer, words_analyzer
from index.schema import (
    PRACTICE_QUERY_FIELDS,
    body_field,
    passage_field,
    practice_field,
    title_field,
)


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
        "boilerplate": STORED(),  # "contents" or "notice" (Passage.boilerplate), else None
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
        # signed: Whoosh's ranges over an unsigned field match every year when their start is
        # low (year:[* TO 2016], year_to=2016 alone, year:[1500 TO 2024]: all documents)
        "year": NUMERIC(stored=True, sortable=True),
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
