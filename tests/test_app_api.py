"""The JSON API, exports, errors and original files through TestClient."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, fields
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from index import FACET_FIELDS, PRACTICE_FIELDS, SORTS, HitMetadata
from search_app.api import to_json
from search_app.app import create_app
from search_app.params import ParameterError, parse_params
from search_app.search_page import search_page
from tests.browser.appdata import settings_for
from tests.helpers import build_dated_site, soup_of

pytestmark = pytest.mark.engines


def csv_rows(r) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows of a CSV export; it starts with a UTF-8 byte-order mark (for Excel)."""
    assert r.content.startswith("\ufeff".encode()), r.content[:20]
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def assert_error(r, status: int, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert err["status"] == status and isinstance(err["code"], str) and err["message"]
    for word in words:
        assert word in err["message"], err["message"]


def test_api_search_is_the_page_data(client: TestClient) -> None:
    url = "?q=export&country=ES&country=PT&theme=covid_response&size=5"
    data = client.get("/api/search" + url).json()
    page = BeautifulSoup(client.get("/" + url).text, "html.parser")
    assert data["total"] == int(page.select_one("#results-heading").text.split("of")[1].split()[0])
    assert [h["url"] for h in data["hits"]] == [a["href"] for a in page.select(".hit-title a")]
    hit = data["hits"][0]
    for key in ("id", "title", "url", "file_url", "doc_type", "country_code", "region_name",
                "date", "language", "passages", "themes", "score", "rank"):
        assert key in hit
    assert hit["passages"][0]["url"].startswith("/files/")
    facets = {f["name"]: f for f in data["facets"]}
    assert set(facets) == {"region", "country", "theme", "type", "record", "running", "year",
                           "language", "partner", "instrument"}
    es = next(v for v in facets["country"]["values"] if v["value"] == "ES")
    assert es["selected"] is True
    assert es["toggle_url"].startswith("/api/search?") and "country=ES" not in es["toggle_url"]
    assert {c["value"] for c in data["chips"]} == {"ES", "PT", "covid_response"}
    assert data["pagination"]["next_url"].startswith("/api/search?")
    assert data["charts"]["countries"]["tiles"] and data["charts"]["years"]["bars"]
    assert data["export_csv"].startswith("/api/export.csv?")


def test_the_api_json_is_the_page_data(client: TestClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    for items in ([("q", "export")], [("q", "pandemic"), ("country", "ES"), ("year", "2099")],
                  []):
        page = search_page(store, parse_params(items), path="/api/search")
        # the same fields in the same order, with the same values
        body = to_json(page)
        assert json.loads(body, object_pairs_hook=list) == json.loads(
            json.dumps(asdict(page)), object_pairs_hook=list)
        assert json.loads(body)["hits"] or not page.hits


def test_api_document_suggest_and_facets(client: TestClient) -> None:
    doc = client.get("/api/documents/doc-02?q=pandemic").json()
    assert doc["title"].startswith("Report 02")
    assert any(p["matched"] and "<mark>" in p["html"] for p in doc["passages"])
    assert {r["name"]: r["source"] for r in doc["metadata"]}["region_code"] == "inferred"
    assert doc["file_url"] == "/files/reports/doc-02.pdf"
    assert isinstance(doc["more_like_this"], list)
    assert_error(client.get("/api/documents/nope"), 404, "nope")
    sugg = client.get("/api/suggest?q=matchm").json()["suggestions"]
    assert any(s["kind"] == "word" and s["text"] == "matchmaking" for s in sugg)
    assert client.get("/api/suggest?q=").json()["suggestions"] == []
    facets = client.get("/api/facets?q=export&facet=country&facet=year&country=ES").json()
    assert set(facets["facets"]) == {"country", "year"}
    countries = {v["value"]: v for v in facets["facets"]["country"]["values"]}
    assert countries["ES"]["selected"] and countries["PT"]["count"] > 0
    assert_error(client.get("/api/facets?facet=colour"), 400, "colour")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("page=-1", ["page"]),
        ("page=0", ["page"]),
        ("size=1000000000", ["size"]),
        ("size=0", ["size"]),
        ("page=abc", ["page"]),
        ("colour=red", ["colour"]),
        ("sort=sideways", ["sort"]),
        ("year=abc", ["year"]),
        ("year_from=x", ["year_from"]),
        ("q=" + "a" * 1001, ["too long"]),
    ],
)
def test_bad_parameters_are_400_with_one_error_shape(
    client: TestClient, query: str, words: list[str]
) -> None:
    assert_error(client.get("/api/search?" + query), 400, *words)
    assert_error(client.get("/api/export.csv?" + query), 400, *words)


@pytest.mark.parametrize("url,name", [
    ("/api/search?q=export&q=vouchers", "q"), ("/api/search?q=export&page=1&page=2", "page"),
    ("/api/export.csv?size=10&size=20", "size"),
    ("/api/export.json?sort=title&sort=newest", "sort"),
    ("/api/facets?q=export&limit=5&limit=6", "limit"), ("/api/suggest?q=mat&q=exp", "q"),
    ("/api/documents/doc-01?q=export&q=covid", "q"),
    ("/api/search?year_from=1&year_from=2", "year_from"),
])
def test_a_parameter_of_one_value_given_twice_is_400_on_the_api(
        client: TestClient, url: str, name: str) -> None:
    """``?q=a&q=b`` searched "a" (and FastAPI checked "b"), without a word: the API, strict
    about unknown parameters, says which parameter it was (the pages take the last)."""
    assert_error(client.get(url), 400, f"{name} takes one value, and was given 2")


def test_repeated_facets_still_combine(client: TestClient) -> None:
    r = client.get("/api/search?q=export&country=ES&country=PT")
    assert r.status_code == 200, r.text
    assert r.json()["params"]["filters"]["country"] == ["ES", "PT"]
    r = client.get("/api/facets?q=export&facet=country&facet=year")
    assert r.status_code == 200 and set(r.json()["facets"]) == {"country", "year"}, r.text


