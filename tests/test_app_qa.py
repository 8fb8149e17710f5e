"""Problems a QA pass found on the site, each pinned by a test (TestClient + BeautifulSoup)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from search_app.app import create_app
from tests.browser.appdata import build, settings_for
from tests.helpers import soup_of

pytestmark = pytest.mark.engines


# -- 1. /docs: a Swagger UI that reads OpenAPI 3.1 -----------------------------------------------
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


# -- 2. HEAD answers like GET, without a body ----------------------------------------------------
@pytest.mark.parametrize("url", [
    "/", "/?q=export", "/api/search?q=export", "/files/reports/doc-04.pdf", "/help", "/docs",
    "/documents/doc-02", "/api/suggest?q=matchm", "/static/style.css", "/openapi.json",
    "/api/export.csv?q=export",
])
def test_head_answers_like_get_without_a_body(client: TestClient, url: str) -> None:
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == get.status_code == 200, (url, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "content-length" in get.headers:
        assert head.headers["content-length"] == get.headers["content-length"]


def test_head_keeps_the_status_of_get_for_errors(client: TestClient) -> None:
    assert client.head("/nowhere").status_code == 404
    assert client.head("/api/search?page=-1").status_code == 400


# -- 3. favicon ----------------------------------------------------------------------------------
def test_favicon_is_linked_and_favicon_ico_answers(client: TestClient) -> None:
    soup = soup_of(client, "/help")
    icon = soup.select_one('link[rel="icon"]')["href"]
    assert client.get(icon).headers["content-type"].startswith("image/svg+xml")
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/")
    assert client.head("/favicon.ico").status_code == 200


# -- 5. keyboard: skip the filters; a sensible heading order --------------------------------------
def test_skip_to_results_comes_before_the_filters_and_the_h1_before_their_headings(
    client: TestClient,
) -> None:
    soup = soup_of(client, "/?q=export")
    main = soup.select_one("main")
    skip = main.select_one('a[href="#results"]')
    assert skip is not None and "Skip to results" in skip.text
    order = [el for el in main.find_all(True)]
    first_facet = main.select_one("fieldset.facet")
    assert order.index(skip) < order.index(first_facet)
    target = soup.select_one("#results")
    assert target is not None and target.select_one("ol.hits") is not None
    levels = [int(h.name[1]) for h in main.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    # no level skipped
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


# -- 7, 8, 9: the empty and past-the-end pages ----------------------------------------------------
def test_nothing_found_names_every_filter_the_year_range_too(client: TestClient) -> None:
    # Dropping the year range alone still finds nothing: it is listed, as no way out.
    url = "/?q=export&country=ES&theme=access_to_finance&year_from=2019&year_to=2021"
    soup = soup_of(client, url)
    chips = [c.get_text(" ", strip=True) for c in soup.select(".chip")]
    assert len(chips) == 3 and any("Years" in c for c in chips), chips
    offers = {li.get_text(" ", strip=True).split(" (")[0]: li for li in
              soup.select(".relaxations li")}
    assert set(offers) >= {"without Country: Spain", "without Theme: Access to finance",
                           "without Years: 2019–2021", "without any filter"}, list(offers)
    years = offers["without Years: 2019–2021"]
    assert years.a is None and "still none" in years.text, years  # no link to an empty page
    assert offers["without Country: Spain"].a["href"].startswith("/?q=export&theme=")
    api = client.get("/api/search" + url[1:]).json()
    assert {r["label"]: r["total"] for r in api["relaxations"]}[
        "without Years: 2019–2021"] == 0


def test_an_unreadable_query_says_so_once(client: TestClient) -> None:
    soup = soup_of(client, "/?q=((((")
    text = soup.select_one("#results").get_text(" ", strip=True)
    assert text.count("no words to search for") == 1, text


def test_previous_on_a_page_past_the_end_links_to_the_last_page(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&page=100")
    last = int(re.search(r"past the last page of results \((\d+)\)",
                         soup.select_one(".empty").text).group(1))
    prev = soup.select_one('.pagination a[rel="prev"]')
    assert prev is not None and prev["href"] == f"/?q=export&page={last}", prev
    api = client.get("/api/search?q=export&page=100").json()["pagination"]
    assert api["prev_url"] == f"/api/search?q=export&page={last}"
    assert api["next_url"] is None


# -- 10. one address per search ------------------------------------------------------------------
@pytest.mark.parametrize(("url", "canonical"), [
    ("/?q=export&year_from=&year_to=&sort=relevance&size=10",  # the no-JS form
     "/?q=export"),
    ("/?q=export&country=PT&country=ES&year_from=&year_to=&sort=relevance&size=10",
     "/?q=export&country=PT&country=ES"),  # the user's order of values is kept
    ("/?theme=covid_response&q=export&page=1&country=es",
     "/?q=export&country=ES&theme=covid_response"),
    ("/?q=export&size=20&sort=newest&year_to=2021&year_from=2019",
     "/?q=export&year_from=2019&year_to=2021&sort=newest&size=20"),
    ("/?q=&utm_source=mail", "/"),
    ("/?q=export&ref=mail", "/?q=export"),  # unknown parameters are dropped on pages
    ("/?colour=red&country=ES", "/?country=ES"),
    ("/?country=ES&sort=newest", "/?country=ES"),  # without words, newest first anyway
])
def test_a_non_canonical_page_address_redirects_to_the_canonical_one(
    client: TestClient, url: str, canonical: str
) -> None:
    r = client.get(url, follow_redirects=False)
    assert r.status_code in (302, 307), (url, r.status_code)
    assert r.headers["location"] == canonical
    again = client.get(canonical, follow_redirects=False)
    assert again.status_code == 200, canonical  # no loop


@pytest.mark.parametrize("url", [
    "/?q=export", "/?q=export&country=PT&country=ES", "/?q=%C3%A9sz%C3%A1k+%22a+b%22",
    "/?q=a%2Bb%26c%3Dd", "/?q=export+vouchers", "/?q=export%20vouchers", "/",
])
def test_canonical_addresses_do_not_redirect_and_keep_q_exactly(client: TestClient,
                                                                url: str) -> None:
    r = client.get(url, follow_redirects=False)
    assert r.status_code == 200, (url, r.status_code, r.headers.get("location"))


def test_the_api_is_not_redirected(client: TestClient) -> None:
    r = client.get("/api/search?q=export&year_from=&sort=relevance&size=10",
                   follow_redirects=False)
    assert r.status_code == 200


def test_the_api_stays_strict_about_unknown_parameters(client: TestClient) -> None:
    for url, name in (("/api/search?q=export&ref=mail", "ref"),
                      ("/api/export.csv?colour=red", "colour")):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 400 and name in r.json()["error"]["message"], r.text


def test_links_keep_the_users_order_of_values(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&country=PT&country=ES")
    api = client.get("/api/search?q=export&country=PT&country=ES").json()
    theme = next(f for f in api["facets"] if f["name"] == "theme")
    href = next(v["toggle_url"] for v in theme["values"] if v["value"] == "covid_response")
    assert href == "/api/search?q=export&country=PT&country=ES&theme=covid_response", href
    chip = [a["href"] for a in soup.select(".chip-remove")]
    assert "/?q=export&country=ES" in chip and "/?q=export&country=PT" in chip, chip


# -- 12. exports: no fake scores, absolute links -------------------------------------------------
def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    import csv
    import io

    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_exports_leave_the_score_empty_unless_ranked_by_relevance(client: TestClient) -> None:
    rows = _csv(client, "/api/export.csv?q=export&sort=newest")
    assert rows and all(row["score"] == "" for row in rows), [r["score"] for r in rows]
    ranked = _csv(client, "/api/export.csv?q=export")
    assert ranked and all(float(row["score"]) > 0 for row in ranked)
    hits = client.get("/api/export.json?q=export&sort=newest").json()["hits"]
    assert hits and all(h["score"] is None for h in hits)
    ranked_hits = client.get("/api/export.json?q=export").json()["hits"]
    assert ranked_hits and all(h["score"] > 0 for h in ranked_hits)


def test_exports_carry_absolute_links(client: TestClient) -> None:
    base = "http://testserver/"
    for row in _csv(client, "/api/export.csv?q=export"):
        assert row["url"].startswith(base + "documents/"), row["url"]
        assert row["file_url"].startswith(base + "files/"), row["file_url"]
    for hit in client.get("/api/export.json?q=export").json()["hits"]:
        assert hit["url"].startswith(base + "documents/"), hit["url"]
        assert hit["file_url"].startswith(base + "files/"), hit["file_url"]
        assert all(p["url"].startswith(base) for p in hit["passages"]), hit["passages"]


# -- 13. admin: small fixes ----------------------------------------------------------------------
SECRET = "correct horse battery staple 42"
PDF = Path(__file__).resolve().parents[1] / "corpus" / "action-plans" / \
    "upgradesme-action-plan-friesland.pdf"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2000


@pytest.fixture()
def admin_site(tmp_path: Path) -> Iterator[TestClient]:
    build(tmp_path / "index", tmp_path / "corpus")
    settings = settings_for(tmp_path / "index", tmp_path / "corpus", admin_secret=SECRET)
    with TestClient(create_app(settings)) as c:
        yield c


def _login_token(client: TestClient) -> str:
    return re.search(r'name="login_token" value="([^"]+)"', client.get("/admin").text).group(1)


def _log_in(client: TestClient) -> str:
    r = client.post("/admin/login", data={"login_token": _login_token(client),
                                          "secret": SECRET}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin").text).group(1)


def test_the_wait_the_login_page_asks_for_is_the_retry_after_header(
    admin_site: TestClient,
) -> None:
    for attempt in range(1, 6):
        r = admin_site.post("/admin/login", data={"login_token": _login_token(admin_site),
                                                  "secret": "wrong"})
        said = re.search(r"[Ww]ait (\d+) s", r.text)
        if "Retry-After" in r.headers or said:
            assert said and r.headers.get("Retry-After") == said.group(1), (
                attempt, r.status_code, r.headers.get("Retry-After"),
                said and said.group(0))


def test_ingest_history_rows_from_the_cli_have_details(admin_site: TestClient,
                                                       tmp_path: Path) -> None:
    from index import IndexStore

    store = IndexStore(tmp_path / "index")
    store.save_report({  # `kb ingest` with nothing new: unchanged files and a warning
        "corpus": str(tmp_path / "corpus"), "index": str(tmp_path / "index"),
        "mode": "incremental", "started": 1_700_000_000.0, "finished": 1_700_000_001.0,
        "added": [], "updated": [], "removed": [], "unchanged": 24, "failed": [],
        "skipped": [{"path": "notes.tmp", "reason": "not a document type"}],
        "warnings": [{"path": "reports/doc-04.pdf", "warning": "no text on page 3"}],
        "pages": 48, "passages": 96, "documents": 24, "error": None, "seconds": 0.4,
    })
    _log_in(admin_site)
    soup = BeautifulSoup(admin_site.get("/admin/ingest").text, "html.parser")
    rows = soup.select(".admin-table tbody tr")
    row = next(r for r in rows if "2023-11-14" in r.text)
    details = row.find_next_sibling("tr")
    assert details is not None and "details-row" in details.get("class", []), row
    text = details.get_text(" ", strip=True)
    assert "24 unchanged" in text and "no text on page 3" in text and "notes.tmp" in text


def test_an_upload_with_one_refused_file_goes_on_to_review_the_others(
    admin_site: TestClient,
) -> None:
    csrf = _log_in(admin_site)
    r = admin_site.post("/admin/upload", data={"csrf_token": csrf, "folder": "uploads"},
                        files=[("files", ("plan.pdf", PDF.read_bytes(), "application/pdf")),
                               ("files", ("report.pdf", ELF, "application/pdf"))],
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/review"), (
        r.status_code, r.text[:500])
    review = admin_site.get(r.headers["location"])
    soup = BeautifulSoup(review.text, "html.parser")
    assert len(soup.select(".review-item")) == 1
    refused = soup.select_one(".refused").get_text(" ", strip=True)
    assert "report.pdf" in refused and "ELF executable" in refused, refused
    again = BeautifulSoup(admin_site.get("/admin/review").text, "html.parser")
    assert again.select_one(".refused") is None  # said once


def test_the_api_json_is_the_page_data(client: TestClient) -> None:
    import json
    from dataclasses import asdict

    from search_app.api import to_json
    from search_app.params import parse_params
    from search_app.search_page import search_page

    store = client.app.state.store  # type: ignore[attr-defined]
    for items in ([("q", "export")], [("q", "pandemic"), ("country", "ES"), ("year", "2099")],
                  []):
        page = search_page(store, parse_params(items), path="/api/search")
        assert json.loads(to_json(page)) == json.loads(json.dumps(asdict(page)))


# -- a project-wide document (region and country "EU") names its place once ----------------------
def test_a_project_wide_hit_names_its_place_once(tmp_path: Path) -> None:
    from tests.helpers import build_index, make_doc

    index = tmp_path / "index"
    (tmp_path / "corpus").mkdir()
    store = build_index(index, [make_doc(
        "joint", "Joint report", "export text", country_code="EU", region_code="EU",
        country_name="Project-wide (all partner countries)",
        region_name="Project-wide (all partner regions)")])
    assert store.document_count() == 1
    with TestClient(create_app(settings_for(index, tmp_path / "corpus"))) as c:
        soup = soup_of(c, "/?q=export")
    places = [m.text for m in soup.select(".meta-item") if "Project-wide" in m.text]
    assert places == ["Project-wide (all partner regions)"]
