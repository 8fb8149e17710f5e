"""The admin area through TestClient: the secret, sessions, CSRF, backoff, uploads, edits."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from index import IndexStore, SearchRequest, search
from ingest import run_ingest
from search_app.admin import security
from search_app.admin.ingest_jobs import read_status
from search_app.app import create_app
from search_app.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SECRET = "correct horse battery staple 42"
PDF = REPO / "corpus" / "action-plans" / "upgradesme-action-plan-friesland.pdf"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2000

#: Routes anyone may reach: the login page and the login form.
PUBLIC = {("GET", "/admin"), ("POST", "/admin/login")}


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus (without its build sources) ingested once for the module."""
    root = tmp_path_factory.mktemp("admin-base")
    shutil.copytree(REPO / "corpus", root / "corpus", ignore=shutil.ignore_patterns("_build"))
    run_ingest(root / "corpus", root / "index", workers=2)
    return root


@pytest.fixture()
def site(base_index: Path, tmp_path: Path) -> Settings:
    shutil.copytree(base_index / "corpus", tmp_path / "corpus")
    shutil.copytree(base_index / "index", tmp_path / "index")
    return Settings(corpus=tmp_path / "corpus", index=tmp_path / "index", admin_secret=SECRET,
                    ingest_workers=2, upload_max_mb=2)


def _login_token(html: str) -> str:
    match = re.search(r'name="login_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def login(client: TestClient, secret: str = SECRET) -> str:
    """Log in; return the CSRF token of the session."""
    page = client.get("/admin")
    r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                          "secret": secret}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return _csrf(client.get("/admin").text)


@pytest.fixture()
def admin(site: Settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(site)) as client:
        client.csrf = login(client)  # type: ignore[attr-defined]
        yield client


def admin_routes() -> list[tuple[str, str]]:
    from search_app.admin.routes import router

    out = []
    for route in router.routes:
        path = getattr(route, "path", "")
        if path.startswith("/admin"):
            for method in sorted(getattr(route, "methods", ()) - {"HEAD"}):
                out.append((method, path.replace("{stage_id}", "AAAAAAAAAAAA")))
    return out


# -- the secret and the session --------------------------------------------------------------
def test_without_a_secret_the_admin_area_is_off_and_says_how_to_turn_it_on(tmp_path: Path):
    with TestClient(create_app(Settings(index=tmp_path / "i", corpus=tmp_path))) as client:
        r = client.get("/admin")
        assert r.status_code == 200
        assert "KB_ADMIN_SECRET" in r.text and "off" in r.text
        assert client.get("/admin/upload").status_code == 404
        assert client.post("/admin/login", data={"secret": ""}).status_code == 404


def test_the_route_list_covers_the_admin_pages():
    routes = admin_routes()
    assert len(routes) >= 15, routes
    assert ("POST", "/admin/upload") in routes and ("GET", "/admin/ingest/status") in routes


@pytest.mark.parametrize("method,path", [r for r in admin_routes() if r not in PUBLIC])
def test_every_admin_route_refuses_a_request_without_a_valid_session(site, method, path):
    forged = security.new_session_cookie("another secret")[0]
    with TestClient(create_app(site)) as client:
        for cookie in (None, "garbage", forged):
            client.cookies.clear()
            if cookie:
                client.cookies.set(security.SESSION_COOKIE, cookie)
            r = client.request(method, path, data={"csrf_token": "x", "path": "news/x.md"},
                               follow_redirects=False)
            assert r.status_code == 401, (method, path, cookie, r.status_code, r.text[:300])
            if path.endswith("/status"):
                assert r.json()["error"]["code"] == "unauthorized"
            else:
                assert 'name="secret"' in r.text  # the login form


def test_an_expired_session_is_refused(site, monkeypatch):
    with TestClient(create_app(site)) as client:
        login(client)
        assert client.get("/admin/documents").status_code == 200
        monkeypatch.setattr(security, "SESSION_SECONDS", -1)
        assert client.get("/admin/documents").status_code == 401