def test_the_api_is_not_redirected(client: TestClient) -> None:
    r = client.get("/api/search?q=export&year_from=&sort=relevance&size=10",
                   follow_redirects=False)
    assert r.status_code == 200


def test_the_api_stays_strict_about_unknown_parameters(client: TestClient) -> None:
    for url, name in (("/api/search?q=export&ref=mail", "ref"),
                      ("/api/export.csv?colour=red", "colour")):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 400 and name in r.json()["error"]["message"], r.text


def test_a_value_outside_a_facets_fixed_values_is_a_400_naming_them(
        client: TestClient) -> None:
    # "record=foo" (the six record fields are the product's) answered 200 with 0 hits, while
    # an unknown facet name is a 400
    r = client.get("/api/search?q=export&record=foo")
    assert_error(r, 400, "unknown record value 'foo'; use one of evidence, resources,")
    assert client.get("/api/search?q=export&record=EVIDENCE").status_code == 200
    record = next(p for p in client.get("/openapi.json").json()["paths"]["/api/search"]["get"]
                  ["parameters"] if p["name"] == "record")
    assert record["schema"]["items"]["enum"][0] == "evidence", record


@pytest.mark.parametrize(("query", "facet", "label"), [
    ("type=foo", "type", "Document type"),
    ("language=xx", "language", "Language"),
    ("country=ZZ", "country", "Country"),
])
def test_a_value_no_document_has_is_named_with_the_facets_values(
        client: TestClient, query: str, facet: str, label: str) -> None:
    # the collection's values (its taxonomy, its documents): nothing is found, and the
    # answer says which value no document has, and which values there are
    data = client.get(f"/api/search?q=export&{query}").json()
    value = query.split("=")[1]
    assert data["total"] == 0, data
    assert data["empty_reason"].startswith(
        f'No document has {label} "{value}"; the values are '), data["empty_reason"]
    [unknown] = data["unknown_values"]
    assert (unknown["facet"], unknown["value"]) == (facet, value), unknown
    assert unknown["values"] and all(v["count"] > 0 for v in unknown["values"]), unknown
    soup = soup_of(client, f"/?q=export&{query}")
    assert f'No document has {label} "{value}"' in soup.select_one(".empty-reason").text
    # a known value that matches nothing here is not called unknown
    known = client.get(f"/api/search?q=nothingsuchword&{facet}={unknown['values'][0]['value']}")
    assert known.json()["unknown_values"] == [], known.json()["empty_reason"]


@pytest.mark.parametrize("tag", ["de-DE", "de_DE", "DE", "de-at"])
def test_a_language_with_its_region_is_its_language(client: TestClient, tag: str) -> None:
    """A browser's form of a language code ("de-DE") found nothing, silently: it is "de", as
    ingest stores a document's language, in the address and typed in the query."""
    german = client.get("/api/search?q=export&language=de").json()
    assert german["total"] > 0
    tagged = client.get("/api/search", params={"q": "export", "language": tag}).json()
    assert tagged["total"] == german["total"], tagged
    assert tagged["params"]["filters"] == {"language": ["de"]}, tagged["params"]
    typed = client.get("/api/search", params={"q": f"export language:{tag}"}).json()
    assert [h["id"] for h in typed["hits"]] == [h["id"] for h in german["hits"]], typed
    page = client.get("/", params={"q": "export", "language": tag}, follow_redirects=False)
    assert page.headers.get("location", "/?q=export&language=de") == "/?q=export&language=de"


@pytest.mark.parametrize(("query", "message"), [
    ("q=export&foo=1", "unknown parameter or facet 'foo'"),
    ("q=export&page=abc", "page must be a whole number"),
    ("q=export&sort=best", "unknown sort 'best'"),
    ("q=export&q=covid", "q takes one value, and was given 2 ('export', 'covid')"),
])
def test_a_document_reads_its_parameters_as_the_other_api_addresses(
        client: TestClient, query: str, message: str) -> None:
    # /api/documents/{id} answered 200 to any parameter, as if it meant something; it takes
    # the search's own (the search it was opened from), read as /api/search reads them
    assert_error(client.get(f"/api/documents/doc-02?{query}"), 400, message)
    assert client.get("/api/documents/doc-02?q=export").status_code == 200
    assert client.get("/api/documents/doc-02").status_code == 200


@pytest.mark.parametrize(
    "q",
    ['"unclosed', "AND OR NOT", "((((", "year:[abc TO", "title:", "*", "?", "country:",
     "\x00", "a" * 1000, "ünïcödé ő ű", "NOT", "foo^bar", "year:[2020 TO 2018]", "{}[]()",
     "partner:\"<script>\"", "%", "\\", "field:value:other", "theme:*"],
)
def test_no_user_input_causes_a_500(client: TestClient, q: str) -> None:
    for path in ("/", "/api/search", "/api/suggest", "/api/facets"):
        r = client.get(path, params={"q": q})
        assert r.status_code in (200, 400), (path, q, r.status_code, r.text[:300])
    r = client.get("/documents/doc-01", params={"q": q})
    assert r.status_code in (200, 400)


def test_unknown_route_is_a_404_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404)


def test_export_csv_streams_all_hits(client: TestClient) -> None:
    r = client.get("/api/export.csv?q=export&size=5&page=2")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = csv_rows(r)
    total = client.get("/api/search?q=export").json()["total"]
    assert len(rows) == total == int(r.headers["x-total-count"])
    assert [int(x["rank"]) for x in rows] == list(range(1, total + 1))
    assert rows[0]["url"].startswith("http") and "/documents/" in rows[0]["url"]


