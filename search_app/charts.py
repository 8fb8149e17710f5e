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
    first, last = min(by_year), max(by_year)
    if last - first > 40:  # outliers (a year 1900 typo) would squash the chart
        years = sorted(by_year)[-40:]
        first = years[0]
    span = list(range(first, last + 1))
    top = max(v[1] for v in by_year.values()) or 1
    slot = width / len(span)
    bar_w = max(2.0, slot * 0.8)
    bars = []
    for i, year in enumerate(span):
        _, count, selected, url = by_year.get(year, (year, 0, False, None))
        h = 0.0 if count == 0 else max(2.0, (height - 2) * count / top)
        bars.append(Bar(year, count, selected, url if count or selected else None,
                        round(i * slot + (slot - bar_w) / 2, 1), round(height - h, 1),
                        round(bar_w, 1), round(h, 1)))
    return YearHistogram(width, height, bars, first, last, top)
