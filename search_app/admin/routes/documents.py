"""The corpus's documents in the admin: the list, and edit, hide or remove one.

Each view about one document takes a :data:`~search_app.admin.deps.CorpusDocument`: only
document files of the corpus get this far (not the catalog, the taxonomy or a sidecar).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from index import Fingerprint, IndexStore, IndexUnavailableError, get_document
from ingest import (
    CatalogError,
    CatalogFile,
    SourceFile,
    Taxonomy,
    discover,
    is_current,
    load_catalog,
    load_sidecar,
    load_taxonomy,
    normalise_date,
    sidecar_of,
)
from search_app.admin.catalog_edit import explicit_metadata, save_metadata
from search_app.admin.deps import AdminForm, CorpusDocument, TaxonomyDep
from search_app.admin.forms import (
    FIELDS,
    form_context,
    read_form,
    sources_from_document,
    values_from_document,
)
from search_app.admin.routes.ingest import index_problem, indexed_documents, start_run
from search_app.admin.routing import AdminRoute, redirect, render
from search_app.deps import SettingsDep, StoreDep

router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)


@router.get("/documents")
def documents(request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    corpus = Path(settings.corpus)
    q = request.query_params.get("q", "").strip().lower()[:200]
    try:
        catalog = load_catalog(corpus)
        catalog_error = ""
    except CatalogError as exc:
        catalog, catalog_error = {}, str(exc)
    try:
        indexed = {path: (doc_id, fp) for doc_id, (path, fp) in store.fingerprints().items()}
    except IndexUnavailableError:
        indexed = {}
    failures = store.load_failures()
    try:
        taxonomy: Taxonomy | None = load_taxonomy(corpus) if not catalog_error else None
    except CatalogError:
        taxonomy = None
    rows = []
    for src in discover(corpus):
        entry = catalog.get(src.path, {})
        title = str(entry.get("title") or "")
        if q and q not in src.path.lower() and q not in title.lower():
            continue
        doc_id, fingerprint = indexed.get(src.path, (None, None))
        rows.append({
            "path": src.path, "title": title, "size": src.size,
            "hidden": bool(entry.get("hidden")), "doc_id": doc_id,
            "failed": (failures.get(src.path) or {}).get("reason"),
            "in_catalog": src.path in catalog,
            # its file or its metadata changed since the ingest that indexed it (an edit
            # saved while a run was going, or without one): searches show the old values
            "changed": (fingerprint is not None and taxonomy is not None
                        and not _is_current(corpus, src, fingerprint, entry, taxonomy)),
        })
    return render(request, "admin_documents.html", {
        "title": "Admin: documents", "rows": rows, "q": q, "catalog_error": catalog_error,
        "index_problem": index_problem(store),
    })


def _is_current(corpus: Path, src: SourceFile, fingerprint: Fingerprint,
                entry: dict[str, Any], taxonomy: Taxonomy) -> bool:
    try:
        explicit = {**entry, **load_sidecar(corpus / src.path, corpus)}
    except CatalogError:  # a sidecar that cannot be read: the ingest fails the file
        return False
    return is_current(fingerprint, src, explicit, taxonomy)


def _edit_page(request: Request, corpus: Path, store: IndexStore, tax: Taxonomy, rel: str, *,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               problem: str = "", ingest_now: bool = True) -> Response:
    explicit = explicit_metadata(corpus, rel)
    doc_id = indexed_documents(store).get(rel)
    indexed_values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if doc_id:
        try:
            view = get_document(store, doc_id, include_hidden=True)
        except IndexUnavailableError:
            view = None
        if view is not None:
            indexed_values = values_from_document(view.document)
            sources = sources_from_document(view.document)
    suggested = {k: v for k, v in indexed_values.items()
                 if sources.get(k) in ("inferred", "file") and k not in explicit}
    shown = dict(values if values is not None else explicit)
    if shown.get("date") not in (None, ""):  # a catalog's "28.06.2019" as the form takes it
        shown["date"] = normalise_date(shown["date"]) or shown["date"]
    return render(request, "admin_edit.html", {
        "title": f"Admin: {rel}", "path": rel, "doc_id": doc_id,
        "values": shown,
        "hidden": bool((values or explicit).get("hidden")), "suggested": suggested,
        "sources": sources, "errors": errors or {}, "problem": problem, "ingest_now": ingest_now,
        "has_sidecar": sidecar_of(corpus / rel).is_file(), **form_context(tax),
    }, status_code=400 if (errors or problem) else 200)


def _save_unless_removed(corpus: Path, rel: str, fields: dict[str, Any]) -> bool:
    """Write ``rel``'s metadata; False (and nothing of it left) when the file was removed
    meanwhile. A removal (``delete``) takes the file first, its sidecar and catalog entry
    after: whichever order the two requests' steps take, no entry outlives its file."""
    save_metadata(corpus, rel, fields)
    if (corpus / rel).is_file():
        return True
    CatalogFile(corpus).remove(rel)
    sidecar_of(corpus / rel).unlink(missing_ok=True)
    return False


