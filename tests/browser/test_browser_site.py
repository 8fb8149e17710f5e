"""The site in Debian's Chromium driven by Playwright: what a user does, start to end."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def count(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator("#results-heading").inner_text()
    m = re.search(r"([\d,]+) documents?", text)
    return int(m.group(1).replace(",", "")) if m else 0


def test_search_filter_chips_paginate_and_open_a_document(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/")
    page.fill("#q", "export")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=export"))
    total = count(page)
    assert total > 10
    shot(page, "browser-search")
    # Two countries (OR) and a theme (AND): each tick submits at once (JS).
    page.locator('#facet-country input[value="ES"]').check()
    page.wait_for_url(re.compile(r"country=ES"))
    es = count(page)
    page.locator('#facet-country input[value="PT"]').check()
    page.wait_for_url(re.compile(r"country=ES&country=PT"))
    es_pt = count(page)
    assert es < es_pt < total
    page.locator('#facet-theme input[value="covid_response"]').check()
    page.wait_for_url(re.compile(r"theme=covid_response"))
    assert 0 < count(page) < es_pt
    assert page.locator(".chip").count() == 3
    shot(page, "browser-filtered")
    # Remove a chip.
    page.get_by_role("link", name="Remove filter Country: Spain").click()
    page.wait_for_url(lambda url: "country=ES" not in url)
    assert page.locator(".chip").count() == 2
    page.get_by_role("link", name="Clear all").click()
    page.wait_for_url(re.compile(r"/\?q=export$"))
    assert count(page) == total
    # Paginate.
    page.get_by_role("link", name="Next ›").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator('.pagination [aria-current="page"]').inner_text() == "2"
    assert page.locator("ol.hits").get_attribute("start") == "11"
    # Open a document, then follow a page link to the original file.
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/documents/"))
    assert page.locator(".meta-table").is_visible()
    shot(page, "browser-document")
    link = page.locator(".passage-where a").first
    href = link.get_attribute("href")
    assert re.fullmatch(r"/files/reports/doc-\d\d\.pdf#page=1", href)
    with page.expect_response(lambda r: "/files/" in r.url) as resp:
        link.click()
    assert resp.value.status == 200
    assert resp.value.headers["content-type"] == "application/pdf"


def test_suggestions_as_you_type(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/")
    page.locator("#q").press_sequentially("matchm", delay=40)
    options = page.locator("#suggestions [role=option]")
    options.first.wait_for()
    assert page.locator("#q").get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert any("matchmaking" in t for t in texts), texts
    shot(page, "browser-suggestions")
    options.filter(has_text="matchmaking").first.click()
    page.wait_for_url(re.compile(r"q=matchmaking"))
    assert count(page) > 0


def test_a_search_with_the_keyboard_alone(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    for _ in range(8):  # on to the query box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("pandem", delay=40)
    page.locator("#suggestions [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert page.locator("#q").get_attribute("aria-activedescendant") == "sugg-0"
    page.keyboard.press("Escape")
    assert page.locator("#suggestions").is_hidden()
    page.keyboard.type("ic")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=pandemic"))
    assert count(page) > 0
    # Tick a facet with the keyboard: focus it and press Space.
    page.locator('#facet-country input[type="checkbox"]').first.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"country="))
    assert page.locator(".chip").count() == 1


def test_works_without_javascript(no_js_page, live_server) -> None:  # type: ignore[no-untyped-def]
    pg = no_js_page
    pg.goto(live_server + "/?q=export")
    pg.locator('#facet-country input[value="ES"]').check()
    pg.locator('#facet-country input[value="PT"]').check()
    pg.locator(".apply-filters button").click()
    pg.wait_for_url(re.compile(r"country=ES.*country=PT"))
    assert pg.locator(".chip").count() == 2


@pytest.mark.parametrize(("width", "height", "tag"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_screenshots_of_the_main_pages(browser, live_server, width, height, tag) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    for name, url in (("home", "/"), ("browse", "/?sort=newest"),
                      ("search", "/?q=export"),
                      ("filtered", "/?q=export&country=ES&country=PT&theme=covid_response"),
                      ("empty", "/?q=pandemic&country=ES&year=2099"),
                      ("document", "/documents/doc-02?q=pandemic"),
                      ("help", "/help"), ("unavailable-400", "/?page=-1")):
        pg.goto(live_server + url)
        # Nothing is wider than the screen (no sideways scrolling on a phone).
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, tag, overflow)
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{name}-{tag}.png"), full_page=tag == "desktop")
    context.close()


def test_api_docs_render_the_operations(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/docs")
    page.locator(".opblock-summary-path", has_text="/api/search").first.wait_for(timeout=10_000)
    assert "Unable to render" not in page.locator("#swagger-ui").inner_text()
    shot(page, "browser-docs")


def _luminance(rgb: str) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (float(x) for x in re.findall(r"[\d.]+", rgb)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_focused_search_button_has_a_visible_focus_ring(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/?q=export")
    page.focus("#q")
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
    assert page.evaluate("document.activeElement.textContent.trim()") == "Search"
    style = page.evaluate("""() => {
        const b = document.activeElement, s = getComputedStyle(b);
        const h = getComputedStyle(document.querySelector('.site-header'));
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                offset: parseFloat(s.outlineOffset), button: s.backgroundColor,
                around: h.backgroundColor};
    }""")
    assert style["style"] != "none" and style["width"] >= 2, style
    # Apart from the yellow button (a gap of the header's blue between them), and standing out
    # from the header around it (3:1, WCAG 1.4.11); the old ring was yellow on yellow.
    assert style["offset"] >= 2, style
    assert contrast(style["color"], style["around"]) >= 3, style
    assert contrast(style["color"], style["button"]) > 1.2, style
    page.locator(".searchbox").screenshot(path=str(ARTIFACTS / "focus-search-button.png"))


def test_skip_to_results_with_the_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/?q=export")
    page.focus("#q")
    for _ in range(4):  # Search button, query syntax link, then the skip link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Skip to results":
            break
    skip = page.locator("a.skip-results")
    assert page.evaluate("document.activeElement.className").endswith("skip-results")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and skip.is_visible(), box  # shown on focus
    page.screenshot(path=str(ARTIFACTS / "focus-skip-results.png"))
    page.keyboard.press("Enter")
    tabs = 0  # sort, page size, exports: then the first result
    while tabs < 10 and not page.evaluate("!!document.activeElement.closest('.hit-title')"):
        page.keyboard.press("Tab")
        tabs += 1
    assert page.evaluate("!!document.activeElement.closest('.hit-title')"), tabs
    assert tabs <= 8


def test_phone_header_and_suggestions_do_not_overlap(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.goto(live_server + "/")
    box = pg.evaluate("""() => {
        const r = s => document.querySelector(s).getBoundingClientRect();
        return {brand: r('.brand-mark').top, nav: r('.nav').bottom,
                current: r('.nav a[aria-current="page"]').bottom, q: r('#q').top};
    }""")
    assert box["brand"] >= 8, box  # the logo does not touch the top edge
    assert box["nav"] <= box["q"] and box["current"] <= box["q"], box  # underline shows
    pg.locator("#q").press_sequentially("report 0", delay=30)
    pg.locator("#suggestions [role=option] .kind", has_text="Document").first.wait_for()
    pg.screenshot(path=str(ARTIFACTS / "suggestions-phone.png"))
    gaps = pg.evaluate("""() => [...document.querySelectorAll('#suggestions li')].map(li => {
        const [kind, text] = li.children;
        return text.getBoundingClientRect().left - kind.getBoundingClientRect().right;
    })""")
    assert gaps and min(gaps) >= 0, gaps  # "DOCUMENT" never runs into the title
    context.close()


def test_ticks_keep_the_order_of_values_and_addresses_stay_canonical(page) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.resource_type == "document" else None)
    page.goto(page.base + "/?q=export&country=PT")
    page.locator('#facet-country input[value="ES"]').check()
    page.wait_for_url(re.compile(r"country=ES"))
    page.wait_for_timeout(300)  # a tick later, the address is still the same
    assert page.url == page.base + "/?q=export&country=PT&country=ES"
    # Spain (more documents) is now listed above Portugal: the order in the address stays.
    page.locator('#facet-theme input[value="covid_response"]').check()
    page.wait_for_url(re.compile(r"theme="))
    assert page.url == page.base + "/?q=export&country=PT&country=ES&theme=covid_response"
    page.select_option("#sort", "newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    assert page.url.endswith("/?q=export&country=PT&country=ES&theme=covid_response&sort=newest")
    assert not any("sort=relevance" in u or "year_from=&" in u for u in seen), seen  # no redirects


def test_the_no_js_form_lands_on_the_canonical_address(no_js_page, live_server) -> None:  # type: ignore[no-untyped-def]
    pg = no_js_page
    pg.goto(live_server + "/?q=export&country=PT")
    pg.locator('#facet-country input[value="ES"]').check()
    pg.locator(".apply-filters button").click()
    pg.wait_for_url(re.compile(r"country=ES"))
    assert "year_from" not in pg.url and "sort=" not in pg.url and "size=" not in pg.url, pg.url


def test_phone_filters_stay_open_while_ticking(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.goto(live_server + "/?q=export")
    panel = pg.locator("#filters")
    assert panel.get_attribute("open") is None  # results first on a phone
    pg.locator(".filters-summary").click()
    pg.locator('#facet-country input[value="ES"]').check()
    pg.wait_for_url(re.compile(r"country=ES"))
    pg.wait_for_load_state()
    assert panel.get_attribute("open") is not None
    pg.locator('#facet-country input[value="PT"]').check()
    pg.wait_for_url(re.compile(r"country=PT"))
    pg.wait_for_load_state()
    assert panel.get_attribute("open") is not None
    assert pg.locator('#facet-country input[value="PT"]').is_visible()
    pg.screenshot(path=str(ARTIFACTS / "filters-open-phone.png"))
    pg.locator('#facet-theme input[value="covid_response"]').check()
    pg.wait_for_url(re.compile(r"theme="))
    pg.wait_for_load_state()
    assert panel.get_attribute("open") is not None
    # A search typed afresh shows the results first again.
    pg.fill("#q", "pandemic")
    pg.press("#q", "Enter")
    pg.wait_for_url(re.compile(r"q=pandemic"))
    pg.wait_for_load_state()
    assert panel.get_attribute("open") is None
    context.close()


def test_facet_filter_boxes_fold_accents_and_take_words_in_any_order(page) -> None:  # type: ignore[no-untyped-def]
    # "san sebastian" found nothing in the partner box (only "sebastián" did), nor "sud
    # muntenia" (the value writes "Sud-Muntenia"): the boxes compared the text as typed,
    # while every search box of the site matches without regard to accents.
    page.goto(page.base + "/?q=export")
    box = page.locator("#filter-partner")

    def shown(typed: str) -> list[str]:
        box.fill(typed)
        return [t.strip() for t in page.locator(
            "#facet-partner .facet-value:not([hidden]) .facet-label").all_inner_texts()]

    assert shown("san sebastian") == ["Fomento San Sebastián"]
    shot(page, "facet-filter-folded")
    assert shown("SEBASTIÁN") == ["Fomento San Sebastián"]
    assert shown("sud muntenia") == ["Agenția pentru Dezvoltare Regională Sud-Muntenia"]
    assert shown("agentia regionala") == ["Agenția pentru Dezvoltare Regională Sud-Muntenia"]
    assert shown("agency 3 partner") == ["Partner agency 3"]  # words in any order
    assert shown("sebastian x") == []
    assert len(shown("")) == 10  # every value again (the hostile document's too)


def test_a_facet_filter_box_finds_the_values_under_more_and_counts_them(page) -> None:  # type: ignore[no-untyped-def]
    # "+2 more" still said 2 while the box let one of them through, or none (a value of the
    # first ones typed): the line promised values that the filtering hid.
    page.goto(page.base + "/?q=export")
    facet = page.locator("#facet-partner")
    more = facet.locator(".facet-more")
    summary = more.locator("summary")
    told = summary.inner_text()
    first = facet.locator("> .facet-values .facet-label").all_text_contents()
    under_more = more.locator(".facet-label").all_text_contents()
    assert told == f"+{len(under_more)} more" and len(under_more) >= 2, (told, under_more)
    box = page.locator("#filter-partner")

    def shown() -> list[str]:
        return [t.strip() for t in facet.locator(
            ".facet-value:not([hidden]) .facet-label").all_inner_texts()]

    box.fill(under_more[-1])
    assert shown() == [under_more[-1].strip()]
    assert more.get_attribute("open") is not None and summary.inner_text() == "+1 more"
    box.fill(first[0])
    assert shown() == [first[0].strip()]
    assert not more.is_visible()  # no value under it matches: no "+N more" line
    box.fill("")
    assert summary.inner_text() == told and more.get_attribute("open") is None
    assert facet.locator(".facet-value[hidden]").count() == 0


WORD_LINES_JS = """(word) => {
  const heading = document.querySelector('#results-heading');
  const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(word);
    if (at === -1) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  }
  return 0;
}"""


@pytest.mark.parametrize("width", [320, 375])
def test_phone_count_heading_keeps_its_words_whole(browser, live_server, width) -> None:  # type: ignore[no-untyped-def]
    # At 375 px the heading read "1–10 of 50 document" / "s for “Cum pot ...”": squeezed
    # beside the timing and the search mode, it let the browser cut any word.
    context = browser.new_context(viewport={"width": width, "height": 800})
    pg = context.new_page()
    pg.goto(live_server + "/?q=Cum+pot+IMM-urile+sa+exporte+in+timpul+pandemiei%3F")
    assert pg.locator(".search-mode").is_visible()  # the block beside the heading
    pg.screenshot(path=str(ARTIFACTS / f"count-heading-phone-{width}.png"))
    for word in ("documents", "for"):
        assert pg.evaluate(WORD_LINES_JS, word) == 1, (word, pg.locator(
            "#results-heading").inner_text())
    context.close()


def test_back_to_search_from_a_document_keeps_the_search(page) -> None:  # type: ignore[no-untyped-def]
    # "Back to search" went to /?q=export: the researcher's filters, sort, size and page gone.
    search = "/?q=export&country=ES&country=PT&sort=newest&size=5&page=2"
    page.goto(page.base + search)
    first = page.locator(".hit-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/documents/"))
    shot(page, "document-back-link")
    page.get_by_role("link", name="‹ Back to search for “export”").click()
    page.wait_for_url(lambda url: "/documents/" not in url)
    assert page.url == page.base + search
    assert page.locator(".hit-title a").first.inner_text() == title
    assert page.locator(".chip").count() == 2
    assert page.locator("#sort").input_value() == "newest"
