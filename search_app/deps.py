"""Request dependencies, as Annotated aliases (the full-stack-fastapi-template habit).

They are ``async def``: none blocks (attribute reads, parsing the query string), and FastAPI
runs each plain ``def`` dependency in its thread pool, a hand-over to a thread and back to the
event loop per dependency and request (a search took four).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates

from index import SORTS, YEAR_FACETS, YEAR_MAX, YEAR_MIN, IndexStore
from search_app.cache import PageCache
from search_app.params import (
    FACET_HELP,
    FACET_LABELS,
    FACETS,
    FIXED_VALUES,
    MAX_QUERY_CHARS,
    MAX_VALUE_CHARS,
    MAX_VALUES,
    SCALARS,
    ParameterError,
    SearchParams,
    parse_params,
    repeated_scalar,
)
from search_app.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def get_store(request: Request) -> IndexStore:
    """The index, opened by the app's lifespan. Searchers are per thread inside it."""
    return request.app.state.store


async def get_cache(request: Request) -> PageCache:
    return request.app.state.cache


async def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


#: a year as digits (index.YEAR_MIN..YEAR_MAX)
_YEAR_PATTERN = f"^[0-9]{{1,{len(str(YEAR_MAX))}}}$"
_VALUE: dict[str, object] = {"type": "string", "maxLength": MAX_VALUE_CHARS}
_YEAR: dict[str, object] = {"type": "string", "pattern": _YEAR_PATTERN}


def _values_of(name: str) -> dict[str, object]:
    """The schema of one value of the facet ``name``: a year, one of its FIXED_VALUES, or
    a string."""
    if name in YEAR_FACETS:
        return _YEAR
    fixed = FIXED_VALUES.get(name)
    return {"type": "string", "enum": list(fixed)} if fixed else _VALUE


def _documented(name: str, description: str, default: str | list[str], *,
                items: dict[str, object] | None = None, **rules: object) -> dict[str, Any]:
    """One optional query parameter as the OpenAPI description gives it (in the form FastAPI
    gives a declared one: the schema repeats the description and has a title), so that
    clients (and schemathesis) know which values are valid. Only documentation:
    parse_params validates."""
    schema: dict[str, Any] = {"type": "array", "items": items} if items else {"type": "string"}
    schema.update(description=description, **rules, default=default,
                  title=name.title().replace("_", " "))
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


#: The OpenAPI description of the search parameters after ``q``: one per facet (FACETS,
#: from the index's FACET_FIELDS, so a new facet is documented with no edit here), then the
#: scalars. A route that takes SearchParamsDep adds them with
#: ``openapi_extra={"parameters": SEARCH_PARAMETERS}`` (FastAPI's documented way to describe
#: what the route reads itself). (Declared to FastAPI, each would be read and validated on
#: every request, 0.2-0.3 ms of CPU per search for 16 parameters of which only
#: parse_params's reading counts.)
SEARCH_PARAMETERS = [
    *(_documented(name, FACET_HELP.get(name, FACET_LABELS[name]), [],
                  items=_values_of(name), maxItems=MAX_VALUES)
      for name in FACETS),
    *(_documented(name, f"{which} year ({YEAR_MIN} to {YEAR_MAX}, digits 0-9)", "",
                  pattern=_YEAR_PATTERN)
      for name, which in (("year_from", "first"), ("year_to", "last"))),
    _documented("sort", ", ".join(SORTS[:-1]) + " or " + SORTS[-1], "relevance",
                enum=list(SORTS)),
    _documented("page", "page number, 1 to 10000 (digits 0-9)", "1",
                pattern="^([1-9][0-9]{0,3}|10000)$"),
    _documented("size", "hits per page, 1 to 100 (digits 0-9)", "10",
                pattern="^([1-9][0-9]?|100)$"),
]

_Q = Annotated[str, Query(
    description='The query: words, "phrases", AND/OR/NOT, field:value, prefix*, '
                "year:[2018 TO 2020]", json_schema_extra={"maxLength": MAX_QUERY_CHARS})]


#: The API's query parameters of one value besides the search's (SCALARS): those its routes
#: declare (``limit`` of /api/facets and /api/suggest; ``q`` is a scalar already).
ONE_VALUE = frozenset((*SCALARS, "limit"))


async def one_value_each(request: Request) -> None:
    """Refuse (400) an API call that gives a parameter of one value more than once
    (``q=a&q=b``): FastAPI reads the last of a declared one and parse_params read the first,
    so ``/api/search?q=a&q=b`` searched "a" and checked "b"'s length. The facets (and
    /api/facets' ``facet``) take several values."""
    seen: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name in ONE_VALUE:
            seen.setdefault(name, []).append(value)
    for name, values in seen.items():
        if len(values) > 1:
            raise ParameterError(repeated_scalar(name, values))


async def get_search_params(request: Request, q: _Q = "") -> SearchParams:
    """The search of an API call, read and validated with messages fit for a user from the
    raw query string by parse_params. Only ``q`` is declared to FastAPI (the first of the
    documented parameters: the description's order stays), the others are documented by
    the routes (SEARCH_PARAMETERS)."""
    return parse_params(request.query_params.multi_items())


async def get_page_params(request: Request) -> SearchParams:
    """The search of an HTML page: like the API's, but unknown parameters are dropped (the
    page redirects to its canonical address) instead of being an error."""
    return parse_params(request.query_params.multi_items(), strict=False)


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[IndexStore, Depends(get_store)]
CacheDep = Annotated[PageCache, Depends(get_cache)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
SearchParamsDep = Annotated[SearchParams, Depends(get_search_params)]
PageParamsDep = Annotated[SearchParams, Depends(get_page_params)]
