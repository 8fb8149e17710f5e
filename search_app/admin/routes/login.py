"""The admin overview, logging in and out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from search_app.admin import security
from search_app.admin.deps import AdminForm, StagingDep
from search_app.admin.ingest_jobs import read_status
from search_app.admin.routes.ingest import index_problem
from search_app.admin.routing import (
    AdminRoute,
    admin_state,
    current_session,
    login_page,
    public,
    redirect,
    render,
    wait_text,
)
from search_app.deps import SettingsDep, StoreDep

router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)


@router.get("")
@public
def home(request: Request, settings: SettingsDep, store: StoreDep,
         staging: StagingDep) -> Response:
    session = current_session(request)
    if session is None:
        return login_page(request)
    request.state.admin_session = session
    return render(request, "admin_home.html", {
        "title": "Admin", "status": read_status(settings.index), "staged": staging.list(),
        "reports": store.reports(limit=3), "settings": settings,
        "index_problem": index_problem(store),
    })


@router.get("/login")
@public
def login_address() -> Response:
    """The login form lives at /admin; this address only sends the browser there."""
    return redirect("/admin")


@router.post("/login")
@public
def login(request: Request, settings: SettingsDep, form: AdminForm) -> Response:
    secret = settings.admin_secret or ""
    throttle = admin_state(request).throttle
    # A browser that has logged in before is counted apart from its address (see security).
    device = security.read_device_cookie(secret, request.cookies.get(security.DEVICE_COOKIE))
    client = f"device:{device}" if device else security.client_key(
        request.client.host if request.client else None)
    wait = throttle.wait_seconds(client)
    if wait > 0:
        return login_page(request, status_code=429, retry_after=wait,
                          error=f"Too many wrong secrets: wait {wait_text(wait)} s and try again.")
    if not security.login_token_ok(secret, request.cookies.get(security.LOGIN_COOKIE),
                                   str(form.get("login_token") or "")):
        return login_page(request, status_code=403,
                          error="The login form has expired: type the secret again.")
    if not security.secret_matches(str(form.get("secret") or ""), secret):
        delay = throttle.failure(client)
        note = f" Wait {wait_text(delay)} s before the next try." if delay else ""
        return login_page(request, status_code=401, error="Wrong secret." + note,
                          retry_after=delay)
    throttle.success(client)
    value, _ = security.new_session_cookie(secret)
    response = redirect("/admin")
    secure = request.url.scheme == "https"
    response.set_cookie(security.SESSION_COOKIE, value, max_age=security.SESSION_SECONDS,
                        path="/", httponly=True, samesite="strict", secure=secure)
    response.set_cookie(security.DEVICE_COOKIE, security.new_device_cookie(secret),
                        max_age=security.DEVICE_SECONDS, path="/admin/login", httponly=True,
                        samesite="strict", secure=secure)
    response.delete_cookie(security.LOGIN_COOKIE, path="/admin")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    recorded = admin_state(request).revoked.revoke(request.state.admin_session)
    response = redirect("/admin", msg="logged_out" if recorded else "logged_out_here")
    response.delete_cookie(security.SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response
