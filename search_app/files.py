"""Original files, served only from inside the corpus and only when they are indexed.

A path is resolved (symlinks too) and must stay inside the corpus folder, and it must be the
source path of an indexed document: the catalog (which may hold PDF passwords), the build
scripts and anything else in the folder are never served.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from index import IndexStore
from ingest import SUFFIXES, corpus_file
from search_app.admin.routing import is_admin
from search_app.deps import SettingsDep, StoreDep
from search_app.errors import NotFound

router = APIRouter(tags=["files"])

#: The content type of an original by its suffix: that of its supported type (text with its
#: charset); another file's is guessed from its name.
MEDIA_TYPES: dict[str, str] = {
    suffix: kind + ("; charset=utf-8" if kind.startswith("text/") else "")
    for kind, suffixes in SUFFIXES.items() for suffix in suffixes
}


class IndexedPaths:
    """The source paths of the indexed documents, read again only when the index changes
    (``IndexStore.version()``), so a file is served as soon as an ingest indexes it and no
    longer once one removes it. One per app (``app.state.indexed_paths``)."""

    def __init__(self) -> None:
        self._cached: tuple[tuple[object, ...], dict[str, bool]] | None = None

    def get(self, store: IndexStore) -> dict[str, bool]:
        """Source path -> whether the document is hidden. IndexUnavailableError (a 503) when
        there is no usable index: which files may be served cannot be told."""
        version = store.version()
        cached = self._cached  # one read: another thread may replace it meanwhile
        if cached is not None and cached[0] == version:
            return cached[1]
        paths = store.source_paths()
        self._cached = (version, paths)
        return paths


def get_indexed_paths(request: Request) -> IndexedPaths:
    return request.app.state.indexed_paths


IndexedPathsDep = Annotated[IndexedPaths, Depends(get_indexed_paths)]


def resolve(corpus: Path, relative: str) -> Path | None:
    """The file at ``relative`` inside ``corpus``, or None when it would be outside it."""
    target = corpus_file(corpus, relative)
    return target if target is not None and target.is_file() else None


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


@router.get("/files/{source_path:path}", responses={
    400: {"description": 'Bad parameter: {"error": {"status": 400, ...}}'},
    404: {"description": "no such file (or not an indexed, visible document's)"},
    503: {"description": "No usable index (run `kb ingest`) or a damaged one"}})
def original_file(
    request: Request,
    source_path: str,
    store: StoreDep,
    settings: SettingsDep,
    indexed: IndexedPathsDep,
    download: Annotated[bool, Query(description="as an attachment")] = False,
) -> FileResponse:
    """The original file of an indexed document (PDF links may add #page=N). A hidden
    document's file is only served to a logged-in admin."""
    hidden = indexed.get(store).get(source_path)  # first: no other path touches the disk
    target = resolve(settings.corpus, source_path) if hidden is not None else None
    if target is None or hidden is None or (hidden and not is_admin(request)):
        raise NotFound(f"no original file at {source_path[:200]!r}")
    disposition = "attachment" if download else "inline"
    name = quote(target.name)
    return FileResponse(
        target,
        media_type=media_type(target),
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}",
                 "Cache-Control": "private, no-store" if hidden else "public, max-age=300"},
    )
