"""Small helpers for file metadata shared by the parsers: titles, keywords (dates:
ingest.dates.file_date)."""

from __future__ import annotations

import re

from ingest.text import collapse_whitespace, normalize_text

__all__ = ["clean_value", "is_junk_title", "split_keywords"]

_JUNK_TITLE_RES = (
    re.compile(r"^microsoft\s+(word|powerpoint|excel)\b", re.I),
    re.compile(
        r"^(untitled|unbenannt|sans titre|sin t[ií]tulo|senza titolo|document|doc|"
        r"presentation|slide|binder|book|new document|title)"
        r"[\s_-]*\d*(\.\w{2,4})?$",
        re.I,
    ),
    re.compile(r"\.(docx?|pdf|pptx?|xlsx?|indd|qxp|qxd|cdr|rtf|odt|tex|dvi|e?ps|ai|psd)$", re.I),
    re.compile(r"^[\W\d_]*$"),
)


def clean_value(value: object) -> str | None:
    """A one-line normalised string, or None if empty."""
    if value is None:
        return None
    text = collapse_whitespace(normalize_text(str(value)))
    return text or None


def is_junk_title(title: str) -> bool:
    """Titles that tools write by themselves: "Microsoft Word - x.doc", "Untitled-1", ..."""
    return len(title) < 3 or any(pattern.search(title) for pattern in _JUNK_TITLE_RES)


def split_keywords(value: object) -> list[str]:
    """ "a, b; c" or ["a", "b"] -> ["a", "b", "c"] (duplicates removed, order kept)."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        parts = [str(item) for item in value if item is not None]
    else:
        parts = re.split(r"[,;|\n]+", normalize_text(str(value)))
    result: list[str] = []
    seen: set[str] = set()
    for part in parts:
        part = collapse_whitespace(normalize_text(part))
        if part and part.lower() not in seen:
            seen.add(part.lower())
            result.append(part)
    return result
