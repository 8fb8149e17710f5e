"""The application factory: ``create_app(settings)`` builds the site; nothing happens at import.

``kb serve`` runs uvicorn with ``search_app.app:create_app`` as a factory (no arguments), so
without arguments the settings come from the environment (KB_*).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from index import IndexStore, IndexUnavailableError, SearchRequest, search
from search_app import api, errors, files, pages
from search_app.admin.routes import router as admin_router
from search_app.cache import PageCache
from search_app.head import HeadAsGet
from search_app.settings import Settings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

#: Scripts and styles only from this site (no inline code, nothing external); no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: Swagger UI sets inline styles on its elements.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
#: Original files (HTML pages of the corpus among them) get no scripts, no same-origin rights.
FILES_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)


def _warm_up(store: IndexStore) -> None:
    """Open the index and load the analysers now, so the first user does not wait."""
    try:
        search(store, SearchRequest(query="export", page_size=1))
    except IndexUnavailableError as exc:
        log.warning("no usable index at %s (%s): run `kb ingest`", store.path, exc)


def _swagger_assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = IndexStore(settings.index)
        app.state.store = store
        _warm_up(store)
        yield
        store.close()

    app = FastAPI(
        title="UpGradeSME knowledge base",
        summary="Search the documents of the Interreg Europe project UpGradeSME.",
        version="1.0",
        lifespan=lifespan,
        docs_url=None,  # served by pages.docs, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.cache = PageCache(settings.cache_size)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["site_name"] = "UpGradeSME knowledge base"
    app.state.templates = templates

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        path = request.url.path
        if path.startswith("/files/"):
            csp = FILES_CSP
        elif path == "/docs":
            csp = DOCS_CSP
        else:
            csp = CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not path.startswith("/files/"):
            response.headers["X-Frame-Options"] = "DENY"
        return response

    errors.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Swagger UI 5 (reads OpenAPI 3.1), as shipped by fastapi-offline for use without a CDN.
    app.mount("/assets/swagger", StaticFiles(directory=_swagger_assets()), name="swagger")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(files.router)
    app.include_router(admin_router)
    app.add_middleware(HeadAsGet)
    return app
