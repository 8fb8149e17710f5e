"""The fields and facets of an index, for every engine, with the version that forces a rebuild
when they change.

One index holds two kinds of records:
- document records: one per Document, with its metadata (facets, sorting) and all of its
  text. Searches rank and count these, so facet counts count documents.
- passage records: one per Passage (PDF page or section). After a search has chosen a page of
  documents, their passages are searched to show the best ones, highlighted.

Text is indexed in one field per language (``body_de``, ``title_hu``, ...), each analysed with
that language's stemmer (index.analysis); a document's text goes into the fields of its
language, and a query is analysed once per language, so German inflections match German
documents. Each engine builds its own schema from these names (index/whoosh/schema.py).
"""

from __future__ import annotations

#: Bump when the schema or an analyser changes: an index of another version is rebuilt.
SCHEMA_VERSION = 14

#: Facet name (as used in URLs and the API) -> the index field of its values.
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
#: The years an index holds and a query, a filter or a URL may name (year facets' values, a
#: typed year:[A TO B], year_from / year_to): wider bounds are clamped or refused.
YEAR_MIN, YEAR_MAX = 0, 9999


def is_year(value: int) -> bool:
    """Whether ``value`` is within YEAR_MIN..YEAR_MAX."""
    return YEAR_MIN <= value <= YEAR_MAX

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


#: Kinds of text split into one field per language (``title_de``, ``body_hu``,
#: ``passage_en``): a typed word's idf counts across the languages' fields of its kind.
LANGUAGE_FIELD_KINDS: tuple[str, ...] = ("title_", "body_", "passage_")
#: All the per-language text fields start so (with the good-practice record fields,
#: ``gp_<record>_<lang>``): a query's words are expanded into them, and each engine drops a
#: query's parts on those its index has no text in (index.query_form.prune).
TEXT_FIELD_PREFIXES: tuple[str, ...] = (*LANGUAGE_FIELD_KINDS, "gp_")


def is_text_field(name: str) -> bool:
    """Whether ``name`` is a per-language text field (see TEXT_FIELD_PREFIXES)."""
    return name.startswith(TEXT_FIELD_PREFIXES)


def language_kind(name: str) -> str | None:
    """The kind of a per-language field of LANGUAGE_FIELD_KINDS ("body_de" -> "body_"), or
    None (a good-practice record field, ``words``, a facet)."""
    kind = name.rsplit("_", 1)[0] + "_" if "_" in name else ""
    return kind if kind in LANGUAGE_FIELD_KINDS else None


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
