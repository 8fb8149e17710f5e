"""A Document analysed for the index, in the fields every engine indexes (engine-neutral).

Analysis is most of the cost of indexing, so ingest prepares documents in its worker processes
(:func:`prepare_document`) and the one index writer only adds them. Both engines index these
terms as they are, so both see the same terms (the analysis per language is index.analysis).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from index.analysis import LANGUAGE_KEYS, OTHER, analyze, fold, unique_words
from index.records import Document, Passage, base_language
from index.schema import PRACTICE_QUERY_FIELDS, RECORD_FACET_FIELDS


def index_language(lang: str | None) -> str:
    """The analyser key for a document language ("fr" and unknown -> "xx")."""
    primary = base_language(lang)
    return primary if primary in LANGUAGE_KEYS else OTHER


@dataclass
class PreparedPassage:
    """A passage with its analysed terms (heading and text, in the document's language)."""

    passage: Passage
    #: the field ``passage_<lang>``
    terms: list[str]


@dataclass
class PreparedDocument:
    """A Document with its text analysed into terms, ready to be written by any engine.

    The fields (see index.query_form for their names in a query; index the terms as given,
    with positions for phrases): ``title`` is
    ``title_<language>``, ``body`` is ``body_<language>`` (the whole text, title included),
    ``practice[name]`` is ``gp_<name>_<language>``, ``words`` is ``words``; each passage's
    ``terms`` is ``passage_<language>``. ``facets``: facet name (index.schema.FACET_FIELDS)
    -> values, as strings (years too); a document without a value has no key.
    """

    document: Document
    #: the analyser key (index.analysis.LANGUAGE_KEYS) of every text field below
    language: str
    title: list[str]
    body: list[str]
    words: list[str]
    facets: dict[str, tuple[str, ...]]
    #: sort keys: the folded title (first 200 characters), the ISO date ("" without one:
    #: last in both orders, see index.engine.Sort)
    sort_title: str
    sort_date: str
    #: the Document's metadata without its passages, as JSON: what an engine stores and gives
    #: back (index.engine.EngineReader.documents)
    meta: str
    practice: dict[str, list[str]] = field(default_factory=dict)
    passages: list[PreparedPassage] = field(default_factory=list)


def facet_values(doc: Document) -> dict[str, tuple[str, ...]]:
    """The document's values of each facet (facet name -> values; none: no key)."""
    values: dict[str, tuple[str, ...]] = {
        "region": (doc.region_code or "",),
        "country": (doc.country_code or "",),
        "theme": tuple(doc.themes),
        "type": (doc.doc_type or "",),
        "record": tuple(n for n in RECORD_FACET_FIELDS if doc.practice.get(n)),
        "running": tuple(str(y) for y in doc.running_years),
        "year": (str(doc.year) if doc.year is not None else "",),
        "language": (doc.language or "",),
        "partner": (doc.partner or "",),
        "instrument": (doc.policy_instrument or "",),
    }
    return {name: vals for name, vals in values.items() if any(vals)}


def prepare_document(doc: Document) -> PreparedDocument:
    """Analyse ``doc`` for the index (can run in any process; the result pickles)."""
    lang = index_language(doc.language)
    meta = doc.to_dict()
    meta.pop("passages")
    passages = []
    body_terms: list[str] = []
    for p in doc.passages:
        terms = analyze(lang, p.text if not p.heading else f"{p.heading}\n{p.text}")
        body_terms.extend(terms)
        passages.append(PreparedPassage(p, terms))
    body = "\n".join(p.text for p in doc.passages)
    title_terms = analyze(lang, doc.title)
    practice = {name: analyze(lang, doc.practice[name])
                for name in dict.fromkeys(PRACTICE_QUERY_FIELDS.values())
                if doc.practice.get(name)}
    return PreparedDocument(
        document=doc,
        language=lang,
        title=title_terms,
        # The body is the document's whole text, title included (a title is part of what a
        # document says; the title field adds its weight on top, see index.ranking).
        body=title_terms + body_terms,
        words=unique_words(f"{doc.title}\n{body}"),
        facets=facet_values(doc),
        sort_title=fold(doc.title)[:200],
        sort_date=doc.date or "",
        meta=json.dumps(meta, ensure_ascii=False),
        practice=practice,
        passages=passages,
    )


__all__ = ["PreparedDocument", "PreparedPassage", "facet_values", "index_language",
           "prepare_document"]
