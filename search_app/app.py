"""The application factory: ``create_app(settings)`` builds the site; nothing happens at import.

``kb serve`` runs uvicorn with ``search_app.app:create_app`` as a factory (no arguments), so
without arguments the settings come from the environment (KB_*).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from index import (
    YEAR_MAX,
    YEAR_MIN,
    IndexDamagedError,
    IndexStore,
    IndexUnavailableError,
    SearchRequest,
    search,
)
from search_app import api, errors, files, pages
from search_app.admin.routes import router as admin_router
from search_app.admin.routing import AdminState
from search_app.cache import PageCache
from search_app.head import HeadAsGet
from search_app.headers import EncodedETags, SecurityHeaders
from search_app.search_page import documents_label
from search_app.settings import Settings, apply_to_index, load_settings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

def _warm_up(store: IndexStore) -> None:
    """Open the index and load the analysers now, so the first user does not wait."""
    try:
        search(store, SearchRequest(query="export", page_size=1))
    except IndexDamagedError as exc:
        log.error("%s: %s; searches answer 503 until then", store.path, exc)
    except IndexUnavailableError as exc:
        log.warning("no usable index at %s (%s): run `kb ingest`", store.path, exc)
    except Exception:  # the site still starts: each search then answers for itself
        log.exception("searching %s at start failed", store.path)


#: The cyclic garbage collector's young generation while the app serves: collected after this
#: many container objects are made (net of those freed), not Python's 700. A search request
#: makes a few thousand and frees them by reference counting as it goes, so at 700 the
#: collector ran about once a request (0.27 ms of CPU a search page at 100k passages, bench/
#: README.md "Where a search request's CPU goes"); at 10,000, not in 400 requests. Garbage
#: in reference cycles waits a little longer (a few MB at most).
GC_YOUNG_OBJECTS = 10_000


#: Responses shorter than this go as they are: compressing them saves next to nothing.
GZIP_MINIMUM_BYTES = 1024
#: Originals whose format is compressed already (PDF streams, Word's zip), kept as they are
COMPRESSED_MEDIA_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


def _swagger_assets() -> Path:
    return Path(fastapi_offline.__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    apply_to_index(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = IndexStore(settings.index, searchers=settings.searchers, engine=settings.engine)
        app.state.store = store
        _warm_up(store)
        threshold = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_OBJECTS, *threshold[1:])
        try:
            yield
        finally:
            gc.set_threshold(*threshold)
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
    app.state.indexed_paths = files.IndexedPaths()
    app.state.admin = AdminState.for_settings(settings)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["documents"] = documents_label  # "1 document", "2 documents"
    templates.env.globals["site_name"] = "UpGradeSME knowledge base"
    # the years a request may name (index.schema), for the year inputs' bounds
    templates.env.globals["year_min"], templates.env.globals["year_max"] = YEAR_MIN, YEAR_MAX
    # Templates change with a new release, not while the server runs: not checking each
    # one's file on every use (an os.stat per template and include of every page)
    templates.env.auto_reload = False
    app.state.templates = templates

    errors.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Swagger UI 5 (reads OpenAPI 3.1), as shipped by fastapi-offline for use without a CDN.
    app.mount("/assets/swagger", StaticFiles(directory=_swagger_assets()), name="swagger")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(files.router)
    app.include_router(admin_router)
    app.add_middleware(errors.CatchAll)  # innermost: its 500 gets the headers below
    app.add_middleware(SecurityHeaders)
    # Text compressed for clients that accept gzip (pages, API answers, exports, CSS and JS,
    # HTML and text originals: 3-6 times smaller; a long document's page was 4 MB), at zlib's
    # usual level, not Starlette's 9 (slower, hardly smaller). Not what is compressed already.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=6,
                       exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES,
                                              *COMPRESSED_MEDIA_TYPES))
    app.add_middleware(EncodedETags)  # outside GZipMiddleware: sees what it compressed
    app.add_middleware(HeadAsGet)
    return app
