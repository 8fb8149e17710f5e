"""Main-content extraction from an HTML page: a small readability-like heuristic.

1. Drop what is never content: scripts, styles, forms' controls, hidden elements, comments,
   ``nav``/``aside``/``footer``/``dialog``, page-level ``header``, ARIA landmarks for
   navigation/banners/footers, and (strict pass only) elements whose class/id says
   nav, menu, footer, sidebar, cookie, share, social, comment, related, promo, ad-, ...
   unless they also say article/content/main/post/... or hold most of the page's text.
2. Score paragraphs (commas, length) into their parent and grandparent containers, weight
   by tag and by class/id, discount by link density; the best container wins, together with
   siblings that score well or are clean paragraphs (Mozilla Readability's idea).
3. Prefer a semantic container (``<main>``, ``<article>``, ``[role=main]``,
   ``[itemprop=articleBody]``) that holds the winner without being much larger.
4. Inside the result, drop link lists and boxes that are mostly links.
If the strict pass finds too little text, a lenient pass without class/id removal runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString

__all__ = ["extract_main_content"]

_NEVER_CONTENT = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "input", "button", "select", "textarea", "option", "link", "meta", "nav", "aside",
    "footer", "dialog", "menu", "head",
)  # fmt: skip
_BAD_ROLES = {
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog",
    "alertdialog", "menu", "menubar", "toolbar", "tablist",
}  # fmt: skip
_UNLIKELY_RE = re.compile(
    r"-ad-|\bads?\b|\bad-|advert|ai2html|banner|breadcrumb|combx|comment|community|cookie|"
    r"consent|gdpr|cover-wrap|disqus|extra|footer|header|legends|menu|related|remark|replies|"
    r"rss|shoutbox|sidebar|skyscraper|social|share|sharing|sponsor|supplemental|agegate|"
    r"pagination|pager|popup|promo|newsletter|subscribe|signup|masthead|navbar|\bnav\b|"
    r"navigation|toolbar|widget|yom-remote|skip-link|print-only|outbrain|taboola",
    re.I,
)
# Names that are never content, even around long text (comment threads, footers).
_STRONG_UNLIKELY_RE = re.compile(
    r"comment|disqus|replies|footer|sidebar|cookie|consent|gdpr|newsletter|related|"
    r"\bmenu\b|navbar|\bnav\b|navigation|breadcrumb|skip-link|outbrain|taboola",
    re.I,
)
_MAYBE_RE = re.compile(r"and|article|body|column|content|main|shadow|post|entry|story|text", re.I)
_POSITIVE_RE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story", re.I
)
_NEGATIVE_RE = re.compile(
    r"-ad-|hidden|^hid$|\shid$|\shid\s|^hid\s|banner|combx|comment|com-|contact|foot|"
    r"footer|footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|"
    r"shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget",
    re.I,
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "ul",
}  # fmt: skip
_SEMANTIC_SELECTOR = "main, article, [role=main], [itemprop=articleBody]"
_COMMAS_RE = re.compile(r"[,，、،]")
_MIN_RESULT_CHARS = 250


class _Lengths:
    """Text length and link-text length of every tag, computed once bottom-up."""

    def __init__(self, root: Tag) -> None:
        self.text: dict[int, int] = {}
        self.links: dict[int, int] = {}
        self._walk(root, in_link=False)

    def _walk(self, tag: Tag, in_link: bool) -> tuple[int, int]:
        in_link = in_link or tag.name == "a"
        text = links = 0
        for child in tag.children:
            if isinstance(child, Tag):
                child_text, child_links = self._walk(child, in_link)
                text += child_text
                links += child_links
            elif isinstance(child, NavigableString) and not isinstance(child, Comment):
                size = len(child.strip())
                text += size
                if in_link:
                    links += size
        self.text[id(tag)] = text
        self.links[id(tag)] = links
        return text, links

    def density(self, tag: Tag) -> float:
        text = self.text.get(id(tag), 0)
        return self.links.get(id(tag), 0) / text if text else 0.0


def _class_id(tag: Tag) -> str:
    value = tag.get("class")
    classes = [value] if isinstance(value, str) else list(value or [])
    return " ".join([*classes, str(tag.get("id") or "")])


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    return bool(_HIDDEN_STYLE_RE.search(str(tag.get("style", ""))))


def _remove_all(tags: list[Tag]) -> None:
    for tag in tags:
        if tag.parent is not None:  # not already gone with an ancestor
            tag.decompose()


def _clean(soup: BeautifulSoup, strict: bool) -> Tag:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    body = soup.body or soup
    _remove_all(body.find_all(_NEVER_CONTENT))
    _remove_all([t for t in body.find_all(True) if _is_hidden(t)])
    with_role = body.find_all(True, attrs={"role": True})
    _remove_all([t for t in with_role if str(t["role"]).lower() in _BAD_ROLES])
    _remove_all([t for t in body.find_all("header") if not t.find_parent(["article", "main"])])
    for form in body.find_all("form"):
        if form.parent is None:
            continue
        paragraph_text = sum(len(p.get_text()) for p in form.find_all("p"))
        if paragraph_text > 500:  # ASP.NET-style pages wrap everything in one form
            form.unwrap()
        else:
            form.decompose()
    if strict:
        lengths = _Lengths(body)
        total = lengths.text.get(id(body), 0) or 1
        doomed = []
        for tag in body.find_all(True):
            if tag.name in ("body", "html", "main", "article", "a", "table", "tbody", "tr"):
                continue
            names = _class_id(tag)
            if not names.strip() or not _UNLIKELY_RE.search(names) or _MAYBE_RE.search(names):
                continue
            if lengths.text.get(id(tag), 0) > 0.5 * total:
                continue  # a wrapper of the whole page misnamed "header" or "menu"
            if not _STRONG_UNLIKELY_RE.search(names) and _has_prose(tag, lengths):
                continue  # e.g. id="sharing-with-a-developer", a slug of its heading
            doomed.append(tag)
        _remove_all(doomed)
    return body


def _has_prose(tag: Tag, lengths: _Lengths) -> bool:
    """Holds running text: over 500 characters in paragraphs, few of them links."""
    paragraphs = tag.find_all("p")
    text = sum(lengths.text.get(id(p), 0) for p in paragraphs)
    links = sum(lengths.links.get(id(p), 0) for p in paragraphs)
    return text > 500 and links < 0.2 * text


def _tag_weight(tag: Tag) -> float:
    names = _class_id(tag)
    weight = 0.0
    if names.strip():
        if _NEGATIVE_RE.search(names):
            weight -= 25
        if _POSITIVE_RE.search(names):
            weight += 25
    return weight


_BASE_SCORES = {
    "div": 5, "article": 8, "main": 8, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}  # fmt: skip


def _is_paragraph(tag: Tag) -> bool:
    if tag.name in ("p", "pre", "td", "blockquote"):
        return True
    if tag.name in ("div", "section", "span", "font", "center", "li", "dd"):
        # A box of running text: text of its own, or no block children at all.
        own_text = sum(
            len(child.strip())
            for child in tag.children
            if isinstance(child, NavigableString) and not isinstance(child, Comment)
        )
        if own_text >= 25:
            return True
        return tag.name in ("div", "section") and tag.find(_BLOCK_TAGS) is None
    return False


def _score(body: Tag, lengths: _Lengths) -> dict[int, tuple[Tag, float]]:
    scores: dict[int, tuple[Tag, float]] = {}

    def add(tag: Tag, amount: float) -> None:
        if id(tag) not in scores:
            base = _BASE_SCORES.get(tag.name, 0) + _tag_weight(tag)
            scores[id(tag)] = (tag, base)
        scores[id(tag)] = (tag, scores[id(tag)][1] + amount)

    for tag in body.find_all(True):
        if not _is_paragraph(tag):
            continue
        text = tag.get_text(" ", strip=True)
        if len(text) < 25:
            continue
        points = 1 + len(_COMMAS_RE.findall(text)) + min(len(text) // 100, 3)
        ancestors = [a for a in tag.parents if isinstance(a, Tag) and a.name != "[document]"]
        for level, ancestor in enumerate(ancestors[:5]):
            divider = 1 if level == 0 else 2 if level == 1 else level * 3
            add(ancestor, points / divider)
    return {key: (tag, score * (1 - lengths.density(tag))) for key, (tag, score) in scores.items()}


def _pick(body: Tag, lengths: _Lengths) -> Tag | None:
    scores = _score(body, lengths)
    if not scores:
        return None
    top, top_score = _climb(body, scores)
    top = _prefer_semantic(body, top, lengths)
    parent = top.parent
    if parent is None or top.name in ("body", "html", "main", "article"):
        return top
    threshold = max(10.0, top_score * 0.2)
    top_class = " ".join(top.get("class") or [])
    keep: list[Tag] = []
    for sibling in parent.find_all(True, recursive=False):
        if sibling is top:
            keep.append(sibling)
            continue
        same_class = top_class and " ".join(sibling.get("class") or []) == top_class
        bonus = top_score * 0.2 if same_class else 0
        score = scores.get(id(sibling), (sibling, 0.0))[1]
        if score + bonus >= threshold:
            keep.append(sibling)
        elif sibling.name == "p":
            size = lengths.text.get(id(sibling), 0)
            density = lengths.density(sibling)
            text = sibling.get_text(" ", strip=True)
            if (size > 80 and density < 0.25) or (
                0 < size <= 80 and density == 0 and re.search(r"\.( |$)", text)
            ):
                keep.append(sibling)
    if len(keep) == 1:
        return top
    wrapper = BeautifulSoup("<div></div>", "lxml").div
    assert wrapper is not None
    for tag in keep:
        wrapper.append(tag.extract())
    return wrapper


def _climb(body: Tag, scores: dict[int, tuple[Tag, float]]) -> tuple[Tag, float]:
    """The best candidate, moved up to an ancestor that better holds the whole content."""
    ranked = sorted(scores.values(), key=lambda item: item[1], reverse=True)
    top, top_score = ranked[0]
    # Several near-best candidates under one ancestor: the content is split into boxes.
    alternatives = [tag for tag, score in ranked[1:5] if top_score and score / top_score >= 0.75]
    if len(alternatives) >= 3:
        for ancestor in top.parents:
            if ancestor is body or not isinstance(ancestor, Tag):
                break
            holding = sum(1 for alt in alternatives if any(a is ancestor for a in alt.parents))
            if holding >= 3:
                top = ancestor
                top_score = scores.get(id(ancestor), (ancestor, top_score))[1]
                break
    # A parent that scores better than the candidate is the real container.
    last = top_score
    threshold = last / 3
    parent = top.parent
    while isinstance(parent, Tag) and parent is not body and parent.name != "[document]":
        if id(parent) not in scores:
            parent = parent.parent
            continue
        parent_score = scores[id(parent)][1]
        if parent_score < threshold:
            break
        if parent_score > last:
            top, top_score = parent, parent_score
            break
        last = parent_score
        parent = parent.parent
    # An only child stands for its parent.
    while (
        isinstance(top.parent, Tag)
        and top.parent is not body
        and top.parent.name != "[document]"
        and len(top.parent.find_all(True, recursive=False)) == 1
    ):
        top = top.parent
    return top, top_score


def _prefer_semantic(body: Tag, top: Tag, lengths: _Lengths) -> Tag:
    """A <main>/<article> holding the winner and not much larger than it, else the winner."""
    top_size = lengths.text.get(id(top), 0)
    best = top
    for candidate in body.select(_SEMANTIC_SELECTOR):
        size = lengths.text.get(id(candidate), 0)
        if candidate is top or size == 0:
            continue
        contains = any(parent is candidate for parent in top.parents)
        if contains and size <= 1.6 * max(top_size, 1) and lengths.density(candidate) < 0.35:
            best = candidate
            top_size = size
    return best


def _prune(root: Tag, lengths: _Lengths) -> None:
    """Drop boxes inside the content that are mostly links (link lists, tag clouds)."""
    doomed = []
    for tag in root.find_all(["div", "section", "ul", "ol", "table", "p", "span"]):
        size = lengths.text.get(id(tag), 0)
        density = lengths.density(tag)
        if size == 0:
            continue
        weight = _tag_weight(tag)
        if density > 0.5 and size < 2000 or density > 0.25 and weight < 0:
            doomed.append(tag)
    _remove_all(doomed)


def extract_main_content(make_soup: Callable[[], BeautifulSoup]) -> Tag:
    """The main-content element of the page ``make_soup()`` parses (called up to twice)."""
    result: Tag | None = None
    for strict in (True, False):
        soup = make_soup()
        body = _clean(soup, strict)
        lengths = _Lengths(body)
        result = _pick(body, lengths) or body
        result_lengths = _Lengths(result)
        _prune(result, result_lengths)
        if _Lengths(result).text.get(id(result), 0) >= _MIN_RESULT_CHARS:
            return result
    assert result is not None
    return result
