"""The HTML pages: search, document, help, API docs. Each renders data built elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from index import IndexStore
from search_app.admin.routing import is_admin
from search_app.deps import CacheDep, PageParamsDep, StoreDep, TemplatesDep
from search_app.document_page import find_document_page
from search_app.home_page import home_page
from search_app.params import ParameterError, SearchParams, parse_params
from search_app.search_page import search_page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse, response_model=None)
def search_view(
    request: Request, params: PageParamsDep, store: StoreDep, templates: TemplatesDep,
    cache: CacheDep,
) -> Response:
    # One address per search: an address with empty or default fields, another order of the
    # parameters, ignored (utm_*) or unknown ones (&ref=mail) is sent to the canonical one.
    # Compared as decoded pairs, so another encoding of the same q ("+" or "%20") is not
    # redirected (no loop).
    if request.query_params.multi_items() != params.query_items():
        return RedirectResponse(params.url("/"), status_code=302)
    if params == SearchParams():
        # No search at all: the home page, a way in for a first visit.
        return HTMLResponse(cache.get_or_compute(
            lambda: (store.version(), "home"),
            lambda: _render_home(request, store, templates)))
    # The rendered page is cached (not only its data): it depends on the search alone, and
    # rendering costs as much as the rest of a cached request.
    body = cache.get_or_compute(lambda: (store.version(), params, "/", "html"),
                                lambda: _render_search(request, params, store, templates))
    return HTMLResponse(body)


def _render_home(request: Request, store: IndexStore, templates: Jinja2Templates) -> bytes:
    home = home_page(store)
    html = templates.get_template("home.html").render(
        request=request, home=home, title="Search the project's documents", search_q="")
    return html.encode("utf-8")


def _render_search(
    request: Request, params: SearchParams, store: IndexStore, templates: Jinja2Templates
) -> bytes:
    page = search_page(store, params, path="/")
    if params.q:
        title = f"{params.q} – search"
    elif params.has_filters:
        title = "Filtered documents"
    else:
        title = "Search"
    html = templates.get_template("search.html").render(
        request=request, page=page, params=params, title=title, search_q=params.q)
    return html.encode("utf-8")


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_view(
    request: Request,
    doc_id: str,
    store: StoreDep,
    templates: TemplatesDep,
    q: Annotated[str, Query(max_length=1000)] = "",
) -> HTMLResponse:
    # The search the document was opened from (a hit's link carries its filters, sort, size
    # and page): "Back to search" returns to it. An address with a value no search takes
    # (edited by hand) still shows the document, with the way back to its words alone.
    try:
        search = parse_params(request.query_params.multi_items(), strict=False)
    except ParameterError:
        search = None
    page = find_document_page(store, doc_id, q, include_hidden=is_admin(request),
                              search=search)
    return templates.TemplateResponse(
        request, "document.html", {"doc": page, "title": page.title, "search_q": q}
    )


@router.get("/help", response_class=HTMLResponse)
def help_view(request: Request, templates: TemplatesDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "help.html", {"title": "How to search"})


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, templates: TemplatesDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html", {"title": "HTTP API"})


FAVICON = Path(__file__).resolve().parent / "static" / "favicon.svg"


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site's icon for clients that ask for /favicon.ico without reading the page."""
    return FileResponse(FAVICON, media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
