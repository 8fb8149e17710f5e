"""Request dependencies of the admin views, beside the app's own (``search_app.deps``).

- ``AdminForm``: the submitted form, read once by the route guard within the upload limits;
- ``CorpusDocument``: the ``path`` of the request (query on GET, form on POST) when it names a
  document file of the corpus, else the admin's 404 page;
- ``StagingDep``, ``TaxonomyDep``: the upload staging folder and the corpus's taxonomy.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from ingest import Taxonomy, is_document_path, load_taxonomy
from search_app.admin.routing import AdminNotFound
from search_app.admin.uploads import Staging, UploadError, resolve_in_corpus
from search_app.deps import SettingsDep


def get_admin_form(request: Request) -> FormData:
    return getattr(request.state, "admin_form", None) or FormData()


AdminForm = Annotated[FormData, Depends(get_admin_form)]


def corpus_document(request: Request, settings: SettingsDep, form: AdminForm) -> str:
    """The corpus-relative path of the document the request is about (see the module)."""
    if request.method in ("GET", "HEAD"):
        raw = request.query_params.get("path", "")
    else:
        raw = str(form.get("path") or "")
    rel = str(PurePosixPath(raw.strip().lstrip("/"))) if raw.strip() else ""
    try:
        target = resolve_in_corpus(Path(settings.corpus), rel)
    except UploadError as exc:
        raise AdminNotFound(str(exc)) from None
    if not is_document_path(rel) or not target.is_file():
        raise AdminNotFound(f"There is no document {rel[:200]} in the corpus.")
    return rel


CorpusDocument = Annotated[str, Depends(corpus_document)]


def get_staging(settings: SettingsDep) -> Staging:
    return Staging(settings.index)


def get_taxonomy(settings: SettingsDep) -> Taxonomy:
    return load_taxonomy(Path(settings.corpus))


StagingDep = Annotated[Staging, Depends(get_staging)]
TaxonomyDep = Annotated[Taxonomy, Depends(get_taxonomy)]