def test_every_hit_metadata_field_reaches_the_api_and_the_exports(client: TestClient) -> None:
    """HitMetadata is declared once: the page data, the API and the JSON export carry each of
    its fields; the CSV keeps its columns in their order (new ones go at the end)."""
    names = [f.name for f in fields(HitMetadata)]
    hit = client.get("/api/search?q=export").json()["hits"][0]
    exported = client.get("/api/export.json?q=export").json()["hits"][0]
    assert [n for n in names if n not in hit or n not in exported] == [], (hit, exported)
    assert {n: exported[n] for n in names} == {n: hit[n] for n in names}
    rows = csv_rows(client.get("/api/export.csv?q=export"))
    assert list(rows[0]) == [
        "rank", "id", "title", "url", "file_url", "doc_type", "language", "country_code",
        "country_name", "region_code", "region_name", "themes", "date", "year", "partner",
        "source_path", "page_count", "score", "best_passage_where", "best_passage",
        "policy_instrument", *(f"practice_{name}" for name, _ in PRACTICE_FIELDS),
        "match", "best_passage_url",
    ]
    row = rows[0]
    assert (row["id"], row["country_code"], row["year"], row["themes"]) == (
        hit["id"], hit["country_code"] or "", str(hit["year"] or ""),
        ";".join(t["value"] for t in hit["themes"])), (row, hit)


