"""The admin area through TestClient: the secret, sessions, CSRF, backoff, uploads, edits."""

from __future__ import annotations

import datetime
import json
import re
import time
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from index import IndexStore, SearchRequest, search
from ingest import DATE_INPUT_PATTERN, run_ingest
from search_app.admin import security
from search_app.admin.ingest_jobs import read_status
from search_app.app import create_app
from search_app.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SECRET = "correct horse battery staple 42"
PDF_REL = "action-plans/upgradesme-action-plan-friesland.pdf"
PDF_NAME = PDF_REL.rsplit("/", 1)[1]
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2000

#: Routes anyone may reach: the login page and the login form.
PUBLIC = {("GET", "/admin"), ("GET", "/admin/login"), ("POST", "/admin/login")}


@pytest.fixture()
def site(sample_copy: Path) -> Settings:
    """The admin's settings over a copy of the ingested sample corpus (conftest.py)."""
    return Settings(corpus=sample_copy / "corpus", index=sample_copy / "index",
                    admin_secret=SECRET, ingest_workers=2, upload_max_mb=2)


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


def test_the_wait_the_login_page_asks_for_is_the_retry_after_header(site):
    asked = []
    with TestClient(create_app(site)) as client:
        for attempt in range(1, 6):
            page = client.get("/admin")
            r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                                  "secret": "wrong"})
            said = re.search(r"[Ww]ait (\d+) s", r.text)
            if "Retry-After" in r.headers or said:
                assert said and r.headers.get("Retry-After") == said.group(1), (
                    attempt, r.status_code, r.headers.get("Retry-After"),
                    said and said.group(0))
                asked.append(attempt)
    assert asked, "five wrong secrets and no wait asked for"


def test_every_signed_value_is_refused_forged_expired_or_for_another_purpose(monkeypatch):
    cookie, session = security.new_session_cookie(SECRET)
    token_cookie, token = security.new_login_token(SECRET)
    device = security.new_device_cookie(SECRET)
    assert security.read_session_cookie(SECRET, cookie, set()) == session
    assert security.login_token_ok(SECRET, token_cookie, token)
    assert security.read_device_cookie(SECRET, device)
    for value in (None, "", "garbage", cookie + "x", token_cookie, device):
        assert security.read_session_cookie(SECRET, value, set()) is None, value
    for value in (None, "", "garbage", token_cookie + "x", cookie, device):
        assert not security.login_token_ok(SECRET, value, token), value
    assert not security.login_token_ok(SECRET, token_cookie, "")
    assert not security.login_token_ok(SECRET, token_cookie, token + "x")
    for value in (None, "", "garbage", device + "x", cookie, token_cookie):
        assert security.read_device_cookie(SECRET, value) is None, value
    assert security.read_session_cookie("another secret", cookie, set()) is None
    assert security.read_session_cookie(SECRET, cookie, {session.sid}) is None  # revoked
    for name in ("SESSION_SECONDS", "LOGIN_FORM_SECONDS", "DEVICE_SECONDS"):
        monkeypatch.setattr(security, name, -1)
    assert security.read_session_cookie(SECRET, cookie, set()) is None
    assert not security.login_token_ok(SECRET, token_cookie, token)
    assert security.read_device_cookie(SECRET, device) is None


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


def test_an_upload_with_one_refused_file_goes_on_to_review_the_others(admin, site):
    r = _upload(admin, ("plan.pdf", (site.corpus / PDF_REL).read_bytes(), "application/pdf"),
                ("report.pdf", ELF, "application/pdf"))
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/review"), (
        r.status_code, r.text[:500])
    review = admin.get(r.headers["location"])
    soup = BeautifulSoup(review.text, "html.parser")
    assert len(soup.select(".review-item")) == 1
    refused = soup.select_one(".refused").get_text(" ", strip=True)
    assert "report.pdf" in refused and "ELF executable" in refused, refused
    again = BeautifulSoup(admin.get("/admin/review").text, "html.parser")
    assert again.select_one(".refused") is None  # said once