@router.get("/documents/edit")
def edit_form(request: Request, rel: CorpusDocument, settings: SettingsDep, store: StoreDep,
              tax: TaxonomyDep) -> Response:
    return _edit_page(request, Path(settings.corpus), store, tax, rel)


@router.post("/documents/edit")
def edit_save(request: Request, rel: CorpusDocument, form: AdminForm, settings: SettingsDep,
              store: StoreDep, tax: TaxonomyDep) -> Response:
    corpus = Path(settings.corpus)
    meta = read_form(form, tax)
    if meta.errors:
        return _edit_page(request, corpus, store, tax, rel, values=meta.values,
                          errors=meta.errors, problem="Some metadata is not valid.",
                          ingest_now=form.get("ingest_now") == "1")
    explicit = explicit_metadata(corpus, rel)
    keep = {k: v for k, v in explicit.items() if k not in (*FIELDS, "hidden")}
    if not _save_unless_removed(corpus, rel, {**keep, **meta.values}):
        return redirect("/admin/documents", msg="removed_meanwhile", path=rel)
    if form.get("ingest_now") == "1":
        started = start_run(settings)  # "busy" or "not_started" said too, never "saved" only
        if started == "started":
            return redirect("/admin/ingest", msg="updated_ingest", path=rel)
        return redirect("/admin/documents/edit", msg=f"updated_{started}", path=rel)
    return redirect("/admin/documents/edit", msg="updated", path=rel)


@router.post("/documents/hide")
def hide(rel: CorpusDocument, form: AdminForm, settings: SettingsDep) -> Response:
    corpus = Path(settings.corpus)
    hidden = form.get("hidden") == "1"
    explicit = explicit_metadata(corpus, rel)
    explicit["hidden"] = hidden
    if not _save_unless_removed(corpus, rel, explicit):
        return redirect("/admin/documents", msg="removed_meanwhile", path=rel)
    # Hiding takes effect through an ingest (the index is ingest's to write): start it now.
    started = start_run(settings)
    change = "hidden" if hidden else "shown"
    if started == "started":
        return redirect("/admin/ingest", msg=f"{change}_ingest", path=rel)
    return redirect("/admin/documents/edit", msg=f"{change}_{started}", path=rel)


@router.get("/documents/delete")
def delete_form(request: Request, rel: CorpusDocument, settings: SettingsDep) -> Response:
    corpus = Path(settings.corpus)
    entry = explicit_metadata(corpus, rel)
    return render(request, "admin_delete.html", {
        "title": f"Admin: remove {rel}", "path": rel, "entry_title": entry.get("title", ""),
        "has_sidecar": sidecar_of(corpus / rel).is_file(),
    })


@router.post("/documents/delete")
def delete(rel: CorpusDocument, form: AdminForm, settings: SettingsDep) -> Response:
    corpus = Path(settings.corpus)
    if form.get("confirm") != rel:
        return redirect("/admin/documents/delete", path=rel)
    target = corpus / rel

    def remove_files() -> None:
        target.unlink(missing_ok=True)
        sidecar_of(target).unlink(missing_ok=True)

    # the file first: a save of its metadata at the same time sees it gone and keeps nothing;
    # once the catalog has been read (one that cannot be read leaves everything in place)
    CatalogFile(corpus).remove(rel, first=remove_files)
    if form.get("ingest_now") == "1":
        started = start_run(settings)
        if started == "started":
            return redirect("/admin/ingest", msg="deleted_ingest", path=rel)
        return redirect("/admin/documents", msg=f"deleted_{started}", path=rel)
    return redirect("/admin/documents", msg="deleted", path=rel)
