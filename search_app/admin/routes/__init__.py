"""The admin pages, one router per resource, all behind the guard of
:class:`~search_app.admin.routing.AdminRoute` (session, origin and CSRF checks):

- ``login``: the overview (or the login form), log in, log out;
- ``uploads``: upload files, check their metadata, save them into the corpus or discard them;
- ``documents``: the corpus's documents; edit, hide, remove one;
- ``ingest``: start a run, follow its progress, the history of runs.

Views are plain functions (FastAPI runs them in its thread pool: they read and write files);
they read the submitted form, call the admin modules and redirect (POST, then GET) with a short
message code.
"""

from fastapi import APIRouter

from search_app.admin.routes import documents, ingest, login, uploads

#: All admin routes, flat (each keeps its AdminRoute class and its /admin prefix).
router = APIRouter()
for _resource in (login, uploads, documents, ingest):
    router.routes.extend(_resource.router.routes)

__all__ = ["router"]
