"""The JSON API: the same data as the pages (built by search_page), and the exports."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields, is_dataclass, replace
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from index import PRACTICE_FIELDS, suggest
from search_app.admin.routing import is_admin
from search_app.deps import (
    SEARCH_PARAMETERS,
    CacheDep,
    SearchParamsDep,
    SettingsDep,
    StoreDep,
    one_value_each,
)
from search_app.document_page import find_document_page
from search_app.params import (
    FACETS,
    ParameterError,
    SearchParams,
    as_composed,
    parse_params,
    repeated_scalar,
)
from search_app.search_page import (
    HitData,
    HitPassageData,
    best_passage,
    document_url,
    export_hits,
    search_page,
)

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(one_value_each)])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": 'Bad parameter: {"error": {"status": 400, "code": "bad_request", '
                         '"message": "..."}}'},
    503: {"description": "No usable index (run `kb ingest`), a damaged one (run "
                         "`kb ingest --rebuild`), or every searcher busy; with Retry-After"},
}


def _fields(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return obj.__dict__
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def to_json(data: Any) -> bytes:
    """JSON of page data (dataclasses within), in UTF-8: the content of
    ``json.dumps(asdict(data))``, the same keys in the same order, without spaces after the
    separators. orjson writes it in 0.13 ms of CPU per search page at 100k passages, the json
    module in 0.44 (bench/README.md, "HTTP"), and without asdict's deep copy."""
    return orjson.dumps(data, default=_fields, option=orjson.OPT_NON_STR_KEYS)


@router.get("/search", responses=ERROR_RESPONSES, response_model=None,
            openapi_extra={"parameters": SEARCH_PARAMETERS})
def api_search(params: SearchParamsDep, store: StoreDep, cache: CacheDep) -> Response:
    """Ranked documents with their best passages (highlighted HTML, `<mark>` only), facets
    with counts and toggle URLs, chips, pagination, chart data, "did you mean".

    Same parameters as the search page; links point to this endpoint.
    """
    body = cache.get_or_compute(
        lambda: (store.version(), params, "/api/search"),
        lambda: to_json(search_page(store, params, path="/api/search")),
    )
    return Response(body, media_type="application/json")


