"""Uploaded files: checked by content and size, named safely, staged, then saved into the corpus.

An upload is first *staged* (``<index>/admin-staging/<id>/``, outside the corpus, so neither an
ingest nor ``kb ingest --watch`` sees it), parsed in a worker process with the ingest's time and
memory limits, and its inferred metadata is offered as suggestions. Only when the admin confirms
is the file moved into the corpus and its catalog entry written; an existing file is replaced
only when the admin said so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from index import write_atomic
from ingest import (
    HTML,
    MARKDOWN,
    PLAIN,
    SUFFIXES,
    SUPPORTED_MEDIA_TYPES,
    Taxonomy,
    corpus_file,
    describe_content,
    detect_media_type,
    is_ignored_name,
    preview_files,
)
from search_app.admin.forms import sources_from_document, values_from_document

STAGING = "admin-staging"
STAGE_TTL = 24 * 3600
DEFAULT_FOLDER = "uploads"
_CHUNK = 1 << 20


class UploadError(Exception):
    """An upload that is refused; the message is fit for the admin."""


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text)
    return text.strip("-._")


def sanitize_filename(name: str, media_type: str | None = None) -> str:
    """A safe file name: no folders, ASCII letters, digits, ``.-_``, not hidden, at most 120
    characters, with the extension of its real type (``report.exe`` that is a PDF ends .pdf)."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem.strip("."):  # no extension, or a dot file (".htaccess")
        stem, suffix = base, ""
    stem = _ascii_slug(stem)[:100] or "document"
    suffix = "." + _ascii_slug(suffix).lower() if suffix else ""
    known = SUFFIXES.get(media_type or "", ())
    if known and suffix not in known:
        suffix = known[0]
    return (stem + suffix)[:120]


def short_name(name: str, limit: int = 80) -> str:
    """A file name shortened for a message, keeping its end (and so its extension)."""
    return name if len(name) <= limit else f"{name[:limit - 21]}…{name[-20:]}"


def sanitize_folder(folder: str) -> str:
    """A folder below the corpus root ("uploads", "reports/2021"): each part made safe."""
    parts = []
    for part in re.split(r"[\\/]+", folder or ""):
        if part in ("", ".", ".."):
            continue
        slug = _ascii_slug(part)
        if slug:
            parts.append(slug[:60])
    return "/".join(parts[:4]) or DEFAULT_FOLDER


def check_content(path: Path) -> str:
    """The media type of a staged file, judged by its content; UploadError when refused."""
    media_type = detect_media_type(path)
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head:
        raise UploadError("the file is empty")
    if media_type in (PLAIN, MARKDOWN, HTML) and b"\x00" in head and not head.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    ):
        media_type = None
    if media_type not in SUPPORTED_MEDIA_TYPES:
        what = describe_content(head)
        raise UploadError(
            "not a document this site reads (PDF, Word .docx, HTML, Markdown or plain text)"
            + (f": the content is a {what}" if what else "")
        )
    return media_type


@dataclass
class Staged:
    """One staged upload: the file, where it will go, what inference suggests."""

    id: str
    original_name: str
    name: str
    folder: str
    size: int
    media_type: str
    uploaded: float
    #: metadata typed on the upload form (applied to every file of the upload)
    given: dict[str, Any] = field(default_factory=dict)
    #: metadata inferred from the file (as ingest would infer it), by catalog key
    suggested: dict[str, Any] = field(default_factory=dict)
    #: where each suggestion came from: "file" (its own metadata) or "inferred"
    sources: dict[str, str] = field(default_factory=dict)
    pages: int | None = None
    #: why ingest would fail on this file (shown; the admin may still save it)
    problem: str | None = None
    #: pages the ingest will read by OCR
    ocr_pages: int = 0
    #: what reading the file noted (the document's warnings: repaired, pages skipped, OCR...)
    notes: list[str] = field(default_factory=list)

    @property
    def rel_path(self) -> str:
        return f"{self.folder}/{self.name}"


#: what a request about a staged upload that was saved or discarded meanwhile is told
NO_LONGER_WAITING = "this upload is no longer waiting (saved or discarded)"


