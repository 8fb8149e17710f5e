"""What a walkthrough of the site found (issue 13: bugs and rough edges), each pinned by a test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index import DocumentView, PassageView
from index.records import Document
from search_app.app import create_app
from search_app.charts import year_histogram
from search_app.document_page import passage_labels
from tests.browser.appdata import settings_for
from tests.helpers import soup_of

pytestmark = pytest.mark.engines


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


def test_without_a_query_the_sort_box_says_newest_first(client: TestClient) -> None:
    soup = soup_of(client, "/?country=ES")
    options = [(o["value"], o.text, o.has_attr("selected")) for o in soup.select("#sort option")]
    assert options[0] == ("newest", "Newest first", True), options
    assert "Relevance" not in [label for _, label, _ in options]
    with_words = soup_of(client, "/?q=export").select_one("#sort option[selected]")
    assert with_words.text == "Relevance"


def test_an_empty_result_has_no_sidebar_of_empty_facets(client: TestClient) -> None:
    soup = soup_of(client, "/?q=export&country=ES&year=2099")
    assert soup.select_one(".filters-panel") is None
    assert "No values in these results" not in soup.get_text()
    assert soup.select_one(".empty .empty-reason")


def test_the_help_page_does_not_send_the_public_to_the_readme(client: TestClient) -> None:
    soup = soup_of(client, "/help")
    assert "README" not in soup.get_text()
    assert soup.select_one('#http-api ~ p a[href="/docs"]')


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
    from index import Passage
    from tests.helpers import build_index

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