def test_a_dataclass_in_a_hit_field_reaches_the_json_export_as_the_api_writes_it(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """HitMetadata promises that a field added to it reaches the JSON export with no other
    edit: a field holding a dataclass too (json.dumps could not write one), as its fields, as
    the API writes it."""
    from dataclasses import dataclass

    import search_app.api as api

    @dataclass
    class Contact:
        name: str
        emails: list[str]

    found = api.export_hits

    def with_contact(*args, **kwargs):  # type: ignore[no-untyped-def]
        total, hits = found(*args, **kwargs)
        hits = list(hits)
        hits[0].practice = {"contact": contact}  # type: ignore[dict-item]
        return total, hits

    contact = Contact("Ana", ["ana@example.org"])
    monkeypatch.setattr(api, "export_hits", with_contact)
    exported = client.get("/api/export.json?q=export").json()["hits"][0]
    assert exported["practice"] == {"contact": {"name": "Ana", "emails": ["ana@example.org"]}}
    assert exported["practice"] == json.loads(to_json({"contact": contact}))


@pytest.mark.parametrize(("query", "name"), [
    ("q=export+vouchers&country=ES", "upgradesme-export-vouchers-es"),
    ("q=Régió+%22Közép%22&year_from=2019&year_to=2021", "upgradesme-regio-kozep-2019-2021"),
    ("", "upgradesme-all"),
])
def test_exports_are_named_after_the_search(client: TestClient, query: str, name: str) -> None:
    for ext in ("csv", "json"):
        r = client.get(f"/api/export.{ext}?{query}")
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-disposition"] == f'attachment; filename="{name}.{ext}"'


@pytest.mark.parametrize(("query", "utf8"), [
    ("q=κόσμος", "upgradesme-κόσμος"),
    ("q=日本", "upgradesme-日本"),
    ("q=export+Straße", "upgradesme-export-straße"),
])
def test_an_export_of_words_without_latin_letters_is_not_named_all(
        client: TestClient, query: str, utf8: str) -> None:
    # "κόσμος" was exported as upgradesme-all.csv, as if it held every document: the ASCII
    # name says it is a search, and filename* (RFC 6266, which browsers take) its words
    for ext in ("csv", "json"):
        r = client.get(f"/api/export.{ext}?{query}")
        ascii_name = "upgradesme-search" if "export" not in query else "upgradesme-export-strae"
        assert r.headers["content-disposition"] == (
            f'attachment; filename="{ascii_name}.{ext}"; '
            f"filename*=UTF-8''{quote(f'{utf8}.{ext}', safe='')}"), r.headers


def test_the_csv_says_how_each_hit_was_found_and_links_its_best_passage(
        client: TestClient) -> None:
    # a spreadsheet of a search could not tell the hits found by its words from those found
    # by meaning alone (the JSON's "match")
    matches = set()
    for query in ("q=kangaroo", "q=pandemic"):  # found by meaning alone; by its word
        found = client.get(f"/api/search?{query}&size=100").json()
        rows = csv_rows(client.get(f"/api/export.csv?{query}"))
        assert [r["match"] for r in rows] == [h["match"] for h in found["hits"]], rows
        matches |= {r["match"] for r in rows}
        for row, hit in zip(rows, found["hits"], strict=True):
            best = hit["passages"][0] if hit["passages"] else None
            assert row["best_passage_url"] == ("http://testserver" + best["url"]
                                               if best else ""), row
    assert matches == {"semantic", "keyword"}


def test_export_csv_keeps_accents_for_excel(client: TestClient) -> None:
    r = client.get("/api/export.csv?country=HU")
    text = r.content.decode("utf-8-sig")
    assert "Magyarorsz" in text or "Hungary" in text, text[:300]
    assert r.content[:3] == b"\xef\xbb\xbf"


def test_export_json_streams_all_hits(client: TestClient) -> None:
    r = client.get("/api/export.json?country=ES")
    data = json.loads(r.text)
    expected = client.get("/api/search?country=ES").json()["total"]
    assert data["total"] == len(data["hits"]) == expected
    assert data["truncated"] is False
    assert data["hits"] and all(h["country_code"] == "ES" for h in data["hits"])


def test_exports_leave_the_score_empty_unless_ranked_by_relevance(client: TestClient) -> None:
    rows = csv_rows(client.get("/api/export.csv?q=export&sort=newest"))
    assert rows and all(row["score"] == "" for row in rows), [r["score"] for r in rows]
    ranked = csv_rows(client.get("/api/export.csv?q=export"))
    assert ranked and all(float(row["score"]) > 0 for row in ranked)
    hits = client.get("/api/export.json?q=export&sort=newest").json()["hits"]
    assert hits and all(h["score"] is None for h in hits)
    ranked_hits = client.get("/api/export.json?q=export").json()["hits"]
    assert ranked_hits and all(h["score"] > 0 for h in ranked_hits)


def test_exports_carry_absolute_links(client: TestClient) -> None:
    base = "http://testserver/"
    rows = csv_rows(client.get("/api/export.csv?q=export"))
    hits = client.get("/api/export.json?q=export").json()["hits"]
    assert rows and hits
    for row in rows:
        assert row["url"].startswith(base + "documents/"), row["url"]
        assert row["file_url"].startswith(base + "files/"), row["file_url"]
    for hit in hits:
        assert hit["url"].startswith(base + "documents/"), hit["url"]
        assert hit["file_url"].startswith(base + "files/"), hit["file_url"]
    passages = [p["url"] for hit in hits for p in hit["passages"]]
    assert passages and all(url.startswith(base) for url in passages), passages


def test_export_is_capped_by_settings(site_root: Path) -> None:
    app = create_app(settings_for(site_root / "index", site_root / "corpus", export_limit=7))
    with TestClient(app) as c:
        data = c.get("/api/export.json").json()
        assert data["total"] > 7 and len(data["hits"]) == 7 and data["truncated"] is True
        rows = csv_rows(c.get("/api/export.csv"))
        assert len(rows) == 7


def test_partial_and_missing_dates_reach_the_api_and_the_exports_as_they_are(
    tmp_path: Path,
) -> None:
    index, corpus = build_dated_site(tmp_path)
    expected = [("month", "2016-05", "May 2016", 2016), ("day", "2017-04-03", "3 April 2017", 2017),
                ("practice", "2021-03", "March 2021", 2021), ("year", "2022", "2022", 2022),
                ("undated", None, None, None)]
    with TestClient(create_app(settings_for(index, corpus))) as c:
        page = c.get("/api/search?q=export&sort=oldest").json()
        assert [(h["id"], h["date"], h["date_label"], h["year"]) for h in page["hits"]] == expected
        year = next(f for f in page["facets"] if f["name"] == "year")
        assert {v["value"]: v["count"] for v in year["values"]} == {
            "2016": 1, "2017": 1, "2021": 1, "2022": 1} and year["without"] == 1
        rows = csv_rows(c.get("/api/export.csv?q=export&sort=oldest"))
        assert [(r["id"], r["date"], r["year"]) for r in rows] == [
            (i, d or "", str(y or "")) for i, d, _, y in expected]
        hits = c.get("/api/export.json?q=export&sort=oldest").json()["hits"]
        assert [(h["id"], h["date"], h["year"]) for h in hits] == [
            (i, d, y) for i, d, _, y in expected]
        doc = c.get("/api/documents/month").json()
        date = next(r for r in doc["metadata"] if r["name"] == "date")
        assert date["values"] == [{"value": "2016-05", "label": "May 2016", "url": "/?year=2016"}]
        assert not [r for r in c.get("/api/documents/undated").json()["metadata"]
                    if r["name"] == "date"]


def test_export_csv_cells_cannot_become_formulas(tmp_path: Path) -> None:
    from index import Document, IndexStore, Passage

    store = IndexStore(tmp_path / "ix")
    with store.lock(), store.rebuild() as w:
        w.put(Document(id="f", source_path="f.pdf", sha256="0" * 64,
                       title="=HYPERLINK(\"http://evil\",\"x\")",
                       passages=[Passage(0, "+cmd formula text")], language="en"))
    with TestClient(create_app(settings_for(tmp_path / "ix", tmp_path))) as c:
        rows = csv_rows(c.get("/api/export.csv"))
        assert rows[0]["title"].startswith("'=")


def test_original_files_only_from_the_corpus_and_only_indexed(client: TestClient) -> None:
    r = client.get("/files/reports/doc-01.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert "inline" in r.headers["content-disposition"]
    assert "sandbox" in r.headers["content-security-policy"]
    r = client.get("/files/reports/doc-01.pdf?download=1")
    assert "attachment" in r.headers["content-disposition"]
    md = client.get("/files/reports/hostile.md")
    assert md.headers["content-type"].startswith("text/markdown")
    html = client.get("/files/guides/leitfaden.html")
    assert html.headers["content-type"].startswith("text/html")
    assert "sandbox" in html.headers["content-security-policy"]  # its scripts cannot run
    for bad in ("/files/catalog.yaml", "/files/../index/CURRENT", "/files/%2e%2e/index/CURRENT",
                "/files/reports/../../index/CURRENT", "/files//etc/passwd",
                "/files/%2Fetc%2Fpasswd", "/files/reports/missing.pdf", "/files/reports",
                "/files/reports/doc-01.pdf%00.txt", "/files/" + "a" * 5000,
                "/files/reports/" + "b" * 300 + ".pdf"):
        r = client.get(bad)
        assert r.status_code == 404, (bad, r.status_code)
        assert b"password" not in r.content


def test_original_files_answer_conditional_requests(client: TestClient) -> None:
    # /files sent an ETag and a Last-Modified but answered If-None-Match and
    # If-Modified-Since with the whole file (200), never 304 (Starlette's FileResponse does not
    # evaluate them; its StaticFiles does).
    first = client.get("/files/reports/doc-01.pdf")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'},
                    {"If-None-Match": "*"}, {"If-Modified-Since": modified},
                    {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}):
        r = client.get("/files/reports/doc-01.pdf", headers=headers)
        assert r.status_code == 304 and r.content == b"", (headers, r.status_code)
        assert r.headers["etag"] == etag and "max-age" in r.headers["cache-control"], r.headers
    for headers in ({"If-None-Match": '"another"'},
                    {"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"},
                    {"If-Modified-Since": "not a date"},
                    # If-None-Match decides when both are given (RFC 9110 13.2.2)
                    {"If-None-Match": '"another"', "If-Modified-Since": modified}):
        r = client.get("/files/reports/doc-01.pdf", headers=headers)
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), (headers, r.status_code)