def test_other_binaries_and_empty_files_are_refused(admin, site):
    for name, data in (("photo.pdf", b"GIF89a" + b"\0" * 100),
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
    r = _upload(admin, ("../../Plan für Fryslân (final).pdf", (site.corpus / PDF_REL).read_bytes(),
                        "application/pdf"), themes="green_economy")
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/review")
    (stage,) = _staging(site)
    review = admin.get("/admin/review")
    assert review.status_code == 200
    html = review.text
    # The name is made safe; inferred values prefill the form, labelled as suggestions.
    assert 'value="Plan-fur-Fryslan-final.pdf"' in html
    assert "suggested" in html and "from the file" in html
    # Empty choices say in plain words what happens (not "(infer)" or "(detect)").
    assert html.count('<option value="">From the text</option>') == 4
    assert "(infer)" not in html and "(detect)" not in html
    assert 'value="Regional Action Plan for Friesland"' in html
    assert ('name="date" inputmode="numeric" placeholder="YYYY-MM-DD" '
            f'pattern="{DATE_INPUT_PATTERN}"') in html
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
    assert saved.read_bytes() == (site.corpus / PDF_REL).read_bytes()
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
    # the one document with the words (others may come by meaning)
    assert [h.source_path for h in result.hits if h.match == "keyword"] == [
        "uploads/friesland-copy.pdf"], result.hits


def test_nothing_is_overwritten_without_confirmation(admin, site):
    target = site.corpus / "action-plans" / PDF_NAME
    original = target.read_bytes()
    other = (site.corpus / "action-plans" / "upgradesme-plano-de-acao-norte.pdf").read_bytes()
    _upload(admin, (PDF_NAME, other, "application/pdf"), folder="action-plans")
    (stage,) = _staging(site)
    html = admin.get("/admin/review").text
    assert "exists already" in html and 'name="overwrite"' in html
    # (entry_for: the page shows the catalog entry of the file it replaces, and says so)
    form = {"csrf_token": admin.csrf, "folder": "action-plans", "name": PDF_NAME,
            "entry_for": _fields(html)["entry_for"]}
    r = admin.post(f"/admin/review/{stage.name}/save", data=form)
    assert r.status_code == 400 and "exists already" in r.text
    assert target.read_bytes() == original
    r = admin.post(f"/admin/review/{stage.name}/save", data={**form, "overwrite": "1"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert target.read_bytes() == other


def test_invalid_metadata_is_refused_with_messages(admin, site):
    _upload(admin, ("a.pdf", (site.corpus / PDF_REL).read_bytes(), "application/pdf"))
    (stage,) = _staging(site)
    r = admin.post(f"/admin/review/{stage.name}/save", data={
        "csrf_token": admin.csrf, "folder": "uploads", "name": "a.pdf", "type": "poem",
        "country": "XX", "date": "last spring", "themes": ["nonsense"]})
    assert r.status_code == 400
    for message in ("not a document type", "not a country", "YYYY", "unknown theme"):
        assert message in r.text
    assert not (site.corpus / "uploads" / "a.pdf").exists()


def test_discarding_an_upload_removes_it(admin, site):
    _upload(admin, ("a.pdf", (site.corpus / PDF_REL).read_bytes(), "application/pdf"))
    (stage,) = _staging(site)
    r = admin.post(f"/admin/review/{stage.name}/discard", data={"csrf_token": admin.csrf})
    assert r.status_code == 200 and _staging(site) == []
    assert "discarded" in r.text
    # Twice (another tab): the page says it was no longer waiting.
    r = admin.post(f"/admin/review/{stage.name}/discard", data={"csrf_token": admin.csrf})
    assert r.status_code == 200 and "no longer waiting" in r.text


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


@pytest.mark.parametrize("written", ["28.06.2019", "2019-6", "yaml-date"])
def test_a_catalog_date_ingest_reads_is_shown_normalised_and_saves(admin, site, written):
    """A catalog entry's date in a spelling ingest reads (day first, a short month, a YAML
    date) prefills the form as stored, so the document saves without retyping it."""
    catalog = site.corpus / "catalog.yaml"
    entries = yaml.safe_load(catalog.read_text())
    entry = next(e for e in entries if e["path"] == REL)
    entry["date"] = datetime.date(2019, 6, 28) if written == "yaml-date" else written
    catalog.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))
    stored = "2019-06" if written == "2019-6" else "2019-06-28"
    page = admin.get("/admin/documents/edit", params={"path": REL})
    assert page.status_code == 200
    shown = re.search(r'name="date"[^>]*value="([^"]*)"', page.text).group(1)
    assert shown == stored and re.fullmatch(DATE_INPUT_PATTERN, shown), shown
    r = admin.post("/admin/documents/edit", data={
        "csrf_token": admin.csrf, "path": REL, "title": str(entry.get("title", "Newsletter")),
        "type": entry.get("type", ""), "language": entry.get("language", ""),
        "country": entry.get("country", ""), "themes": entry.get("themes", []),
        "date": written if written != "yaml-date" else "28.06.2019",
    }, follow_redirects=False)
    assert r.status_code == 303, r.text
    new = next(e for e in yaml.safe_load(catalog.read_text()) if e["path"] == REL)
    assert str(new["date"]) == stored, new


def test_hide_keeps_the_file_but_searches_no_longer_find_it(admin, site):
    store = IndexStore(site.index)
    title = next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
                 if e["path"] == REL)["title"]
    query = SearchRequest(query=f'title:"{title}"')
    assert REL in [h.source_path for h in search(store, query).hits]
    r = admin.post("/admin/documents/hide", data={"csrf_token": admin.csrf, "path": REL,
                                                  "hidden": "1"}, follow_redirects=False)
    # Hiding starts the ingest itself; its report counts the document as updated.
    assert r.status_code == 303 and "/admin/ingest" in r.headers["location"]
    entry = next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
                 if e["path"] == REL)
    assert entry["hidden"] is True and entry["title"] == title
    status = _wait_finished(admin)
    assert status["state"] == "finished" and status["report"]["updated"] == [REL], status
    assert "takes it out of searches" in admin.get(r.headers["location"]).text
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


