"""Uploads in the admin: the form, staging the files, checking each one's metadata, saving it
into the corpus (or discarding it).

Refusals of some files of an upload travel to the review page once, in a short-lived cookie
(:func:`_refusals_cookie`), since the upload answers with a redirect.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ingest import (
    CatalogError,
    Taxonomy,
    is_ignored_name,
    name_problem,
    normalise_date,
)
from search_app.admin.bodies import OversizedFile
from search_app.admin.catalog_edit import explicit_metadata, save_metadata
from search_app.admin.deps import AdminForm, StagingDep, TaxonomyDep
from search_app.admin.forms import FIELDS, form_context, read_form
from search_app.admin.routes.ingest import start_run
from search_app.admin.routing import AdminRoute, redirect, render
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
from search_app.deps import SettingsDep

router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)
REFUSED_COOKIE = "kb_admin_refused"


def _folders(corpus: Path) -> list[str]:
    """The folders of the corpus an upload may go to (those ingest reads)."""
    out = {DEFAULT_FOLDER}
    for root, dirs, _ in os.walk(corpus):
        # (a folder whose name is not UTF-8 or holds a control character is not read by
        # ingest, and no page can show it)
        dirs[:] = [d for d in dirs if not is_ignored_name(d) and name_problem(d) is None]
        rel = Path(root).relative_to(corpus)
        if rel != Path("."):
            out.add(rel.as_posix())
    return sorted(out)


@router.get("/upload")
def upload_form(request: Request, settings: SettingsDep, tax: TaxonomyDep) -> Response:
    return render(request, "admin_upload.html", {
        "title": "Admin: upload", "folders": _folders(Path(settings.corpus)), "values": {},
        "folder": DEFAULT_FOLDER, "errors": {}, "error": "", "max_mb": settings.upload_max_mb,
        "max_files": settings.upload_max_files, **form_context(tax),
    })


@router.post("/upload")
def upload(request: Request, settings: SettingsDep, form: AdminForm, staging: StagingDep,
           tax: TaxonomyDep) -> Response:
    meta = read_form(form, tax)
    files = [f for f in form.getlist("files")
             if isinstance(f, (UploadFile, OversizedFile)) and f.filename]
    folder = sanitize_folder(str(form.get("folder") or DEFAULT_FOLDER))
    problems: list[str] = []
    if not files:
        problems.append("Choose at least one file.")
    if meta.errors:
        problems.append("Some metadata is not valid: see the fields below.")
    staged = []
    if not problems:
        staging.clean_old()
        for upload in files:
            name = str(upload.filename)
            try:
                if isinstance(upload, OversizedFile):
                    raise UploadError(f"larger than the limit of {settings.upload_max_mb} MB")
                staged.append(staging.add(upload.file, name, folder=folder,
                                          max_bytes=settings.upload_max_mb * 1024 * 1024,
                                          given=meta.values))
            except UploadError as exc:
                problems.append(f"{short_name(name)}: refused: {exc}.")
    if staged:
        add_suggestions(staging, staged, tax, time_limit=min(settings.ingest_time_limit, 60.0),
                        memory_mb=settings.ingest_memory_mb, workers=settings.ingest_workers)
    if problems and not staged:
        if files:  # a browser cannot fill a file input in again
            problems.append("Choose the files again: a page sent back cannot keep them.")
        return render(request, "admin_upload.html", {
            "title": "Admin: upload", "folders": _folders(Path(settings.corpus)),
            "values": meta.values, "errors": meta.errors, "problems": problems,
            "folder": str(form.get("folder") or DEFAULT_FOLDER),
            "staged_count": 0, "max_mb": settings.upload_max_mb,
            "max_files": settings.upload_max_files, **form_context(tax),
        }, status_code=400)
    # Some files accepted: on to their review, with the refused ones listed there (once).
    response = redirect("/admin/review", msg="staged")
    if problems:
        response.set_cookie(REFUSED_COOKIE, _refusals_cookie(problems), max_age=300,
                            path="/admin/review", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


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


def _target(folder: str, name: str, media_type: str) -> str:
    """Where a staged upload goes: ``folder/name`` made safe as the save makes them."""
    return f"{sanitize_folder(folder)}/{sanitize_filename(name, media_type)}"


def _entry_of(corpus: Path, rel: str) -> dict[str, Any]:
    """The explicit metadata (catalog entry and sidecar) of ``rel``, or {} when there is none
    or the catalog cannot be read (the save then says why)."""
    try:
        resolve_in_corpus(corpus, rel)
        return explicit_metadata(corpus, rel)
    except (UploadError, CatalogError):
        return {}


def _review_page(request: Request, corpus: Path, staging: Staging, tax: Taxonomy, *,
                 errors: dict[str, dict[str, str]] | None = None,
                 overrides: dict[str, dict[str, Any]] | None = None,
                 typed: dict[str, dict[str, Any]] | None = None,
                 problem: str = "") -> Response:
    """The review of the staged uploads; ``overrides`` (metadata) and ``typed`` (folder, name,
    overwrite, ingest_now) are what a refused save sent, shown again for its upload.

    An upload whose path has a catalog entry already (a new version of a document) shows the
    entry's values rather than what was read from the new file: explicit values win over
    suggestions, and saving the form as shown keeps the entry (and ``hidden``, not a field of
    this form, always)."""
    items = []
    for st in staging.list():
        form = {"folder": st.folder, "name": st.name, "overwrite": False, "ingest_now": True,
                **(typed or {}).get(st.id, {})}
        target = _target(str(form["folder"]), str(form["name"]), st.media_type)
        try:
            exists = resolve_in_corpus(corpus, target).exists()
        except UploadError:
            exists = False
        entry = _entry_of(corpus, target)
        shown_entry = {k: v for k, v in entry.items() if k in FIELDS}
        if shown_entry.get("date") not in (None, ""):  # "28.06.2019" as the form takes it
            shown_entry["date"] = normalise_date(shown_entry["date"]) or shown_entry["date"]
        values = {**st.suggested, **shown_entry, **st.given,
                  **(overrides or {}).get(st.id, {})}
        suggested = {k: v for k, v in st.suggested.items()
                     if k not in st.given and k not in shown_entry}
        items.append({"staged": st, "values": values, "suggested": suggested, "form": form,
                      "errors": (errors or {}).get(st.id, {}), "exists": exists,
                      "target": target, "entry_for": target if entry else "",
                      "has_entry": bool(shown_entry), "hidden": bool(entry.get("hidden"))})
    context = {"title": "Admin: check uploads", "items": items, "folders": _folders(corpus),
               **form_context(tax)}
    if problem:
        return render(request, "admin_review.html", {**context, "problem": problem},
                      status_code=400)
    response = render(request, "admin_review.html", {**context, "refused": _refusals(request)})
    if REFUSED_COOKIE in request.cookies:
        response.delete_cookie(REFUSED_COOKIE, path="/admin/review")
    return response


@router.get("/review")
def review(request: Request, settings: SettingsDep, staging: StagingDep,
           tax: TaxonomyDep) -> Response:
    return _review_page(request, Path(settings.corpus), staging, tax)


@router.post("/review/{stage_id}/save")
def review_save(request: Request, stage_id: str, settings: SettingsDep, form: AdminForm,
                staging: StagingDep, tax: TaxonomyDep) -> Response:
    corpus = Path(settings.corpus)
    try:
        st = staging.get(stage_id)
    except UploadError as exc:
        return _review_page(request, corpus, staging, tax, problem=str(exc))
    meta = read_form(form, tax)
    folder = sanitize_folder(str(form.get("folder") or st.folder))
    name = sanitize_filename(str(form.get("name") or st.name), st.media_type)
    rel = f"{folder}/{name}"
    typed = {stage_id: {"folder": str(form.get("folder") or st.folder),
                        "name": str(form.get("name") or st.name),
                        "overwrite": form.get("overwrite") == "1",
                        "ingest_now": form.get("ingest_now") == "1"}}
    if meta.errors:
        return _review_page(request, corpus, staging, tax, errors={stage_id: meta.errors},
                            overrides={stage_id: meta.values}, typed=typed,
                            problem=f"{st.name}: some metadata is not valid.")
    try:
        existing = explicit_metadata(corpus, rel)
        if any(k in FIELDS for k in existing) and str(form.get("entry_for") or "") != rel:
            # the form showed the upload's own values, not this entry's: saving them would
            # replace what the entry holds without the admin having seen it
            return _review_page(request, corpus, staging, tax, typed=typed, problem=(
                f"{rel} has its own catalog entry, which the form did not show: its values "
                "are shown now. Check them and save again."))
        staging.commit(stage_id, corpus, rel, overwrite=form.get("overwrite") == "1")
        # the form's fields replace the entry's (it showed them); what the form does not
        # hold is kept: hidden above all (a new version of a hidden document stays hidden)
        keep = {k: v for k, v in existing.items() if k not in FIELDS}
        save_metadata(corpus, rel, {**keep, **meta.values})
    except (UploadError, CatalogError) as exc:
        return _review_page(request, corpus, staging, tax, errors={stage_id: meta.errors},
                            overrides={stage_id: meta.values}, typed=typed, problem=str(exc))
    if form.get("ingest_now") == "1":
        started = start_run(settings)  # "busy" or "not_started" said too, never "saved" only
        if started == "started":
            return redirect("/admin/ingest", msg="saved_ingest", path=rel)
        return redirect("/admin/review" if staging.list() else "/admin/documents",
                        msg=f"saved_{started}", path=rel)
    return redirect("/admin/review" if staging.list() else "/admin/documents", msg="saved",
                    path=rel)


@router.post("/review/{stage_id}/discard")
def review_discard(stage_id: str, staging: StagingDep) -> Response:
    try:
        staging.discard(stage_id)
    except UploadError:
        return redirect("/admin/review", msg="gone")
    return redirect("/admin/review", msg="discarded")
