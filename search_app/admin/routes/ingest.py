"""Ingest from the admin: start a run, its live status, the history of runs."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from index import IndexStore, IndexUnavailableError
from search_app.admin.deps import AdminForm
from search_app.admin.ingest_jobs import IngestBusy, read_status, start_ingest
from search_app.admin.routing import AdminRoute, redirect, render
from search_app.deps import SettingsDep, StoreDep
from search_app.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)


def start_run(settings: Settings, *, rebuild: bool = False) -> str:
    """Start an ingest with the server's settings. Returns the message code: "started",
    "busy" (one is running) or "not_started" (the index folder cannot be written)."""
    try:
        start_ingest(settings.index, settings.corpus, rebuild=rebuild,
                     workers=settings.ingest_workers, time_limit=settings.ingest_time_limit,
                     memory_mb=settings.ingest_memory_mb, engine=settings.engine,
                     embed_workers=settings.embed_workers, semantic=settings.semantic,
                     semantic_threads=settings.semantic_threads)
    except IngestBusy:
        return "busy"
    except OSError as exc:
        log.error("admin: cannot start an ingest in %s: %s", settings.index, exc)
        return "not_started"
    return "started"


def index_problem(store: IndexStore) -> str | None:
    """What an admin page says when the index is damaged (searches answer 503, the documents
    page cannot tell which files are indexed), or None: the pages said nothing of it, the
    overview showed the last run's counts, the documents page every file as "not yet"."""
    damage = store.damage()
    if damage is None:
        return None
    return ("The index is damaged, so searches answer 503 and the Index column of the "
            f"documents cannot be read ({damage}). An ingest rebuilds it: run one on the "
            "Ingest page.")


def indexed_documents(store: IndexStore) -> dict[str, str]:
    """source path -> document id of every indexed document (none without an index)."""
    try:
        return {path: doc_id for doc_id, (path, _) in store.fingerprints().items()}
    except IndexUnavailableError:
        return {}


@router.get("/ingest")
def ingest_page(request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    return render(request, "admin_ingest.html", {
        "title": "Admin: ingest", "status": read_status(settings.index),
        "reports": [_dated(r) for r in store.reports(limit=20)],
        "doc_ids": indexed_documents(store), "index_problem": index_problem(store),
    })


def _dated(report: dict[str, Any]) -> dict[str, Any]:
    started = float(report.get("started") or 0)
    return {**report, "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started))}


@router.post("/ingest")
def ingest_start(settings: SettingsDep, form: AdminForm) -> Response:
    return redirect("/admin/ingest",
                    msg=start_run(settings, rebuild=form.get("mode") == "rebuild"))


@router.get("/ingest/status")
def ingest_status(settings: SettingsDep) -> Response:
    status = read_status(settings.index) or {"state": "none", "active": False}
    response = JSONResponse(status)
    response.headers["Cache-Control"] = "no-store"
    return response
