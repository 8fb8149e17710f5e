"""Writing ``corpus/catalog.yaml``: one entry changed, the others kept, sorted by path.

Writes are atomic (a temporary file renamed into place) and serialised between server
processes by a lock file (``corpus/.catalog.lock``; names starting with "." are not documents).
The comment block at the top of the file is kept; comments elsewhere are not (YAML loaders
drop them). A file with a sidecar (``<file>.meta.yaml``) gets its edits in the sidecar, since
the sidecar overrides the catalog field by field.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ingest.catalog import CATALOG_KEYS, SIDECAR_SUFFIX, CatalogError

CATALOG_FILE = "catalog.yaml"
LOCK_FILE = ".catalog.lock"

#: The order of keys in a written entry.
KEY_ORDER = ("path", *CATALOG_KEYS)


@contextlib.contextmanager
def catalog_lock(corpus: Path) -> Iterator[None]:
    with open(Path(corpus) / LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    known = [k for k in KEY_ORDER if k in entry]
    rest = sorted(k for k in entry if k not in KEY_ORDER)
    return {k: entry[k] for k in (*known, *rest)}


def _clean(entry: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values; ``hidden: false`` is the default and is left out too."""
    out = {}
    for key, value in entry.items():
        if value in (None, "", [], False):
            continue
        out[key] = value
    return out


class CatalogFile:
    """``corpus/catalog.yaml`` as a list of raw entries (a dict form is kept as such)."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = Path(corpus)
        self.path = self.corpus / CATALOG_FILE

    def _read(self) -> tuple[str, Any, list[dict[str, Any]]]:
        if not self.path.is_file():
            return "", None, []
        text = self.path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CatalogError(f"{CATALOG_FILE}: cannot be read: {exc}") from exc
        header_lines = []
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                header_lines.append(line)
            else:
                break
        header = "\n".join(header_lines).strip()
        rows = data.get("documents", []) if isinstance(data, dict) else (data or [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise CatalogError(f"{CATALOG_FILE}: expected a list of entries")
        return header, data, rows

    def _write(self, header: str, data: Any, rows: list[dict[str, Any]]) -> None:
        rows = sorted((_ordered(r) for r in rows), key=lambda r: str(r.get("path", "")))
        body: Any = rows
        if isinstance(data, dict):
            body = {**data, "documents": rows}
        text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
        write_atomic(self.path, (header + "\n" if header else "") + text)

    def entries(self) -> dict[str, dict[str, Any]]:
        _, _, rows = self._read()
        return {str(r.get("path", "")).strip().lstrip("/"): r for r in rows}

    def get(self, rel: str) -> dict[str, Any]:
        return dict(self.entries().get(rel, {}))

    def put(self, rel: str, fields: dict[str, Any]) -> None:
        """Replace the entry of ``rel`` with ``fields`` (other entries untouched)."""
        unknown = set(fields) - set(CATALOG_KEYS)
        if unknown:
            raise CatalogError(f"unknown catalog keys: {', '.join(sorted(unknown))}")
        with catalog_lock(self.corpus):
            header, data, rows = self._read()
            rows = [r for r in rows if str(r.get("path", "")).strip().lstrip("/") != rel]
            rows.append({"path": rel, **_clean(fields)})
            self._write(header, data, rows)

    def update(self, rel: str, **changes: Any) -> None:
        """Change some fields of the entry of ``rel`` (creating it when missing)."""
        with catalog_lock(self.corpus):
            header, data, rows = self._read()
            current: dict[str, Any] = {"path": rel}
            kept = []
            for r in rows:
                if str(r.get("path", "")).strip().lstrip("/") == rel:
                    current = dict(r)
                else:
                    kept.append(r)
            current.update(changes)
            kept.append({"path": rel, **_clean({k: v for k, v in current.items()
                                                 if k != "path"})})
            self._write(header, data, kept)

    def remove(self, rel: str) -> bool:
        with catalog_lock(self.corpus):
            header, data, rows = self._read()
            kept = [r for r in rows if str(r.get("path", "")).strip().lstrip("/") != rel]
            if len(kept) == len(rows):
                return False
            self._write(header, data, kept)
            return True


def sidecar_of(file: Path) -> Path:
    return file.with_name(file.name + SIDECAR_SUFFIX)


def write_sidecar(file: Path, fields: dict[str, Any]) -> None:
    text = yaml.safe_dump(_ordered(_clean(fields)), allow_unicode=True, sort_keys=False,
                          width=100)
    write_atomic(sidecar_of(file), text)


def read_sidecar(file: Path) -> dict[str, Any] | None:
    path = sidecar_of(file)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path.name}: cannot be read: {exc}") from exc
    return data if isinstance(data, dict) else {}


def save_metadata(corpus: Path, rel: str, fields: dict[str, Any]) -> str:
    """Write the explicit metadata of ``rel``: into its sidecar if it has one, else the
    catalog. Returns where it went ("sidecar" or "catalog")."""
    file = Path(corpus) / rel
    if sidecar_of(file).is_file():
        write_sidecar(file, fields)
        return "sidecar"
    CatalogFile(corpus).put(rel, fields)
    return "catalog"


def explicit_metadata(corpus: Path, rel: str) -> dict[str, Any]:
    """The catalog entry of ``rel`` overlaid with its sidecar (as ingest reads them)."""
    entry = CatalogFile(corpus).get(rel)
    entry.pop("path", None)
    side = read_sidecar(Path(corpus) / rel)
    if side:
        entry.update(side)
    return entry