def test_a_removal_with_an_unreadable_catalog_leaves_the_document(admin, site):
    # The file and its sidecar went first, then the catalog raised: 503, then 404 on a retry,
    # and the document's catalog entry was left for a file that was gone.
    sidecar = site.corpus / f"{REL}.meta.yaml"
    sidecar.write_text("title: Side\n", encoding="utf-8")
    catalog = site.corpus / "catalog.yaml"
    good = catalog.read_text(encoding="utf-8")
    catalog.write_text(good + "\n- path: [unclosed\n", encoding="utf-8")
    form = {"csrf_token": admin.csrf, "path": REL, "confirm": REL}
    r = admin.post("/admin/documents/delete", data=form, follow_redirects=False)
    assert r.status_code == 503 and "catalog" in r.text, r.text[:500]
    assert (site.corpus / REL).is_file() and sidecar.is_file()
    catalog.write_text(good, encoding="utf-8")  # corrected: the removal goes through
    r = admin.post("/admin/documents/delete", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert not (site.corpus / REL).exists() and not sidecar.exists()
    assert REL not in [e["path"] for e in yaml.safe_load(catalog.read_text())]


@pytest.mark.parametrize("path", ["../pyproject.toml", "/etc/passwd", "_build/README.md",
                                  "news/../../x", "nope.pdf", "catalog.yaml", "taxonomy.yaml",
                                  "/catalog.yaml", "news/../catalog.yaml",
                                  f"{REL}.meta.yaml", "news/.hidden.md",
                                  "news/" + "a" * 300 + ".md", "x/" * 2100 + "a.md"])
def test_only_documents_of_the_corpus_can_be_edited_hidden_or_removed(admin, site, path):
    # Files that are not documents (the catalog, the taxonomy, a sidecar, ignored names)
    # exist but are refused like paths outside the corpus.
    (site.corpus / f"{REL}.meta.yaml").write_text("title: Side\n", encoding="utf-8")
    (site.corpus / "news" / ".hidden.md").write_text("# Hidden\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in site.corpus.rglob("*") if p.is_file()}
    assert admin.get("/admin/documents/edit", params={"path": path}).status_code == 404
    assert admin.get("/admin/documents/delete", params={"path": path}).status_code == 404
    for action, data in (("delete", {"confirm": path}), ("hide", {"hidden": "1"}),
                         ("edit", {"title": "Overwritten"})):
        r = admin.post(f"/admin/documents/{action}",
                       data={"csrf_token": admin.csrf, "path": path, **data})
        assert r.status_code == 404, (action, path, r.status_code)
    assert {p: p.read_bytes() for p in site.corpus.rglob("*") if p.is_file()} == before


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
    # The report links each document it added to its page on the site.
    assert ('<a href="/documents/news-2024-admin-note-md"><code>news/2024-admin-note.md'
            in page.text)
    assert "History" in page.text and page.text.count("<tr>") >= 3
    hits = search(IndexStore(site.index), SearchRequest(query="zebracrossing")).hits
    # the one document with the word (others may come by meaning)
    assert [h.source_path for h in hits if h.match == "keyword"] == ["news/2024-admin-note.md"]


def test_ingest_history_rows_from_the_cli_have_details(admin, site):
    IndexStore(site.index).save_report({  # `kb ingest` with nothing new: unchanged files
        "corpus": str(site.corpus), "index": str(site.index),
        "mode": "incremental", "started": 1_700_000_000.0, "finished": 1_700_000_001.0,
        "added": [], "updated": [], "removed": [], "unchanged": 24, "failed": [],
        "skipped": [{"path": "notes.tmp", "reason": "not a document type"}],
        "warnings": [{"path": "reports/doc-04.pdf", "warning": "no text on page 3"}],
        "pages": 48, "passages": 96, "documents": 24, "error": None, "seconds": 0.4,
    })
    soup = BeautifulSoup(admin.get("/admin/ingest").text, "html.parser")
    rows = soup.select(".admin-table tbody tr")
    row = next(r for r in rows if "2023-11-14" in r.text)
    details = row.find_next_sibling("tr")
    assert details is not None and "details-row" in details.get("class", []), row
    text = details.get_text(" ", strip=True)
    assert "24 unchanged" in text and "no text on page 3" in text and "notes.tmp" in text


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
    assert "At most 20 files can be uploaded at once" in r.text
    assert "search cannot be run" not in r.text and "Admin" in r.text
    assert _staging(site) == []


def test_a_very_long_file_name_is_shortened_and_keeps_its_extension(admin, site):
    name = "Minutes of the steering group " + "and its working party " * 12 + ".md"
    assert len(name) > 250
    r = _upload(admin, (name, b"# Minutes\n\nThe group met in Leeuwarden.\n", "text/plain"))
    assert r.status_code == 303, r.text[:1000]
    (stage,) = _staging(site)
    staged = json.loads((stage / "info.json").read_text())
    assert staged["name"].endswith(".md") and len(staged["name"]) <= 120
    assert staged["media_type"] == "text/markdown"


# -- limits counted as the bytes arrive (a chunked upload has no Content-Length) -------------
def _chunked_multipart(sizes: list[int], consumed: list[int]):  # type: ignore[no-untyped-def]
    """A multipart body of files of ``sizes`` bytes in 64 KB chunks, without a
    Content-Length; ``consumed`` counts the bytes taken from it."""
    boundary = "kbtestboundary"

    def body():  # type: ignore[no-untyped-def]
        for i, size in enumerate(sizes):
            head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                    f"filename=\"big{i}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                    "%PDF-1.4\n").encode()
            consumed[0] += len(head)
            yield head
            left = size
            while left > 0:
                chunk = b"0" * min(65536, left)
                left -= len(chunk)
                consumed[0] += len(chunk)
                yield chunk
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    return body(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _post_chunked(app, client: TestClient, path: str, body, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    """POST ``body`` (an iterator of chunks) straight to the ASGI app, one chunk per receive
    (TestClient would read the whole body first). Returns (status, page, bytes read)."""
    import asyncio
    import threading

    chunks, read, sent = iter(body), [0], []
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("testclient", 50000),
             "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"cookie", cookies.encode()),
                         *((k.lower().encode(), v.encode()) for k, v in headers.items())]}

    async def receive():  # type: ignore[no-untyped-def]
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read[0] += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    # In a thread of its own: an earlier test may leave an event loop running in this one.
    worker = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    worker.start()
    worker.join()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    page = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, page.decode(), read[0]


def _multipart_field(name: str, value: str) -> bytes:
    return (f'--kbtestboundary\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n").encode()


def test_a_chunked_upload_stops_at_the_total_limit(site):
    site.upload_max_mb, site.upload_max_files = 1, 2  # at most 3 MB in one request
    app = create_app(site)
    with TestClient(app) as client:
        csrf = login(client)
        body, headers = _chunked_multipart([4 * 1024 * 1024] * 3, [0])
        status, page, read = _post_chunked(
            app, client, "/admin/upload", [_multipart_field("csrf_token", csrf), *body], headers)
        assert status == 413, page[:500]
        assert "larger than the limit" in page
        assert read < 4 * 1024 * 1024, read  # reading stopped at the limit
        assert _staging(site) == []


def test_a_login_form_too_large_gets_the_login_form_with_its_own_word(site):
    # not the upload's limits ("The upload is larger than..."): the login form holds a secret
    app = create_app(site)
    with TestClient(app) as client:
        page = client.get("/admin")
        r = client.post("/admin/login", data={"login_token": _login_token(page.text),
                                              "secret": "x" * 70_000})
        assert r.status_code == 413, r.text[:500]
        assert "The login form sent more than 64 KB" in r.text and 'name="secret"' in r.text
        assert "upload" not in r.text.lower()
        # the same without a Content-Length: counted as the bytes arrive
        chunks = [b"login_token=x&secret=", *[b"x" * 16384] * 5]
        status, text, read = _post_chunked(app, client, "/admin/login", chunks, {
            "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 413 and "The login form sent more than 64 KB" in text, text[:500]
        assert "upload" not in text.lower() and read <= 64 * 1024 + 16384
        assert client.cookies.get(security.SESSION_COOKIE) is None


def test_a_chunked_upload_writes_no_more_than_the_file_limit(admin, site, monkeypatch):
    import starlette.formparsers

    written = []

    class Recording(starlette.formparsers.SpooledTemporaryFile):  # type: ignore[misc,name-defined]
        def write(self, data):  # type: ignore[no-untyped-def]
            written.append(len(data))
            return super().write(data)

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", Recording)
    body, headers = _chunked_multipart([6 * 1024 * 1024], [0])  # the limit is 2 MB
    status, page, _ = _post_chunked(admin.app, admin, "/admin/upload",
                                    [_multipart_field("csrf_token", admin.csrf), *body], headers)
    assert status == 400 and "larger than the limit of 2 MB" in page, page[:500]
    assert sum(written) <= 2 * 1024 * 1024 + 65536, sum(written)
    assert _staging(site) == []


# -- a read-only or damaged index folder: clear messages, never a 500 ------------------------
def test_logout_revokes_even_when_the_revocation_cannot_be_written(site):
    (site.index / security.REVOKED_FILE).mkdir()  # cannot be replaced by a file
    with TestClient(create_app(site), raise_server_exceptions=False) as client:
        csrf = login(client)
        value = client.cookies.get(security.SESSION_COOKIE)
        r = client.post("/admin/logout", data={"csrf_token": csrf})
        assert r.status_code == 200, r.text[:500]
        assert "logged out in this browser" in r.text and "not writable" in r.text
        client.cookies.set(security.SESSION_COOKIE, value)
        assert client.get("/admin/documents").status_code == 401


def test_start_ingest_and_upload_say_when_the_index_folder_cannot_be_written(site):
    (site.index / ".admin-ingest-start.lock").mkdir()
    (site.index / "admin-staging").write_text("in the way", encoding="utf-8")
    with TestClient(create_app(site), raise_server_exceptions=False) as client:
        csrf = login(client)
        r = client.post("/admin/ingest", data={"csrf_token": csrf, "mode": "incremental"})
        assert r.status_code == 200 and "could not start" in r.text, r.text[:500]
        r = client.post("/admin/upload", data={"csrf_token": csrf, "folder": "uploads"},
                        files=[("files", ("a.pdf", (site.corpus / PDF_REL).read_bytes(),
                                          "application/pdf"))])
        assert r.status_code == 503, r.text[:500]
        assert "admin-staging" in r.text and "writable" in r.text


# -- the login backoff is shared by the workers and cannot lock the admin out ----------------
def _try_login(client: TestClient, secret: str) -> int:
    page = client.get("/admin")
    return client.post("/admin/login", data={"login_token": _login_token(page.text),
                                             "secret": secret},
                       follow_redirects=False).status_code


def test_wrong_secrets_are_counted_across_server_processes(site):
    # Two apps on one index folder stand for two server workers.
    with TestClient(create_app(site)) as one, TestClient(create_app(site)) as two:
        assert [_try_login(one, "wrong") for _ in range(4)] == [401, 401, 401, 401]
        assert _try_login(two, "wrong") == 429
        assert _try_login(two, SECRET) == 429


def test_a_browser_that_logged_in_before_is_not_locked_out_by_others(site):
    with TestClient(create_app(site)) as admin_browser, TestClient(create_app(site)) as other:
        login(admin_browser)
        assert admin_browser.cookies.get(security.DEVICE_COOKIE)
        admin_browser.cookies.delete(security.SESSION_COOKIE)
        # Someone at the same address keeps guessing: that address has to wait...
        assert [_try_login(other, "wrong") for _ in range(5)][-1] == 429
        assert _try_login(other, SECRET) == 429
        # ...but the admin's browser is counted apart, and the right secret lets it in.
        assert _try_login(admin_browser, SECRET) == 303
        # Its own wrong secrets still slow it down.
        admin_browser.cookies.delete(security.SESSION_COOKIE)
        assert [_try_login(admin_browser, "wrong") for _ in range(5)][-1] == 429


def test_kb_serve_passes_the_trusted_proxies_to_uvicorn(monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from search_app.cli import main

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "--forwarded-allow-ips", "10.0.0.1"])
    assert result.exit_code == 0, result.output
    assert calls[-1]["proxy_headers"] is True and calls[-1]["forwarded_allow_ips"] == "10.0.0.1"
    monkeypatch.setenv("KB_FORWARDED_ALLOW_IPS", "127.0.0.1")  # read when the command runs
    assert runner.invoke(main, ["serve"]).exit_code == 0
    assert calls[-1]["forwarded_allow_ips"] == "127.0.0.1"
    monkeypatch.delenv("KB_FORWARDED_ALLOW_IPS")
    assert runner.invoke(main, ["serve"]).exit_code == 0
    assert calls[-1]["proxy_headers"] is False
    assert "--forwarded-allow-ips" in runner.invoke(main, ["serve", "--help"]).output


# -- the admin's work runs off the event loop ------------------------------------------------
def test_admin_views_are_plain_functions_run_in_the_thread_pool():
    import inspect

    from search_app.admin.routes import router

    async_views = [r.path for r in router.routes
                   if inspect.iscoroutinefunction(getattr(r, "endpoint", None))]
    assert async_views == []


def test_with_the_admin_off_every_admin_address_answers_404(tmp_path: Path):
    with TestClient(create_app(Settings(index=tmp_path / "i", corpus=tmp_path))) as client:
        for method, path in admin_routes():
            if path.rstrip("/") != "/admin":
                r = client.request(method, path)
                assert r.status_code == 404, (method, path, r.status_code)


# -- what inference suggests never contradicts what the admin chose --------------------------
@pytest.mark.parametrize("chosen,expected", [({"country": "EU"}, "EU"),
                                             ({"country": "NL"}, "NL12"),
                                             ({"country": "ES"}, None),
                                             ({}, "DE1")])
def test_an_inferred_region_lies_within_the_chosen_country(site, chosen, expected):
    from index import Passage
    from ingest import load_taxonomy
    from ingest.metadata import build_document

    text = ("Trace-based compilation was presented in Stuttgart, Baden-Württemberg, and "
            "again in Karlsruhe (Baden-Württemberg); one partner came from Friesland.")
    doc = build_document(
        doc_id="x", source_path="uploads/x.md", sha256="0", size=1, mtime=0.0,
        media_type="text/markdown", passages=[Passage(ordinal=0, text=text)],
        file_meta={}, entry=chosen, taxonomy=load_taxonomy(site.corpus))
    assert doc.region_code == expected, (chosen, doc.region_code)
    if chosen:
        assert doc.country_code == chosen["country"]


@pytest.mark.parametrize("text,title", [
    ("Trace-based Just-in-Time Type Specialization for Dynamic\nLanguages\n"
     "Andreas Gal∗+, Brendan Eich∗\n, Mike Shaver∗\nMozilla Corporation∗\n",
     "Trace-based Just-in-Time Type Specialization for Dynamic Languages"),
    ("Minutes\nLeeuwarden, 3 May 2019\nThe group met.\n", "Minutes"),
    ("A report on the export vouchers of the region.\nIt was written in 2019.\n",
     "A report on the export vouchers of the region."),
])
def test_a_suggested_title_keeps_the_lines_a_wrapped_title_continues_on(text, title):
    from index import Passage
    from ingest import Taxonomy
    from ingest.metadata import build_document

    doc = build_document(
        doc_id="x", source_path="uploads/x.pdf", sha256="0", size=1, mtime=0.0,
        media_type="application/pdf", passages=[Passage(ordinal=0, text=text, page=1)],
        file_meta={}, entry={}, taxonomy=Taxonomy())
    assert doc.title == title


def test_an_upload_never_writes_a_catalog_entry_the_corpus_checks_reject(admin, site):
    from ingest import entry_problems, load_catalog, load_taxonomy

    _upload(admin, ("a.pdf", (site.corpus / PDF_REL).read_bytes(), "application/pdf"))
    (stage,) = _staging(site)
    form = {"csrf_token": admin.csrf, "folder": "uploads", "name": "a.pdf"}
    r = admin.post(f"/admin/review/{stage.name}/save",
                   data={**form, "partner": "Some Consultancy Ltd", "language": "tlh"})
    assert r.status_code == 400
    assert "not a partner of the taxonomy" in r.text and "not a known language" in r.text
    # A country by its name and a partner by its short name become the taxonomy's own.
    r = admin.post(f"/admin/review/{stage.name}/save",
                   data={**form, "country": "netherlands", "partner": "BDF"},
                   follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    catalog = load_catalog(site.corpus)
    assert catalog["uploads/a.pdf"]["country"] == "NL"
    assert catalog["uploads/a.pdf"]["partner"] == "Business Development Friesland"
    tax = load_taxonomy(site.corpus)
    # The check of tests/test_corpus.py, over the whole catalog the admin wrote.
    assert {path: entry_problems(e, tax) for path, e in catalog.items()
            if entry_problems(e, tax)} == {}


def test_the_review_shows_what_reading_the_file_noted(admin, site):
    text = b"---\ntitle: [unclosed\n---\n# Minutes\n\nThe group met in Leeuwarden.\n"
    r = _upload(admin, ("minutes.md", text, "text/markdown"))
    assert r.status_code == 303, r.text[:500]
    html = admin.get("/admin/review").text
    assert "Reading the file noted" in html and "front matter is not valid YAML" in html


def test_a_corpus_name_that_is_not_utf8_breaks_no_admin_page(admin, site):
    # /admin/documents answered 500 (UnicodeEncodeError rendering a Latin-1 file name).
    news = bytes(site.corpus / "news")
    with open(news + b"/caf\xe9.md", "wb") as fh:
        fh.write(b"# Cafe\n\nA file with a Latin-1 name.\n")
    Path((news + b"/r\xe9gion").decode("utf-8", "surrogateescape")).mkdir()
    for path in ("/admin/documents", "/admin/documents?q=caf", "/admin/upload"):
        r = admin.get(path)
        assert r.status_code == 200, (path, r.text[-2000:])


def test_control_characters_in_the_metadata_are_refused_and_the_rest_kept(admin, site):
    # They were saved into the catalog ("A\abell") and so into titles, pages and exports.
    catalog = site.corpus / "catalog.yaml"
    before = catalog.read_text()
    entry = next(e for e in yaml.safe_load(before) if e["path"] == REL)
    form = {"csrf_token": admin.csrf, "path": REL, "type": entry["type"],
            "language": entry["language"], "country": entry["country"],
            "themes": entry["themes"], "date": str(entry["date"]),
            "summary": "A summary\tover\ntwo lines, kept.",
            "policy_instrument": "ROP \x85axis 3\ufffe"}
    r = admin.post("/admin/documents/edit", data={**form, "title": "Bell\x07 and \x1b[31mred"},
                   follow_redirects=False)
    assert r.status_code == 400, r.text[:1000]
    assert catalog.read_text() == before
    soup = BeautifulSoup(r.text, "html.parser")
    errors = {f.select_one("[name]")["name"]: f.select_one(".field-error").text
              for f in soup.select(".field") if f.select_one(".field-error")}
    assert errors.get("title", "").startswith("held invisible control characters"), errors
    assert errors.get("policy_instrument", "").startswith("held invisible"), errors
    shown = {i["name"]: i.get("value", "") for i in soup.select("input[name]")}
    assert shown["title"] == "Bell and [31mred", shown
    assert shown["policy_instrument"] == "ROP axis 3", shown
    assert soup.select_one("textarea[name=summary]").text == "A summary over two lines, kept."
    assert shown["date"] == str(entry["date"])
    # What the form shows again saves as it is.
    r = admin.post("/admin/documents/edit", data={**form, "title": shown["title"],
                                                  "policy_instrument": shown["policy_instrument"]},
                   follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    new = next(e for e in yaml.safe_load(catalog.read_text()) if e["path"] == REL)
    assert (new["title"], new["summary"]) == ("Bell and [31mred", "A summary over two lines, kept.")


def _fields(html: str) -> dict[str, str | bool]:
    """The form's inputs as the browser would send them again: text values, checkboxes."""
    soup = BeautifulSoup(html, "html.parser")
    out: dict[str, str | bool] = {}
    for i in soup.select("input[name]"):
        if i.get("type") == "checkbox" and i["name"] != "themes":
            out[i["name"]] = i.has_attr("checked")
        elif i.get("type") not in ("checkbox", "file"):
            out[i["name"]] = i.get("value", "")
    return out


def test_a_refused_form_shows_again_everything_that_was_typed(admin, site):
    # The folder, the file name and the two boxes went back to their defaults when the
    # metadata was refused: saving again put the file in the wrong place, or ingested it.
    bad = {"language": "tlh", "title": "Kept title"}
    r = _upload(admin, ("a.pdf", ELF, "application/pdf"), folder="reports/2021", **bad)
    assert r.status_code == 400
    assert _fields(r.text)["folder"] == "reports/2021"
    assert "Choose the files again" in r.text
    r = _upload(admin, ("a.pdf", (site.corpus / PDF_REL).read_bytes(), "application/pdf"))
    assert r.status_code == 303, r.text[:1000]
    (stage,) = _staging(site)
    r = admin.post(f"/admin/review/{stage.name}/save", data={
        "csrf_token": admin.csrf, "folder": "reports/2021", "name": "plan-2021.pdf",
        "overwrite": "1", **bad})
    assert r.status_code == 400 and "not a known language" in r.text
    shown = _fields(r.text)
    assert (shown["folder"], shown["name"], shown["title"]) == (
        "reports/2021", "plan-2021.pdf", "Kept title"), shown
    assert shown.get("ingest_now") is False, shown
    r = admin.post("/admin/documents/edit", data={"csrf_token": admin.csrf, "path": REL, **bad})
    assert r.status_code == 400 and "not a known language" in r.text
    shown = _fields(r.text)
    assert shown["title"] == "Kept title" and shown["ingest_now"] is False, shown


def test_the_edit_page_links_to_a_file_whose_name_an_address_must_escape(admin, site):
    # "Open the file" put the path into the address as it is: "#" cut it there (404).
    rel = "news/notes #2? 100%.md"
    (site.corpus / rel).write_text("# Notes\n\nHashed name notes.\n", encoding="utf-8")
    run_ingest(site.corpus, site.index, workers=1)
    page = admin.get("/admin/documents/edit", params={"path": rel})
    assert page.status_code == 200, page.text[:500]
    link = BeautifulSoup(page.text, "html.parser").find("a", string="Open the file")
    assert link["href"] == "/files/news/notes%20%232%3F%20100%25.md", link


@pytest.mark.parametrize("second", ["save", "discard"])
def test_a_save_and_a_second_request_for_the_same_upload_at_once(tmp_path, monkeypatch,
                                                                  second):
    # A double click on "Save" (or a discard in another tab) while the first save wrote the
    # file: the second save read the staged file the first had removed (503, "the server
    # could not read or write"), or both wrote; a discard said "discarded" of a saved file.
    import io

    from search_app.admin import uploads
    from search_app.admin.uploads import NO_LONGER_WAITING, Staging, UploadError

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    staging = Staging(tmp_path / "index")
    staged = staging.add(io.BytesIO(b"# Notes\n\nSome notes.\n"), "notes.md", folder="uploads",
                         max_bytes=10_000, given={})
    write = uploads.write_atomic
    seen: list[str] = []

    def write_while_another_comes(path: Path, data: bytes) -> None:
        if not seen:
            seen.append("first")
            try:
                if second == "save":
                    staging.commit(staged.id, corpus, "uploads/notes.md", overwrite=True)
                else:
                    staging.discard(staged.id)
                seen.append("second done")
            except UploadError as exc:
                seen.append(str(exc))
        write(path, data)

    monkeypatch.setattr(uploads, "write_atomic", write_while_another_comes)
    target = staging.commit(staged.id, corpus, "uploads/notes.md", overwrite=False)
    assert seen == ["first", NO_LONGER_WAITING], seen
    assert target.read_bytes() == b"# Notes\n\nSome notes.\n"
    assert staging.list() == [] and list(staging.root.iterdir()) == []
    with pytest.raises(UploadError, match="no longer waiting"):
        staging.discard(staged.id)


def test_every_noncharacter_is_an_invalid_character() -> None:
    # U+FFFE and U+FFFF were, those of the other 16 planes (U+1FFFE ... U+10FFFF) were not
    from search_app.admin.forms import INVALID_CHARACTERS

    for plane in range(17):
        for last in (0xFFFE, 0xFFFF):
            assert INVALID_CHARACTERS.search(f"a{chr(plane * 0x10000 + last)}b"), (plane, last)
    for fine in ("Exportförderung", "\U0001FFFD", "\U0010FFFD", "emoji \U0001F600", "\ufffd"):
        assert not INVALID_CHARACTERS.search(fine), fine


def test_a_failed_save_of_an_old_upload_is_not_cleaned_away_and_keeps_its_error(
        tmp_path, monkeypatch):
    # A save of an upload staged about STAGE_TTL ago failed while clean_old ran: clean_old
    # removed the claimed folder (its time was the upload's), and the rollback's rename then
    # raised FileNotFoundError in place of the save's own error.
    import io
    import os

    from search_app.admin import uploads
    from search_app.admin.uploads import STAGE_TTL, Staging

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    staging = Staging(tmp_path / "index")
    staged = staging.add(io.BytesIO(b"# Notes\n\nSome notes.\n"), "notes.md", folder="uploads",
                         max_bytes=10_000, given={})
    old = time.time() - STAGE_TTL - 60
    os.utime(staging.root / staged.id, (old, old))

    def clean_then_fail(path: Path, data: bytes) -> None:
        staging.clean_old()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(uploads, "write_atomic", clean_then_fail)
    with pytest.raises(OSError, match="No space left"):
        staging.commit(staged.id, corpus, "uploads/notes.md", overwrite=False)
    assert [s.id for s in staging.list()] == [staged.id]  # it waits again

    def gone_then_fail(path: Path, data: bytes) -> None:  # removed by other means: the error
        import shutil
        for child in staging.root.iterdir():
            shutil.rmtree(child)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(uploads, "write_atomic", gone_then_fail)
    with pytest.raises(OSError, match="No space left"):
        staging.commit(staged.id, corpus, "uploads/notes.md", overwrite=False)
    assert staging.list() == []


def test_a_save_while_the_document_is_removed_leaves_no_entry(admin, site, monkeypatch):
    # An edit saved while another request removed the document wrote its catalog entry back
    # after the removal: an entry for a file that is gone, and "The metadata was saved".
    from ingest import CatalogFile, load_catalog
    from search_app.admin.routes import documents

    save = documents.save_metadata

    def save_while_removed(corpus: Path, rel: str, fields: dict) -> str:
        (corpus / rel).unlink()  # the removal's steps, in its order, just before
        CatalogFile(corpus).remove(rel)
        return save(corpus, rel, fields)

    monkeypatch.setattr(documents, "save_metadata", save_while_removed)
    r = admin.post("/admin/documents/edit", data={
        "csrf_token": admin.csrf, "path": REL, "title": "Retitled while removed"},
        follow_redirects=False)
    assert r.status_code == 303 and "removed_meanwhile" in r.headers["location"], r.headers
    assert REL not in load_catalog(site.corpus)
    assert "removed while its metadata was being saved" in admin.get(r.headers["location"]).text


def _entry(site: Settings, rel: str) -> dict:
    return next(e for e in yaml.safe_load((site.corpus / "catalog.yaml").read_text())
                if e["path"] == rel)


def _set_entry(site: Settings, rel: str, **fields: object) -> None:
    catalog = site.corpus / "catalog.yaml"
    entries = yaml.safe_load(catalog.read_text())
    next(e for e in entries if e["path"] == rel).update(fields)
    catalog.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))


def test_replacing_a_file_by_upload_keeps_it_hidden_and_keeps_its_catalog_entry(admin, site):
    # A corrected version uploaded over a hidden document made it public again (the save
    # dropped `hidden`), and the review form showed the values read from the new file, so
    # saving it replaced every field the admin had set on the entry (a date set by hand: gone).
    _set_entry(site, REL, hidden=True, date="2021-06-15")
    before = _entry(site, REL)
    new = b"# A corrected newsletter\n\nThe corrected text about export vouchers.\n"
    folder, name = REL.rsplit("/", 1)
    r = _upload(admin, (name, new, "text/markdown"), folder=folder)
    assert r.status_code == 303, r.text[:1000]
    (stage,) = _staging(site)
    html = admin.get("/admin/review").text
    assert "exists already" in html
    notes = BeautifulSoup(html, "html.parser").select_one(".replace-note").get_text(" ")
    assert "hidden" in notes and "stays hidden" in notes, notes
    shown = _fields(html)
    # the entry's values are what the form holds (not "A corrected newsletter")
    assert (shown["title"], shown["date"]) == (before["title"], "2021-06-15"), shown
    soup = BeautifulSoup(html, "html.parser")
    themes = [i["value"] for i in soup.select('input[name="themes"][checked]')]
    assert sorted(themes) == sorted(before["themes"]), themes  # (in the taxonomy's order)
    data = {k: v for k, v in shown.items() if isinstance(v, str)}
    data.update(csrf_token=admin.csrf, overwrite="1", themes=themes)
    for key in ("type", "language", "country", "region"):
        option = soup.select_one(f'select[name="{key}"] option[selected]')
        data[key] = option["value"] if option else ""
    data["summary"] = soup.select_one('textarea[name="summary"]').get_text()
    r = admin.post(f"/admin/review/{stage.name}/save", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert (site.corpus / REL).read_bytes() == new
    after = _entry(site, REL)
    assert {**after, "themes": themes} == {**before, "themes": themes}, (before, after)
    report = run_ingest(site.corpus, site.index, workers=2)
    assert report.updated == [REL], report.to_dict()
    store = IndexStore(site.index)  # still hidden: its new words find nothing of it
    assert REL not in [h.source_path for h in search(store, SearchRequest(
        query="corrected newsletter vouchers")).hits]
    from index import get_document
    from ingest import doc_id_for
    doc = get_document(store, doc_id_for(REL), include_hidden=True).document
    assert doc.hidden and doc.title == before["title"] and doc.date == "2021-06-15"
    assert "corrected text" in doc.passages[0].text


def test_a_replacement_whose_form_did_not_show_the_entry_is_asked_again(admin, site):
    # Saving a staged upload under another name that exists: the form showed the upload's
    # own suggestions, not that file's entry; saving would have replaced the entry with them.
    _set_entry(site, REL, date="2021-06-15")
    before = _entry(site, REL)
    folder, name = REL.rsplit("/", 1)
    r = _upload(admin, ("other.md", b"# Other title\n\nSome text.\n", "text/markdown"),
                folder="uploads")
    (stage,) = _staging(site)
    form = {"csrf_token": admin.csrf, "folder": folder, "name": name, "overwrite": "1",
            "title": "Other title"}
    r = admin.post(f"/admin/review/{stage.name}/save", data=form)
    assert r.status_code == 400 and "its own catalog entry" in r.text, r.text[:3000]
    assert _entry(site, REL) == before and (site.corpus / REL).read_bytes() != b""
    shown = _fields(r.text)
    assert (shown["folder"], shown["name"], shown["overwrite"]) == (folder, name, True)
    assert shown["title"] == before["title"] and shown["entry_for"] == REL, shown
    # saved again as now shown: the file is replaced, its entry kept
    r = admin.post(f"/admin/review/{stage.name}/save", data={
        **form, "title": shown["title"], "date": shown["date"], "entry_for": REL},
        follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    after = _entry(site, REL)
    assert (after["title"], after["date"]) == (before["title"], "2021-06-15")


@pytest.mark.parametrize("started", ["busy", "not_started"])
def test_a_save_whose_ingest_could_not_start_says_so(admin, site, monkeypatch, started):
    # An edit saved while an ingest was running said only "The metadata was saved.": the
    # asked-for ingest had not started, the running one had read the file before, and the
    # documents page listed the file as indexed with its old values.
    from search_app.admin.routes import documents, uploads

    monkeypatch.setattr(documents, "start_run", lambda settings: started)
    monkeypatch.setattr(uploads, "start_run", lambda settings: started)
    r = admin.post("/admin/documents/edit", data={
        "csrf_token": admin.csrf, "path": REL, "title": "Retitled during a run",
        "date": "2021-06-15", "ingest_now": "1"}, follow_redirects=False)
    assert r.status_code == 303 and f"msg=updated_{started}" in r.headers["location"]
    page = admin.get(r.headers["location"]).text
    said = ("an ingest is already running" if started == "busy"
            else "no ingest could start")
    assert "The metadata was saved, but " + said in page, page[:3000]
    listed = BeautifulSoup(admin.get("/admin/documents").text, "html.parser")
    changed = [tr.select_one("code").get_text() for tr in listed.select("tbody tr")
               if tr.select_one(".badge-changed")]
    assert changed == [REL], changed
    # an upload saved, and a removal, likewise
    _upload(admin, ("new.md", b"# New\n\nSome text.\n", "text/markdown"))
    (stage,) = _staging(site)
    r = admin.post(f"/admin/review/{stage.name}/save", data={
        "csrf_token": admin.csrf, "folder": "uploads", "name": "new.md", "ingest_now": "1"},
        follow_redirects=False)
    assert r.status_code == 303 and f"msg=saved_{started}" in r.headers["location"]
    assert "Saved into the corpus and the catalog, but " + said in admin.get(
        r.headers["location"]).text
    r = admin.post("/admin/documents/delete", data={
        "csrf_token": admin.csrf, "path": REL, "confirm": REL, "ingest_now": "1"},
        follow_redirects=False)
    assert r.status_code == 303 and f"msg=deleted_{started}" in r.headers["location"]
    assert "The file and its catalog entry were removed, but " + said in admin.get(
        r.headers["location"]).text


def test_the_documents_page_says_which_files_changed_since_the_last_ingest(admin, site):
    listed = admin.get("/admin/documents").text
    assert "badge-changed" not in listed
    r = admin.post("/admin/documents/edit", data={
        "csrf_token": admin.csrf, "path": REL, "title": "Retitled, no ingest"},
        follow_redirects=False)
    assert r.status_code == 303 and "msg=updated&" in r.headers["location"] + "&"
    (site.corpus / PDF_REL).touch()
    listed = BeautifulSoup(admin.get("/admin/documents").text, "html.parser")
    changed = sorted(tr.select_one("code").get_text() for tr in listed.select("tbody tr")
                     if tr.select_one(".badge-changed"))
    assert changed == sorted([REL, PDF_REL]), changed
    run_ingest(site.corpus, site.index, workers=2)
    assert "badge-changed" not in admin.get("/admin/documents").text
