"""Security headers on every response, and a compressed response's ETag made weak, as plain
ASGI middlewares.

(A ``@app.middleware("http")`` function runs each response through Starlette's
BaseHTTPMiddleware, which streams the body through a task group and memory channels: about a
millisecond per request for adding four headers.)
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class _ResponseHeaders:
    """A plain ASGI middleware that changes the headers of each HTTP response as it starts
    (:meth:`change`, given the request's scope and the response's headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def change(self, scope: Scope, headers: MutableHeaders) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_changed(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.change(scope, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_changed)


class SecurityHeaders(_ResponseHeaders):
    def change(self, scope: Scope, headers: MutableHeaders) -> None:
        path: str = scope["path"]
        files = path.startswith("/files/")
        headers.setdefault("Content-Security-Policy",
                           FILES_CSP if files else DOCS_CSP if path == "/docs" else CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if not files:
            headers["X-Frame-Options"] = "DENY"


class EncodedETags(_ResponseHeaders):
    """A response sent with a Content-Encoding (GZipMiddleware's, inside this one) gets its
    ETag weak: ``W/"..."``. GZipMiddleware keeps the ETag of what it compresses (a file's,
    StaticFiles' and /files'), while a strong ETag names one representation, byte for byte
    (RFC 9110 8.8.3): the gzip body and the file's own bytes are two, and a client could join
    ranges of the one to the other. A weak ETag still revalidates (If-None-Match compares
    weakly: 304 while the file is unchanged), but never serves a range (If-Range compares
    strongly)."""

    def change(self, scope: Scope, headers: MutableHeaders) -> None:
        etag = headers.get("etag")
        if etag and not etag.startswith("W/") and headers.get("content-encoding"):
            headers["ETag"] = "W/" + etag
