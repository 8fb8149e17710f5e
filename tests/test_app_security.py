"""Text from documents is always escaped; highlighting cannot inject markup; headers."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from search_app.search_page import only_marks
from tests.browser.appdata import XSS_ID, XSS_PARTNER, XSS_TITLE

PAGES = (
    "/?q=export",
    "/?q=matchmaking",
    "/?q=script+alert",
    "/?q=onmouseover",
    "/?q=hostile&country=ES",
    "/?sort=title",
    f"/documents/{XSS_ID}",
    f"/documents/{XSS_ID}?q=export+script+svg",
    "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
    "/?partner=" + XSS_PARTNER,
    "/documents/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/?page=%3Cscript%3E",
)


def _injected(soup: BeautifulSoup) -> list[str]:
    bad = []
    for script in soup.find_all("script"):
        if not script.get("src", "").startswith("/"):
            bad.append(str(script)[:100])
    for tag in soup.find_all(True):
        if tag.name in ("img", "svg", "iframe", "object", "embed") and tag.find_parent(
            class_=("hit", "doc", "chips", "facet", "empty")
        ):
            if tag.name != "svg" or "country-map" not in tag.get("class", []):
                bad.append(str(tag)[:100])
        for attr in tag.attrs:
            if attr.lower().startswith("on"):
                bad.append(f"{tag.name}[{attr}]")
    return bad


@pytest.mark.parametrize("url", PAGES)
def test_document_text_is_escaped_everywhere(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code in (200, 400, 404), r.status_code
    soup = BeautifulSoup(r.text, "html.parser")
    assert _injected(soup) == []
    assert "<script>alert" not in r.text
    assert "<svg onload" not in r.text and "<img src=x" not in r.text


def test_hostile_title_is_shown_as_text(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/?q=hostile").text, "html.parser")
    titles = [a.text for a in soup.select(".hit-title a")]
    assert XSS_TITLE in titles
    doc = BeautifulSoup(client.get(f"/documents/{XSS_ID}?q=export").text, "html.parser")
    assert doc.h1.text == XSS_TITLE
    # highlighted passage: only <mark> elements inside, the payload as text
    text = doc.select_one(".passage-text")
    assert {t.name for t in text.find_all(True)} == {"mark"}
    assert "<script>alert('body')</script>" in text.text
    partner = BeautifulSoup(client.get("/?q=hostile").text, "html.parser")
    assert XSS_PARTNER in [s.text for s in partner.select("#facet-partner .facet-label")]


def test_snippets_contain_only_mark_tags(client: TestClient) -> None:
    data = client.get("/api/search?q=export+script+alert+svg").json()
    for hit in data["hits"]:
        for p in hit["passages"]:
            tags = {t.name for t in BeautifulSoup(p["snippet"], "html.parser").find_all(True)}
            assert tags <= {"mark"}, p["snippet"]


def test_only_marks_neutralises_any_other_tag() -> None:
    assert only_marks("a <mark>b</mark> <script>x</script>") == (
        "a <mark>b</mark> &lt;script>x&lt;/script>"
    )
    assert only_marks('<mark onclick="x">') == '&lt;mark onclick="x">'


@pytest.mark.parametrize("url", ["/", "/api/search?q=x", "/documents/doc-01", "/nope", "/help"])
def test_security_headers(client: TestClient, url: str) -> None:
    h = client.get(url).headers
    csp = h["content-security-policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
