"""The guard around every admin route, and small helpers shared by the admin views.

:class:`AdminRoute` wraps each endpoint of the admin router, so no route can forget a check:

- without ``KB_ADMIN_SECRET`` the admin area is off (``/admin`` says how to turn it on, every
  other admin address answers 404);
- without a valid session: 401 and the login form (JSON for ``/admin/ingest/status``);
- a POST from another origin, or without the session's CSRF token: 403;
- a POST body is read here, once, within the upload limits counted as the bytes arrive
  (:mod:`search_app.admin.bodies`); views find the form in ``request.state.admin_form``;
- a file the server cannot read or write (a read-only or full index or corpus folder) gives
  a page that says which file and why (503), never a 500.

A view (or a dependency) raising :class:`AdminNotFound` gets the admin's 404 page.

Endpoints marked with :func:`public` (the login page and the login form) skip the session
check; the login form checks its own token.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from ingest import CatalogError
from search_app.admin import security
from search_app.admin.bodies import BodyTooLarge, FormRefused, read_form
from search_app.deps import get_settings
from search_app.settings import Settings

log = logging.getLogger(__name__)

MESSAGES = {
    "logged_out": "You are logged out.",
    "logged_out_here": "You are logged out in this browser, but the server could not record "
                       "the logout in its index folder (it is not writable): another server "
                       "process may still accept a copy of this session's cookie until it "
                       "expires. Make the index folder writable, or change KB_ADMIN_SECRET "
                       "to end every session at once.",
    "staged": "Uploaded. Check the metadata of each file below and save it into the corpus.",
    "saved": "Saved into the corpus and the catalog.",
    "saved_ingest": "Saved into the corpus and the catalog; an ingest has started.",
    "discarded": "The upload was discarded.",
    "gone": "That upload was no longer waiting: it was saved or discarded already.",
    "saved_busy": "Saved into the corpus and the catalog, but an ingest is already running: "
                  "start another when it has finished to index it.",
    "saved_not_started": "Saved into the corpus and the catalog, but no ingest could start "
                         "(the index folder is not writable): it is indexed when one runs.",
    "updated": "The metadata was saved.",
    "updated_ingest": "The metadata was saved; an ingest has started to re-read the file.",
    "updated_busy": "The metadata was saved, but an ingest is already running (it may have "
                    "read the file before this change): start another when it has finished "
                    "to bring the change into searches.",
    "updated_not_started": "The metadata was saved, but no ingest could start (the index "
                           "folder is not writable): searches show the change once one runs.",
    "hidden_ingest": "The document is marked hidden; an ingest has started and takes it out "
                     "of searches as soon as it has finished.",
    "shown_ingest": "The document is marked shown; an ingest has started and brings it back "
                    "into searches as soon as it has finished.",
    "hidden_busy": "The document is marked hidden, but an ingest is already running: start "
                   "another when it has finished to take it out of searches.",
    "shown_busy": "The document is marked shown, but an ingest is already running: start "
                  "another when it has finished to bring it back into searches.",
    "hidden_not_started": "The document is marked hidden, but no ingest could start (the index "
                          "folder is not writable): it stays in searches until one runs.",
    "shown_not_started": "The document is marked shown, but no ingest could start (the index "
                         "folder is not writable): it stays out of searches until one runs.",
    "removed_meanwhile": "That document was removed while its metadata was being saved: "
                         "nothing of it was kept.",
    "deleted": "The file and its catalog entry were removed.",
    "deleted_ingest": "The file and its catalog entry were removed; an ingest has started.",
    "deleted_busy": "The file and its catalog entry were removed, but an ingest is already "
                    "running: start another when it has finished to take it out of searches.",
    "deleted_not_started": "The file and its catalog entry were removed, but no ingest could "
                           "start (the index folder is not writable): searches find it until "
                           "one runs.",
    "started": "The ingest has started.",
    "busy": "An ingest is already running; try again when it has finished.",
    "not_started": "The ingest could not start: the server cannot write to the index folder "
                   "(see the server log). Make it writable and try again.",
}


def public(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an endpoint as reachable without a session (the login page and form)."""
    endpoint.admin_public = True  # type: ignore[attr-defined]
    return endpoint


@dataclass
class AdminState:
    """What the admin keeps per app (made by the app factory): the login backoff and the
    revoked sessions, both shared with the other server processes through the index folder."""

    throttle: security.LoginThrottle
    revoked: security.RevokedSessions

    @classmethod
    def for_settings(cls, settings: Settings) -> AdminState:
        return cls(security.LoginThrottle(Path(settings.index) / security.THROTTLE_FILE),
                   security.RevokedSessions(settings.index))


class AdminNotFound(Exception):
    """Raised by a view or a dependency: answered with the admin's 404 page and the message."""


def admin_state(request: Request) -> AdminState:
    return request.app.state.admin


def current_session(request: Request) -> security.Session | None:
    secret = get_settings(request).admin_secret
    if not secret:
        return None
    return security.read_session_cookie(
        secret, request.cookies.get(security.SESSION_COOKIE), admin_state(request).revoked.load()
    )


def is_admin(request: Request) -> bool:
    """Whether the request comes from a logged-in admin (who sees hidden documents)."""
    return current_session(request) is not None


