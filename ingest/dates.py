"""A document's date as precisely as it is known: "2019-06-28", "2019-06" or "2019".

The one module of date rules, for every source and every reader of a date: what is known is
kept, no day or month is added, and what is not a date is refused.

- :func:`normalise_date`: an explicit date (catalog, sidecar, the admin's form, the merge of
  the sources): an impossible month or day, a time after it that is none ("T25:99"), or a
  year outside FIRST_YEAR..LAST_YEAR, is refused.
- :func:`file_date`: a date a file says of itself (PDF info, HTML ``<meta>``, front matter,
  Word properties), where tools write junk: what of it is possible is kept ("2019-02-30" ->
  "2019-02", a time that is none dropped), a year after next is refused.
- :func:`date_problem`: the admin form's check (a date :func:`normalise_date` reads; the year's
  range said when it is out of it), with DATE_INPUT_PATTERN for the form's input.
- :func:`date_label`: the date as a reader says it ("3 April 2017", "May 2016", "2022").

Both readers take the same spellings: ISO ("2019-06-28", "2019-6", a time after it), day first
("28.06.2019", "28/06/2019", as written in the partner countries), a year as a number, and
date/datetime objects (YAML's).
"""

from __future__ import annotations

import re
from datetime import date as calendar_date
from datetime import datetime

__all__ = ["DATE_FORMS", "DATE_INPUT_PATTERN", "DATE_PATTERN", "date_label", "date_problem",
           "file_date", "normalise_date"]

#: how a date is written (in messages)
DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"
#: a date as it is stored
DATE_PATTERN = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
#: what the admin form's date input takes (its ``pattern``): the spellings normalise_date reads
DATE_INPUT_PATTERN = (r"\s*\d{4}(-\d{1,2}(-\d{1,2})?)?((T| ).*)?\s*"
                      r"|\s*\d{1,2}(\.|/)\d{1,2}(\.|/)\d{4}\s*")
#: the years a document of this collection can have
FIRST_YEAR, LAST_YEAR = 1900, 2100
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# A time may follow the date ("2019-06-28T10:00:00+02:00", "2019-06-28 10:00 +0200"); words
# may not ("2019 abc", "2019 06 28": not a date, rather than the year alone).
_ISO = re.compile(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}.*)?\s*",
                  re.ASCII | re.DOTALL)
#: the time after a date, when there is one: hours, minutes, seconds (a fraction), a zone
_TIME = re.compile(r"\s*[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*"
                   r"(?:Z|[+-]\d{2}(?::?\d{2})?)?\s*", re.ASCII)
_TIME_START = re.compile(r"[T ]\d{1,2}:\d{2}", re.ASCII)
_DAY_FIRST = re.compile(r"\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*", re.ASCII)
_STORED = re.compile(DATE_PATTERN, re.ASCII)

_Parts = tuple[int, int | None, int | None]


def _parts(value: object) -> _Parts | None:
    """(year, month, day) of a date in one of the spellings above (unchecked), else None."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, calendar_date):
        return value.year, value.month, value.day
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None, None
    if not isinstance(value, str):
        return None
    match = _ISO.fullmatch(value)
    if match:
        year, month, day = match.groups()
    else:
        match = _DAY_FIRST.fullmatch(value)
        if not match:
            return None
        day, month, year = match.groups()
    return int(year), int(month) if month else None, int(day) if day else None


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    return "-".join([f"{year:04d}"] + [f"{p:02d}" for p in (month, day) if p is not None])


def _impossible_time(value: object) -> bool:
    """Whether ``value`` is a date with a time after it that is no time ("T25:99")."""
    if not isinstance(value, str):
        return False
    start = _TIME_START.search(value)
    if start is None:
        return False
    time = _TIME.fullmatch(value, start.start())
    if time is None:
        return True
    hours, minutes, seconds = (int(g) if g else 0 for g in time.groups())
    return not (hours <= 23 and minutes <= 59 and seconds <= 60)  # (60: a leap second)


def normalise_date(value: object) -> str | None:
    """An explicit date as stored: "2019-06-28T10:00" -> "2019-06-28"; "2019" and "2019-06"
    stay as they are; anything else, an impossible month, day or time too -> None."""
    parts = _parts(value)
    if parts is None or not FIRST_YEAR <= parts[0] <= LAST_YEAR or _impossible_time(value):
        return None
    year, month, day = parts
    try:
        calendar_date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        return None
    return _iso(year, month, day)


def file_date(value: object) -> str | None:
    """A date from a file's own metadata: the parts of it that are possible ("2019-02-30" ->
    "2019-02", "2019-13-01" -> "2019"); None when it is not a date or its year is not
    plausible (before FIRST_YEAR, after next year)."""
    parts = _parts(value)
    if parts is None or not FIRST_YEAR <= parts[0] <= calendar_date.today().year + 1:
        return None
    year, month, day = parts
    if month is None or not 1 <= month <= 12:
        return _iso(year)
    try:
        return calendar_date(year, month, day).isoformat() if day is not None else \
            _iso(year, month)
    except ValueError:
        return _iso(year, month)


def date_problem(text: str) -> str | None:
    """Why ``text`` (the admin form's date) is not a date ingest takes (any spelling
    :func:`normalise_date` reads; the form stores its normalised form), or None."""
    if normalise_date(text) is not None:
        return None
    parts = _parts(text)
    if parts is not None and not FIRST_YEAR <= parts[0] <= LAST_YEAR:
        return f"the year must be from {FIRST_YEAR} to {LAST_YEAR}"
    time = _TIME_START.search(text)
    if parts is not None and time is not None and normalise_date(text[:time.start()]):
        return f"no such time of day: write the date as {DATE_FORMS} (a time after it as HH:MM)"
    if parts is not None:
        return f"no such day or month: write the date as {DATE_FORMS}"
    return f"write the date as {DATE_FORMS}"


def date_label(date: str | None) -> str | None:
    """A stored date as a reader says it, with only the parts it has: "2017-04-03" ->
    "3 April 2017", "2016-05" -> "May 2016", "2022" -> "2022" (anything else as it is)."""
    if not date:
        return None
    match = _STORED.fullmatch(date)
    if not match:
        return date
    year, month, day = match.groups()
    if month is None:
        return year
    if not 1 <= int(month) <= 12:
        return date
    name = MONTHS[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"
