"""Search parameters: parsed from a URL's query string, validated, and turned back into URLs.

Every page, API call and export reads its parameters through :func:`parse_params`, so the
same URL means the same search everywhere, and every URL the site prints is built by
:meth:`SearchParams.url` (defaults left out, a stable order), so searches can be shared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from urllib.parse import urlencode

from index import (
    FACET_FIELDS,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    RECORD_FACET_FIELDS,
    SORTS,
    YEAR_FACETS,
    YEAR_MAX,
    YEAR_MIN,
    as_stored,
)

#: URL facet parameters, in display order.
FACETS: tuple[str, ...] = tuple(FACET_FIELDS)
FACET_LABELS: dict[str, str] = {
    "region": "Region",
    "country": "Country",
    "theme": "Theme",
    "type": "Document type",
    "year": "Year",
    "language": "Language",
    "partner": "Partner",
    "instrument": "Policy instrument",
    "record": "Good practice with",
    "running": "Practice running in",
}
#: Facets whose values the product fixes (not the collection): another value is refused (400),
#: as an unknown sort is. The values of the other facets are the collection's (its taxonomy,
#: its documents): one that no document has finds nothing, and the search says so
#: (search_app.search_page: unknown_values).
FIXED_VALUES: dict[str, tuple[str, ...]] = {"record": RECORD_FACET_FIELDS}
#: What a facet's values are, with an example: the API's OpenAPI description (deps.py) and
#: the help of ``kb search``'s options (cli.py). A facet without an entry gets its label.
FACET_HELP: dict[str, str] = {
    "region": "NUTS-2 code, e.g. HU22",
    "country": "ISO code, e.g. ES",
    "theme": "theme id, e.g. covid_response",
    "type": "document type id, e.g. action_plan",
    "record": "good practices with this record field: evidence, resources, difficulties, "
              "transfer, problem, timescale",
    "running": "good practices running in this year (from their timescale), e.g. 2021",
    "year": "a year, e.g. 2021",
    "language": "language code, e.g. de",
    "partner": "partner name",
    "instrument": "policy instrument",
}
SORT_LABELS: dict[str, str] = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
}
PAGE_SIZES: tuple[int, ...] = (10, 20, 50, 100)
DEFAULT_SIZE = 10
MAX_QUERY_CHARS = 1000
MAX_VALUE_CHARS = 200
MAX_VALUES = 50
SCALARS = ("q", "year_from", "year_to", "sort", "page", "size")
#: parameters that links from elsewhere carry and that mean nothing here
IGNORED_PREFIXES = ("utm_", "_")
IGNORED = ("fbclid", "gclid")


class ParameterError(ValueError):
    """A URL parameter no search can honour; becomes HTTP 400 with this message."""


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    #: facet -> selected values, in FACETS order; values of one facet combine with OR
    filters: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = DEFAULT_SIZE

    # -- reading ---------------------------------------------------------------------------
    @property
    def filter_map(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.filters}

    def selected(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    @property
    def has_filters(self) -> bool:
        return bool(self.filters) or self.year_from is not None or self.year_to is not None

    # -- changing (each returns a new SearchParams; page goes back to 1) -------------------
    def _with_filters(self, filters: dict[str, list[str]]) -> SearchParams:
        ordered = tuple(
            (name, tuple(filters[name])) for name in FACETS if filters.get(name)
        )
        # (not dataclasses.replace, which takes twice as long: a page toggles every facet
        # value shown, dozens); every field but filters and page is carried over by hand:
        # tests/test_params.py fails when a field is added and not carried
        return SearchParams(q=self.q, filters=ordered, year_from=self.year_from,
                            year_to=self.year_to, sort=self.sort, page=1, size=self.size)

    def toggle(self, facet: str, value: str) -> SearchParams:
        filters = self.filter_map
        values = filters.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return self._with_filters(filters)

    def toggle_urls(self, facet: str, values: Iterable[str], path: str = "/") -> list[str]:
        """``self.toggle(facet, value).url(path)`` for each of ``values`` (a page shows a
        link per facet value, dozens): the parts the links share are encoded once, only
        ``facet``'s own parameters differ from one link to the next."""
        selected = self.filter_map
        own = selected.get(facet, [])
        before: list[str] = []
        after: list[str] = []
        target = before
        for name in FACETS:
            if name == facet:
                target = after
            elif selected.get(name):
                target.extend(_encoded(name, v) for v in selected[name])
        known = facet in FACETS  # (toggling another name changes nothing, as _with_filters)
        head, filtered_tail = self._toggled_parts
        plain_tail: list[str] | None = None  # (a link that removes the last filter: rare)
        years = self.year_from is not None or self.year_to is not None
        urls = []
        for value in values:
            mine = list(own) if known else []
            if known and value in mine:
                mine.remove(value)
            elif known:
                mine.append(value)
            if before or after or mine or years:
                tail = filtered_tail
            else:
                if plain_tail is None:
                    plain_tail = _encoded_all(self._around_filters(False, 1)[1])
                tail = plain_tail
            query = "&".join([*head, *before, *(_encoded(facet, v) for v in mine), *after,
                              *tail])
            urls.append(f"{path}?{query}" if query else path)
        return urls

    @cached_property
    def _toggled_parts(self) -> tuple[list[str], list[str]]:
        """The encoded parameters of a toggled search (at page 1, with a filter) before and
        after its facet filters: toggle_urls's, made once for the dozens of links of a page."""
        head, tail = self._around_filters(True, 1)
        return _encoded_all(head), _encoded_all(tail)

    def without(self, facet: str, value: str | None = None) -> SearchParams:
        if facet == "year_range":
            return replace(self, year_from=None, year_to=None, page=1)
        filters = self.filter_map
        if value is None:
            filters.pop(facet, None)
        elif value in filters.get(facet, []):
            filters[facet].remove(value)
        return self._with_filters(filters)

    def cleared(self) -> SearchParams:
        return SearchParams(q=self.q, sort=self.sort, size=self.size)

    def at_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    # -- writing ---------------------------------------------------------------------------
    def query_items(self) -> list[tuple[str, str]]:
        head, tail = self._around_filters(self.has_filters, self.page)
        return [*head, *((name, v) for name, values in self.filters for v in values), *tail]

    def _around_filters(self, filtered: bool, page: int
                        ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The parameters of this search's URL at ``page`` before its facet filters (the
        query) and after them (the year bounds, sort, size, page); ``filtered``: the search
        has a filter (a facet value or a year bound). The one place of the URL's order and
        of which defaults it leaves out: query_items and toggle_urls write what it says."""
        head = [("q", self.q)] if self.q else []
        tail: list[tuple[str, str]] = []
        if self.year_from is not None:
            tail.append(("year_from", str(self.year_from)))
        if self.year_to is not None:
            tail.append(("year_to", str(self.year_to)))
        # Without words the order is newest first either way: "sort=newest" is written only
        # where it tells the list of every document ("/?sort=newest") from the home page ("/").
        newest_anyway = not self.q and self.sort == "newest" and filtered
        if self.sort != "relevance" and not newest_anyway:
            tail.append(("sort", self.sort))
        if self.size != DEFAULT_SIZE:
            tail.append(("size", str(self.size)))
        if page != 1:
            tail.append(("page", str(page)))
        return head, tail

    def url(self, path: str = "/") -> str:
        query = "&".join(_encoded_all(self.query_items()))
        return f"{path}?{query}" if query else path

    def as_dict(self) -> dict[str, object]:
        return {
            "q": self.q,
            "filters": self.filter_map,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "sort": self.sort,
            "page": self.page,
            "size": self.size,
        }


@lru_cache(maxsize=512)
def _encoded(name: str, value: str) -> str:
    """One parameter as ``urlencode`` writes it (a page builds dozens of URLs that share
    most of their parameters: each facet value's toggle, the pages, the sorts). The cache
    stays small: its keys include what users type (``q``, up to 1,000 characters)."""
    return urlencode([(name, value)])


def _encoded_all(items: Iterable[tuple[str, str]]) -> list[str]:
    return [_encoded(name, value) for name, value in items]


#: A whole number as URLs write it: ASCII digits only. (Python's int() also reads "١٢" and
#: "１２" as 12; such an address is refused rather than given a second spelling of a search.)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")


def _int(name: str, raw: str, low: int, high: int) -> int:
    text = raw.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ParameterError(
            f"{name} must be a whole number written with the digits 0-9, not {raw[:40]!r}")
    value = int(text)
    if not low <= value <= high:
        raise ParameterError(f"{name} must be between {low} and {high}, not {value}")
    return value


#: The controls of the text's direction (embeddings, overrides, isolates): typed in a query
#: ("\u202eexport", pasted), the search ignores them, while its every echo on the page was
#: turned backwards with the text around it ("“”srhcuov tropxe"). They are dropped from the
#: values, as the words searched.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def as_composed(text: str) -> str:
    """``text`` in composed Unicode (NFC): "á" typed or pasted as "a" and a combining accent
    (macOS file names, some PDFs and input methods) is the "á" of the documents, whose text
    ingest normalises; the analysis cut the word at the combining mark ("exportutalv",
    "ny") and found nothing. User input is read so wherever it enters: the query and
    filter values (parse_params), the document page's words, suggestions."""
    return unicodedata.normalize("NFC", text)


def repeated_scalar(name: str, values: list[str]) -> str:
    """The message for a parameter of one value given several times."""
    shown = ", ".join(repr(v[:40]) for v in values)
    return f"{name} takes one value, and was given {len(values)} ({shown}): give it once"


def parse_params(items: Iterable[tuple[str, str]], *, strict: bool = True,
                 names: Mapping[str, str] | None = None) -> SearchParams:
    """SearchParams from (name, value) pairs of a query string. Raises ParameterError.

    ``strict=False`` (the HTML pages) drops unknown parameters (``&ref=mail``) instead of
    refusing them: the page then redirects to its canonical address without them. The API
    stays strict, so a typo in a script is reported. A parameter of one value (SCALARS)
    given more than once (``q=a&q=b``, ``page=1&page=2``) is refused by the API
    (repeated_scalar's message) and read as its last value by the pages (an address with a
    parameter appended, "&page=2", means the one appended; the page redirects to its
    canonical address, which shows it). ``names``: what the messages call a
    parameter, where the caller names it otherwise (``kb search``: "--page-size", not
    "size")."""
    def shown(name: str) -> str:
        return names.get(name, name) if names else name

    scalars: dict[str, str] = {}
    filters: dict[str, list[str]] = {}
    for name, typed in items:
        raw = as_composed(_BIDI_CONTROLS.sub("", typed))
        if name in FACETS:
            value = raw.strip()
            if not value:
                continue
            if len(value) > MAX_VALUE_CHARS:
                raise ParameterError(
                    f"{shown(name)} value is too long (over {MAX_VALUE_CHARS} chars)")
            if name in YEAR_FACETS:
                value = str(_int(shown(name), value, YEAR_MIN, YEAR_MAX))
            else:
                value = as_stored(name, value)  # "EN", "Good_Practice": as typed in the query
            fixed = FIXED_VALUES.get(name)
            if fixed is not None and value not in fixed:
                raise ParameterError(f"unknown {shown(name)} value {value[:40]!r}; "
                                     f"use one of {', '.join(fixed)}")
            values = filters.setdefault(name, [])
            if value not in values:
                values.append(value)
            if len(values) > MAX_VALUES:
                raise ParameterError(f"too many {shown(name)} values (at most {MAX_VALUES})")
        elif name in SCALARS:
            if strict and name in scalars:
                raise ParameterError(repeated_scalar(shown(name), [scalars[name], raw]))
            scalars[name] = raw
        elif name in IGNORED or name.startswith(IGNORED_PREFIXES) or not strict:
            continue
        else:
            raise ParameterError(
                f"unknown parameter or facet {name[:40]!r}; facets are {', '.join(FACETS)}; "
                f"other parameters are {', '.join(SCALARS)}"
            )
    q = scalars.get("q", "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise ParameterError(f"the query is too long (over {MAX_QUERY_CHARS} characters)")
    sort = scalars.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise ParameterError(f"unknown sort {sort[:40]!r}; use one of {', '.join(SORTS)}")
    page = (_int(shown("page"), scalars["page"], 1, MAX_PAGE)
            if scalars.get("page", "").strip() else 1)
    size = (
        _int(shown("size"), scalars["size"], 1, MAX_PAGE_SIZE)
        if scalars.get("size", "").strip()
        else DEFAULT_SIZE
    )
    years = [
        _int(shown(name), scalars[name], YEAR_MIN, YEAR_MAX)
        if scalars.get(name, "").strip() else None
        for name in ("year_from", "year_to")
    ]
    year_from, year_to = years
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    params = SearchParams(q=q, year_from=year_from, year_to=year_to, sort=sort, page=page,
                          size=size)
    return params._with_filters(filters).at_page(page)
