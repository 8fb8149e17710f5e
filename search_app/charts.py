"""Chart data for the search page: hits by country on a tile map, hits by year as bars.

Geometry is computed here so the template only draws (server-side SVG, no JavaScript), and
every shape links to the search with its value toggled, like a facet value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: A tile-grid map of Europe (column, row): partner countries and neighbours for orientation.
TILES: dict[str, tuple[int, int]] = {
    "BE": (1, 0), "NL": (2, 0), "DE": (3, 0), "PL": (4, 0),
    "FR": (1, 1), "CH": (2, 1), "AT": (3, 1), "HU": (4, 1), "RO": (5, 1),
    "PT": (0, 2), "ES": (1, 2), "IT": (3, 2),
}
TILE = 40
GAP = 4
LEVELS = 5


@dataclass
class Tile:
    code: str
    label: str
    count: int
    selected: bool
    #: the search with this country toggled; None for countries without documents
    url: str | None
    x: int
    y: int
    #: 0 = no hits, 1..LEVELS = share of the largest count (for the colour)
    level: int


@dataclass
class CountryMap:
    width: int
    height: int
    tiles: list[Tile] = field(default_factory=list)


@dataclass
class Bar:
    year: int
    count: int
    selected: bool
    url: str | None
    x: float
    y: float
    width: float
    height: float
    #: whether the axis shows this bar's year, and how the label is anchored
    label: bool = False
    anchor: str = "middle"
    #: a break in the axis: the years between its neighbours have no documents
    gap: bool = False


@dataclass
class YearHistogram:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    first: int | None = None
    last: int | None = None
    max_count: int = 0


def _level(count: int, top: int) -> int:
    if count <= 0 or top <= 0:
        return 0
    return max(1, min(LEVELS, round(LEVELS * count / top)))


def country_map(
    values: list[tuple[str, str, int, bool, str]], known: dict[str, str]
) -> CountryMap:
    """``values``: (code, label, count, selected, toggle url) of the country facet;
    ``known``: code -> name of the project's countries (drawn even without hits)."""
    by_code = {v[0]: v for v in values}
    top = max((v[2] for v in values), default=0)
    tiles = []
    extra_col = 0
    for code in [*TILES, *sorted(c for c in {*by_code, *known} if c not in TILES)]:
        if code in TILES:
            col, row = TILES[code]
        else:
            col, row = extra_col, 3
            extra_col += 1
        if code in by_code:
            _, label, count, selected, url = by_code[code]
            tiles.append(Tile(code, label, count, selected, url if count or selected else None,
                              col * (TILE + GAP), row * (TILE + GAP), _level(count, top)))
        else:
            label = known.get(code, code)
            tiles.append(Tile(code, label, 0, False, None, col * (TILE + GAP),
                              row * (TILE + GAP), 0))
    cols = max(6, extra_col)
    rows = 4 if extra_col else 3
    return CountryMap(cols * (TILE + GAP) - GAP, rows * (TILE + GAP) - GAP, tiles)


#: A run of more than this many years without documents becomes one break in the axis.
MAX_EMPTY_RUN = 2
#: At most about this many year labels under the bars.
MAX_LABELS = 6


def _slots(years: list[int]) -> list[int | None]:
    """The years on the axis: every year from the first to the last, except that a long run
    of years without documents (an old upload among recent ones) is one gap (None)."""
    slots: list[int | None] = []
    for year in years:
        if slots and slots[-1] is not None:
            empty = year - slots[-1] - 1
            if empty > MAX_EMPTY_RUN:
                slots.append(None)
            else:
                slots.extend(range(slots[-1] + 1, year))
        slots.append(year)
    return slots


def _labelled(slots: list[int | None]) -> set[int]:
    """Indexes of the slots whose year is written: the first and the last, and evenly
    spaced ones between (never two neighbours when the axis is crowded)."""
    n = len(slots)
    if n <= 8:
        return {i for i, y in enumerate(slots) if y is not None}
    step = -(-n // MAX_LABELS)
    marks = set(range(0, n, step))
    last = n - 1
    if last not in marks:
        if last - max(marks) < (step + 1) // 2:
            marks.discard(max(marks))
        marks.add(last)
    # a label on a gap goes to the year after it
    return {i if slots[i] is not None else i + 1 for i in marks if i < n}


def year_histogram(
    values: list[tuple[int, int, bool, str]], *, width: int = 260, height: int = 90
) -> YearHistogram:
    """``values``: (year, count, selected, toggle url) of the year facet."""
    if not values:
        return YearHistogram(width, height)
    # Years without documents (a selected year that finds nothing) would stretch the axis.
    by_year = {v[0]: v for v in values if v[1] > 0}
    if not by_year:
        return YearHistogram(width, height)
    years = sorted(by_year)[-40:]  # at most 40 bars
    slots = _slots(years)
    labelled = _labelled(slots)
    top = max(v[1] for v in by_year.values()) or 1
    slot = width / len(slots)
    bar_w = max(2.0, slot * 0.8)
    bars = []
    for i, year in enumerate(slots):
        x = round(i * slot + (slot - bar_w) / 2, 1)
        if year is None:
            bars.append(Bar(0, 0, False, None, x, float(height), round(bar_w, 1), 0.0,
                            gap=True))
            continue
        _, count, selected, url = by_year.get(year, (year, 0, False, None))
        h = 0.0 if count == 0 else max(2.0, (height - 2) * count / top)
        anchor = "middle"
        if len(slots) > 8 and i == 0:
            anchor = "start"
        elif len(slots) > 8 and i == len(slots) - 1:
            anchor = "end"
        bars.append(Bar(year, count, selected, url if count or selected else None,
                        x, round(height - h, 1), round(bar_w, 1), round(h, 1),
                        label=i in labelled, anchor=anchor))
    return YearHistogram(width, height, bars, years[0], years[-1], top)
