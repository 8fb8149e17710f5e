"""One error shape for the whole site, turned into JSON for the API and a page for people.

    {"error": {"status": 400, "code": "bad_request", "message": "page must be ..."}}

Every handler here is the single place where a typed error becomes an HTTP status:
ParameterError / index.QueryError / request validation -> 400, unknown document or file ->
404, index.IndexUnavailableError -> 503 (with a page saying to run ``kb ingest``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index import (
    IndexBusyError,
    IndexDamagedError,
    IndexEngineError,
    IndexUnavailableError,
    QueryError,
)
from search_app.params import ParameterError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
    503: "index_unavailable",
}


class NotFound(Exception):
    """An unknown document or file."""


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": CODES.get(status, "error"),
                            "message": message}
    body.update(extra)
    return {"error": body}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(request: Request, status: int, message: str, *, not_indexed: bool = False,
                   **extra: Any) -> Response:
    """The error as JSON or as the error page; ``not_indexed``: the page tells how to build the
    index (there is none yet, or one of an older version), which no other 503 needs."""
    if wants_json(request):
        return JSONResponse(error_body(status, message, **extra), status_code=status)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html",
        {"status": status, "code": CODES.get(status, "error"), "message": message,
         "extra": extra, "title": f"Error {status}", "not_indexed": not_indexed,
         "search_q": _typed_query(request, status)},
        status_code=status,
    )


def _typed_query(request: Request, status: int) -> str | None:
    """The query typed in a search that cannot be run (a 400 of the search or a document
    page: a query over the length limit, a bad page number), for the error page's search
    box, where it can be mended; else None (no search box)."""
    path = request.url.path
    if status != 400 or not (path == "/" or path.startswith("/documents/")):
        return None
    typed = request.query_params.getlist("q")
    return typed[-1] if typed else None  # (the pages take the last of a repeated q)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ParameterError)
    async def _parameter(request: Request, exc: ParameterError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(QueryError)
    async def _query(request: Request, exc: QueryError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, _validation_message(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, str(exc) or "not found")

    @app.exception_handler(IndexUnavailableError)
    async def _unavailable(request: Request, exc: IndexUnavailableError) -> Response:
        log.warning("index unavailable: %s", exc)
        if isinstance(exc, IndexDamagedError):
            # The details (file names) are in the log; the public gets what to expect.
            message = ("The search index is damaged, so searching is not possible right now. "
                       "An administrator needs to run `kb ingest --rebuild` to repair it.")
        elif isinstance(exc, IndexEngineError):
            message = (f"The search index cannot be read by this server ({exc}). An "
                       "administrator needs to run `kb ingest --rebuild` to rebuild it.")
        elif isinstance(exc, IndexBusyError):
            message = "The server is too busy to search right now. Please try again shortly."
        else:
            message = (f"The search index is not available ({exc}). An administrator needs to "
                       "run `kb ingest` to build it.")
        # (the page shows the message as text, not Markdown: a command in quotes, not in the
        # backticks of the index's own messages, which showed on the page)
        message = message.replace("`", '"')
        response = error_response(request, 503, message,
                                  not_indexed=type(exc) is IndexUnavailableError)
        response.headers["Retry-After"] = "5" if isinstance(exc, IndexBusyError) else "60"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"There is no page at {request.url.path[:200]}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = [m.strip() for m in headers.get("Allow", "GET").split(",") if m.strip()]
            if "GET" in allowed and "HEAD" not in allowed:  # HEAD answers like GET (head.py)
                allowed.append("HEAD")
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed here; use {headers['Allow']}"
        response = error_response(request, exc.status_code, message)
        for name, value in headers.items():  # Allow for a 405, ...
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "Something went wrong on our side.")


class CatchAll:
    """Answers an unexpected error with the 500 page and keeps the connection open.

    Starlette's own last-resort handler sends the 500 and then re-raises, and the server
    closes a keep-alive connection on any exception that reaches it. Here the error is logged
    and answered, and the server sees a finished response. (An error in the middle of a
    streamed body can only end the connection: the status has already been sent.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if started:
                raise
            log.exception("unhandled error on %s", scope.get("path", "?"))
            request = StarletteRequest(scope, receive)
            response = error_response(request, 500, "Something went wrong on our side.")
            await response(scope, receive, send)
