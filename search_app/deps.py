"""Request dependencies, as Annotated aliases (the full-stack-fastapi-template habit)."""

from __future__ import annotations

from typing import Annotated

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


def get_search_params(
    request: Request,
    # Declared for the OpenAPI docs; the values are read (and validated, with messages
    # fit for a user) from the raw query string by parse_params.
    q: Annotated[str | None, Query(description='The query: words, "phrases", AND/OR/NOT, '
                                   "field:value, prefix*, year:[2018 TO 2020]")] = None,
    country: Annotated[list[str] | None, Query(description="ISO code, e.g. ES")] = None,
    region: Annotated[list[str] | None, Query(description="NUTS-2 code, e.g. HU22")] = None,
    theme: Annotated[list[str] | None, Query(description="theme id")] = None,
    type: Annotated[list[str] | None, Query(description="document type id")] = None,  # noqa: A002
    year: Annotated[list[str] | None, Query(description="a year, e.g. 2021")] = None,
    language: Annotated[list[str] | None, Query(description="language code")] = None,
    partner: Annotated[list[str] | None, Query(description="partner name")] = None,
    instrument: Annotated[list[str] | None, Query(description="policy instrument")] = None,
    record: Annotated[list[str] | None, Query(
        description="good practices with this record field: evidence, resources, "
                    "difficulties, transfer, problem, timescale")] = None,
    running: Annotated[list[str] | None, Query(
        description="good practices running in this year (from their timescale)")] = None,
    year_from: Annotated[str | None, Query(description="first year (integer)")] = None,
    year_to: Annotated[str | None, Query(description="last year (integer)")] = None,
    sort: Annotated[str | None, Query(description="relevance, newest, oldest or title")] = None,
    page: Annotated[str | None, Query(description="page number, from 1")] = None,
    size: Annotated[str | None, Query(description="hits per page, 1 to 100")] = None,
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
