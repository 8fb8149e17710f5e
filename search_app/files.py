"""Original files, served only from inside the corpus and only when they are indexed.

A path is resolved (symlinks too) and must stay inside the corpus folder, and it must be the
source path of an indexed document: the catalog (which may hold PDF passwords), the build
scripts and anything else in the folder are never served.
"""

from __future__ import annotations

import mimetypes
import os
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.staticfiles import NotModifiedResponse

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


def not_modified(response: Headers, request: Headers) -> bool:
    """Whether a conditional request may be answered 304 (RFC 9110 13.1): an If-None-Match
    naming the response's ETag (weak comparison, so "W/" is ignored; "*" matches any), or,
    without If-None-Match, an If-Modified-Since no earlier than its Last-Modified."""
    if (tags := request.get("if-none-match")) is not None:
        etag = response.get("etag", "").removeprefix("W/")
        return any(t.strip() == "*" or t.strip().removeprefix("W/") == etag
                   for t in tags.split(","))
    since, modified = request.get("if-modified-since"), response.get("last-modified")
    if not since or not modified:
        return False
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(modified)
    except (TypeError, ValueError):  # a date no one can read: the whole file
        return False


@router.get("/files/{source_path:path}", responses={
    304: {"description": "Not modified: the If-None-Match or If-Modified-Since given still "
                         "holds (the file's ETag and Last-Modified)"},
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
) -> Response:
    """The original file of an indexed document (PDF links may add #page=N). A hidden
    document's file is only served to a logged-in admin. It carries an ETag and a
    Last-Modified, and a request that names them (If-None-Match, If-Modified-Since) gets 304
    Not Modified while the file is unchanged."""
    hidden = indexed.get(store).get(source_path)  # first: no other path touches the disk
    target = resolve(settings.corpus, source_path) if hidden is not None else None
    if target is None or hidden is None or (hidden and not is_admin(request)):
        raise NotFound(f"no original file at {source_path[:200]!r}")
    disposition = "attachment" if download else "inline"
    name = quote(target.name)
    response = FileResponse(
        target,
        media_type=media_type(target),
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}",
                 "Cache-Control": "private, no-store" if hidden else "public, max-age=300"},
        # (stat now: the ETag and Last-Modified are then set here, not when it is sent)
        stat_result=os.stat(target),
    )
    if not_modified(response.headers, request.headers):
        return NotModifiedResponse(response.headers)
    return response