def render(request: Request, template: str, context: dict[str, Any],
           status_code: int = 200) -> Response:
    session = getattr(request.state, "admin_session", None)
    msg = request.query_params.get("msg", "")
    base = {
        "csrf_token": session.csrf if session else "",
        "logged_in": session is not None,
        "message": MESSAGES.get(msg, ""),
        "message_path": request.query_params.get("path", "")[:300] if msg else "",
    }
    response = request.app.state.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str, **query: str) -> RedirectResponse:
    qs = urlencode({k: v for k, v in query.items() if v})
    return RedirectResponse(url + (f"?{qs}" if qs else ""), status_code=303)


def login_page(request: Request, *, status_code: int = 200, error: str = "",
               retry_after: float = 0) -> Response:
    secret = get_settings(request).admin_secret or ""
    cookie, token = security.new_login_token(secret)
    response = render(request, "admin_login.html",
                      {"title": "Admin: log in", "login_token": token, "error": error},
                      status_code=status_code)
    response.set_cookie(security.LOGIN_COOKIE, cookie, max_age=security.LOGIN_FORM_SECONDS,
                        path="/admin", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    if retry_after:
        response.headers["Retry-After"] = str(wait_text(retry_after))
    return response


def wait_text(seconds: float) -> int:
    """Whole seconds to wait, rounded up: what the page says and Retry-After sends."""
    return max(1, math.ceil(seconds))


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          413: "too_large", 503: "unavailable"}
_TITLES = {400: "Admin: refused", 404: "Admin: not found", 413: "Admin: too large",
           503: "Admin: cannot read or write a file"}


def refuse(request: Request, status: int, message: str) -> Response:
    """The admin's refusal page (JSON for the status address) with ``status``."""
    if request.url.path.endswith("/status"):
        return JSONResponse({"error": {"status": status, "code": _CODES.get(status, "error"),
                                       "message": message}}, status_code=status)
    if status == 401:
        return login_page(request, status_code=401, error=message)
    return render(request, "admin_refused.html", {"title": _TITLES.get(status, "Admin: refused"),
                                                  "reason": message}, status_code=status)



class AdminRoute(APIRoute):
    """A route that checks the admin session (and on POST the origin and CSRF token)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        is_public = getattr(self.endpoint, "admin_public", False)

        async def guarded(request: Request) -> Response:
            settings = get_settings(request)
            if not settings.admin_secret:
                status = 200 if request.url.path.rstrip("/") == "/admin" else 404
                return render(request, "admin_off.html", {"title": "Admin"},
                              status_code=status)
            if request.method == "POST" and not _same_origin(request):
                return refuse(request, 403, "This form was sent from another site.")
            session = None
            if not is_public:
                session = await run_in_threadpool(current_session, request)
                if session is None:
                    return refuse(request, 401, "Log in to use the admin pages.")
                request.state.admin_session = session
            if request.method == "POST":
                refused = await _read_form(request, settings, public=is_public)
                if refused is not None:
                    return refused
                if session is not None and not security.csrf_ok(
                        session, str(request.state.admin_form.get("csrf_token") or "")):
                    return refuse(request, 403, "The form has expired or was not sent "
                                   "from this site: reload the page and try again.")
            try:
                return await handler(request)
            except AdminNotFound as exc:
                return refuse(request, 404, str(exc))
            except CatalogError as exc:
                return refuse(request, 503, f"The corpus's catalog or taxonomy cannot be read "
                              f"({exc}): correct the file, then try again.")
            except OSError as exc:
                log.exception("admin: %s %s failed", request.method, request.url.path)
                return refuse(request, 503, storage_problem(exc))

        return guarded


#: the largest body of a public form (the login form: a secret and a token)
PUBLIC_MAX_BODY = 64 * 1024


def _max_body(settings: Settings) -> int:
    return (settings.upload_max_mb * settings.upload_max_files + 1) * 1024 * 1024


def _too_large(request: Request, settings: Settings, *, public: bool) -> Response:
    """The answer to a POST body over its limit: the login form again, with a word of its
    own (it holds only the secret), or the upload's limits."""
    if public:
        return login_page(request, status_code=413, error=(
            f"The login form sent more than {PUBLIC_MAX_BODY // 1024} KB, more than a "
            "secret can be: type the secret again."))
    return refuse(request, 413, f"The upload is larger than the limit of "
                  f"{settings.upload_max_mb} MB per file and {settings.upload_max_files} files.")


async def _read_form(request: Request, settings: Settings, *, public: bool) -> Response | None:
    """Read the POST body into ``request.state.admin_form``; a refusal page when it cannot be."""
    limit = _max_body(settings) if not public else PUBLIC_MAX_BODY
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return _too_large(request, settings, public=public)
    try:
        request.state.admin_form = await read_form(
            request, max_files=0 if public else settings.upload_max_files,
            max_fields=10 if public else 200,
            max_file=settings.upload_max_mb * 1024 * 1024, max_body=limit)
    except BodyTooLarge:
        return _too_large(request, settings, public=public)
    except FormRefused as exc:
        return refuse(request, 400, str(exc))
    return None


def storage_problem(exc: OSError) -> str:
    """What the admin is told when a file cannot be read or written."""
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or type(exc).__name__
    return (f"The server could not read or write{where} ({reason}). Check that the index "
            "and corpus folders are writable by the server and that the disk is not full, "
            "then try again.")
