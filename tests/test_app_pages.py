"""The HTML pages through TestClient, parsed with BeautifulSoup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from index import Document, DocumentView, Passage, PassageView, set_semantic_enabled
from search_app.app import create_app
from search_app.charts import year_histogram
from search_app.document_page import passage_labels
from tests.browser.appdata import settings_for
from tests.helpers import build_dated_site, build_index, make_doc, soup_of

pytestmark = pytest.mark.engines


def params_of(href: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(href).query))


def facet_counts(soup: BeautifulSoup, facet: str) -> dict[str, tuple[int, bool]]:
    out = {}
    for box in soup.select(f'#facet-{facet} input[type="checkbox"]'):
        li = box.find_parent("li")
        out[box["value"]] = (int(li.select_one(".count").text), box.has_attr("checked"))
    return out


def test_search_page_shows_documents_with_passages_and_page_links(client: TestClient) -> None:
    soup = soup_of(client, "/?q=pandemic")
    heading = soup.select_one("#results-heading").get_text(" ", strip=True)
    assert re.search(r"\d+ documents", heading), heading
    assert soup.select_one(".took").text.strip().endswith("ms")
    hits = soup.select("ol.hits > li.hit")
    assert 1 <= len(hits) <= 10
    first = hits[0]
    link = first.select_one(".hit-title a")
    assert link["href"].startswith("/documents/") and "q=pandemic" in link["href"]
    meta = first.select_one(".hit-meta").get_text(" ", strip=True)
    # the date in words ("15 March 2018"), the ISO date in <time datetime>
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}", meta) and "English" in meta, meta
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", first.select_one(".hit-meta time")["datetime"])
    passages = first.select(".passage")
    assert 1 <= len(passages) <= 3
    marks = [m.text.lower() for m in first.select(".passage mark")]
    assert any("pandemic" in m for m in marks), marks
    where = first.select_one(".passage a.where")
    assert re.fullmatch(r"p\. \d+", where.text.strip())
    assert re.fullmatch(r"/files/reports/doc-\d\d\.pdf#page=\d+", where["href"])


def test_query_box_and_form_controls_reflect_the_url(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&country=ES&sort=newest&size=20&year_from=2017")
    assert soup.select_one("#q")["value"] == "export"
    assert soup.select_one('#sort option[selected]')["value"] == "newest"
    assert soup.select_one('#size option[selected]')["value"] == "20"
    assert soup.select_one("#year_from")["value"] == "2017"
    # the inputs allow the years a request may name (index.schema), no others
    from index import YEAR_MAX, YEAR_MIN

    for name in ("#year_from", "#year_to"):
        box = soup.select_one(name)
        assert (box["min"], box["max"]) == (str(YEAR_MIN), str(YEAR_MAX)), name
    assert facet_counts(soup, "country")["ES"][1] is True
    # Every control of the state belongs to the one GET form, so it works without JS.
    form = soup.select_one("form#search")
    assert form["method"] == "get" and form["action"] == "/"
    for box in soup.select('.facet input[type="checkbox"]'):
        assert box["form"] == "search"
    assert soup.select_one('.apply-filters button[type="submit"][form="search"]')


def test_facets_or_within_and_across_and_counts_ignore_own_selection(client: TestClient) -> None:
    base = facet_counts(soup_of(client, "/?q=export"), "country")
    one = soup_of(client, "/?q=export&country=ES")
    two = soup_of(client, "/?q=export&country=ES&country=PT")
    n_es, n_pt = base["ES"][0], base["PT"][0]
    text = two.select_one("#results-heading").get_text(" ", strip=True)
    assert f"{n_es + n_pt} documents" in text, text
    # The country facet's counts ignore its own selection: the other values keep true counts.
    assert facet_counts(one, "country") == {k: (v[0], k == "ES") for k, v in base.items()}
    # AND across facets: adding a theme narrows the result.
    three = soup_of(client, "/?q=export&country=ES&country=PT&theme=covid_response")
    n3 = int(re.search(r"(\d+) documents?", three.select_one("#results-heading").text).group(1))
    assert 0 < n3 < n_es + n_pt
    for hit in three.select(".hit-meta"):
        assert "Spain" in hit.text or "Portugal" in hit.text


def test_chips_remove_one_filter_and_clear_all(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&country=ES&country=PT&theme=covid_response&year_from=2017")
    chips = soup.select(".chips li.chip")
    labels = [c.get_text(" ", strip=True) for c in chips]
    assert len(chips) == 4, labels
    es = next(c for c in chips if "Spain" in c.text)
    href = es.select_one("a.chip-remove")["href"]
    assert params_of(href) == sorted([("q", "export"), ("country", "PT"),
                                      ("theme", "covid_response"), ("year_from", "2017")])
    assert es.select_one("a.chip-remove")["aria-label"].startswith("Remove filter")
    clear = soup.select_one("a.clear-all")["href"]
    assert params_of(clear) == [("q", "export")]


def test_long_facet_shows_top_values_and_more(client: TestClient) -> None:
    soup = soup_of(client, "/?sort=newest")
    partner = soup.select_one("#facet-partner")
    top = partner.select(":scope > ul.facet-values > li")
    more = partner.select_one("details.facet-more")
    assert len(top) == 6
    assert more.summary.text.strip() == f"+{len(more.select('li'))} more"
    assert partner.select_one(".facet-filter-slot")  # JS adds a filter box here


def test_year_range_and_histogram_and_map(client: TestClient) -> None:
    soup = soup_of(client, "/?year_from=2018&year_to=2019")
    years = {h.select_one("time")["datetime"][:4] for h in soup.select(".hit")}
    assert years and years <= {"2018", "2019"}
    assert any("2018–2019" in c.text for c in soup.select(".chip"))
    full = soup_of(client, "/?sort=newest")
    bars = full.select("svg.year-hist a")
    assert len(bars) == 7
    assert all("year=" in a["href"] for a in bars)
    tiles = full.select("svg.country-map a.tile")
    assert {t.select_one(".tile-code").text for t in tiles} == {"ES", "PT", "DE", "HU", "RO", "NL"}
    es = next(t for t in tiles if t.select_one(".tile-code").text == "ES")
    assert params_of(es["href"]) == [("country", "ES")]
    assert "Spain" in es["aria-label"]


def test_labels_of_one_document_are_in_the_singular(client: TestClient) -> None:
    # Screen readers heard "1 documents" on every facet count, map tile and year bar of one
    # document (the visible heading said "1 document").
    soup = soup_of(client, "/?q=Exportf%C3%B6rderung&language=de")
    labels = [e["aria-label"] for e in soup.select(
        ".facet .count[aria-label], svg.country-map a.tile, svg.year-hist a")]
    assert "1 document" in labels and "Germany: 1 document" in labels, labels
    assert "2019: 1 document" in labels, labels
    assert not [label for label in labels if "1 documents" in label], labels
    many = soup_of(client, "/?q=export")
    assert "24 documents" in [e["aria-label"] for e in many.select(".facet .count")]


def test_one_old_year_does_not_stretch_the_year_chart() -> None:
    values = [(2009, 1, False, "/?year=2009")] + [
        (y, 3, False, f"/?year={y}") for y in range(2016, 2023)]
    hist = year_histogram(values)
    gaps = [b for b in hist.bars if b.gap]
    years = [b.year for b in hist.bars if not b.gap]
    assert len(gaps) == 1 and years == [2009, *range(2016, 2023)]
    assert hist.bars[1].gap  # right after 2009
    labelled = [b.year for b in hist.bars if b.label]
    assert labelled[0] == 2009 and labelled[-1] == 2022 and len(labelled) >= 3, labelled
    # a short run of empty years stays on the axis as empty years
    short = year_histogram([(2016, 1, False, "u"), (2019, 2, False, "u")])
    assert [b.year for b in short.bars] == [2016, 2017, 2018, 2019]
    assert not any(b.gap for b in short.bars)


def test_the_year_chart_draws_its_gap(client: TestClient) -> None:
    # the site's test data covers 2016-2022 without holes: no gap drawn
    soup = soup_of(client, "/?sort=newest")
    assert soup.select("svg.year-hist a") and not soup.select("svg.year-hist .bar-gap")


def test_sort_page_size_and_pagination(client: TestClient) -> None:
    newest = soup_of(client, "/?sort=newest&size=5")
    dates = [t["datetime"] for t in newest.select(".hit time")]
    assert dates == sorted(dates, reverse=True) and len(dates) == 5
    oldest = soup_of(client, "/?sort=oldest&size=5")
    dates = [t["datetime"] for t in oldest.select(".hit time")]
    assert dates == sorted(dates)
    titled = soup_of(client, "/?sort=title")
    titles = [a.text.lower() for a in titled.select(".hit-title a")]
    assert titles[1:] == sorted(titles[1:])  # (the first is the hostile "<script>" title)
    p1 = soup_of(client, "/?q=export&size=5")
    nav = p1.select_one('nav.pagination[aria-label]')
    assert nav.select_one('[aria-current="page"]').text == "1"
    nxt = nav.select_one('a[rel="next"]')["href"]
    p2 = soup_of(client, nxt)
    assert p2.select_one("ol.hits")["start"] == "6"
    first_ids = {a["href"] for a in p1.select(".hit-title a")}
    assert not first_ids & {a["href"] for a in p2.select(".hit-title a")}
    assert "page" not in dict(params_of(p2.select_one('a[rel="prev"]')["href"]))
    past = soup_of(client, "/?q=export&page=99")
    assert "past the last page" in past.select_one(".empty").text


def test_without_a_query_the_sort_box_says_newest_first(client: TestClient) -> None:
    soup = soup_of(client, "/?country=ES")
    options = [(o["value"], o.text, o.has_attr("selected")) for o in soup.select("#sort option")]
    assert options[0] == ("newest", "Newest first", True), options
    assert "Relevance" not in [label for _, label, _ in options]
    with_words = soup_of(client, "/?q=export").select_one("#sort option[selected]")
    assert with_words.text == "Relevance"


def test_did_you_mean_and_empty_result_offers_to_drop_filters(client: TestClient) -> None:
    soup = soup_of(client, "/?q=matchmakng+export")
    dym = soup.select_one(".did-you-mean a")
    assert dym is not None and "matchmaking" in dym.text
    assert params_of(dym["href"]) == [("q", "matchmaking export")]
    # nothing found as typed: the correction's results, and a link to the words as typed
    fixed = soup_of(client, "/?q=matchmakng")
    note = fixed.select_one(".did-you-mean")
    assert note is not None and "showing results for matchmaking" in note.text, note
    assert fixed.select(".hit")
    assert params_of(note.select_one("a")["href"]) == [("q", '"matchmakng"')]
    assert not soup_of(client, '/?q="matchmakng"').select_one(".did-you-mean")
    empty = soup_of(client, "/?q=pandemic&country=ES&year=2099")
    box = empty.select_one(".empty")
    # (no document has the year 2099: named, with the years there are)
    assert box and 'No document has Year "2099"; the values are 20' in box.select_one(
        ".empty-reason").text, box.text
    relax = box.select(".relaxations a")
    assert relax, box.text
    assert any(r.text == "without any filter" for r in relax)
    # semantic search on: words that are in no document still find documents close in
    # meaning, labelled as such; off, the page says that no document has the words
    nonsense = soup_of(client, "/?q=xylophonequartz")
    if nonsense.select(".hit"):
        assert "close in meaning" in nonsense.select_one(".notice").text
        assert all(h.select_one(".tag-semantic") for h in nonsense.select(".hit"))
    set_semantic_enabled(False)  # as KB_SEMANTIC=0 (back on after the test: conftest)
    nothing = soup_of(client, "/?q=xylophonequartz&size=20")
    assert "None of the documents" in nothing.select_one(".empty-reason").text
    # a filter typed in the query that no document has is named as typed (it said
    # "like country:XX"), a partner with the hint that its whole name is needed
    for typed, named in (("partner:fomento", "(partner:fomento)"),
                         ("export country:XX", "(country:XX)"),
                         ('instrument:"Norte 2030"', '(instrument:"Norte 2030")')):
        reason = soup_of(client, "/?" + urlencode({"q": typed})).select_one(".empty-reason").text
        assert f"No document matches the filters typed in the query {named}." in reason, reason
        assert ("named in full, in quotes" in reason) == ("country" not in typed), reason
    assert "Keywords only" in nothing.select_one(".search-mode").text


def test_document_page_metadata_sources_passages_and_more_like_this(client: TestClient) -> None:
    soup = soup_of(client, "/documents/doc-04?q=matchmaking")
    assert soup.h1.text == "Report 04 on export support in South Muntenia"
    rows = {tr.th.text: tr for tr in soup.select(".meta-table tbody tr")}
    assert rows["Country"].select_one(".source").text == "catalog"
    assert rows["Region"].select_one(".source").text == "inferred"
    assert rows["Date"].select_one(".source").text == "file metadata"
    assert rows["Country"].a["href"] == "/?country=RO"
    matched = soup.select(".passage-full.matched")
    assert len(matched) == 1 and matched[0].mark.text.lower() == "matchmaking"
    page_link = soup.select_one("#passage-1 .passage-where a")
    assert page_link["href"] == "/files/reports/doc-04.pdf#page=2"
    assert soup.select_one('a[download]')["href"] == "/files/reports/doc-04.pdf?download=1"
    assert soup.select(".mlt a")
    assert soup.select_one(".back a")["href"] == "/?q=matchmaking"
    assert soup.select_one(".summary-box").text.count("Summary of report 4.") == 1


def test_a_filtered_search_does_not_call_the_nearest_documents_close(client: TestClient) -> None:
    # "/api/search?q=asdfgh&country=ES" listed all the Spanish documents under "No document
    # contains these words; these documents are close in meaning": with a filter the search
    # takes every document it lets through, ranked by meaning however far.
    plain = client.get("/api/search?q=kangaroo").json()
    assert plain["notice"].startswith("No document contains these words; these documents are "
                                      "close in meaning"), plain["notice"]
    for query in ("q=kangaroo&country=ES", "q=kangaroo+country:ES", "q=kangaroo&year=2018"):
        data = client.get(f"/api/search?{query}").json()
        assert data["total"] and all(h["match"] == "semantic" for h in data["hits"]), data
        assert "close in meaning" not in data["notice"], (query, data["notice"])
        assert data["notice"].startswith(
            "No document with the selected filters contains these words; these are the "
            "documents the filters let through, nearest in meaning first, however far"), data
    soup = soup_of(client, "/?q=kangaroo&country=ES")
    assert "nearest in meaning first" in soup.select_one(".notice").text
    # the facets say that selecting a value adds its documents by meaning
    note = soup_of(client, "/?q=pandemic").select_one(".facet-note")
    assert note and "a value selected also lists its other documents" in note.text
    set_semantic_enabled(False)  # (back on after the test: conftest)
    assert not soup_of(client, "/?q=pandemic&size=20").select_one(".facet-note")  # (not cached)


def test_a_sort_by_date_or_title_says_it_leaves_out_what_meaning_found(
        client: TestClient) -> None:
    # "/?q=vouchers": 17 documents, "Keywords + meaning"; sorted by date, 7 documents and not
    # a word on the 10 found by meaning that the list (and its facets and exports) dropped.
    ranked = client.get("/api/search?q=pandemic&country=ES").json()
    for sort in ("newest", "oldest", "title"):
        url = f"/api/search?q=pandemic&country=ES&sort={sort}"
        data = client.get(url).json()
        more = ranked["total"] - data["total"]
        assert data["total"] and more > 0, (ranked["total"], data["total"])
        assert data["left_out"] == more, data
        by = "title" if sort == "title" else "date"
        assert data["notice"] == (
            f"Sorted by {by}: only the {data['total']} documents that contain the words are "
            f"listed; sorted by relevance, the search also finds {more} more by meaning."), data
        assert data["relevance_url"] == "/api/search?q=pandemic&country=ES", data
        exported = client.get(f"/api/export.json?q=pandemic&country=ES&sort={sort}").json()
        assert exported["notice"] == data["notice"], exported["notice"]
    soup = soup_of(client, "/?q=pandemic&country=ES&sort=newest")
    notice = soup.select_one(".notice")
    assert notice and "Sorted by date" in notice.text, soup.select_one(".results-head")
    assert notice.a["href"] == "/?q=pandemic&country=ES" and notice.a.text == "Sort by relevance"
    assert soup.select_one(".search-mode").text == "Keywords only"
    # nothing found by its words: the page says why the list is empty
    none = client.get("/api/search?q=kangaroo&sort=newest").json()
    assert none["total"] == 0 and none["left_out"] >= 1, none
    assert "and none does; sorted by relevance, the search finds" in none["notice"], none
    # nothing left out, nothing said
    for url in ("/api/search?q=pandemic&country=ES", "/api/search?q=pandemic&sort=newest",
                "/api/search?country=ES&sort=title"):
        data = client.get(url).json()
        assert data["left_out"] == 0 and not data["notice"], (url, data["notice"])


def test_back_to_search_returns_to_the_whole_search(client: TestClient) -> None:
    # A hit linked to /documents/<id>?q=export and "Back to search" went to /?q=export: the
    # filters, years, sort, page size and page were gone.
    search = "/?q=export&country=ES&country=PT&year_from=2016&sort=newest&size=5&page=2"
    soup = soup_of(client, search)
    links = [a["href"] for a in soup.select(".hit-title a")]
    assert links, soup.select_one("#results-heading")
    for href in links:
        assert href.startswith("/documents/"), href
        assert "?" + href.split("?", 1)[1] == search[1:], href
    doc = soup_of(client, links[0])
    assert doc.select_one(".back a")["href"] == search
    assert "for “export”" in doc.select_one(".back a").text
    # the links to other documents keep it, so the way back survives a hop
    other = doc.select_one(".mlt a")["href"]
    assert other.endswith(search[1:]), other
    assert soup_of(client, other).select_one(".back a")["href"] == search
    # the API says the same: a hit's url, and the document's search_url
    api = client.get("/api/search" + search[1:]).json()
    assert all(h["url"].endswith(search[1:]) for h in api["hits"]), api["hits"]
    data = client.get("/api" + links[0]).json()
    assert data["search_url"] == search, data["search_url"]
    # a list without words (filters only) comes back too, without a "for"
    listed = soup_of(client, "/?type=report&sort=title")
    href = listed.select_one(".hit-title a")["href"]
    back = soup_of(client, href).select_one(".back a")
    assert back["href"] == "/?type=report&sort=title" and back.text.strip() == "‹ Back to search"
    # an address edited by hand with a value no search takes still shows the document
    broken = soup_of(client, "/documents/doc-04?q=export&page=abc")
    assert broken.select_one(".back a")["href"] == "/?q=export"


def test_a_documents_own_text_is_marked_with_its_language(client: TestClient) -> None:
    # the page is English (<html lang="en">); a German document's title, record values and
    # passages were read with English pronunciation (WCAG 3.1.2), and not hyphenated
    soup = soup_of(client, "/documents/guide-de?q=export")
    assert soup.html["lang"] == "en"
    assert soup.h1["lang"] == "de"
    rows = {tr.th.text: tr for tr in soup.select(".meta-table tbody tr")}
    assert rows["Title"].select("td")[0]["lang"] == "de"
    texts = soup.select(".passage-text")
    assert texts and all(t["lang"] == "de" for t in texts)
    assert soup.select_one(".passage-where").get("lang") is None  # "Page 1": the site's words
    english = soup_of(client, "/documents/doc-04")
    assert english.h1["lang"] == "en"
    # the results mark each title with its document's language, as they do its passages
    results = soup_of(client, "/?q=Exportförderung")
    title = next(h for h in results.select(".hit-title") if "Leitfaden" in h.text)
    assert title["lang"] == "de"


def _view(*passages: tuple[str | None, int | None]) -> DocumentView:
    doc = Document(id="d", source_path="d.html", sha256="0", title="t")
    views = [PassageView(i, "text", page, heading, html="text") for i, (heading, page)
             in enumerate(passages)]
    return DocumentView(doc, views)


def test_passages_are_labelled_once_each() -> None:
    labels = passage_labels(_view((None, None), ("Summary", None),
                                  ("Detailed description", None),
                                  ("Detailed description", None), ("Evidence", None),
                                  (None, None)))
    assert labels == ["Beginning", "Summary", "Detailed description",
                      "Detailed description (part 2)", "Evidence", "Part 6"]
    assert passage_labels(_view((None, 1), (None, 2))) == ["Page 1", "Page 2"]
    assert len(set(labels)) == len(labels)


def test_pages_read_from_a_file_list_labels_without_section_numbers(
    tmp_path: Path,
) -> None:
    doc = Document(id="gp", source_path="gp.html", sha256="0" * 64, title="GP",
                   language="en", passages=[
                       Passage(0, "Intro text about export coaching.", heading=None),
                       Passage(1, "Coaching part one.", heading="Detailed description"),
                       Passage(2, "Coaching part two.", heading="Detailed description")])
    build_index(tmp_path / "ix", [doc])
    with TestClient(create_app(settings_for(tmp_path / "ix", tmp_path))) as c:
        soup = soup_of(c, "/documents/gp?q=coaching")
    matches = [a.text for a in soup.select(".matches a")]
    assert matches == ["Beginning", "Detailed description", "Detailed description (part 2)"]
    assert "section 1" not in soup.get_text()


def test_unknown_document_is_a_404_page(client: TestClient) -> None:
    soup = soup_of(client, "/documents/no-such-doc", 404)
    assert "no-such-doc" in soup.select_one(".error-message").text


def test_bad_parameters_give_a_400_page_not_a_500(client: TestClient) -> None:
    for url in ("/?page=-1", "/?size=1000000000", "/?sort=sideways",
                "/?year=abc", "/?page=abc", "/?q=export&record=foo"):
        soup = soup_of(client, url, 400)
        assert soup.select_one(".error-message").text.strip(), url


def test_a_search_that_cannot_be_run_keeps_its_query_in_the_search_box(
        client: TestClient) -> None:
    # a query over the length limit: the page said so and dropped what was typed
    long = "export vouchers " * 80
    soup = soup_of(client, "/?q=" + long.replace(" ", "+"), 400)
    assert "too long" in soup.select_one(".error-message").text
    box = soup.select_one("form#search input#q")
    assert box is not None and box["value"] == long
    assert soup.select_one('.error-page a[href="/"]')  # a new search is still offered
    bad_page = soup_of(client, "/?q=export&page=-1", 400)
    assert bad_page.select_one("input#q")["value"] == "export"
    # no query typed, another page: no search box to mend
    assert soup_of(client, "/?page=-1", 400).select_one("input#q") is None
    assert soup_of(client, "/documents/no-such-doc?q=export", 404).select_one("input#q") is None


@pytest.mark.parametrize("typed", ["\u202eexport vouchrs", "export \u2067vouchrs\u2069",
                                   "\u202dsubject:export"])
def test_direction_controls_in_a_query_are_dropped(client: TestClient, typed: str) -> None:
    # a right-to-left override turned every echo of the query backwards, with the page's own
    # text around it ("“”srhcuov tropxe"), though the search ignored it
    r = client.get("/", params={"q": typed})
    assert r.status_code == 200
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", r.text)
    api = client.get("/api/search", params={"q": typed}).json()
    assert api["query"] == re.sub("[\u202a-\u202e\u2066-\u2069]", "", typed)


def test_help_page_explains_the_syntax_with_examples(client: TestClient) -> None:
    soup = soup_of(client, "/help")
    text = soup.get_text(" ")
    for example in ('"online matchmaking"', "AND", "OR", "NOT", "country:ES", "region:HU22",
                    "theme:", "type:", "language:", "year:[2018 TO 2020]", "partner:",
                    "title:", "body:", "digital*"):
        assert example in text, example
    examples = soup.select(".syntax a")
    assert examples and all(a["href"].startswith("/?q=") for a in examples), examples


def test_the_help_page_does_not_send_the_public_to_the_readme(client: TestClient) -> None:
    soup = soup_of(client, "/help")
    assert "README" not in soup.get_text()
    assert soup.select_one('#http-api ~ p a[href="/docs"]')


def test_pages_have_landmarks_labels_and_no_inline_script(client: TestClient) -> None:
    for url in ("/?q=export", "/documents/doc-01", "/help", "/docs", "/nope"):
        r = client.get(url)
        soup = BeautifulSoup(r.text, "html.parser")
        assert soup.html["lang"] == "en"
        assert soup.select_one("header") and soup.select_one("main#main")
        assert soup.select_one("nav[aria-label]") and soup.select_one("a.skip-link")
        for script in soup.find_all("script"):
            assert script.get("src"), f"inline script on {url}"
        assert not soup.select("[onclick], [onload], [onerror], [style]"), url
        for control in soup.select("input:not([type=hidden]), select"):
            cid = control.get("id")
            labelled = control.get("aria-label") or (cid and soup.select_one(f'label[for="{cid}"]'))
            assert labelled or control.find_parent("label"), (url, str(control)[:120])
    search = BeautifulSoup(client.get("/").text, "html.parser")
    assert search.select_one('form[role="search"]')
    q = search.select_one("#q")
    assert q["role"] == "combobox" and q["aria-controls"] == "suggestions"


def test_the_app_opens_nothing_at_import_and_works_with_default_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "none"))
    monkeypatch.setenv("KB_CORPUS", str(tmp_path))
    app = create_app()  # what `kb serve` calls
    assert not (tmp_path / "none").exists()
    with TestClient(app) as c:
        r = c.get("/?q=export")
        assert r.status_code == 503
        assert "kb ingest" in r.text
        assert "have not been indexed yet" in r.text  # how to build it: there is none
        r = c.get("/api/search?q=export")
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "index_unavailable"
        assert "kb ingest" in r.json()["error"]["message"]
        # which files may be served cannot be told without an index
        assert c.get("/files/reports/doc-01.pdf").status_code == 503


# -- one address per search ------------------------------------------------------------------
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
    # a parameter of one value given twice: the last counts (it took the first, unsaid)
    ("/?q=export&q=vouchers", "/?q=vouchers"),
    ("/?q=export&page=1&page=2", "/?q=export&page=2"),
    ("/?q=export&size=20&size=50&country=HU&country=RO",
     "/?q=export&country=HU&country=RO&size=50"),
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


def test_links_keep_the_users_order_of_values(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&country=PT&country=ES")
    api = client.get("/api/search?q=export&country=PT&country=ES").json()
    theme = next(f for f in api["facets"] if f["name"] == "theme")
    href = next(v["toggle_url"] for v in theme["values"] if v["value"] == "covid_response")
    assert href == "/api/search?q=export&country=PT&country=ES&theme=covid_response", href
    chip = [a["href"] for a in soup.select(".chip-remove")]
    assert "/?q=export&country=ES" in chip and "/?q=export&country=PT" in chip, chip


# -- the empty and past-the-end pages --------------------------------------------------------
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


def test_past_the_last_page_the_heading_gives_no_range(client: TestClient) -> None:
    total = client.get("/api/search?q=export").json()["total"]
    heading = soup_of(client, "/?q=export&page=999").select_one("#results-heading")
    text = " ".join(heading.get_text(" ").split())
    assert text.startswith(f"{total} documents"), text
    assert "–" not in text and " of " not in text, text
    pagination = client.get("/api/search?q=export&page=999").json()["pagination"]
    assert pagination["first"] == pagination["last"] == 0
    # an ordinary last page still gives its range
    last = soup_of(client, f"/?q=export&page={-(-total // 10)}").select_one("#results-heading")
    assert f"of {total} documents" in " ".join(last.get_text(" ").split())


def test_an_empty_result_has_no_sidebar_of_empty_facets(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&country=ES&year=2099")
    assert soup.select_one(".filters-panel") is None
    assert "No values in these results" not in soup.get_text()
    assert soup.select_one(".empty .empty-reason")


# -- a hit's place -------------------------------------------------------------------------
def test_a_project_wide_hit_names_its_place_once(tmp_path: Path) -> None:
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


# -- dates as precise as they are known -----------------------------------------------------
@pytest.fixture(scope="module")
def dated_client(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[TestClient]:
    index, corpus = build_dated_site(tmp_path_factory.mktemp("dated"))
    with TestClient(create_app(settings_for(index, corpus))) as c:
        yield c


def _dates(soup: BeautifulSoup) -> list[tuple[str, str | None, str | None]]:
    """(id, time's datetime, its text) of each hit, in order."""
    out = []
    for hit in soup.select(".hit"):
        time = hit.select_one(".hit-meta time")
        out.append((hit.select_one(".hit-title a")["href"].split("?")[0].rsplit("/", 1)[-1],
                    time["datetime"] if time else None, time.text if time else None))
    return out


def test_hits_show_a_date_as_precise_as_it_is_known_and_undated_last(
    dated_client: TestClient,
) -> None:
    oldest = _dates(soup_of(dated_client, "/?q=export&sort=oldest"))
    assert oldest == [("month", "2016-05", "May 2016"), ("day", "2017-04-03", "3 April 2017"),
                      ("practice", "2021-03", "March 2021"), ("year", "2022", "2022"),
                      ("undated", None, None)]
    newest = _dates(soup_of(dated_client, "/?sort=newest"))
    assert [d[0] for d in newest] == ["year", "practice", "day", "month", "undated"]


def test_the_year_filter_counts_no_undated_document_and_says_how_many(
    dated_client: TestClient,
) -> None:
    soup = soup_of(dated_client, "/?q=export")
    assert facet_counts(soup, "year") == {
        "2016": (1, False), "2017": (1, False), "2021": (1, False), "2022": (1, False)}
    note = soup.select_one("#facet-year .facet-without")
    assert note is not None and note.text.strip() == "1 document without a date"
    bars = soup.select("svg.year-hist a")
    assert sorted(b["aria-label"].split(":")[0] for b in bars) == ["2016", "2017", "2021",
                                                                     "2022"]
    # a year chosen: the undated document is not in the results, and no note
    chosen = soup_of(dated_client, "/?q=export&year=2016")
    assert [d[0] for d in _dates(chosen)] == ["month"]
    assert chosen.select_one("#facet-year .facet-without") is None
    ranged = soup_of(dated_client, "/?q=export&year_to=2017")
    assert {d[0] for d in _dates(ranged)} == {"month", "day"}
    assert ranged.select_one("#facet-year .facet-without") is None
    home = soup_of(dated_client, "/").select_one(".home-stats").get_text(" ", strip=True)
    assert "2016–2022" in home  # the years the dated documents span


def test_the_document_page_shows_the_known_part_of_its_date(dated_client: TestClient) -> None:
    def date_cell(doc_id: str):  # type: ignore[no-untyped-def]
        rows = soup_of(dated_client, f"/documents/{doc_id}").select("table tr")
        return next((r.select("td")[0] for r in rows
                     if r.select_one("th") and r.select_one("th").text == "Date"), None)

    month = date_cell("month")
    assert month.select_one("time")["datetime"] == "2016-05"
    assert month.text == "May 2016" and month.select_one("a")["href"] == "/?year=2016"
    assert date_cell("year").text == "2022" and date_cell("day").text == "3 April 2017"
    assert date_cell("undated") is None  # no row rather than a made-up date


def test_a_good_practice_timescale_is_unaffected_by_a_partial_date(
    dated_client: TestClient,
) -> None:
    soup = soup_of(dated_client, "/?q=export&type=good_practice")
    assert facet_counts(soup, "running") == {str(y): (1, False) for y in (2019, 2020, 2021)}
    assert "Ran 2019 - ongoing" in soup.select_one(".hit-meta").get_text(" ", strip=True)


# -- keyboard and headings ------------------------------------------------------------------
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


# -- HTTP: HEAD answers like GET; the favicon ------------------------------------------------
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


def test_favicon_is_linked_and_favicon_ico_answers(client: TestClient) -> None:
    soup = soup_of(client, "/help")
    icon = soup.select_one('link[rel="icon"]')["href"]
    assert client.get(icon).headers["content-type"].startswith("image/svg+xml")
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/")
    assert client.head("/favicon.ico").status_code == 200


def test_the_pages_read_words_in_decomposed_unicode_composed(client: TestClient) -> None:
    """A query pasted in decomposed Unicode (NFD: "o" + a combining diaeresis) finds and
    marks what the composed word does, on the results and on the document page; the search
    box shows it composed."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Exportförderung")
    results = soup_of(client, "/?" + urlencode({"q": decomposed}))
    titles = [h.get_text(" ", strip=True) for h in results.select(".hit-title")]
    assert any("Leitfaden" in t for t in titles), titles
    assert results.select_one('input[name="q"]')["value"] == "Exportförderung"
    page = soup_of(client, "/documents/guide-de?" + urlencode({"q": decomposed}))
    assert "Exportförderung" in [m.text for m in page.select(".passage-text mark")]