def test_text_is_compressed_for_clients_that_accept_gzip(client: TestClient) -> None:
    # No response was compressed: a search page of 64 KB, a long document's page of 4 MB.
    for url in ("/?q=export", "/api/search?q=export&size=100", "/documents/doc-01?q=export",
                "/api/export.csv?q=export", "/static/style.css", "/openapi.json"):
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers, url
        assert packed.headers.get("content-encoding") == "gzip", (url, packed.headers)
        assert "accept-encoding" in packed.headers["vary"].lower(), url
        assert packed.content == plain.content, url  # (httpx decodes it)
        assert packed.num_bytes_downloaded < len(plain.content) / 2, (
            url, packed.num_bytes_downloaded, len(plain.content))
    # what is small, or compressed already, goes as it is
    for url in ("/api/suggest?q=exp", "/files/reports/doc-01.pdf"):
        r = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in r.headers, (url, r.headers)


def test_a_compressed_copy_of_a_file_has_a_weak_etag(tmp_path: Path) -> None:
    # GZipMiddleware kept the file's strong ETag on the gzip body: one strong ETag for two
    # representations (RFC 9110 8.8.3), the file's bytes and the compressed ones.
    from index import Document, IndexStore, Passage

    corpus = tmp_path / "corpus"
    (corpus / "guides").mkdir(parents=True)
    (corpus / "guides" / "page.html").write_text(
        "<!doctype html><title>Export</title>" + "<p>Export vouchers for small firms.</p>" * 80,
        encoding="utf-8")
    (corpus / "guides" / "plan.pdf").write_bytes(b"%PDF-1.4\n" + b"% padding\n" * 200 + b"%%EOF\n")
    store = IndexStore(tmp_path / "ix")
    with store.lock(), store.rebuild() as w:
        for name, media in (("page.html", "text/html"), ("plan.pdf", "application/pdf")):
            w.put(Document(id=name, source_path=f"guides/{name}", sha256="0" * 64,
                           title="Export", passages=[Passage(0, "export vouchers")],
                           language="en", media_type=media))
    with TestClient(create_app(settings_for(tmp_path / "ix", corpus, semantic=False))) as c:
        for url in ("/files/guides/page.html", "/static/style.css"):
            plain = c.get(url, headers={"Accept-Encoding": "identity"})
            packed = c.get(url, headers={"Accept-Encoding": "gzip"})
            etag = plain.headers["etag"]
            assert not etag.startswith("W/") and "content-encoding" not in plain.headers, url
            assert packed.headers["content-encoding"] == "gzip", (url, packed.headers)
            assert packed.headers["etag"] == f"W/{etag}", (url, packed.headers)
            # the weak one still revalidates (If-None-Match compares weakly)
            again = c.get(url, headers={"Accept-Encoding": "gzip",
                                        "If-None-Match": packed.headers["etag"]})
            assert again.status_code == 304, (url, again.status_code)
        pdf = c.get("/files/guides/plan.pdf", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in pdf.headers  # sent as it is, with its strong ETag
        assert pdf.headers["etag"].startswith('"'), pdf.headers


def test_openapi_and_docs_page(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/documents/{doc_id}", "/api/suggest", "/api/facets",
                 "/api/export.csv", "/api/export.json"):
        assert path in spec["paths"], path
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "year_from", "year_to", "sort", "page", "size"} <= names
    assert [f for f in FACET_FIELDS if f not in names] == [], names  # every facet, documented
    docs = client.get("/docs")
    assert docs.status_code == 200
    soup = BeautifulSoup(docs.text, "html.parser")
    for src in [s["src"] for s in soup.find_all("script")]:
        assert src.startswith("/"), src  # nothing from a CDN
        assert client.get(src).status_code == 200, src


def test_the_search_routes_document_every_search_parameter_in_order(client: TestClient) -> None:
    """Only ``q`` is declared to FastAPI; the routes add the other parameters' description
    (search_app.deps.SEARCH_PARAMETERS): each search route documents all of them, in order."""
    spec = client.get("/openapi.json").json()["paths"]
    expected = ["q", *FACET_FIELDS, "year_from", "year_to", "sort", "page", "size"]
    for path in ("/api/search", "/api/export.csv", "/api/export.json"):
        parameters = spec[path]["get"]["parameters"]
        assert [p["name"] for p in parameters] == expected, path
        assert all(p["in"] == "query" and not p["required"] and p["schema"] for p in parameters)
    facet = next(p for p in spec["/api/search"]["get"]["parameters"] if p["name"] == "year")
    assert facet["schema"]["type"] == "array" and facet["schema"]["items"]["pattern"]


def test_what_the_search_parameters_description_admits_parse_params_accepts(
        client: TestClient) -> None:
    """The description of the search parameters (written in search_app/deps.py, read by
    parse_params) admits no value that parse_params refuses, and each documented bound is
    parse_params's: the first value past it is refused."""
    spec = client.get("/openapi.json").json()["paths"]["/api/search"]["get"]["parameters"]
    schemas = {p["name"]: p["schema"] for p in spec}

    def admitted(schema: dict, value: str) -> bool:
        return (len(value) <= schema.get("maxLength", len(value))
                and value in schema.get("enum", [value])
                and bool(re.search(schema.get("pattern", ""), value)))

    def accepted(items: list[tuple[str, str]]) -> bool:
        try:
            parse_params(items)
        except ParameterError:
            return False
        return True

    beyond = {"q": "x" * 1001, "page": "10001", "size": "101", "year_from": "10000",
              "year_to": "10000", "sort": "best"}
    for name, schema in schemas.items():
        if schema["type"] == "array" and "enum" in schema["items"]:
            # a facet of fixed values (search_app.params.FIXED_VALUES): each is accepted
            # (all at once too), any other refused
            values = schema["items"]["enum"]
            assert all(accepted([(name, v)]) for v in values), name
            assert accepted([(name, v) for v in values]), name
            assert not accepted([(name, "x")]), name
            continue
        if schema["type"] == "array":
            item = "2021" if "pattern" in schema["items"] else "x" * schema["items"]["maxLength"]
            assert admitted(schema["items"], item) and accepted([(name, item)]), name
            many = [(name, f"{i}") for i in range(schema["maxItems"])]
            assert accepted(many), name
            assert not accepted([*many, (name, "2020")]), name
            if "maxLength" in schema["items"]:
                assert not accepted([(name, item + "x")]), name
            continue
        for value in ["", "1", "9", "10", "100", "0", "2021", "9999", "relevance", *SORTS,
                      beyond[name], "x" * schema.get("maxLength", 0)]:
            if admitted(schema, value):
                assert accepted([(name, value)]), (name, value)
        assert not admitted(schema, beyond[name]) and not accepted([(name, beyond[name])]), name


