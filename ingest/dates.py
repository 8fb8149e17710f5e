"""A document's date as precisely as it is known: "2019-06-28", "2019-06" or "2019".

One rule for every source (catalog, front matter, file metadata, the admin's form): what is
known is kept, no day or month is added, and what is not a date is refused.
"""

from __future__ import annotations

import re
from datetime import date as calendar_date

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", re.ASCII)


def normalise_date(value: object) -> str | None:
    """"2019-06-28T10:00" -> "2019-06-28"; "2019" and "2019-06" stay as they are (what is
    known, no day or month added); anything else, an impossible month or day too -> None."""
    if value is None:
        return None
    match = _DATE.match(str(value).strip())
    if not match:
        return None
    year, month, day = match.groups()
    if not 1900 <= int(year) <= 2100:
        return None
    try:
        calendar_date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return "-".join(p for p in (year, month, day) if p)
