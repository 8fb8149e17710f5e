"""Small helpers for file metadata shared by the parsers: titles, keywords, dates."""

from __future__ import annotations

import re
from datetime import date, datetime

from ingest.text import collapse_whitespace, normalize_text

__all__ = ["clean_value", "is_junk_title", "iso_date", "split_keywords"]

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
_ISO_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T\s].*)?$")
_DMY_RE = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")


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


def _plausible_year(year: int) -> bool:
    return 1900 <= year <= date.today().year + 1


def iso_date(value: object) -> str | None:
    """A date as ISO "YYYY", "YYYY-MM" or "YYYY-MM-DD" from common spellings, else None.

    Accepts date/datetime objects, "2020-01-08", "2020-01-08T10:00:00+02:00", "2020-01",
    "2020" and "08.01.2020" / "08/01/2020" (day first, as written in the partner countries).
    """
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat() if _plausible_year(value.year) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}" if _plausible_year(value) else None
    if not isinstance(value, str):
        return None
    match = _ISO_RE.match(value)
    if match:
        year, month, day = match.group(1), match.group(2), match.group(3)
    else:
        match = _DMY_RE.match(value)
        if not match:
            return None
        day, month, year = match.group(1), match.group(2), match.group(3)
    return _compose(int(year), int(month) if month else None, int(day) if day else None)


def _compose(year: int, month: int | None, day: int | None) -> str | None:
    if not _plausible_year(year):
        return None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"