def test_docs_serve_swagger_ui_5_or_later_with_a_noscript_fallback(client: TestClient) -> None:
    soup = soup_of(client, "/docs")
    script = next(s["src"] for s in soup.select("script[src]") if "swagger-ui-bundle" in s["src"])
    css = next(link["href"] for link in soup.select('link[rel="stylesheet"]')
               if "swagger-ui" in link["href"])
    assert client.get(css).status_code == 200
    js = client.get(script)
    assert js.status_code == 200, script
    m = re.search(r'PACKAGE_VERSION:"(\d+)\.(\d+)\.(\d+)"', js.text)
    assert m, "no Swagger UI version in the bundle"
    assert int(m.group(1)) >= 5, m.group(0)  # 4.x cannot read OpenAPI 3.1
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    fallback = soup.select_one("noscript")
    assert fallback is not None
    hrefs = [a["href"] for a in BeautifulSoup(fallback.decode_contents(), "html.parser")
             .select("a[href]")]
    assert "/openapi.json" in hrefs and any("#http-api" in h for h in hrefs), hrefs


def test_cached_pages_follow_index_changes(tmp_path: Path) -> None:
    from index import Document, IndexStore, Passage

    store = IndexStore(tmp_path / "ix")
    with store.lock(), store.rebuild() as w:
        w.put(Document(id="a", source_path="a.pdf", sha256="0" * 64, title="Alpha vouchers",
                       passages=[Passage(0, "export vouchers")], language="en"))
    with TestClient(create_app(settings_for(tmp_path / "ix", tmp_path))) as c:
        assert c.get("/api/search?q=vouchers").json()["total"] == 1
        assert c.get("/api/search?q=vouchers").json()["total"] == 1  # from the cache
        assert c.app.state.cache.hits >= 1
        with store.lock(), store.update() as w:
            w.put(Document(id="b", source_path="b.pdf", sha256="1" * 64, title="Beta vouchers",
                           passages=[Passage(0, "more vouchers")], language="en"))
        assert c.get("/api/search?q=vouchers").json()["total"] == 2
        page = BeautifulSoup(c.get("/?q=vouchers").text, "html.parser")
        assert len(page.select(".hit")) == 2


def test_cached_pages_follow_the_synonyms_words_and_places_beside_the_index(
        tmp_path: Path) -> None:
    # The key held the index's commit and the labels alone: synonyms saved by an ingest that
    # changed no document (an admin's new glossary entry), or saved after the labels while a
    # search ran, left the page of the old synonyms served from the cache.
    from index import Document, IndexStore, Passage

    store = IndexStore(tmp_path / "ix")
    with store.lock(), store.rebuild() as w:
        w.put(Document(id="a", source_path="a.pdf", sha256="0" * 64, title="Alpha vouchers",
                       passages=[Passage(0, "export vouchers")], language="en"))
        w.put(Document(id="b", source_path="b.pdf", sha256="1" * 64, title="Beta Gutscheine",
                       passages=[Passage(0, "Exportgutscheine für KMU")], language="de"))
    settings = settings_for(tmp_path / "ix", tmp_path, semantic=False)
    with TestClient(create_app(settings)) as c:
        def found() -> list[str]:
            return sorted(h["id"] for h in c.get("/api/search?q=vouchers").json()["hits"])

        assert found() == ["a"]
        assert found() == ["a"] and c.app.state.cache.hits >= 1  # from the cache
        store.save_synonyms([{"en": ["vouchers"], "de": ["Exportgutscheine"]}])
        assert found() == ["a", "b"]
        before = store.version()
        for save in (lambda: store.save_words(["vouchers"]),
                     lambda: store.save_places([]), lambda: store.save_labels({})):
            save()
            assert store.version() != before
            before = store.version()


def test_the_index_version_follows_the_vectors_on_tantivy(tmp_path: Path) -> None:
    # The embedding run writes a generation's vectors after its commit: tantivy's commit key
    # did not change with them (Whoosh's, the folder's mtime, does), so a page cached before
    # the vectors were made kept its keyword-only results.
    from index import Document, IndexStore, Passage

    store = IndexStore(tmp_path / "ix", engine="tantivy")
    with store.lock(), store.rebuild() as w:
        w.put(Document(id="a", source_path="a.pdf", sha256="0" * 64, title="Alpha vouchers",
                       passages=[Passage(0, "export vouchers")], language="en"))
    before = store.version()
    (gen,) = (tmp_path / "ix").glob("gen-*")
    (gen / "vectors.npz").write_bytes(b"")
    assert store.version() != before


def test_the_page_cache_makes_its_key_only_when_on() -> None:
    """The key reads the index's version (stat calls): with the cache off it is not made."""
    from search_app.cache import PageCache

    made: list[str] = []

    def key() -> str:
        made.append("key")
        return "k"

    assert PageCache(0).get_or_compute(key, lambda: 1) == 1 and made == []
    on = PageCache(2)
    assert on.get_or_compute(key, lambda: 1) == 1 and on.get_or_compute(key, lambda: 2) == 1
    assert made == ["key", "key"] and (on.hits, on.misses) == (1, 1)