def test_login_sets_a_hardened_cookie_and_logout_revokes_it(site):
    with TestClient(create_app(site)) as client:
        page = client.get("/admin")
        r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                              "secret": SECRET}, follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert "Secure" not in cookie.split(",")[0]  # plain HTTP in the test
        assert "Max-Age=28800" in cookie
        value = client.cookies.get(security.SESSION_COOKIE)
        assert SECRET not in value
        csrf = _csrf(client.get("/admin").text)
        r = client.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        # The old cookie, replayed after logout, no longer works (in any worker: a file).
        client.cookies.set(security.SESSION_COOKIE, value)
        assert client.get("/admin/documents").status_code == 401


def test_the_cookie_is_secure_over_https(site):
    with TestClient(create_app(site), base_url="https://testserver") as client:
        page = client.get("/admin")
        r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                              "secret": SECRET}, follow_redirects=False)
        assert "Secure" in r.headers["set-cookie"]


def test_login_needs_the_form_token(site):
    with TestClient(create_app(site)) as client:
        r = client.post("/admin/login", data={"secret": SECRET}, follow_redirects=False)
        assert r.status_code == 403
        assert client.cookies.get(security.SESSION_COOKIE) is None


def test_wrong_secrets_are_slowed_down_per_client(site):
    with TestClient(create_app(site)) as client:
        statuses = []
        for _ in range(5):
            page = client.get("/admin")
            r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                                  "secret": "wrong"})
            statuses.append(r.status_code)
        # Three free tries, the fourth makes the client wait, the fifth is not even checked.
        assert statuses == [401, 401, 401, 401, 429], statuses
        assert "wait" in r.text.lower() and int(r.headers["Retry-After"]) >= 1
        # Even the right secret is refused while the client must wait.
        page = client.get("/admin")
        r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                              "secret": SECRET})
        assert r.status_code == 429


def test_login_throttle_backs_off_and_keeps_bounded_memory():
    throttle = security.LoginThrottle(free=2, base=1, cap=8, max_clients=100)
    delays = [throttle.failure("a", now=0) for _ in range(7)]
    assert delays == [0, 0, 1, 2, 4, 8, 8]
    assert throttle.wait_seconds("a", now=3) == 5
    assert throttle.wait_seconds("b", now=3) == 0
    throttle.success("a")
    assert throttle.wait_seconds("a", now=3) == 0
    for i in range(1000):
        throttle.failure(f"10.0.{i // 256}.{i % 256}", now=0)
    assert len(throttle) == 100
    assert security.client_key("2001:db8::1") == security.client_key("2001:db8::2")


@pytest.mark.parametrize("method,path", [r for r in admin_routes()
                                         if r[0] == "POST" and r not in PUBLIC])
def test_a_form_post_without_its_csrf_token_is_refused(admin, site, method, path):
    before = (site.corpus / "catalog.yaml").read_bytes()
    for data in ({}, {"csrf_token": "not-the-token"}):
        r = admin.post(path, data={**data, "path": "news/x.md", "mode": "incremental"},
                       follow_redirects=False)
        assert r.status_code == 403, (path, r.status_code, r.text[:300])
    assert (site.corpus / "catalog.yaml").read_bytes() == before
    assert read_status(site.index) is None  # no ingest was started


