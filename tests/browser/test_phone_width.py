"""Every page at phone width (390x844) in Chromium: nothing wider than the screen, so nothing
scrolls sideways. Public pages, the admin area while it is off, and every admin page logged
in (as tests/browser/test_admin_browser.py logs in, with a test secret).

Screenshots of each page at phone width go to test-artifacts/phone-*.png (gitignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest import run_ingest
from tests.browser.conftest import ARTIFACTS
from tests.helpers import copy_sample_corpus, server_process

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SECRET = "phone-width-test-secret-41b7"
PHONE = {"width": 390, "height": 844}
#: a few files of the sample corpus: a good practice, a PDF, a Word file, Markdown
SAMPLE = (
    "good-practices/online-export-academy-norte.html",
    "good-practices/exportutalvany-kkv-k-reszere.html",
    "action-plans/upgradesme-action-plan-friesland.pdf",
    "events/2018-04-peer-review-groen-werkt-leeuwarden.docx",
    "news/upgradesme-newsletter-01-2017.md",
)

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    const spills = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
      && getComputedStyle(el).overflowX === 'visible';
    if ((r.width && r.right > width + 1) || spills) {
      wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(r.right)
        + (spills ? ' spills ' + el.scrollWidth : ''));
    }
  }
  return {scroll: document.documentElement.scrollWidth - width, wide: wide.slice(0, 8)};
}"""


def assert_fits(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    found = page.evaluate(OVERFLOW_JS)
    assert found["scroll"] <= 0, (name, found)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("phone")
    sample = copy_sample_corpus(root / "sample")
    corpus = root / "corpus"
    for rel in (*SAMPLE, "taxonomy.yaml"):
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(sample / rel, corpus / rel)
    run_ingest(corpus, root / "index", workers=1)
    return corpus, root / "index"


@pytest.fixture(scope="module")
def servers(sample: tuple[Path, Path], chromium_path: str) -> Iterator[dict[str, str]]:
    corpus, index = sample
    args = ["--corpus", str(corpus), "--index", str(index)]
    with server_process({"KB_ADMIN_SECRET": None}, serve_args=args, quiet=True) as (off, _), \
            server_process({"KB_ADMIN_SECRET": SECRET}, serve_args=args, quiet=True) as (on, _):
        yield {"off": off, "on": on}


def test_public_pages_fit_a_phone(browser, servers) -> None:  # type: ignore[no-untyped-def]
    base = servers["off"]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    doc_ids = [h["id"] for h in httpx.get(base + "/api/search?size=20").json()["hits"]]
    urls = {
        "home": "/",
        "search": "/?q=export+" + "very+long+query+words+" * 6,
        "filtered": "/?q=export&country=PT&type=good_practice",
        "empty": "/?q=zzzqqq&country=ES",
        # a filter value of 70 letters without a space: its chip and the "without" link wrap
        "long-facet-value": "/?q=export&theme=" + "x" * 70,
        "past-the-end": "/?q=export&page=99",
        # long words in the notices: a name that is no field, a correction's line and its
        # "search as typed" link, the document page's link back to the search
        "long-unknown-field": "/?q=" + "bazbaz" * 9 + ":qux",
        "long-corrected": "/?q=vouchrs+" + "a" * 59,
        "long-did-you-mean": "/?q=export+vouchrs+" + "a" * 59,
        "help": "/help",
        "api-docs": "/docs",
        "error-400": "/?page=-1",
        "error-404": "/documents/no-such-document",
        "admin-off": "/admin",
        **{f"document-{i}": f"/documents/{doc_id}?q=export" for i, doc_id in enumerate(doc_ids)},
        "document-long-query": f"/documents/{doc_ids[0]}?q=" + "bazbaz" * 9,
    }
    try:
        for name, url in urls.items():
            page.goto(base + url)
            if name == "api-docs":
                page.wait_for_selector(".opblock", timeout=15_000)
            assert_fits(page, name)
    finally:
        context.close()


def test_admin_pages_fit_a_phone(browser, servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base = servers["on"]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(base + "/admin")
        assert_fits(page, "admin-login")
        page.get_by_label("Admin secret").fill(SECRET)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()
        assert_fits(page, "admin-overview")
        for name, url in (("admin-upload", "/admin/upload"),
                          ("admin-documents", "/admin/documents"),
                          ("admin-ingest", "/admin/ingest")):
            page.goto(base + url)
            assert_fits(page, name)
        rel = SAMPLE[2]
        page.goto(base + f"/admin/documents/edit?path={rel}")
        expect(page.get_by_label("Title")).to_be_visible()
        assert_fits(page, "admin-edit")
        page.goto(base + f"/admin/documents/delete?path={rel}")
        assert_fits(page, "admin-delete")
        # an upload's check page
        note = tmp_path / "phone-note-about-a-rather-long-file-name-for-small-screens.md"
        note.write_text("# Export coaching on a phone\n\nA short note about export coaching "
                        "for small firms in Friesland.\n", encoding="utf-8")
        page.goto(base + "/admin/upload")
        page.get_by_label("Files").set_input_files(str(note))
        page.get_by_role("button", name="Upload and check").click()
        expect(page.get_by_role("heading", name="Check uploads")).to_be_visible()
        assert_fits(page, "admin-review")
    finally:
        context.close()
