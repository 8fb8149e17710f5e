"""Small public-site hardening of issue 9 (bug 10): ASCII page numbers, hidden means hidden
(keyword and semantic paths: the index of these tests has its vectors)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from index import IndexStore, SearchRequest, embed_index, search
from index.semantic import similar_documents
from index.vectors import load_index
from ingest import doc_id_for, run_ingest
from search_app.app import create_app
from search_app.settings import Settings
from tests.test_admin import SECRET, login
from tests.test_ingest import write_corpus

HIDDEN = "news/secret.md"
#: a second hidden document, in German, on the topic of the public news/export.txt: the
#: closest document in another language that "the same topic in other languages" would show
HIDDEN_DE = "news/geheim.md"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("hidden")
    corpus = write_corpus(root / "corpus")
    (corpus / HIDDEN).write_text("# Internal note\n\nThe wallabygrant pilot, not public yet.\n")
    (corpus / HIDDEN_DE).write_text(
        "# Exportmissionen aus Westtransdanubien\n\nDie Exportmission brachte zwölf Firmen "
        "aus Westtransdanubien nach Bayern. Exportberater bereiteten jedes Treffen vor.\n")
    (corpus / "catalog.yaml").write_text(yaml.safe_dump([
        {"path": HIDDEN, "hidden": True},
        {"path": HIDDEN_DE, "hidden": True, "language": "de"},
    ]))
    run_ingest(corpus, root / "index", workers=1)
    # with vectors, so the semantic path (hits by meaning, more like this, the same topic in
    # other languages) is checked as well as the keyword path
    assert embed_index(IndexStore(root / "index")).state == "done"
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
    found = client.get("/api/search", params={"q": "wallabygrant"}).json()
    # no document but the hidden one has the word: what is found is found by meaning
    assert all(h["match"] == "semantic" for h in found["hits"])
    assert doc_id not in {h["id"] for h in found["hits"]}
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


def test_a_hidden_document_is_never_found_by_meaning(client: TestClient, settings: Settings
                                                     ) -> None:
    hidden = {doc_id_for(HIDDEN), doc_id_for(HIDDEN_DE)}
    public = doc_id_for("news/export.txt")
    store = IndexStore(settings.index)
    gen = store.current_generation()
    vi = load_index(gen) if gen is not None else None
    assert vi is not None and hidden <= set(vi.doc_ids)  # the hidden ones have vectors too
    # Words no document contains, close in meaning to the hidden note: every hit is one by
    # meaning. With hidden documents allowed (the admin's view) the note is among them, so
    # the public checks below can fail.
    query = "a kangaroo subsidy trial that is not announced"
    admin = search(store, SearchRequest(query=query, include_hidden=True))
    assert admin.semantic and admin.keyword_total == 0
    assert doc_id_for(HIDDEN) in {h.id for h in admin.hits}
    for q in (query, "Exportmission Bayern", "export missions to Bavaria", "wallabygrant"):
        r = client.get("/api/search", params={"q": q}).json()
        assert r["semantic_used"], q
        assert not hidden & {h["id"] for h in r["hits"]}, q
        page = client.get("/", params={"q": q}).text
        assert "Internal note" not in page and "Exportmissionen" not in page, q
    # More like this and the same topic in other languages: the vectors put the German
    # note closest to the public English page, yet the page does not show it.
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    closest = similar_documents(vi, public, everything, 5, other_languages=True)
    assert vi.doc_ids[closest[0][0]] == doc_id_for(HIDDEN_DE)
    data = client.get(f"/api/documents/{public}").json()
    shown = {d["id"] for d in data["more_like_this"]} | {d["id"] for d in
                                                          data["other_languages"]}
    assert data["more_like_this"] and not hidden & shown
    assert "Exportmissionen" not in client.get(f"/documents/{public}").text