class Staging:
    """The staging folder of uploads awaiting confirmation."""

    def __init__(self, index_dir: Path) -> None:
        self.root = Path(index_dir) / STAGING

    def _dir(self, stage_id: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", stage_id or ""):
            raise UploadError("unknown upload")
        return self.root / stage_id

    def add(self, stream: BinaryIO, original_name: str, *, folder: str, max_bytes: int,
            given: dict[str, Any]) -> Staged:
        """Copy an upload into staging, checking its size and content. UploadError if refused."""
        self.root.mkdir(parents=True, exist_ok=True)
        stage_id = secrets.token_urlsafe(12)
        folder_path = self.root / stage_id
        folder_path.mkdir()
        data = folder_path / "file"
        size = 0
        try:
            with open(data, "wb") as out:
                while block := stream.read(_CHUNK):
                    size += len(block)
                    if size > max_bytes:
                        raise UploadError(
                            f"larger than the limit of {max_bytes // (1024 * 1024)} MB"
                        )
                    out.write(block)
            # Sniffing needs the name for text formats (.md/.txt): give the copy its suffix.
            suffix = PurePosixPath(sanitize_filename(original_name)).suffix
            sniff = data.with_name("file" + suffix)
            data.rename(sniff)
            media_type = check_content(sniff)
            sniff.rename(data)
        except BaseException:
            shutil.rmtree(folder_path, ignore_errors=True)
            raise
        staged = Staged(
            id=stage_id, original_name=original_name[:200],
            name=sanitize_filename(original_name, media_type), folder=folder,
            size=size, media_type=media_type, uploaded=time.time(), given=given,
        )
        self.save(staged)
        return staged

    def save(self, staged: Staged) -> None:
        write_atomic(self._dir(staged.id) / "info.json",
                     json.dumps(asdict(staged), ensure_ascii=False))

    def get(self, stage_id: str) -> Staged:
        try:
            data = json.loads((self._dir(stage_id) / "info.json").read_text(encoding="utf-8"))
            return Staged(**data)
        except (OSError, ValueError, TypeError):
            raise UploadError(NO_LONGER_WAITING) from None

    def file(self, stage_id: str) -> Path:
        return self._dir(stage_id) / "file"

    def list(self) -> list[Staged]:
        out: list[Staged] = []
        if not self.root.is_dir():
            return out
        for child in sorted(self.root.iterdir()):
            try:
                out.append(self.get(child.name))
            except UploadError:
                continue
        return sorted(out, key=lambda s: (s.uploaded, s.name))

    def _claim(self, stage_id: str, what: str) -> Path:
        """Take a staged upload for saving or discarding it (``what``): its folder renamed
        (atomic), so that of two requests at once (a double click, a save and a discard in two
        tabs) one does it and the other is told the upload is no longer waiting. The renamed
        folder's name is no upload's (``Staging.list`` skips it)."""
        folder = self._dir(stage_id)
        claimed = folder.with_name(f"{folder.name}.{what}")
        try:
            folder.rename(claimed)
        except FileNotFoundError:
            raise UploadError(NO_LONGER_WAITING) from None
        with contextlib.suppress(OSError):
            os.utime(claimed)  # in use now: clean_old leaves it (its age is the upload's)
        return claimed

    def discard(self, stage_id: str) -> None:
        """Drop a staged upload; UploadError when it is no longer waiting."""
        shutil.rmtree(self._claim(stage_id, "discarding"), ignore_errors=True)

    def clean_old(self, now: float | None = None) -> None:
        """Remove uploads staged more than STAGE_TTL ago, and claimed folders (_claim) left
        that long (a claim refreshes its folder's time: one in use is not removed)."""
        now = time.time() if now is None else now
        if not self.root.is_dir():
            return
        for child in self.root.iterdir():
            try:
                if now - child.stat().st_mtime > STAGE_TTL:
                    shutil.rmtree(child, ignore_errors=True)
            except OSError:
                continue

    def commit(self, stage_id: str, corpus: Path, rel: str, *, overwrite: bool) -> Path:
        """Move the staged file to ``corpus/rel``. UploadError when it exists and not
        ``overwrite``."""
        target = resolve_in_corpus(corpus, rel)
        if target.exists() and not overwrite:
            raise UploadError(f"{rel} exists already: tick “replace the existing file” "
                              "to overwrite it")
        claimed = self._claim(stage_id, "saving")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Atomic: an ingest never reads half a file (an upload is at most KB_UPLOAD_MAX_MB).
            write_atomic(target, (claimed / "file").read_bytes())
        except BaseException:
            with contextlib.suppress(OSError):  # (gone: nothing waits again, the error stays)
                claimed.rename(self._dir(stage_id))  # not saved: it waits again
            raise
        shutil.rmtree(claimed, ignore_errors=True)
        return target


def resolve_in_corpus(corpus: Path, rel: str) -> Path:
    """``corpus/rel``, refusing (UploadError) anything that would leave the corpus or that
    ingest ignores."""
    parts = PurePosixPath(rel).parts
    target = corpus_file(corpus, rel)
    if target is None or any(is_ignored_name(p) for p in parts):
        raise UploadError(f"not a document path: {rel[:200]}")
    return target


# -- suggestions (ingest reads the files in workers with its limits) -------------------------
def add_suggestions(staging: Staging, items: list[Staged], taxonomy: Taxonomy, *,
                    time_limit: float, memory_mb: int, workers: int | None = None) -> None:
    """Have ingest read the staged files and store what it suggests for each."""
    files: dict[str, tuple[Path, str]] = {}
    for s in items:
        # Text formats are recognised by their suffix: give each worker a name it can read.
        suffix = PurePosixPath(s.name).suffix
        link = staging.file(s.id).with_name("file" + suffix)
        if suffix and not link.exists():
            link.hardlink_to(staging.file(s.id))
        files[s.id] = (link if suffix else staging.file(s.id), s.rel_path)
    by_id = {s.id: s for s in items}
    path_to_id = {str(path): sid for sid, (path, _) in files.items()}
    for preview in preview_files(list(files.values()), taxonomy, workers=workers,
                                 time_limit=time_limit, memory_mb=memory_mb):
        staged = by_id[path_to_id[preview.path]]
        doc = preview.document
        if doc is not None:
            values = values_from_document(doc)
            sources = sources_from_document(doc)
            staged.suggested = values
            staged.sources = {k: v for k, v in sources.items() if k in values}
            staged.pages = doc.page_count
            staged.ocr_pages = preview.ocr_pages
            staged.notes = [str(w)[:300] for w in doc.warnings[:20]]
        else:
            staged.problem = preview.reason or "cannot be read"
        staging.save(staged)
