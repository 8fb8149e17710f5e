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


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("qa")
    build(root / "index", root / "corpus")
    with TestClient(create_app(settings_for(root / "index", root / "corpus"))) as c:
        yield c


def soup_of(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    return BeautifulSoup(r.text, "html.parser")


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