def test_while_the_app_serves_young_garbage_is_collected_less_often(tmp_path: Path) -> None:
    """search_app.app.GC_YOUNG_OBJECTS instead of Python's 700 while the app serves; the
    process's setting again after."""
    import gc

    from search_app.app import GC_YOUNG_OBJECTS

    process = gc.get_threshold()
    before = (701, 11, 12)  # (other tests' apps may overlap and leave theirs: a known one)
    gc.set_threshold(*before)
    try:
        with TestClient(create_app(settings_for(tmp_path / "ix", tmp_path))) as c:
            assert c.get("/help").status_code == 200
            assert gc.get_threshold() == (GC_YOUNG_OBJECTS, 11, 12)
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*process)


def test_an_original_is_served_as_soon_as_it_is_indexed_and_not_after(tmp_path: Path) -> None:
    from index import Document, IndexStore, Passage

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text(f"{name}: export vouchers\n")
    store = IndexStore(tmp_path / "ix")

    def doc(name: str) -> Document:
        return Document(id=name[0], source_path=name, sha256="0" * 64, title=name,
                        passages=[Passage(0, "export vouchers")], language="en")

    with store.lock(), store.rebuild() as w:
        w.put(doc("a.txt"))
    with TestClient(create_app(settings_for(tmp_path / "ix", corpus))) as c:
        assert c.get("/files/a.txt").status_code == 200
        assert c.get("/files/b.txt").status_code == 404
        with store.lock(), store.update() as w:
            w.put(doc("b.txt"))
            w.delete("a")
        assert c.get("/files/b.txt").status_code == 200  # no wait for a cache to expire
        assert c.get("/files/a.txt").status_code == 404


def test_api_search_says_when_it_shows_a_correction(client: TestClient) -> None:
    data = client.get("/api/search?q=matchmakng").json()
    assert data["corrected"] == "matchmaking" and data["total"] > 0
    assert data["as_typed_url"] == "/api/search?q=%22matchmakng%22"
    assert client.get("/api/search?q=matchmakng+export").json()["suggestion"] == (
        "matchmaking export")


@pytest.mark.parametrize(("typed", "stored"), [
    ("language=EN", "language=en"), ("type=Good_Practice", "type=good_practice"),
    ("theme=Export_Promotion", "theme=export_promotion"), ("country=es", "country=ES"),
    ("region=de1", "region=DE1"),
])
def test_a_filter_value_in_another_case_is_the_same_filter(
        client: TestClient, typed: str, stored: str) -> None:
    # one rule for every facet of codes, as in the query ("language:EN"): "&language=EN"
    # found nothing ("No document matches the query together with the selected filters")
    found = client.get(f"/api/search?{stored}").json()
    assert found["total"] > 0, stored
    assert client.get(f"/api/search?{typed}").json()["total"] == found["total"], typed
    page = client.get(f"/?{typed}", follow_redirects=False)
    assert page.status_code == 302 and page.headers["location"] == f"/?{stored}"


@pytest.mark.parametrize(("query", "message"), [
    ("q=exp&foo=1", "unknown parameter 'foo'"),
    ("q=exp&q=cov", "q takes one value, and was given 2 ('exp', 'cov')"),
    ("q=exp&limit=2&limit=3", "limit takes one value"),
])
def test_suggest_reads_its_parameters_as_the_other_api_addresses(
        client: TestClient, query: str, message: str) -> None:
    r = client.get(f"/api/suggest?{query}")
    assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
    assert client.get("/api/suggest?q=exp&limit=2").status_code == 200


def test_exports_say_when_they_hold_a_correction(client: TestClient) -> None:
    # "matchmakng" finds nothing: the page shows the results of "matchmaking", saying so; the
    # exports held those hits labelled "matchmakng" only
    page = client.get("/api/search?q=matchmakng").json()
    data = client.get("/api/export.json?q=matchmakng").json()
    assert data["query"] == "matchmakng" and data["corrected"] == "matchmaking"
    assert data["total"] == page["total"] > 0 and data["notice"] == page["notice"]
    for ext in ("json", "csv"):
        r = client.get(f"/api/export.{ext}?q=matchmakng")
        assert r.headers["x-corrected-query"] == "matchmaking"
        assert r.headers["content-disposition"] == (
            f'attachment; filename="upgradesme-matchmaking.{ext}"')
    plain = client.get("/api/export.json?q=matchmaking").json()
    assert plain["corrected"] is None and plain["notice"] is None
    assert "x-corrected-query" not in client.get("/api/export.csv?q=matchmaking").headers
    # a notice reaches the JSON export as the API gives it
    unknown = client.get("/api/export.json?q=subject:matchmaking").json()
    assert unknown["notice"] == client.get("/api/search?q=subject:matchmaking").json()["notice"]
    assert unknown["notice"]


#: Searches of every kind: words, a phrase, a pattern, typed filters and years, selected
#: facets, a typo ("did you mean" and the corrected results), words no document has (found by
#: meaning), another page and order, browsing without words; the API and the page.
SAME_ANSWER_TARGETS = [
    f"{path}?{query}" for path in ("/api/search", "/") for query in (
        "q=export", "q=export&country=ES&country=PT&theme=covid_response&size=5",
        "q=%22export+support%22", "q=exp*+country%3AHU", "q=matchmakng",
        "q=Leitfaden+year%3A%5B2015+TO+2022%5D", "q=zzqx+wxyv", "q=export&size=5&page=2",
        "q=export+vouchers&sort=newest", "country=HU", "q=export&year_from=2016",
        "q=Leitfaden&country=ES", "q=Leitfaden")]


def _answer(client: TestClient, target: str) -> bytes:
    """A response's body without the search's time (it varies from one request to the next)."""
    r = client.get(target, follow_redirects=False)
    assert r.status_code == 200, (target, r.status_code)
    body = re.sub(rb'"took_ms":[0-9.]+', b"", r.content)
    return re.sub(rb'<p class="took">[0-9]+ ms</p>', b"", body)


