"""What a search is asked and what it answers: plain dataclasses (the page, the API, the CSV and
the kb command read them), and the facet lists of a result with their labels."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from index.errors import QueryError
from index.schema import FACET_FIELDS, YEAR_FACETS, YEAR_MAX, YEAR_MIN, is_year

SORTS = ("relevance", "newest", "oldest", "title")
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000


@dataclass
class SearchRequest:
    query: str = ""
    #: facet name (see FACET_FIELDS) -> selected values; values of one facet combine with OR
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    passages: int = 3
    include_hidden: bool = False
    with_facets: bool = True
    #: the words as typed, never replaced by a correction (see SearchResult.corrected)
    exact: bool = False

    def validate(self) -> None:
        """Raise QueryError for parameters no search can honour."""
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
        if not 0 <= self.passages <= 10:
            raise QueryError("passages must be between 0 and 10")
        for name in self.filters:
            if name not in FACET_FIELDS:
                raise QueryError(
                    f"unknown facet {name!r}; facets are {', '.join(FACET_FIELDS)}"
                )
        for facet in YEAR_FACETS:
            for value in self.filters.get(facet, ()):
                if not str(value).strip().isdigit():
                    raise QueryError(f"{facet} must be a year, not {value!r}")
        for bound in (self.year_from, self.year_to):
            if bound is not None and not is_year(bound):
                raise QueryError(f"years must be between {YEAR_MIN} and {YEAR_MAX}")


@dataclass
class PassageHit:
    ordinal: int
    page: int | None
    heading: str | None
    #: HTML: escaped text with <mark> around matched words
    snippet: str
    #: in a good practice, the record field the passage is the section of ("evidence")
    record_field: str | None = None


@dataclass(kw_only=True)
class HitMetadata:
    """What a found document shows of its metadata, as stored in the index. The search page
    data (``search_app``'s HitData) extends this class and the hit fills it by name from the
    stored record, so a field added here reaches the hit, the page, the API and the JSON
    export with no other edit, a dataclass value as its fields (the CSV names its columns)."""

    id: str
    title: str
    doc_type: str | None = None
    language: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    date: str | None = None
    year: int | None = None
    partner: str | None = None
    summary: str | None = None
    source_path: str = ""
    media_type: str | None = None
    page_count: int | None = None
    policy_instrument: str | None = None
    #: a good practice's record fields (name -> text), see index.records.PRACTICE_FIELDS
    practice: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """The fields of this class by name (not those a subclass adds)."""
        return {name: getattr(self, name) for name in HIT_METADATA}


#: The names of HitMetadata's fields, in order.
HIT_METADATA: tuple[str, ...] = tuple(f.name for f in fields(HitMetadata))


@dataclass(kw_only=True)
class DocumentHit(HitMetadata):
    score: float
    themes: list[str] = field(default_factory=list)
    passages: list[PassageHit] = field(default_factory=list)
    #: how it was found: "keyword" (its words match) or "semantic" (close in meaning only)
    match: str = "keyword"


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetResult:
    name: str
    values: list[FacetValue]


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[DocumentHit]
    facets: dict[str, FacetResult]
    took_ms: float
    #: "did you mean": the query with its words unknown to the index corrected (when that
    #: finds something)
    suggestion: str | None = None
    #: when the query as typed found nothing and one clear correction does: that correction,
    #: whose results these are (``request.query`` stays the query as typed)
    corrected: str | None = None
    #: with ``corrected``: the query that searches the words as typed (the corrected words in
    #: quotes, which are never corrected)
    as_typed: str | None = None
    #: a message for the user about how the query was read
    notice: str | None = None
    #: filters typed in the query itself (country:ES), merged into the request's
    query_filters: dict[str, list[str]] = field(default_factory=dict)
    #: whether semantic (cross-language) retrieval took part in this search
    semantic: bool = False
    #: the language the query is written in, when it can be told (e.g. "de")
    query_language: str | None = None
    #: documents whose words match the query (the rest were found by meaning only)
    keyword_total: int = 0

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.page_size))


def facet_results(
    counts: Mapping[str, Mapping[str, int]],
    selected: Mapping[str, Sequence[str]],
    labels: Mapping[str, Mapping[str, str]],
) -> dict[str, FacetResult]:
    """The facets of a result: each counted value with its label, most frequent first (then by
    label); a selected value the search did not count is listed too, with 0."""
    facets = {
        name: FacetResult(
            name,
            sorted(
                (
                    FacetValue(
                        value=value,
                        label=labels.get(name, {}).get(value, value),
                        count=count,
                        selected=value in selected.get(name, []),
                    )
                    for value, count in counts[name].items()
                ),
                key=lambda v: (-v.count, v.label.lower()),
            ),
        )
        for name in counts
    }
    for name, values in selected.items():
        if name in facets:
            listed = {v.value for v in facets[name].values}
            for value in values:
                if value not in listed:
                    facets[name].values.append(
                        FacetValue(value, labels.get(name, {}).get(value, value), 0, True)
                    )
    return facets


__all__ = ["HIT_METADATA", "MAX_PAGE", "MAX_PAGE_SIZE", "SORTS", "DocumentHit", "FacetResult",
           "FacetValue", "HitMetadata", "PassageHit", "SearchRequest", "SearchResult",
           "facet_results"]
