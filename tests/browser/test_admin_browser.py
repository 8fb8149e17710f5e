"""The admin area in Chromium: log in, upload a PDF with metadata, run the ingest, find the new
document by a word of its text, log out. The server runs with two worker processes, so the
progress and the new index must reach whichever worker answers.

Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import run_ingest
from tests.browser.conftest import LAUNCH_ARGS
from tests.helpers import copy_sample_corpus, make_pdf, server_process

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SECRET = "browser-test-secret-7f3a9c"
WORD = "Wombatexport"


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    root = tmp_path_factory.mktemp("admin-live")
    copy_sample_corpus(root)
    run_ingest(root / "corpus", root / "index", workers=2)
    env = {"KB_ADMIN_SECRET": SECRET, "KB_INGEST_WORKERS": "2"}
    args = ["--corpus", str(root / "corpus"), "--index", str(root / "index"), "--workers", "2"]
    with server_process(env, serve_args=args, ready="/admin", quiet=True) as (base, _proc):
        yield base


def test_admin_uploads_a_pdf_runs_ingest_and_finds_it(admin_server: str, chromium_path: str,
                                                       tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tmp_path / "Wombat wool (export study).pdf"
    pdf.write_bytes(make_pdf([
        "Export of wombat wool from Friesland",
        f"The {WORD} pilot helped small firms sell wombat wool abroad.",
        "Illustrative document written for a browser test.",
    ], title="Export of wombat wool", author="Browser test"))
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        # (the 401 of the admin page visited after logging out is expected)
        page.on("console", lambda m: problems.append(m.text)
                if m.type == "error" and "status of 401" not in m.text else None)
        try:
            # Log in.
            page.goto(admin_server + "/admin")
            expect(page.get_by_role("heading", name="Admin: log in")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-1-login.png"), full_page=True)
            page.get_by_label("Admin secret").fill(SECRET)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-2-overview.png"), full_page=True)

            # Upload a PDF with some metadata.
            page.get_by_role("link", name="Upload", exact=True).first.click()
            # Drop the file on the form (the file field works as well without script).
            page.evaluate("""([name, b64]) => {
                const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], name, {type: "application/pdf"}));
                const form = document.querySelector("[data-drop-files]").closest("form");
                for (const type of ["dragenter", "dragover", "drop"]) {
                    form.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true,
                                                            cancelable: true}));
                }
            }""", [pdf.name, base64.b64encode(pdf.read_bytes()).decode()])
            expect(page.locator(".drop-list")).to_contain_text(pdf.name)
            assert page.evaluate("document.getElementById('files').files.length") == 1
            page.get_by_label("Document type").select_option("good_practice")
            page.get_by_label("Country").select_option("NL")
            page.get_by_label("Export promotion").check()
            page.screenshot(path=str(ARTIFACTS / "admin-3-upload.png"), full_page=True)
            page.get_by_role("button", name="Upload and check").click()

            # Check the suggestions, then save (with "start an ingest after saving").
            expect(page.get_by_role("heading", name="Check uploads")).to_be_visible()
            expect(page.get_by_label("File name")).to_have_value("Wombat-wool-export-study.pdf")
            expect(page.get_by_label("Title")).to_have_value("Export of wombat wool")
            expect(page.locator(".suggestion").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-4-review.png"), full_page=True)
            page.get_by_label("Title").fill("Wombat wool export study")
            page.get_by_role("button", name="Save into the corpus").click()

            # The ingest page follows the run (polling) and shows the report.
            expect(page.get_by_role("heading", name="Ingest", exact=True)).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-5-ingest-running.png"), full_page=True)
            expect(page.locator("#ingest-status")).to_contain_text("Finished", timeout=90_000)
            expect(page.locator("#ingest-status")).to_contain_text(
                "uploads/Wombat-wool-export-study.pdf")
            page.screenshot(path=str(ARTIFACTS / "admin-6-ingest-done.png"), full_page=True)

            # Every worker serves the new index: search a few times (requests spread over both).
            for _ in range(4):
                page.goto(admin_server + f"/?q={WORD}")
                expect(page.locator("main")).to_contain_text("Wombat wool export study")
            page.screenshot(path=str(ARTIFACTS / "admin-7-search.png"), full_page=True)

            # The documents list and the edit page of the new document.
            page.goto(admin_server + "/admin/documents?q=wombat")
            expect(page.locator("table")).to_contain_text("Wombat wool export study")
            page.screenshot(path=str(ARTIFACTS / "admin-8-documents.png"), full_page=True)
            page.get_by_role("link", name="Edit").first.click()
            expect(page.get_by_label("Title")).to_have_value("Wombat wool export study")
            page.screenshot(path=str(ARTIFACTS / "admin-9-edit.png"), full_page=True)

            # Log out: the admin pages ask for the secret again.
            page.goto(admin_server + "/admin")
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_role("heading", name="Admin: log in")).to_be_visible()
            page.goto(admin_server + "/admin/documents")
            expect(page.get_by_label("Admin secret")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "admin-10-logged-out.png"), full_page=True)
        finally:
            context.close()
            browser.close()
    assert problems == [], problems  # no script errors, no CSP violations


def test_the_hand_made_pdf_is_read_by_the_parser(tmp_path: Path):
    from ingest.parsers import parse_file

    path = tmp_path / "x.pdf"
    path.write_bytes(make_pdf(["Hello", f"{WORD} test"], title="Export of wombat wool"))
    parsed = parse_file(path)
    assert WORD in parsed.passages[0].text
    assert parsed.metadata.get("title") == "Export of wombat wool"