def test_a_search_answers_the_same_whatever_was_asked_before(site_root: Path) -> None:
    """What searches keep for later ones (index.query's parsed queries, the tantivy
    translator's translations, highlighting's tables of words) changes no answer: each search
    answers on a fresh server as it does again, and after all the others in either order."""
    from index import query

    def server() -> TestClient:
        query._parsed.cache_clear()
        return TestClient(create_app(settings_for(site_root / "index", site_root / "corpus",
                                                  cache_size=0)))

    fresh = {}
    for target in SAME_ANSWER_TARGETS:
        with server() as client:
            fresh[target] = _answer(client, target)
            assert _answer(client, target) == fresh[target], target
    with server() as client:
        for order in (SAME_ANSWER_TARGETS, SAME_ANSWER_TARGETS[::-1]):
            for target in order:
                assert _answer(client, target) == fresh[target], target


@pytest.mark.parametrize("query", ["q=export", "q=export&country=ES&country=PT", "",
                                   "q=export&sort=newest", "q=vouchrs", "q=pandemic+crisis"])
def test_an_export_ranks_once_and_gives_what_a_search_per_batch_gave(
        site_root: Path, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    # An export searched again for each batch of 100 hits, ranking the whole result set each
    # time: 24.1 s against 1.27 s ranked once, a browse CSV of 10,000 hits on tantivy
    # (bench/README.md, "Exports of 10,000 hits": bench/bench_export.py --engine tantivy,whoosh).
    from urllib.parse import parse_qsl

    from index import IndexStore, search
    from search_app.search_page import PASSAGES_PER_HIT, export_hits, to_request
    from tests.helpers import count_calls
    from tests.references import batched_export_hits

    store = IndexStore(site_root / "index")
    params = parse_params(parse_qsl(query))
    # (a list sorted by date or title counts what it leaves out by a search of its own,
    # search_page.left_out, tested with its notice in test_app_pages: not this one's matter)
    monkeypatch.setattr("search_app.search_page.left_out", lambda *_: (0, None))
    total, hits = batched_export_hits(store, params, 1000, batch=5)
    expected = [asdict(h) for h in hits]
    assert total == len(expected) > 5, (total, len(expected))  # more than one batch
    with store.reader() as reader:
        engine_reader = type(reader)
    searches = count_calls(monkeypatch, engine_reader, "search")
    read = count_calls(monkeypatch, engine_reader, "documents")
    search(store, to_request(params, page=1, size=5, passages=PASSAGES_PER_HIT,
                             with_facets=False))
    one_search = len(searches)
    searches.clear()
    read.clear()
    total, hits = export_hits(store, params, 1000, batch=5)
    first = asdict(next(hits))
    assert len(read) == 1, read  # the first part's documents, the others not yet
    assert [first, *(asdict(h) for h in hits)] == expected
    assert total == len(expected)
    assert len(searches) == one_search, searches
    assert len(read) == -(-len(expected) // 5), len(read)  # one per part
    store.close()  # (its searchers' files, left to the garbage collector: a ResourceWarning)


def test_words_in_decomposed_unicode_are_read_as_the_documents_composed_ones(
        client: TestClient) -> None:
    """"ö" typed or pasted as "o" and a combining diaeresis (NFD: macOS file names, some
    PDFs and input methods) was cut there by the analysis ("Exportf", "rderung") and found
    nothing: the query, filter values, the document page's words and suggestions are read
    composed (NFC), as ingest writes the documents."""
    import unicodedata

    composed = "Exportförderung"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    found = client.get("/api/search", params={"q": composed}).json()
    assert any(h["id"] == "guide-de" for h in found["hits"])
    typed = client.get("/api/search", params={"q": decomposed}).json()
    assert typed["query"] == composed
    assert [h["id"] for h in typed["hits"]] == [h["id"] for h in found["hits"]]
    assert typed["total"] == found["total"]
    # a filter value, as the query's (its own syntax is in the query)
    params = parse_params([("partner", unicodedata.normalize("NFD", "Fomento San Sebastián")),
                           ("q", decomposed)])
    assert params.q == composed
    assert params.filter_map == {"partner": ["Fomento San Sebastián"]}
    # the document page marks the word
    doc = client.get("/api/documents/guide-de", params={"q": decomposed}).json()
    assert any(p["matched"] and "<mark>Exportförderung</mark>" in p["html"]
               for p in doc["passages"]), doc["passages"]
    # suggestions complete it
    sugg = client.get("/api/suggest", params={
        "q": unicodedata.normalize("NFD", "Exportförd")}).json()
    assert sugg["query"] == "Exportförd"
    assert any("xportförderung" in s["text"].lower() or "xportforderung" in s["text"].lower()
               for s in sugg["suggestions"]), sugg


@pytest.mark.parametrize("query", ["q=export", "q=export+support", "q=pandemic&country=ES",
                                   "q=export&sort=newest"])
def test_an_exports_best_passage_is_the_one_the_results_page_shows_first(
        client: TestClient, query: str) -> None:
    # The export asked for one passage per hit, the page for three: its "best passage" was
    # the best ranked one, while the page shows the best three in the document's order (the
    # Hungarian export voucher's "A gyakorlat adatai", its last section, where the page and
    # the document page show its summary first).
    page = client.get(f"/api/search?{query}&size=100").json()["hits"]
    shown = {h["id"]: [(p["ordinal"], p["where"], p["snippet"]) for p in h["passages"]]
             for h in page}
    exported = client.get(f"/api/export.json?{query}").json()["hits"]
    assert {h["id"]: [(p["ordinal"], p["where"], p["snippet"]) for p in h["passages"]]
            for h in exported} == shown
    rows = csv_rows(client.get(f"/api/export.csv?{query}"))
    assert {row["id"]: row["best_passage_where"] for row in rows} == {
        doc_id: passages[0][1] if passages else "" for doc_id, passages in shown.items()}
