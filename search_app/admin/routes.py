"""The admin pages: log in and out, upload documents, edit/hide/remove them, run ingest.

Every route goes through :class:`~search_app.admin.routing.AdminRoute` (session, origin and
CSRF checks). Views read the submitted form, call the admin modules and redirect (POST, then
GET) with a short message code.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from index import IndexStore, IndexUnavailableError, get_document
from ingest import discover, is_document_path, load_catalog, load_taxonomy
from ingest.catalog import CatalogError
from search_app.admin import security
from search_app.admin.bodies import OversizedFile
from search_app.admin.catalog_edit import (
    CatalogFile,
    explicit_metadata,
    save_metadata,
    sidecar_of,
)
from search_app.admin.forms import (
    FIELDS,
    choices,
    read_form,
    sources_from_document,
    values_from_document,
)
from search_app.admin.ingest_jobs import IngestBusy, read_status, start_ingest
from search_app.admin.routing import (
    AdminRoute,
    admin_state,
    current_session,
    login_page,
    public,
    redirect,
    render,
    settings_of,
    wait_text,
)
from search_app.admin.security import client_key
from search_app.admin.uploads import (
    DEFAULT_FOLDER,
    Staging,
    UploadError,
    add_suggestions,
    resolve_in_corpus,
    sanitize_filename,
    sanitize_folder,
    short_name,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)


def _store(request: Request) -> IndexStore:
    store = getattr(request.app.state, "store", None)
    return store if store is not None else IndexStore(settings_of(request).index)


def _corpus(request: Request) -> Path:
    return Path(settings_of(request).corpus)


def _start(request: Request, *, rebuild: bool = False) -> str:
    """Start an ingest: "started", "busy" (one is running) or "not_started" (the index folder
    cannot be written)."""
    s = settings_of(request)
    try:
        start_ingest(s.index, s.corpus, rebuild=rebuild, workers=s.ingest_workers,
                     time_limit=s.ingest_time_limit, memory_mb=s.ingest_memory_mb)
    except IngestBusy:
        return "busy"
    except OSError as exc:
        log.error("admin: cannot start an ingest in %s: %s", s.index, exc)
        return "not_started"
    return "started"


# -- log in / out ----------------------------------------------------------------------------
@router.get("")
@public
def home(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_page(request)
    request.state.admin_session = session
    s = settings_of(request)
    staged = Staging(s.index).list()
    return render(request, "admin_home.html", {
        "title": "Admin", "status": read_status(s.index), "staged": staged,
        "reports": _store(request).reports(limit=3), "settings": s,
    })


@router.get("/login")
@public
def login_address(request: Request) -> Response:
    """The login form lives at /admin; this address only sends the browser there."""
    return redirect("/admin")


@router.post("/login")
@public
def login(request: Request) -> Response:
    secret = settings_of(request).admin_secret or ""
    throttle = admin_state(request).throttle
    # A browser that has logged in before is counted apart from its address (see security).
    device = security.read_device_cookie(secret, request.cookies.get(security.DEVICE_COOKIE))
    client = f"device:{device}" if device else client_key(
        request.client.host if request.client else None)
    wait = throttle.wait_seconds(client)
    if wait > 0:
        return login_page(request, status_code=429, retry_after=wait,
                          error=f"Too many wrong secrets: wait {wait_text(wait)} s and try again.")
    form = request.state.admin_form
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


# -- upload and review -----------------------------------------------------------------------
def _folders(corpus: Path) -> list[str]:
    out = {DEFAULT_FOLDER}
    for root, dirs, _ in os.walk(corpus):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        rel = Path(root).relative_to(corpus)
        if rel != Path("."):
            out.add(rel.as_posix())
    return sorted(out)


def _form_context(request: Request) -> dict[str, Any]:
    tax = load_taxonomy(_corpus(request))
    return {"choices": choices(tax), "fields": FIELDS}


@router.get("/upload")
def upload_form(request: Request) -> Response:
    s = settings_of(request)
    return render(request, "admin_upload.html", {
        "title": "Admin: upload", "folders": _folders(_corpus(request)), "values": {},
        "errors": {}, "error": "", "max_mb": s.upload_max_mb, "max_files": s.upload_max_files,
        **_form_context(request),
    })


@router.post("/upload")
def upload(request: Request) -> Response:
    s = settings_of(request)
    form = request.state.admin_form
    tax = load_taxonomy(_corpus(request))
    meta = read_form(form, tax)
    files = [f for f in form.getlist("files")
             if isinstance(f, (UploadFile, OversizedFile)) and f.filename]
    folder = sanitize_folder(str(form.get("folder") or DEFAULT_FOLDER))
    problems: list[str] = []
    if not files:
        problems.append("Choose at least one file.")
    if meta.errors:
        problems.append("Some metadata is not valid: see the fields below.")
    staging = Staging(s.index)
    staged = []
    if not problems:
        staging.clean_old()
        for upload in files:
            name = str(upload.filename)
            try:
                if isinstance(upload, OversizedFile):
                    raise UploadError(f"larger than the limit of {s.upload_max_mb} MB")
                staged.append(staging.add(upload.file, name, folder=folder,
                                          max_bytes=s.upload_max_mb * 1024 * 1024,
                                          given=meta.values))
            except UploadError as exc:
                problems.append(f"{short_name(name)}: refused: {exc}.")
    if staged:
        add_suggestions(staging, staged, tax, time_limit=min(s.ingest_time_limit, 60.0),
                        memory_mb=s.ingest_memory_mb, workers=s.ingest_workers)
    if problems and not staged:
        return render(request, "admin_upload.html", {
            "title": "Admin: upload", "folders": _folders(_corpus(request)),
            "values": meta.values, "errors": meta.errors, "problems": problems,
            "staged_count": 0, "max_mb": s.upload_max_mb,
            "max_files": s.upload_max_files, **_form_context(request),
        }, status_code=400)
    # Some files accepted: on to their review, with the refused ones listed there (once).
    response = redirect("/admin/review", msg="staged")
    if problems:
        response.set_cookie(REFUSED_COOKIE, _refusals_cookie(problems), max_age=300,
                            path="/admin/review", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


REFUSED_COOKIE = "kb_admin_refused"


def _refusals_cookie(problems: list[str]) -> str:
    """The refusals of an upload as a cookie value (JSON, base64), kept under 3 KB."""
    kept: list[str] = []
    for p in problems:
        if len(json.dumps(kept + [p[:300]])) > 2000:
            kept.append(f"and {len(problems) - len(kept)} more refused")
            break
        kept.append(p[:300])
    return base64.urlsafe_b64encode(json.dumps(kept).encode("utf-8")).decode("ascii")


def _refusals(request: Request) -> list[str]:
    raw = request.cookies.get(REFUSED_COOKIE)
    if not raw:
        return []
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except (ValueError, UnicodeError):
        return []
    return [str(v) for v in value][:50] if isinstance(value, list) else []


def _review_items(request: Request, errors: dict[str, dict[str, str]] | None = None,
                  overrides: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    corpus = _corpus(request)
    items = []
    for st in Staging(settings_of(request).index).list():
        values = {**st.suggested, **st.given, **(overrides or {}).get(st.id, {})}
        suggested = {k: v for k, v in st.suggested.items() if k not in st.given}
        try:
            exists = resolve_in_corpus(corpus, st.rel_path).exists()
        except UploadError:
            exists = False
        items.append({"staged": st, "values": values, "suggested": suggested,
                      "errors": (errors or {}).get(st.id, {}), "exists": exists})
    return items


@router.get("/review")
def review(request: Request) -> Response:
    response = render(request, "admin_review.html", {
        "title": "Admin: check uploads", "items": _review_items(request),
        "folders": _folders(_corpus(request)), "refused": _refusals(request),
        **_form_context(request),
    })
    if REFUSED_COOKIE in request.cookies:
        response.delete_cookie(REFUSED_COOKIE, path="/admin/review")
    return response


@router.post("/review/{stage_id}/save")
def review_save(request: Request, stage_id: str) -> Response:
    s = settings_of(request)
    corpus = _corpus(request)
    form = request.state.admin_form
    staging = Staging(s.index)
    try:
        st = staging.get(stage_id)
    except UploadError as exc:
        return _review_error(request, {}, {}, str(exc))
    tax = load_taxonomy(corpus)
    meta = read_form(form, tax)
    folder = sanitize_folder(str(form.get("folder") or st.folder))
    name = sanitize_filename(str(form.get("name") or st.name), st.media_type)
    rel = f"{folder}/{name}"
    if meta.errors:
        return _review_error(request, {stage_id: meta.errors}, {stage_id: meta.values},
                             f"{st.name}: some metadata is not valid.")
    try:
        resolve_in_corpus(corpus, rel)
        exists = resolve_in_corpus(corpus, rel).exists()
        if exists and form.get("overwrite") != "1":
            raise UploadError(f"{rel} exists already: tick “replace the existing file” "
                              "to overwrite it")
        staging.commit(stage_id, corpus, rel,
                                overwrite=form.get("overwrite") == "1")
        existing = CatalogFile(corpus).get(rel)
        keep = {k: v for k, v in existing.items() if k not in (*FIELDS, "path", "hidden")}
        save_metadata(corpus, rel, {**keep, **meta.values})
    except (UploadError, CatalogError) as exc:
        return _review_error(request, {stage_id: meta.errors}, {stage_id: meta.values},
                             str(exc))
    if form.get("ingest_now") == "1" and _start(request) == "started":
        return redirect("/admin/ingest", msg="saved_ingest", path=rel)
    remaining = Staging(s.index).list()
    return redirect("/admin/review" if remaining else "/admin/documents", msg="saved", path=rel)


def _review_error(request: Request, errors: dict[str, dict[str, str]],
                  overrides: dict[str, dict[str, Any]], problem: str) -> Response:
    return render(request, "admin_review.html", {
        "title": "Admin: check uploads", "items": _review_items(request, errors, overrides),
        "folders": _folders(_corpus(request)), "problem": problem, **_form_context(request),
    }, status_code=400)


@router.post("/review/{stage_id}/discard")
def review_discard(request: Request, stage_id: str) -> Response:
    try:
        Staging(settings_of(request).index).discard(stage_id)
    except UploadError:
        pass
    return redirect("/admin/review", msg="discarded")


# -- documents -------------------------------------------------------------------------------
def _indexed(request: Request) -> dict[str, str]:
    """source path -> doc id of every indexed document."""
    try:
        return {path: doc_id for doc_id, (path, _) in _store(request).fingerprints().items()}
    except IndexUnavailableError:
        return {}


@router.get("/documents")
def documents(request: Request) -> Response:
    corpus = _corpus(request)
    q = request.query_params.get("q", "").strip().lower()[:200]
    try:
        catalog = load_catalog(corpus)
        catalog_error = ""
    except CatalogError as exc:
        catalog, catalog_error = {}, str(exc)
    indexed = _indexed(request)
    failures = _store(request).load_failures()
    rows = []
    for src in discover(corpus):
        entry = catalog.get(src.path, {})
        title = str(entry.get("title") or "")
        if q and q not in src.path.lower() and q not in title.lower():
            continue
        rows.append({
            "path": src.path, "title": title, "size": src.size,
            "hidden": bool(entry.get("hidden")), "doc_id": indexed.get(src.path),
            "failed": (failures.get(src.path) or {}).get("reason"),
            "in_catalog": src.path in catalog,
        })
    return render(request, "admin_documents.html", {
        "title": "Admin: documents", "rows": rows, "q": q, "catalog_error": catalog_error,
    })


def _doc_path(request: Request, rel: str) -> str:
    """``rel`` when it names a document file of the corpus (one that ingest reads: not the
    catalog, the taxonomy, a sidecar or anything ingest ignores); UploadError otherwise."""
    rel = str(PurePosixPath(rel.strip().lstrip("/"))) if rel.strip() else ""
    target = resolve_in_corpus(_corpus(request), rel)
    if not is_document_path(rel) or not target.is_file():
        raise UploadError(f"there is no document {rel[:200]} in the corpus")
    return rel


def _edit_page(request: Request, rel: str, *, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, problem: str = "") -> Response:
    corpus = _corpus(request)
    explicit = explicit_metadata(corpus, rel)
    doc_id = _indexed(request).get(rel)
    indexed_values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if doc_id:
        try:
            view = get_document(_store(request), doc_id)
        except IndexUnavailableError:
            view = None
        if view is not None:
            indexed_values = values_from_document(view.document)
            sources = sources_from_document(view.document)
    suggested = {k: v for k, v in indexed_values.items()
                 if sources.get(k) in ("inferred", "file") and k not in explicit}
    return render(request, "admin_edit.html", {
        "title": f"Admin: {rel}", "path": rel, "doc_id": doc_id,
        "values": values if values is not None else explicit,
        "hidden": bool((values or explicit).get("hidden")), "suggested": suggested,
        "sources": sources, "errors": errors or {}, "problem": problem,
        "has_sidecar": sidecar_of(corpus / rel).is_file(), **_form_context(request),
    }, status_code=400 if (errors or problem) else 200)


@router.get("/documents/edit")
def edit_form(request: Request) -> Response:
    try:
        rel = _doc_path(request, request.query_params.get("path", ""))
    except UploadError as exc:
        return _not_found(request, str(exc))
    return _edit_page(request, rel)


def _not_found(request: Request, reason: str) -> Response:
    return render(request, "admin_refused.html", {"title": "Admin: not found",
                                                  "reason": reason}, status_code=404)


@router.post("/documents/edit")
def edit_save(request: Request) -> Response:
    form = request.state.admin_form
    corpus = _corpus(request)
    try:
        rel = _doc_path(request, str(form.get("path") or ""))
    except UploadError as exc:
        return _not_found(request, str(exc))
    meta = read_form(form, load_taxonomy(corpus))
    if meta.errors:
        return _edit_page(request, rel, values=meta.values, errors=meta.errors,
                          problem="Some metadata is not valid.")
    explicit = explicit_metadata(corpus, rel)
    keep = {k: v for k, v in explicit.items() if k not in (*FIELDS, "hidden")}
    save_metadata(corpus, rel, {**keep, **meta.values})
    if form.get("ingest_now") == "1" and _start(request) == "started":
        return redirect("/admin/ingest", msg="updated_ingest", path=rel)
    return redirect("/admin/documents/edit", msg="updated", path=rel)


@router.post("/documents/hide")
def hide(request: Request) -> Response:
    form = request.state.admin_form
    corpus = _corpus(request)
    try:
        rel = _doc_path(request, str(form.get("path") or ""))
    except UploadError as exc:
        return _not_found(request, str(exc))
    hidden = form.get("hidden") == "1"
    explicit = explicit_metadata(corpus, rel)
    explicit["hidden"] = hidden
    save_metadata(corpus, rel, explicit)
    if form.get("ingest_now") == "1":
        _start(request)
    return redirect("/admin/documents/edit", msg="hidden" if hidden else "shown", path=rel)


@router.get("/documents/delete")
def delete_form(request: Request) -> Response:
    try:
        rel = _doc_path(request, request.query_params.get("path", ""))
    except UploadError as exc:
        return _not_found(request, str(exc))
    entry = explicit_metadata(_corpus(request), rel)
    return render(request, "admin_delete.html", {
        "title": f"Admin: remove {rel}", "path": rel, "entry_title": entry.get("title", ""),
        "has_sidecar": sidecar_of(_corpus(request) / rel).is_file(),
    })


@router.post("/documents/delete")
def delete(request: Request) -> Response:
    form = request.state.admin_form
    corpus = _corpus(request)
    try:
        rel = _doc_path(request, str(form.get("path") or ""))
    except UploadError as exc:
        return _not_found(request, str(exc))
    if form.get("confirm") != rel:
        return redirect("/admin/documents/delete", path=rel)
    target = resolve_in_corpus(corpus, rel)
    CatalogFile(corpus).remove(rel)
    sidecar_of(target).unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    if form.get("ingest_now") == "1" and _start(request) == "started":
        return redirect("/admin/ingest", msg="deleted_ingest", path=rel)
    return redirect("/admin/documents", msg="deleted", path=rel)


# -- ingest ----------------------------------------------------------------------------------
@router.get("/ingest")
def ingest_page(request: Request) -> Response:
    s = settings_of(request)
    return render(request, "admin_ingest.html", {
        "title": "Admin: ingest", "status": read_status(s.index),
        "reports": [_dated(r) for r in _store(request).reports(limit=20)],
    })


def _dated(report: dict[str, Any]) -> dict[str, Any]:
    started = float(report.get("started") or 0)
    return {**report, "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started))}


@router.post("/ingest")
def ingest_start(request: Request) -> Response:
    form = request.state.admin_form
    rebuild = form.get("mode") == "rebuild"
    return redirect("/admin/ingest", msg=_start(request, rebuild=rebuild))


@router.get("/ingest/status")
def ingest_status(request: Request) -> Response:
    status = read_status(settings_of(request).index) or {"state": "none", "active": False}
    response = JSONResponse(status)
    response.headers["Cache-Control"] = "no-store"
    return response
