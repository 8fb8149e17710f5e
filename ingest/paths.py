"""Which files of the corpus may be read (those whose real path stays inside the corpus), and
the content hash that identifies a file (the index's fingerprint, the OCR cache's key).

A symbolic link below the corpus that points outside it (``corpus/news/p.txt ->
/etc/passwd``) is never read, whether it is a document, the catalog, the taxonomy or a
sidecar: ingest reports it as skipped. Links that stay inside the corpus are followed.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

#: the reason a link out of the corpus is skipped, as reports show it
OUTSIDE_CORPUS = "a link to a file outside the corpus (not read)"
#: the reason a file or folder whose name is not UTF-8 is skipped, as reports show it
NOT_UTF8_NAME = "a name that is not UTF-8 (not read: rename it)"
#: the reason a file or folder whose name holds a control character is skipped
CONTROL_CHARACTER_NAME = ("a name with a control character, such as a line break (not read: "
                          "rename it)")

#: the control characters (C0, DEL, C1: Unicode's category Cc) and the line and paragraph
#: separators (U+2028, U+2029: line breaks to str.splitlines, browsers and editors)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def name_problem(name: str) -> str | None:
    """Why ingest does not read a file or folder of this name (a reason for its report), or
    None when it does.

    A name that is not UTF-8 reaches Python with its other bytes as lone surrogates
    ("caf\\udce9.pdf" for Latin-1 "café.pdf", from an old zip or a Windows share), which no
    report, page or index can hold. A name holding a control character (a line break, a tab,
    an escape) would break the lines of reports, logs and exports, and no address can hold a
    line break (a route's path matches no line break): such files are not read either. Every
    other name is read, and its /files link works (a backslash is an ordinary character)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UTF8_NAME
    if _CONTROL.search(name):
        return CONTROL_CHARACTER_NAME
    return None


def shown_name(path: str) -> str:
    """``path`` (or any text from the file system or the command line) fit for a report or a
    page: the bytes of it that are not UTF-8, and its control characters, as U+FFFD."""
    try:
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        text = path.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("\ufffd", text)


def real_root(corpus: Path) -> Path:
    return Path(os.path.realpath(corpus))


def inside_corpus(corpus: Path, path: Path) -> bool:
    """Whether ``path`` (below ``corpus``), with every link resolved, is inside ``corpus``."""
    root = real_root(corpus)
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return False
    return real == root or real.is_relative_to(root)


#: The longest name of one file or folder and the longest path, in bytes (Linux's NAME_MAX and
#: PATH_MAX): a longer one makes every look-up fail (ENAMETOOLONG) rather than find nothing.
NAME_MAX = 255
PATH_MAX = 4096


def corpus_file(corpus: Path, rel: str) -> Path | None:
    """The path ``rel`` (POSIX, relative) inside ``corpus`` with every link resolved, or None
    when it is not a relative path, leads out of the corpus or is a path no file can have (a
    name longer than NAME_MAX, the whole longer than PATH_MAX). The one rule for paths that
    come from outside (the site's /files, the admin)."""
    if not rel or "\x00" in rel or rel.startswith("/") or any(
            len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in rel.split("/")):
        return None
    root = real_root(corpus)
    try:
        target = Path(os.path.realpath(root / rel))
    except (OSError, ValueError):
        return None
    if len(os.fsencode(target)) >= PATH_MAX:
        return None
    return target if target != root and target.is_relative_to(root) else None


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes (hex), read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OutsideCorpusError(OSError):
    """A path whose real location is outside the corpus."""
