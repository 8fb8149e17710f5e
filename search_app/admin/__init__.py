"""The admin area (``/admin``): upload documents, edit their metadata, run ingest.

Off unless ``KB_ADMIN_SECRET`` is set. The router is ``search_app.admin.routes.router``
(imported by the app factory), made of one router per resource (``routes.login``,
``routes.uploads``, ``routes.documents``, ``routes.ingest``); the other modules do one job each:

- ``security``: sessions, CSRF tokens, the backoff on wrong secrets
- ``routing``: the guard every admin route goes through
- ``bodies``: reading a form body within the upload limits, counted as the bytes arrive
- ``deps``: the admin's request dependencies (the form, a document path of the corpus)
- ``uploads``: checking, naming and staging uploaded files; metadata suggestions
- ``catalog_edit``: where a document's metadata goes (its sidecar or the catalog, written by
  ``ingest.catalog``)
- ``forms``: the metadata form and its choices from the taxonomy
- ``ingest_jobs`` / ``runner``: ingest runs in a subprocess, progress in a JSON file
"""

__all__ = ["bodies", "catalog_edit", "deps", "forms", "ingest_jobs", "routes", "routing",
           "security", "uploads"]