@router.get("/facets", responses=ERROR_RESPONSES)
def api_facets(
    request: Request,
    store: StoreDep,
    facet: Annotated[list[str] | None, Query(description="facets to return (default all)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="values per facet")] = 100,
) -> dict[str, Any]:
    """Facet counts for a search (takes the search parameters too): each facet's values with
    label, count, selected and toggle URL. A facet's counts ignore its own selection."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in ("facet", "limit")]
    params = parse_params(items)
    wanted = facet or list(FACETS)
    for name in wanted:
        if name not in FACETS:
            raise ParameterError(f"unknown facet {name[:40]!r}; facets are {', '.join(FACETS)}")
    page = search_page(store, params.at_page(1), path="/api/facets")
    return {
        "query": params.q,
        "total": page.total,
        "facets": {
            f.name: {"label": f.label, "values": [asdict(v) for v in f.values[:limit]],
                     "more": max(0, len(f.values) - limit)}
            for f in page.facets if f.name in wanted
        },
    }


def _only_params(request: Request, *names: str) -> None:
    """An API address's parameters read as /api/search reads its own: 400 to one it does not
    know ("foo": /api/suggest and /api/documents answered 200, as if it meant something) and
    to one given twice (they took the last q, /api/search refuses them)."""
    given: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name not in names:
            raise ParameterError(f"unknown parameter {name[:40]!r}; parameters are "
                                 f"{', '.join(names)}")
        given.setdefault(name, []).append(value)
    for name, values in given.items():
        if len(values) > 1:
            raise ParameterError(repeated_scalar(name, values))


@router.get("/suggest", responses=ERROR_RESPONSES)
def api_suggest(
    request: Request,
    store: StoreDep,
    q: Annotated[str, Query(max_length=200, description="what the user has typed")] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> dict[str, Any]:
    """Completions while typing: words that complete the last word, then matching titles."""
    _only_params(request, "q", "limit")
    q = as_composed(q)
    items = []
    for s in suggest(store, q, limit=limit):
        url = document_url(s.doc_id) if s.doc_id else "/?q=" + quote(s.text, safe="")
        items.append({"text": s.text, "kind": s.kind, "doc_id": s.doc_id, "url": url})
    return {"query": q, "suggestions": items}


@router.get("/documents/{doc_id}", responses={**ERROR_RESPONSES, 404: {"description":
                                                                        "unknown document"}},
            openapi_extra={"parameters": SEARCH_PARAMETERS})
def api_document(
    request: Request,
    doc_id: str,
    store: StoreDep,
    q: Annotated[str, Query(max_length=1000, description="words to mark in the passages")] = "",
) -> dict[str, Any]:
    """A document: metadata with the source of each field, passages (with the query's words
    marked), link to the original file, and similar documents. The search parameters besides
    ``q`` (facets, years, sort, size, page: those a hit's ``url`` carries) name the search
    the document was opened from: ``search_url`` is that search, and the links to other
    documents carry it."""
    search = parse_params(request.query_params.multi_items())
    return asdict(find_document_page(store, doc_id, q, include_hidden=is_admin(request),
                                     search=search))


# -- exports -----------------------------------------------------------------------------------
#: The CSV export's columns, in order: a field of HitData by its name, or one that _csv_row
#: computes. A new column goes at the end, so that existing spreadsheets keep theirs.
CSV_COLUMNS: tuple[str, ...] = (
    "rank", "id", "title", "url", "file_url", "doc_type", "language", "country_code",
    "country_name", "region_code", "region_name", "themes", "date", "year", "partner",
    "source_path", "page_count", "score", "best_passage_where", "best_passage",
    "policy_instrument", *(f"practice_{name}" for name, _ in PRACTICE_FIELDS),
    # how the hit was found ("keyword", or "semantic": by meaning alone, no word of the
    # query in it), and the link to its best passage (the page of a PDF, a section)
    "match", "best_passage_url",
)


def _plain(snippet_html: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def _safe_cell(value: Any) -> Any:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _ranked(params: SearchParams) -> bool:
    """Whether hits come in order of relevance, so that their scores mean something."""
    return params.sort == "relevance" and bool(params.q)


_HIT_FIELDS = tuple(f.name for f in fields(HitData))
_PASSAGE_FIELDS = tuple(f.name for f in fields(HitPassageData))


def _export_hit(hit: HitData, base: str, ranked: bool) -> dict[str, Any]:
    """A hit as exported: absolute links (exports are used outside the site) and no score
    when the order is not by relevance (it would be 0.0 for every hit)."""
    # (what asdict gives, field by field in order, without its deep copy of every value: a
    # fifth of a 10,000-hit JSON export's time; json.dumps reads the shared lists and dicts as
    # asdict's copies, and writes a dataclass in a field as its fields, as the API does:
    # _fields, so that a HitMetadata field of any kind reaches the export)
    data = {name: getattr(hit, name) for name in _HIT_FIELDS}
    data["url"] = base + hit.url
    data["file_url"] = base + hit.file_url
    data["passages"] = [{name: getattr(p, name) for name in _PASSAGE_FIELDS}
                        | {"url": base + p.url} for p in hit.passages]
    if not ranked:
        data["score"] = None
    return data


def _csv_row(hit: HitData, base: str, ranked: bool) -> list[Any]:
    best = best_passage(hit)
    computed: dict[str, Any] = {
        "url": base + hit.url,
        "file_url": base + hit.file_url,
        "themes": ";".join(t["value"] for t in hit.themes),
        "score": hit.score if ranked else "",
        "best_passage_where": best.where if best else "",
        "best_passage": _plain(best.snippet) if best else "",
        "best_passage_url": base + best.url if best else "",
        **{f"practice_{name}": hit.practice.get(name, "") for name, _ in PRACTICE_FIELDS},
    }
    return [_safe_cell(computed[name] if name in computed else getattr(hit, name))
            for name in CSV_COLUMNS]


def _search_text(params: SearchParams) -> str:
    """The query's words, then the selected filter values and the years, NFKD."""
    parts = [params.q, *(v for _, values in params.filters for v in values)]
    if params.year_from is not None or params.year_to is not None:
        parts.append(f"{params.year_from or ''}-{params.year_to or ''}")
    return unicodedata.normalize("NFKD", " ".join(parts))


def export_filename(params: SearchParams, ext: str) -> str:
    """A file name that says which search it holds: "upgradesme-export-vouchers-es.csv"
    (the query's words, then the selected filter values; ASCII, at most about 80 chars):
    "upgradesme-all" for every document, "upgradesme-search" for a search with no Latin
    letter or digit ("κόσμος", "日本": it was named "all")."""
    text = _search_text(params)
    ascii_text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:70].rstrip("-")
    return f"upgradesme-{slug or ('search' if text.strip() else 'all')}.{ext}"


def export_filename_utf8(params: SearchParams, ext: str) -> str | None:
    """The file name in the search's own letters ("upgradesme-κόσμος.csv"), for the header's
    ``filename*`` (RFC 6266), when it has letters the ASCII name drops (not only accents:
    "Közép" is "kozep" there); else None."""
    text = _search_text(params)
    if all(c.isascii() or unicodedata.combining(c) or not c.isalnum() for c in text):
        return None
    words = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", text).lower())
    slug = words.strip("-")[:70].rstrip("-")
    return f"upgradesme-{slug}.{ext}" if slug else None


def _export_name(params: SearchParams, ext: str, hits: Iterable[HitData]) -> str:
    """The Content-Disposition of an export: named after the search whose hits it holds (the
    correction's, when the words as typed found nothing: "upgradesme-vouchers.csv" for
    "vouchrs"); with a ``filename*`` in UTF-8 when the search has letters the ASCII name
    drops (browsers take it: "upgradesme-κόσμος.csv", "upgradesme-search.csv" elsewhere)."""
    corrected = _corrected(hits)
    if corrected is not None:
        params = replace(params, q=corrected)
    header = f'attachment; filename="{export_filename(params, ext)}"'
    utf8 = export_filename_utf8(params, ext)
    return header if utf8 is None else f"{header}; filename*=UTF-8''{quote(utf8, safe='')}"


def _corrected(hits: Iterable[HitData]) -> str | None:
    """The correction whose results the export holds (ExportHits), or None."""
    return getattr(hits, "corrected", None)


def _about(hits: Iterable[HitData]) -> dict[str, str]:
    """Headers saying what the search said of the query: X-Corrected-Query (the correction
    whose results these are, percent-encoded UTF-8 as headers are Latin-1)."""
    corrected = _corrected(hits)
    return {"X-Corrected-Query": quote(corrected)} if corrected is not None else {}


@router.get("/export.csv", responses=ERROR_RESPONSES, response_class=StreamingResponse,
            openapi_extra={"parameters": SEARCH_PARAMETERS})
def export_csv(
    request: Request, params: SearchParamsDep, store: StoreDep, settings: SettingsDep
) -> StreamingResponse:
    """The whole result set (up to KB_EXPORT_LIMIT hits) as CSV, streamed. Same parameters
    as /api/search (page and size are ignored)."""
    total, hits = export_hits(store, params, settings.export_limit)
    base = str(request.base_url).rstrip("/")
    ranked = _ranked(params)

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        # A byte-order mark, so that Excel reads the file as UTF-8 ("Região", not "RegiÃ£o").
        buf.write("\ufeff")
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        for hit in hits:
            writer.writerow(_csv_row(hit, base, ranked))
            if buf.tell() > 16_384:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    return StreamingResponse(
        rows(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _export_name(params, "csv", hits),
                 "X-Total-Count": str(total), "X-Export-Limit": str(settings.export_limit),
                 **_about(hits)},
    )


@router.get("/export.json", responses=ERROR_RESPONSES, response_class=StreamingResponse,
            openapi_extra={"parameters": SEARCH_PARAMETERS})
def export_json(
    request: Request, params: SearchParamsDep, store: StoreDep, settings: SettingsDep
) -> StreamingResponse:
    """The whole result set (up to KB_EXPORT_LIMIT hits) as one JSON object, streamed:
    `{"query", "corrected", "notice", "params", "total", "limit", "truncated", "hits": [...]}`
    (`corrected`: the correction whose results these are, when the words as typed found
    nothing; `notice`: what the search says of the query; both null otherwise)."""
    total, hits = export_hits(store, params, settings.export_limit)
    base = str(request.base_url).rstrip("/")
    ranked = _ranked(params)
    head = {
        "query": params.q,
        "corrected": _corrected(hits),
        "notice": getattr(hits, "notice", None),
        "params": params.as_dict() | {"page": None, "size": None},
        "total": total,
        "limit": settings.export_limit,
        "truncated": total > settings.export_limit,
    }

    def chunks() -> Iterator[str]:
        # Sent in parts of about 16 KB, as the CSV: each part a sync iterator yields is a hop
        # into the thread pool and a message to the server (one per hit took most of an
        # export's time: bench/README.md, "Exports of 10,000 hits").
        parts = [json.dumps(head, ensure_ascii=False)[:-1] + ', "hits": [']
        size = len(parts[0])
        for n, hit in enumerate(hits):
            part = ("," if n else "") + "\n" + json.dumps(_export_hit(hit, base, ranked),
                                                          ensure_ascii=False, default=_fields)
            parts.append(part)
            size += len(part)
            if size > 16_384:
                yield "".join(parts)
                parts, size = [], 0
        parts.append("\n]}\n")
        yield "".join(parts)

    return StreamingResponse(
        chunks(), media_type="application/json",
        headers={"Content-Disposition": _export_name(params, "json", hits),
                 "X-Total-Count": str(total), **_about(hits)},
    )


__all__ = ["router"]
