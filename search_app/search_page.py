"""One search as page data: what the HTML page, /api/search and the exports all render.

:func:`search_page` turns SearchParams into an index SearchRequest, runs it, and returns a
:class:`SearchPage`: hits with their links, facets whose values carry a ``toggle_url``,
removable chips, pagination, sort and size options, chart data, "did you mean" and the
reasons for an empty result. Templates do no URL work and no logic beyond loops.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from index import (
    MAX_PAGE_SIZE,
    PRACTICE_FIELDS,
    YEAR_FACETS,
    DocumentHit,
    HitMetadata,
    IndexStore,
    SearchRequest,
    SearchResult,
    base_language,
    search,
    search_hits,
    semantic_enabled,
)
from ingest import date_label
from search_app.charts import CountryMap, YearHistogram, country_map, year_histogram
from search_app.params import (
    FACET_LABELS,
    FACETS,
    PAGE_SIZES,
    SORT_LABELS,
    SearchParams,
)

#: values of a facet shown before "+N more"
FACET_TOP = 6
PASSAGES_PER_HIT = 3


# -- the data ----------------------------------------------------------------------------------
@dataclass
class FacetValueData:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass
class FacetData:
    name: str
    label: str
    values: list[FacetValueData]
    #: how many values to show before "+N more" (the rest stay reachable)
    top: int
    more: int
    selected: int
    #: year: how many documents of the results have no date (in no year's count); counted
    #: when no year is selected (0 otherwise)
    without: int = 0


@dataclass
class Chip:
    facet: str
    facet_label: str
    value: str
    label: str
    remove_url: str


@dataclass
class HitPassageData:
    ordinal: int
    page: int | None
    heading: str | None
    #: escaped HTML with <mark> around matched words (from the index; safe to render)
    snippet: str
    #: where the passage is: the file at its page, or the document page at the passage
    url: str
    where: str


@dataclass(kw_only=True)
class HitData(HitMetadata):
    """A hit as the page, the API and the exports show it: the index's HitMetadata (every
    field by the same name) with its rank, links, labels and passages."""

    rank: int
    url: str
    file_url: str
    doc_type_label: str | None
    language_label: str | None
    themes: list[dict[str, str]]
    score: float
    passages: list[HitPassageData]
    #: "keyword" (its words match) or "semantic" (found by meaning only)
    match: str = "keyword"
    #: written in another language than the query (when the query's language is known)
    other_language: bool = False
    #: the date as a reader says it, no more precise than it is: "3 April 2017", "May 2016",
    #: "2022" (None without a date)
    date_label: str | None = None

    @property
    def place(self) -> str | None:
        """Where the document is from, for a reader (the page and ``kb search``)."""
        return place_label(self.region_name, self.region_code, self.country_name,
                           self.country_code)


def best_passage(hit: HitData) -> HitPassageData | None:
    """A hit's best passage: the one the results page shows first (of its best
    PASSAGES_PER_HIT passages, in the document's order: index.search), which the document
    page lists among the query's matches; the CSV export's ``best_passage``. The exports ask
    for the page's passages (export_hits): the best one of a single passage asked for was
    another (the best ranked, often later in the document than the page's first)."""
    return hit.passages[0] if hit.passages else None


def place_label(
    region_name: str | None, region_code: str | None,
    country_name: str | None, country_code: str | None,
) -> str | None:
    """"West Transdanubia, Hungary"; a project-wide document (region and country both "EU")
    names its place once: "Project-wide (all partner regions)"."""
    if region_name and region_code == country_code:
        return region_name
    return ", ".join(name for name in (region_name, country_name) if name) or None


@dataclass
class Option:
    value: str
    label: str
    selected: bool
    url: str


@dataclass
class PageLink:
    #: None for a gap ("…")
    number: int | None
    url: str | None
    current: bool = False


@dataclass
class Pagination:
    page: int
    pages: int
    #: rank of the first and last hit on this page (both 0 past the last page)
    first: int
    last: int
    prev_url: str | None
    next_url: str | None
    links: list[PageLink]


@dataclass
class KnownValue:
    value: str
    label: str
    count: int


@dataclass
class UnknownValue:
    """A filter value that no document of the index has (``country=ZZ``, ``type=foo``,
    ``language=xx``), named when a search finds nothing, with the values the facet has (most
    documents first): a search answered "0 documents" and nothing more. (A value outside the
    few the product fixes, ``record=foo``, is refused: search_app.params.FIXED_VALUES.)"""

    facet: str
    facet_label: str
    value: str
    values: list[KnownValue]

    def listed(self) -> str:
        """The facet's values as a sentence lists them ("DE (Germany), ES (Spain), ...")."""
        shown = ", ".join(v.value if v.label == v.value else f"{v.value} ({v.label})"
                          for v in self.values[:SHOWN_VALUES])
        more = f", ... ({len(self.values)} in all)" if len(self.values) > SHOWN_VALUES else ""
        return shown + more


#: The most values of a facet an unknown value's message lists.
SHOWN_VALUES = 12


@dataclass
class Relaxation:
    """A way out of an empty result: the search without some filter, and what it finds
    (``total`` 0: removing that filter alone is not enough)."""

    label: str
    url: str
    total: int


@dataclass
class Charts:
    countries: CountryMap
    years: YearHistogram


@dataclass
class SearchPage:
    query: str
    params: dict[str, object]
    url: str
    total: int
    took_ms: float
    hits: list[HitData]
    facets: list[FacetData]
    chips: list[Chip]
    clear_url: str | None
    sorts: list[Option]
    sizes: list[Option]
    pagination: Pagination
    charts: Charts
    suggestion: str | None = None
    suggestion_url: str | None = None
    #: the words as typed found nothing: these results are for this correction of them
    corrected: str | None = None
    #: with ``corrected``: the search for the words as typed (corrected words in quotes)
    as_typed_url: str | None = None
    notice: str | None = None
    #: filters typed in the query itself (country:ES), facet -> values
    query_filters: dict[str, list[str]] = field(default_factory=dict)
    #: why nothing was found, and searches that would find something
    empty_reason: str | None = None
    relaxations: list[Relaxation] = field(default_factory=list)
    #: filter values no document has (only when nothing was found)
    unknown_values: list[UnknownValue] = field(default_factory=list)
    export_csv: str = ""
    export_json: str = ""
    api_url: str = ""
    #: semantic search on (KB_SEMANTIC) and used by this search
    semantic_on: bool = False
    semantic_used: bool = False
    #: sorted by date or title: how many documents the search by relevance also finds by
    #: meaning, which this order leaves out (the notice says so), and that search's address
    left_out: int = 0
    relevance_url: str | None = None


# -- building it -------------------------------------------------------------------------------
def documents_label(n: int) -> str:
    """"1 document", "2 documents", "1,234 documents": a count of documents as a reader (or a
    screen reader, in the pages' aria-labels) hears it; the pages' Jinja filter ``documents``
    and ``kb search``'s count line."""
    return f"{n:,} document{'' if n == 1 else 's'}"


def to_request(
    params: SearchParams, *, page: int | None = None, size: int | None = None,
    passages: int = PASSAGES_PER_HIT, with_facets: bool = True,
) -> SearchRequest:
    return SearchRequest(
        query=params.q,
        filters=params.filter_map,
        year_from=params.year_from,
        year_to=params.year_to,
        sort=params.sort,
        page=page or params.page,
        page_size=size or params.size,
        passages=passages,
        with_facets=with_facets,
    )


_NOT_MARK = re.compile(r"<(?!/?mark>)")


def only_marks(html: str) -> str:
    """Escaped HTML from the index, with any tag but <mark> neutralised (defence in depth:
    the index already escapes; this keeps a future bug there from becoming an injection)."""
    return _NOT_MARK.sub("&lt;", html)


def document_url(doc_id: str, q: str = "", search: SearchParams | None = None) -> str:
    """The document page, with the words ``q`` to mark; with ``search``, the search the link
    is on (its filters, years, sort, size and page, in its own parameters), which the page's
    "Back to search" returns to (search_app.document_page)."""
    url = f"/documents/{quote(doc_id, safe='')}"
    if search is not None:
        return replace(search, q=q).url(url)
    return f"{url}?{_q(q)}" if q else url


def _q(q: str) -> str:
    return "q=" + quote(q, safe="")


def file_url(source_path: str, page: int | None = None) -> str:
    url = "/files/" + quote(source_path, safe="/")
    return f"{url}#page={page}" if page else url


#: good-practice record field -> its label ("evidence" -> "Evidence of success")
RECORD_LABELS: dict[str, str] = dict(PRACTICE_FIELDS)


def passage_where(
    page: int | None, heading: str | None, ordinal: int, record_field: str | None = None
) -> str:
    """Where a passage is, for a reader: "p. 12", the good-practice record field it is the
    section of ("Evidence of success", whatever the language of its heading), its heading,
    or (text before any heading) "Beginning" for the first passage and "Part N" for others."""
    if page:
        return f"p. {page}"
    if record_field in RECORD_LABELS:
        return RECORD_LABELS[record_field]
    if heading:
        return heading
    return "Beginning" if ordinal == 0 else f"Part {ordinal + 1}"


def hit_data(
    hit: DocumentHit, rank: int, q: str, labels: dict[str, dict[str, str]],
    query_language: str | None = None, search: SearchParams | None = None,
) -> HitData:
    """A hit as the page, the API and the exports show it; its links carry ``q``: the query
    whose results it is (the correction's, when the words as typed found nothing), which the
    document page reads as the search did (index.search.passage_query), and the rest of the
    ``search`` it is a hit of, for the document page's way back to it."""
    doc_url = document_url(hit.id, q, search)
    passages = [
        HitPassageData(
            ordinal=p.ordinal,
            page=p.page,
            heading=p.heading,
            snippet=only_marks(p.snippet),
            url=(
                file_url(hit.source_path, p.page)
                if p.page
                else f"{doc_url}#passage-{p.ordinal}"
            ),
            where=passage_where(p.page, p.heading, p.ordinal, p.record_field),
        )
        for p in hit.passages
    ]
    theme_labels = labels.get("theme", {})
    return HitData(
        **hit.metadata(),
        rank=rank,
        url=doc_url,
        file_url=file_url(hit.source_path),
        doc_type_label=labels.get("type", {}).get(hit.doc_type or "", hit.doc_type),
        language_label=labels.get("language", {}).get(hit.language or "", hit.language),
        themes=[{"value": t, "label": theme_labels.get(t, t)} for t in hit.themes],
        score=hit.score,
        match=hit.match,
        other_language=bool(
            query_language and hit.language
            and base_language(hit.language) != base_language(query_language)
        ),
        passages=passages,
        date_label=date_label(hit.date),
    )


def _facets(
    result: SearchResult, params: SearchParams, path: str
) -> list[FacetData]:
    out = []
    for name in FACETS:
        facet = result.facets.get(name)
        if facet is None:
            continue
        urls = params.toggle_urls(name, [v.value for v in facet.values], path)
        values = [FacetValueData(v.value, v.label, v.count, v.selected, url)
                  for v, url in zip(facet.values, urls, strict=True)]
        if name in YEAR_FACETS:
            values.sort(key=lambda v: v.value, reverse=True)
        # Selected values always show, whatever their rank.
        values.sort(key=lambda v: not v.selected)
        top = max(FACET_TOP, sum(v.selected for v in values))
        more = max(0, len(values) - top)
        if more == 1:  # "+1 more" is silly: show it
            top, more = len(values), 0
        selected = sum(v.selected for v in values)
        without = 0
        if name == "year" and not selected and not result.query_filters.get("year"):
            # every document has one year or none, and these counts are the results'
            without = max(0, result.total - sum(v.count for v in values))
        out.append(FacetData(name, FACET_LABELS[name], values, top, more, selected, without))
    return out


def _chips(
    params: SearchParams, labels: dict[str, dict[str, str]], path: str
) -> list[Chip]:
    chips = []
    for name, values in params.filters:
        for value in values:
            chips.append(Chip(name, FACET_LABELS[name], value,
                              labels.get(name, {}).get(value, value),
                              params.without(name, value).url(path)))
    if params.year_from is not None or params.year_to is not None:
        lo = params.year_from if params.year_from is not None else "…"
        hi = params.year_to if params.year_to is not None else "…"
        chips.append(Chip("year_range", "Years", f"{lo}-{hi}", f"{lo}–{hi}",
                          params.without("year_range").url(path)))
    return chips


def _pagination(params: SearchParams, total: int, path: str) -> Pagination:
    pages = max(1, -(-total // params.size))
    page = params.page
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[PageLink] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            links.append(PageLink(None, None))
        links.append(PageLink(n, params.at_page(n).url(path), n == page))
        previous = n
    first = min(total, (page - 1) * params.size + 1)
    last = min(total, page * params.size)
    if (page - 1) * params.size >= total:  # past the last page: no hits shown, no range
        first = last = 0
    return Pagination(
        page=page,
        pages=pages,
        first=first,
        last=last,
        # past the end, 'previous' is the last page (page - 1 would be as empty as this)
        prev_url=params.at_page(min(page - 1, pages)).url(path) if page > 1 else None,
        next_url=params.at_page(page + 1).url(path) if page < pages else None,
        links=links if pages > 1 else [],
    )


def _options(params: SearchParams, path: str) -> tuple[list[Option], list[Option]]:
    labels = dict(SORT_LABELS)
    current = params.sort
    if not params.q:
        # Without words there is nothing to rank by relevance: the default order is newest
        # first, and the box says so. (Its value stays "newest": the address without a sort
        # and without a search is the home page, not the list.)
        del labels["relevance"]
        current = "newest" if current == "relevance" else current
    sorts = [
        Option(s, label, s == current, replace(params, sort=s, page=1).url(path))
        for s, label in labels.items()
    ]
    sizes = [
        Option(str(n), str(n), n == params.size, replace(params, size=n, page=1).url(path))
        for n in sorted({*PAGE_SIZES, params.size})
    ]
    return sorts, sizes


def _charts(
    facets: list[FacetData], labels: dict[str, dict[str, str]]
) -> Charts:
    by_name = {f.name: f for f in facets}
    country = by_name.get("country")
    year = by_name.get("year")
    countries = country_map(
        [(v.value, v.label, v.count, v.selected, v.toggle_url) for v in country.values]
        if country else [],
        labels.get("country", {}),
    )
    years = year_histogram(
        [(int(v.value), v.count, v.selected, v.toggle_url)
         for v in year.values if v.value.isdigit()]
        if year else []
    )
    return Charts(countries, years)


def _count(store: IndexStore, params: SearchParams) -> int:
    return search(store, to_request(params, page=1, size=1, passages=0,
                                    with_facets=False)).total


#: the facets of coded values (a typed ``country:magyar`` is named with the codes)
_CODED = ("country", "region", "language", "type", "theme", "record")


def unknown_values(store: IndexStore, params: SearchParams,
                   typed: dict[str, list[str]] | None = None) -> list[UnknownValue]:
    """The filter values of ``params``, and the coded ones ``typed`` in the query (country,
    region, language, type, theme, record: SearchResult.query_filters), that no searchable
    document has, each with its facet's values (the facet counts of a search of every
    document). A value typed in the query that names no code ("country:magyar") found
    nothing, and the page named no code."""
    pairs = [*params.filters,
             *((name, values) for name, values in (typed or {}).items() if name in _CODED)]
    if not pairs:
        return []
    everything = search(store, SearchRequest(page_size=1, passages=0))
    unknown: list[UnknownValue] = []
    for name, values in pairs:
        facet = everything.facets.get(name)
        known = [KnownValue(v.value, v.label, v.count) for v in facet.values
                 if v.count] if facet else []
        names = {v.value for v in known}
        unknown.extend(UnknownValue(name, FACET_LABELS[name], value, known)
                       for value in values if value not in names)
    return unknown


def _unknown_reason(unknown: list[UnknownValue]) -> str:
    """Why a search with filter values no document has found nothing, naming them."""
    return " ".join(f'No document has {u.facet_label} "{u.value}"' + (
        f"; the values are {u.listed()}." if u.values else ".") for u in unknown)


def _empty(
    store: IndexStore, params: SearchParams, result: SearchResult, chips: list[Chip],
    path: str, unknown: list[UnknownValue],
) -> tuple[str, list[Relaxation]]:
    relaxations = []
    if params.has_filters:
        for chip in chips:
            relaxed = (params.without(chip.facet) if chip.facet == "year_range"
                       else params.without(chip.facet, chip.value))
            # Every filter is listed, even one whose removal alone still finds nothing
            # (total 0): the user sees that it is not the one to blame.
            relaxations.append(Relaxation(f"without {chip.facet_label}: {chip.label}",
                                          relaxed.url(path), _count(store, relaxed)))
        if len(chips) > 1:
            cleared = params.cleared()
            total = _count(store, cleared)
            if total:
                relaxations.append(Relaxation("without any filter", cleared.url(path), total))
    given = {(name, value) for name, values in params.filters for value in values}
    if unknown and all((u.facet, u.value) in given for u in unknown):
        reason = _unknown_reason(unknown)
    elif unknown:  # a value typed in the query: the filters as typed, and the codes
        reason = f"{_typed_filters_reason(result.query_filters)} {_unknown_reason(unknown)}"
    elif result.notice and not result.hits:
        reason = result.notice
    elif params.has_filters and any(r.total for r in relaxations):
        reason = "No document matches the query together with the selected filters."
    elif params.has_filters:
        reason = "No document matches, not even without the filters."
    elif result.query_filters:
        reason = _typed_filters_reason(result.query_filters)
    else:
        reason = "None of the documents contains these words."
    return reason, relaxations


def _typed_filters_reason(typed: dict[str, list[str]]) -> str:
    """Why a query with filters typed in it found nothing: the filters as typed
    (``partner:fomento``; it quoted "country:XX", which nobody typed), and for a partner or an
    instrument that its whole name is needed."""
    shown = ", ".join(f'{name}:"{value}"' if " " in value else f"{name}:{value}"
                      for name, values in typed.items() for value in values)
    reason = f"No document matches the filters typed in the query ({shown})."
    if "partner" in typed or "instrument" in typed:
        reason += (' A partner or an instrument is named in full, in quotes: '
                   'partner:"Fomento San Sebastián".')
    return reason


#: what a sort other than relevance orders by, as the notices say it
SORTED_BY = {"newest": "date", "oldest": "date", "title": "title"}


def left_out(store: IndexStore, params: SearchParams, result: SearchResult
             ) -> tuple[int, str | None]:
    """(how many, the notice): the documents found by meaning that a search sorted by date or
    title leaves out. Only relevance ranks by meaning: a list by date or title holds the
    documents that contain the words (those found by meaning have no words to show and, placed
    by date among them, nothing to tell how close they are). The count is the search by
    relevance's total less this one's; (0, None) when nothing is left out."""
    if (params.sort == "relevance" or not params.q or not semantic_enabled()
            or result.corrected):
        return 0, None
    ranked = search(store, to_request(replace(params, sort="relevance"), page=1, size=1,
                                      passages=0, with_facets=False))
    more = ranked.total - result.total if ranked.semantic else 0
    if more <= 0:
        return 0, None
    if result.total:
        found = (f"only the {documents_label(result.total)} that contain the words "
                 f"{'is' if result.total == 1 else 'are'} listed; sorted by relevance, the "
                 f"search also finds {more} more by meaning")
    else:
        found = ("only documents that contain the words are listed, and none does; sorted by "
                 f"relevance, the search finds {documents_label(more)} by meaning")
    return more, f"Sorted by {SORTED_BY[params.sort]}: {found}."


def _notices(*notices: str | None) -> str | None:
    return " ".join(n for n in notices if n) or None


def search_page(store: IndexStore, params: SearchParams, *, path: str = "/") -> SearchPage:
    """Run the search of ``params``; links in the result point to ``path`` (the page or API)."""
    result = search(store, to_request(params))
    labels = store.facet_labels()
    offset = (params.page - 1) * params.size
    # the hits of a correction ("vouchrs": those of "vouchers") link to their pages with it
    linked = result.corrected or params.q
    hits = [hit_data(h, offset + i + 1, linked, labels, result.query_language, params)
            for i, h in enumerate(result.hits)]
    facets = _facets(result, params, path)
    chips = _chips(params, labels, path)
    sorts, sizes = _options(params, path)
    page = SearchPage(
        query=params.q,
        params=params.as_dict(),
        url=params.url(path),
        total=result.total,
        took_ms=result.took_ms,
        hits=hits,
        facets=facets,
        chips=chips,
        clear_url=params.cleared().url(path) if chips else None,
        sorts=sorts,
        sizes=sizes,
        pagination=_pagination(params, result.total, path),
        charts=_charts(facets, labels),
        notice=result.notice,
        query_filters=result.query_filters,
        export_csv=params.at_page(1).url("/api/export.csv"),
        export_json=params.at_page(1).url("/api/export.json"),
        api_url=params.url("/api/search"),
        semantic_on=semantic_enabled(),
        semantic_used=result.semantic,
    )
    page.left_out, note = left_out(store, params, result)
    if note:
        page.notice = _notices(result.notice, note)
        page.relevance_url = replace(params, sort="relevance", page=1).url(path)
    if result.suggestion:
        page.suggestion = result.suggestion
        page.suggestion_url = replace(params, q=result.suggestion, page=1).url(path)
    if result.corrected and result.as_typed:
        page.corrected = result.corrected
        page.as_typed_url = replace(params, q=result.as_typed, page=1).url(path)
    if result.total == 0:
        page.unknown_values = unknown_values(store, params, result.query_filters)
        page.empty_reason, page.relaxations = _empty(store, params, result, chips, path,
                                                     page.unknown_values)
    return page


@dataclass
class ExportHits:
    """An export's hits, read as they are iterated, and what its search says of the query (as
    the search page does): the correction whose results they are, when the words as typed
    found nothing ("vouchrs": the hits of "vouchers"), and the notice."""

    hits: Iterator[HitData]
    corrected: str | None = None
    notice: str | None = None

    def __iter__(self) -> Iterator[HitData]:
        return self.hits

    def __next__(self) -> HitData:
        return next(self.hits)


def export_hits(
    store: IndexStore, params: SearchParams, limit: int, *, batch: int = 100
) -> tuple[int, ExportHits]:
    """(total, hits) of the whole result set, at most ``limit``, from one search
    (index.search_hits): it is ranked now (so errors surface before a response starts), and
    the hits' documents and passages are read ``batch`` at a time as the iterator is
    consumed, so an export streams."""
    labels = store.facet_labels()
    # the passages the results page shows (best_passage: the first is the export's best)
    result, hits = search_hits(store, to_request(params, page=1, size=min(batch, MAX_PAGE_SIZE),
                                                 passages=PASSAGES_PER_HIT, with_facets=False),
                               limit)

    def generate() -> Iterator[HitData]:
        for rank, hit in enumerate(hits, 1):
            yield hit_data(hit, rank, result.corrected or params.q, labels,
                           search=params.at_page(1))

    _, note = left_out(store, params, result)
    return result.total, ExportHits(generate(), result.corrected, _notices(result.notice, note))