def test_a_post_from_another_origin_is_refused(admin):
    r = admin.post("/admin/ingest", data={"csrf_token": admin.csrf},
                   headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403


# -- uploads ---------------------------------------------------------------------------------
def _upload(admin, *files, **fields):  # type: ignore[no-untyped-def]
    return admin.post("/admin/upload", data={"csrf_token": admin.csrf, "folder": "uploads",
                                             **fields},
                      files=[("files", f) for f in files], follow_redirects=False)


def _staging(site: Settings) -> list[Path]:
    root = site.index / "admin-staging"
    return sorted(root.iterdir()) if root.is_dir() else []


def test_an_executable_renamed_pdf_is_refused(admin, site):
    r = _upload(admin, ("report.pdf", ELF, "application/pdf"))
    assert r.status_code == 400
    assert "report.pdf: refused" in r.text and "ELF executable" in r.text
    assert _staging(site) == []
    assert not (site.corpus / "uploads").exists()


def test_other_binaries_and_empty_files_are_refused(admin, site):
    for name, data in (("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
                       ("notes.txt", b"MZ\x90\x00" + b"\0" * 100),
                       ("empty.pdf", b"")):
        r = _upload(admin, (name, data, "application/octet-stream"))
        assert r.status_code == 400, (name, r.text[:300])
        assert f"{name}: refused" in r.text
    assert _staging(site) == []


def test_a_file_over_the_size_limit_is_refused(admin, site):
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)  # the limit is 2 MB in this test
    r = _upload(admin, ("big.pdf", big, "application/pdf"))
    assert r.status_code == 400 and "larger than the limit of 2 MB" in r.text
    assert _staging(site) == []


def test_a_request_over_the_total_limit_is_refused_before_reading(admin, site):
    r = admin.post("/admin/upload", content=b"x" * 10, headers={
        "Content-Length": str(10**10), "Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413


def test_upload_shows_suggestions_then_saves_into_corpus_and_catalog(admin, site):
    catalog_before = yaml.safe_load((site.corpus / "catalog.yaml").read_text())
    r = _upload(admin, ("../../Plan für Fryslân (final).pdf", PDF.read_bytes(),
                        "application/pdf"), themes="green_economy")
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/review")
    (stage,) = _staging(site)
    review = admin.get("/admin/review")
    assert review.status_code == 200
    html = review.text
    # The name is made safe; inferred values prefill the form, labelled as suggestions.
    assert 'value="Plan-fur-Fryslan-final.pdf"' in html
    assert "suggested" in html and "from the file" in html
    assert 'value="Regional Action Plan for Friesland"' in html
    assert '<option value="NL12" selected>' in html
    # What the admin typed on the upload form wins over the suggestion.
    assert re.search(r'value="green_economy" checked', html)
    name = re.search(r'name="name" value="([^"]+)"', html).group(1)
    assert "/" not in name and not name.startswith(".")

    r = admin.post(f"/admin/review/{stage.name}/save", data={
        "csrf_token": admin.csrf, "folder": "uploads", "name": "friesland-copy.pdf",
        "title": "Friesland plan, uploaded copy", "type": "action_plan", "language": "en",
        "country": "NL", "region": "NL12", "themes": ["green_economy", "export_promotion"],
        "date": "2019-03-25", "partner": "", "policy_instrument": "", "summary": "",
    }, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    saved = site.corpus / "uploads" / "friesland-copy.pdf"
    assert saved.read_bytes() == PDF.read_bytes()
    assert _staging(site) == []
    text = (site.corpus / "catalog.yaml").read_text()
    assert text.startswith("# The catalog of the sample corpus")  # the header comment is kept
    catalog = yaml.safe_load(text)
    paths = [e["path"] for e in catalog]
    assert paths == sorted(paths)
    new = next(e for e in catalog if e["path"] == "uploads/friesland-copy.pdf")
    assert new["title"] == "Friesland plan, uploaded copy"
    assert new["themes"] == ["green_economy", "export_promotion"]
    assert "partner" not in new  # left empty: inferred by ingest
    others = [e for e in catalog if e["path"] != "uploads/friesland-copy.pdf"]
    assert sorted(others, key=lambda e: e["path"]) == sorted(catalog_before,
                                                             key=lambda e: e["path"])

    report = run_ingest(site.corpus, site.index, workers=2)
    assert report.added == ["uploads/friesland-copy.pdf"]
    result = search(IndexStore(site.index), SearchRequest(query='"uploaded copy"'))
    assert [h.source_path for h in result.hits] == ["uploads/friesland-copy.pdf"]


def test_nothing_is_overwritten_without_confirmation(admin, site):
    target = site.corpus / "action-plans" / PDF.name
    original = target.read_bytes()
    other = (REPO / "corpus" / "action-plans" / "upgradesme-plano-de-acao-norte.pdf").read_bytes()
    _upload(admin, (PDF.name, other, "application/pdf"), folder="action-plans")
    (stage,) = _staging(site)
    html = admin.get("/admin/review").text
    assert "exists already" in html and 'name="overwrite"' in html
    form = {"csrf_token": admin.csrf, "folder": "action-plans", "name": PDF.name}
    r = admin.post(f"/admin/review/{stage.name}/save", data=form)
    assert r.status_code == 400 and "exists already" in r.text
    assert target.read_bytes() == original
    r = admin.post(f"/admin/review/{stage.name}/save", data={**form, "overwrite": "1"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert target.read_bytes() == other


def test_invalid_metadata_is_refused_with_messages(admin, site):
    _upload(admin, ("a.pdf", PDF.read_bytes(), "application/pdf"))
    (stage,) = _staging(site)
    r = admin.post(f"/admin/review/{stage.name}/save", data={
        "csrf_token": admin.csrf, "folder": "uploads", "name": "a.pdf", "type": "poem",
        "country": "XX", "date": "last spring", "themes": ["nonsense"]})
    assert r.status_code == 400
    for message in ("not a document type", "not a country", "YYYY", "unknown theme"):
        assert message in r.text
    assert not (site.corpus / "uploads" / "a.pdf").exists()


def test_discarding_an_upload_removes_it(admin, site):
    _upload(admin, ("a.pdf", PDF.read_bytes(), "application/pdf"))
    (stage,) = _staging(site)
    r = admin.post(f"/admin/review/{stage.name}/discard", data={"csrf_token": admin.csrf})
    assert r.status_code == 200 and _staging(site) == []


# -- editing, hiding, removing ---------------------------------------------------------------
REL = "news/upgradesme-newsletter-01-2017.md"


def test_edit_writes_the_catalog_and_ingest_rereads_the_file(admin, site):
    assert (site.corpus / REL).is_file()
    page = admin.get("/admin/documents/edit", params={"path": REL})
    assert page.status_code == 200 and REL in page.text
    entry = next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
                 if e["path"] == REL)
    r = admin.post("/admin/documents/edit", data={
        "csrf_token": admin.csrf, "path": REL, "title": "Newsletter one, retitled",
        "type": entry.get("type", ""), "language": entry.get("language", ""),
        "country": entry.get("country", ""), "themes": entry.get("themes", []),
        "date": str(entry.get("date", "")),
    }, follow_redirects=False)
    assert r.status_code == 303
    new = next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
               if e["path"] == REL)
    assert new["title"] == "Newsletter one, retitled"
    report = run_ingest(site.corpus, site.index, workers=2)
    assert report.updated == [REL], report.to_dict()
    hit = search(IndexStore(site.index), SearchRequest(query="retitled")).hits[0]
    assert hit.title == "Newsletter one, retitled"


def test_hide_keeps_the_file_but_searches_no_longer_find_it(admin, site):
    store = IndexStore(site.index)
    title = next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
                 if e["path"] == REL)["title"]
    query = SearchRequest(query=f'title:"{title}"')
    assert REL in [h.source_path for h in search(store, query).hits]
    r = admin.post("/admin/documents/hide", data={"csrf_token": admin.csrf, "path": REL,
                                                  "hidden": "1"}, follow_redirects=False)
    assert r.status_code == 303
    entry = next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
                 if e["path"] == REL)
    assert entry["hidden"] is True and entry["title"] == title
    run_ingest(site.corpus, site.index, workers=2)
    assert REL not in [h.source_path for h in search(store, query).hits]
    assert (site.corpus / REL).is_file()


def test_remove_asks_first_then_deletes_the_file_and_its_entry(admin, site):
    page = admin.get("/admin/documents/delete", params={"path": REL})
    assert page.status_code == 200 and "cannot be undone" in page.text
    # Without the confirmation field nothing happens.
    r = admin.post("/admin/documents/delete", data={"csrf_token": admin.csrf, "path": REL},
                   follow_redirects=False)
    assert r.status_code == 303 and (site.corpus / REL).is_file()
    r = admin.post("/admin/documents/delete", data={"csrf_token": admin.csrf, "path": REL,
                                                    "confirm": REL}, follow_redirects=False)
    assert r.status_code == 303
    assert not (site.corpus / REL).exists()
    assert REL not in [e["path"] for e in yaml.safe_load((site.corpus / "catalog.yaml")
                                                         .read_text())]
    report = run_ingest(site.corpus, site.index, workers=2)
    assert report.removed == [REL]


@pytest.mark.parametrize("path", ["../pyproject.toml", "/etc/passwd", "_build/README.md",
                                  "news/../../x", "nope.pdf"])
def test_paths_outside_the_corpus_are_refused(admin, site, path):
    assert admin.get("/admin/documents/edit", params={"path": path}).status_code == 404
    r = admin.post("/admin/documents/delete", data={"csrf_token": admin.csrf, "path": path,
                                                    "confirm": path})
    assert r.status_code == 404


def test_documents_page_lists_the_corpus(admin, site):
    r = admin.get("/admin/documents")
    assert r.status_code == 200
    assert REL in r.text and "indexed" in r.text
    r = admin.get("/admin/documents", params={"q": "newsletter"})
    assert REL in r.text and "action-plan" not in r.text


# -- ingest from the page --------------------------------------------------------------------
def _wait_finished(client: TestClient, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get("/admin/ingest/status").json()
        if not status["active"]:
            return status
        time.sleep(0.2)
    raise AssertionError(f"the ingest did not finish: {status}")


def test_ingest_runs_in_the_background_with_progress_report_and_history(admin, site):
    (site.corpus / "news" / "2024-admin-note.md").write_text(
        "# Admin note\n\nA zebracrossing workshop for exporters.\n", encoding="utf-8")
    r = admin.post("/admin/ingest", data={"csrf_token": admin.csrf, "mode": "incremental"},
                   follow_redirects=False)
    assert r.status_code == 303 and "msg=started" in r.headers["location"]
    # One at a time: a second start while the first runs is refused.
    second = admin.post("/admin/ingest", data={"csrf_token": admin.csrf}, follow_redirects=False)
    if "busy" not in second.headers["location"]:
        assert read_status(site.index)["state"] == "finished"  # the first was that quick
    status = _wait_finished(admin)
    assert status["state"] == "finished", status
    assert status["report"]["added"] == ["news/2024-admin-note.md"]
    assert status["done"] == status["total"] == 1
    page = admin.get("/admin/ingest")
    assert "Finished" in page.text and "2024-admin-note.md" in page.text
    assert "History" in page.text and page.text.count("<tr>") >= 3
    hits = search(IndexStore(site.index), SearchRequest(query="zebracrossing")).hits
    assert [h.source_path for h in hits] == ["news/2024-admin-note.md"]


def test_the_ingest_page_refreshes_without_js_and_polls_with_it(admin, site):
    from search_app.admin.ingest_jobs import write_status

    write_status(site.index, {"state": "running", "pid": __import__("os").getpid(),
                              "mode": "rebuild", "done": 3, "total": 10,
                              "current": "news/a.md", "started": time.time()})
    page = admin.get("/admin/ingest")
    assert '<noscript><meta http-equiv="refresh"' in page.text
    assert 'data-active="1"' in page.text and "/static/admin.js" in page.text
    assert "<script>" not in page.text  # no inline script (the CSP forbids it)
    status = admin.get("/admin/ingest/status").json()
    assert status["active"] and status["percent"] == 30 and status["current"] == "news/a.md"
    r = admin.post("/admin/ingest", data={"csrf_token": admin.csrf}, follow_redirects=False)
    assert "busy" in r.headers["location"]


def test_a_dead_run_is_reported_as_failed(site):
    from search_app.admin.ingest_jobs import write_status

    write_status(site.index, {"state": "running", "pid": 2**22 + 12345, "done": 1,
                              "total": 5})
    status = read_status(site.index)
    assert status["state"] == "failed" and not status["active"]


def test_too_many_files_in_one_upload_are_refused(admin, site):
    files = [("files", (f"f{i}.md", b"# T\n\ntext\n", "text/markdown")) for i in range(21)]
    r = admin.post("/admin/upload", data={"csrf_token": admin.csrf}, files=files)
    assert r.status_code == 400, r.text[:500]
    assert _staging(site) == []
