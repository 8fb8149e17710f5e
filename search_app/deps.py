"""Request dependencies, as Annotated aliases (the full-stack-fastapi-template habit).

They are ``async def``: none blocks (attribute reads, parsing the query string), and FastAPI
runs each plain ``def`` dependency in its thread pool, a hand-over to a thread and back to the
event loop per dependency and request (a search took four).
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Query, Request
from fastapi.templating import Jinja2Templates

from index import SORTS, YEAR_FACETS, YEAR_MAX, YEAR_MIN, IndexStore
from search_app.cache import PageCache
from search_app.params import FACET_HELP, FACET_LABELS, FACETS, SearchParams, parse_params
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



#: What the OpenAPI description says of the search parameters, so that clients (and
#: schemathesis) know which values are valid. Only documentation: parse_params validates.
_VALUES = {"maxItems": 50, "items": {"type": "string", "maxLength": 200}}
#: a year as digits (index.YEAR_MIN..YEAR_MAX)
_YEAR_PATTERN = f"^[0-9]{{1,{len(str(YEAR_MAX))}}}$"
_YEARS = {"maxItems": 50, "items": {"type": "string", "pattern": _YEAR_PATTERN}}


def _values(description: str, extra: dict[str, object] = _VALUES) -> Any:
    return Query(description=description, json_schema_extra=extra)


async def _declared_search_params(request: Request, **_declared: Any) -> SearchParams:
    """The search parameters as the OpenAPI description gives them: its signature (below)
    is what FastAPI documents (SEARCH_PARAMETERS); no route depends on it (FastAPI would
    read and validate each parameter), it reads the search as get_search_params does."""
    return await get_search_params(request)


def _parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


_Q = Annotated[str, Query(
    description='The query: words, "phrases", AND/OR/NOT, field:value, prefix*, '
                "year:[2018 TO 2020]", json_schema_extra={"maxLength": 1000})]

# The search parameters as documented: q, one per facet (FACETS, from the index's
# FACET_FIELDS, so a new facet is documented with no edit here), and the scalars.
_declared_search_params.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
    inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
    _parameter("q", _Q, ""),
    *(_parameter(name, Annotated[list[str], _values(
        FACET_HELP.get(name, FACET_LABELS[name]), _YEARS if name in YEAR_FACETS else _VALUES)],
        []) for name in FACETS),
    *(_parameter(name, Annotated[str, Query(
        description=f"{which} year ({YEAR_MIN} to {YEAR_MAX}, digits 0-9)",
        json_schema_extra={"pattern": _YEAR_PATTERN})], "")
      for name, which in (("year_from", "first"), ("year_to", "last"))),
    _parameter("sort", Annotated[str, Query(
        description=", ".join(SORTS[:-1]) + " or " + SORTS[-1],
        json_schema_extra={"enum": list(SORTS)})], "relevance"),
    _parameter("page", Annotated[str, Query(
        description="page number, 1 to 10000 (digits 0-9)",
        json_schema_extra={"pattern": "^([1-9][0-9]{0,3}|10000)$"})], "1"),
    _parameter("size", Annotated[str, Query(
        description="hits per page, 1 to 100 (digits 0-9)",
        json_schema_extra={"pattern": "^([1-9][0-9]?|100)$"})], "10"),
], return_annotation=SearchParams)


def _documented(dependency: Any) -> list[dict[str, Any]]:
    """The OpenAPI parameters FastAPI makes of ``dependency``'s signature."""
    async def endpoint(params: SearchParams) -> None:
        return None

    endpoint.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=Annotated[SearchParams, Depends(dependency)])])
    app = FastAPI()
    app.add_api_route("/", endpoint, methods=["GET"])
    return cast(list[dict[str, Any]], app.openapi()["paths"]["/"]["get"]["parameters"])


#: The OpenAPI description of the search parameters after ``q``: a route that takes
#: SearchParamsDep adds them with ``openapi_extra={"parameters": SEARCH_PARAMETERS}``.
#: (Declared to FastAPI, each would be read and validated on every request, 0.2-0.3 ms of
#: CPU per search for 16 parameters of which only parse_params's reading counts.)
SEARCH_PARAMETERS = _documented(_declared_search_params)[1:]


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
