"""The admin area (``/admin``): upload documents, edit their metadata, run ingest.

Off unless ``KB_ADMIN_SECRET`` is set. The router is ``search_app.admin.routes.router``
(imported by the app factory); the other modules do one job each:

- ``security``: sessions, CSRF tokens, the backoff on wrong secrets
- ``routing``: the guard every admin route goes through
- ``uploads``: checking, naming and staging uploaded files; metadata suggestions
- ``catalog_edit``: writing ``corpus/catalog.yaml`` (and sidecars) safely
- ``forms``: the metadata form and its choices from the taxonomy
- ``ingest_jobs`` / ``runner``: ingest runs in a subprocess, progress in a JSON file
"""

__all__ = ["catalog_edit", "forms", "ingest_jobs", "routes", "routing", "security", "uploads"]
