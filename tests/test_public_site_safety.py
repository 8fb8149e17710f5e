"""Small public-site hardening of issue 9 (bug 10): ASCII page numbers, hidden means hidden."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient

from ingest import doc_id_for, run_ingest
from search_app.app import create_app
from search_app.settings import Settings
from tests.test_admin import SECRET, login
from tests.test_ingest import write_corpus

HIDDEN = "news/secret.md"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("hidden")
    corpus = write_corpus(root / "corpus")
    (corpus / HIDDEN).write_text("# Internal note\n\nThe wallabygrant pilot, not public yet.\n")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([{"path": HIDDEN, "hidden": True}]))
    run_ingest(corpus, root / "index", workers=1)
    return Settings(corpus=corpus, index=root / "index", admin_secret=SECRET)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("value", ["١٢", "１２", "۱۲", "1_2", "12.0", "²"])
def test_page_numbers_in_other_digits_are_refused(client: TestClient, value: str) -> None:
    for path in ("/api/search", "/api/export.csv", "/api/facets"):
        r = client.get(path, params={"q": "export", "page": value})
        assert r.status_code == 400, (path, value, r.status_code)
        assert "digits 0-9" in r.json()["error"]["message"]
    r = client.get("/", params={"q": "export", "page": value})
    assert r.status_code == 400 and "digits 0-9" in r.text
    for name in ("size", "year", "year_from", "year_to"):
        assert client.get("/api/search", params={name: "٢٠٢١"}).status_code == 400
    assert client.get("/api/search", params={"q": "export", "page": "1"}).status_code == 200


def test_a_hidden_documents_words_page_and_file_stay_hidden(client: TestClient) -> None:
    doc_id = doc_id_for(HIDDEN)
    words = [s["text"] for s in client.get("/api/suggest", params={"q": "wallab"}).json()
             ["suggestions"]]
    assert words == []
    assert client.get("/api/suggest", params={"q": "transd"}).json()["suggestions"]
    assert client.get("/api/search", params={"q": "wallabygrant"}).json()["total"] == 0
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get(f"/api/documents/{doc_id}").status_code == 404
    assert client.get(f"/files/{HIDDEN}").status_code == 404
    assert client.get("/files/news/export.txt").status_code == 200


def test_the_admin_still_sees_a_hidden_document(client: TestClient) -> None:
    doc_id = doc_id_for(HIDDEN)
    login(client)
    assert client.get(f"/documents/{doc_id}").status_code == 200
    assert client.get(f"/api/documents/{doc_id}").status_code == 200
    r = client.get(f"/files/{HIDDEN}")
    assert r.status_code == 200 and "wallabygrant" in r.text
    assert r.headers["cache-control"] == "private, no-store"
