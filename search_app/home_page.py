"""The home page as data: a way in for a first visit (the search page without a search).

What the knowledge base holds (documents by type, languages, regions, years), the latest good
practices, and the themes and regions to browse, each a link to its search. Built from the
same search function as every other page (a search for everything, and one for the newest
good practices), so its counts are the search page's counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index import IndexStore
from search_app.params import SearchParams
from search_app.search_page import FacetValueData, HitData, search_page

GOOD_PRACTICE = "good_practice"
LATEST_PRACTICES = 6


@dataclass
class HomePage:
    total: int
    #: document types with counts and the link to each type's documents
    types: list[FacetValueData]
    themes: list[FacetValueData]
    regions: list[FacetValueData]
    countries: list[FacetValueData]
    languages: int
    #: regions of the partnership (not counting project-wide documents' "EU")
    region_count: int
    first_year: int | None
    last_year: int | None
    latest_practices: list[HitData]
    practices_total: int
    practices_url: str
    #: good practices whose record has evidence of success
    evidence_url: str
    evidence_total: int
    #: every document, newest first
    browse_url: str
    partners: int = 0
    years: list[FacetValueData] = field(default_factory=list)


def _values(page, name: str) -> list[FacetValueData]:  # type: ignore[no-untyped-def]
    return next((f.values for f in page.facets if f.name == name), [])


def home_page(store: IndexStore) -> HomePage:
    everything = search_page(store, SearchParams(size=1))
    practices = search_page(
        store, SearchParams(filters=(("type", (GOOD_PRACTICE,)),), size=LATEST_PRACTICES))
    evidence = SearchParams(filters=(("type", (GOOD_PRACTICE,)), ("record", ("evidence",))))
    evidence_total = next((v.count for v in _values(practices, "record")
                           if v.value == "evidence"), 0)
    years = sorted(int(v.value) for v in _values(everything, "year") if v.value.isdigit())
    return HomePage(
        total=everything.total,
        types=_values(everything, "type"),
        themes=_values(everything, "theme"),
        regions=_values(everything, "region"),
        countries=_values(everything, "country"),
        languages=len(_values(everything, "language")),
        region_count=len({r.value for r in _values(everything, "region")}
                         - {c.value for c in _values(everything, "country")}),
        partners=len(_values(everything, "partner")),
        first_year=years[0] if years else None,
        last_year=years[-1] if years else None,
        latest_practices=practices.hits,
        practices_total=practices.total,
        practices_url=SearchParams(filters=(("type", (GOOD_PRACTICE,)),)).url("/"),
        evidence_url=evidence.url("/"),
        evidence_total=evidence_total,
        browse_url=SearchParams(sort="newest").url("/"),
        years=_values(everything, "year"),
    )
