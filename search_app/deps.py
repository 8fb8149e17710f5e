"""Request dependencies, as Annotated aliases (the full-stack-fastapi-template habit)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates

from index import IndexStore
from search_app.cache import PageCache
from search_app.params import SearchParams, parse_params
from search_app.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> IndexStore:
    """The index, opened by the app's lifespan. Searchers are per thread inside it."""
    return request.app.state.store


def get_cache(request: Request) -> PageCache:
    return request.app.state.cache


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


Repeated = Annotated[list[str] | None, Query()]


#: What the OpenAPI description says of the search parameters, so that clients (and
#: schemathesis) know which values are valid. Only documentation: parse_params validates.
_VALUES = {"maxItems": 50, "items": {"type": "string", "maxLength": 200}}
_YEARS = {"maxItems": 50, "items": {"type": "string", "pattern": "^[0-9]{1,4}$"}}


def _values(description: str, extra: dict[str, object] = _VALUES) -> Any:
    return Query(description=description, json_schema_extra=extra)


def get_search_params(
    request: Request,
    # Declared for the OpenAPI docs; the values are read (and validated, with messages
    # fit for a user) from the raw query string by parse_params.
    q: Annotated[str, Query(description='The query: words, "phrases", AND/OR/NOT, '
                            "field:value, prefix*, year:[2018 TO 2020]",
                            json_schema_extra={"maxLength": 1000})] = "",
    country: Annotated[list[str], _values("ISO code, e.g. ES")] = [],  # noqa: B006
    region: Annotated[list[str], _values("NUTS-2 code, e.g. HU22")] = [],  # noqa: B006
    theme: Annotated[list[str], _values("theme id")] = [],  # noqa: B006
    type: Annotated[list[str], _values("document type id")] = [],  # noqa: A002, B006
    year: Annotated[list[str], _values("a year, e.g. 2021", _YEARS)] = [],  # noqa: B006
    language: Annotated[list[str], _values("language code")] = [],  # noqa: B006
    partner: Annotated[list[str], _values("partner name")] = [],  # noqa: B006
    instrument: Annotated[list[str], _values("policy instrument")] = [],  # noqa: B006
    record: Annotated[list[str], _values(
        "good practices with this record field: evidence, resources, "
        "difficulties, transfer, problem, timescale")] = [],  # noqa: B006
    running: Annotated[list[str], _values(
        "good practices running in this year (from their timescale)", _YEARS)] = [],  # noqa: B006
    year_from: Annotated[str, Query(description="first year (0 to 9999, digits 0-9)",
                                    json_schema_extra={"pattern": "^[0-9]{1,4}$"})] = "",
    year_to: Annotated[str, Query(description="last year (0 to 9999, digits 0-9)",
                                  json_schema_extra={"pattern": "^[0-9]{1,4}$"})] = "",
    sort: Annotated[str, Query(description="relevance, newest, oldest or title",
                               json_schema_extra={"enum": ["relevance", "newest", "oldest",
                                                           "title"]})] = "relevance",
    page: Annotated[str, Query(description="page number, 1 to 10000 (digits 0-9)",
                               json_schema_extra={
                                   "pattern": "^([1-9][0-9]{0,3}|10000)$"})] = "1",
    size: Annotated[str, Query(description="hits per page, 1 to 100 (digits 0-9)",
                               json_schema_extra={"pattern": "^([1-9][0-9]?|100)$"})] = "10",
) -> SearchParams:
    return parse_params(request.query_params.multi_items())


def get_page_params(request: Request) -> SearchParams:
    """The search of an HTML page: like the API's, but unknown parameters are dropped (the
    page redirects to its canonical address) instead of being an error."""
    return parse_params(request.query_params.multi_items(), strict=False)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[IndexStore, Depends(get_store)]
CacheDep = Annotated[PageCache, Depends(get_cache)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
SearchParamsDep = Annotated[SearchParams, Depends(get_search_params)]
PageParamsDep = Annotated[SearchParams, Depends(get_page_params)]
