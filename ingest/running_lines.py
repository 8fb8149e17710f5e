"""Running headers and footers of paged documents, found and taken out of the page texts.

A report's PDF repeats the same lines at the top or bottom of its pages: the project's name
("UpGradeSME · Interreg Europe  Policy analysis – BDF, Groen Werkt! (NL12)"), a disclaimer
with the page number ("Illustrative sample document – not an official UpGradeSME record
Page 3 / 4"). Left in, they are the first words of every page passage, so they turn up as
snippets and make every page match the project's name. Here a line counts as running when,
with its digits ignored (page numbers), it is among the first or last ``EDGE_LINES`` lines of
more than half of a document's pages (at least ``MIN_PAGES`` pages; on a short page, only its
first and last third count as edges). Such lines are removed
from the edges of every page; the rest of the page, including the same words inside the body
text, stays.

A report's cover page often has a banner of its own instead (a "different first page"): the
funding programme, the project's acronym and full name above the title, on the cover of every
document of the series and on no other page, so the page count above never finds it. Here the
lines of the first page that stand above the document's own title, among its first
``EDGE_LINES`` lines, count as that banner and are removed too (:func:`strip_cover_banner`,
for documents of at least ``MIN_PAGES`` pages whose title of at least ``MIN_TITLE_WORDS``
words is known from the catalog or the file's metadata: a title found in the text is its first
line, with nothing above it). The whole title must open a line, up to a word's end ("Regional
action plan" does not open "Regional action plans were reviewed"), and every line above it
must be banner-like: at most ``BANNER_CHARS`` characters, not ending a sentence (".", "!",
"?", ";"); otherwise nothing is removed. A line
just above the title that ends in a function word of any language ("Einführung in die") or a
hyphen, dash, colon or comma is the title's own first line, and then nothing is removed.

The parser calls :func:`strip_running_lines` on its page passages (ingest/parsers/pdf.py),
and ``ingest.reading`` calls :func:`strip_cover_banner` once the title is known; nothing here
knows about PDF.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from index import OTHER, Passage, stopwords_for

#: How many lines at the top and at the bottom of a page are looked at.
EDGE_LINES = 3
#: Documents with fewer pages than this have no running lines to tell apart from content.
MIN_PAGES = 3
#: A running line is at a page's edge on more than this share of the pages.
SHARE = 0.5

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_LAST_WORD = re.compile(r"(\w+)\W*$")
#: A line ending in one of these goes on into the next one.
_GOES_ON = ("-", "–", "—", ":", ",")
#: A title shorter than this (in words) is too weak a sign to find a cover banner by.
MIN_TITLE_WORDS = 3
#: A cover banner's lines are at most this long (a longer line is body text).
BANNER_CHARS = 120
#: A line ending like this is the end of a sentence, so body text, not a banner.
_ENDS_SENTENCE = (".", "!", "?", ";")


def _key(line: str) -> str:
    """A line as compared across pages: case, spacing and numbers (page numbers) ignored."""
    return _SPACE.sub(" ", _DIGITS.sub("#", line.casefold())).strip()


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the non-empty lines at the top and bottom edges of a page: ``EDGE_LINES``
    each, and at most a third of a short page's lines each (its middle is its content)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    depth = max(1, min(EDGE_LINES, len(filled) // 3))
    return sorted({*filled[:depth], *filled[-depth:]})


def running_lines(pages: list[str]) -> set[str]:
    """The keys (see ``_key``) of the lines that run along the edges of these pages."""
    if len(pages) < MIN_PAGES:
        return set()
    counts: Counter[str] = Counter()
    for text in pages:
        lines = text.splitlines()
        counts.update({_key(lines[i]) for i in _edges(lines)})
    need = int(len(pages) * SHARE) + 1
    return {key for key, count in counts.items() if count >= need and key.strip("# ")}


def strip_running_lines(passages: list[Passage]) -> list[Passage]:
    """The passages with running headers and footers removed from the edges of their pages.

    Only page passages (with a page number) are looked at; a page left without text is
    dropped (its number stays known from the others').
    """
    pages = [p for p in passages if p.page is not None]
    running = running_lines([p.text for p in pages])
    if not running:
        return passages
    out: list[Passage] = []
    for passage in passages:
        if passage.page is None:
            out.append(passage)
            continue
        lines = passage.text.splitlines()
        drop = {i for i in _edges(lines) if _key(lines[i]) in running}
        if not drop:
            out.append(passage)
            continue
        text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        if text.strip():
            out.append(replace(passage, text=text))
    return out


def _flat(text: str) -> str:
    """Text as compared with a title: case and spacing ignored."""
    return _SPACE.sub(" ", text.casefold()).strip()


def _goes_on(line: str) -> bool:
    """Whether a line reads as the start of the next one (a title's first line)."""
    line = line.rstrip()
    last = _LAST_WORD.search(line.casefold())
    return line.endswith(_GOES_ON) or bool(last and last.group(1) in stopwords_for(OTHER))


def _opens_with(text: str, wanted: str) -> bool:
    """Whether ``text`` begins with the whole of ``wanted``, ending at a word's end
    ("Regional action plan" does not open "Regional action plans were reviewed")."""
    return text.startswith(wanted) and not text[len(wanted):len(wanted) + 1].isalnum()


def _banner_like(line: str) -> bool:
    """Whether a line above the title can be a banner's: short, and not a sentence's end."""
    line = line.strip()
    return len(line) <= BANNER_CHARS and not line.endswith(_ENDS_SENTENCE)


def strip_cover_banner(passages: list[Passage], title: str | None) -> list[Passage]:
    """The passages with the first page's banner removed: the lines above ``title`` when the
    whole title (at least ``MIN_TITLE_WORDS`` words, up to a word's end) begins on one of that
    page's first ``EDGE_LINES + 1`` lines (it may wrap onto the next lines) and the lines above
    it are banner-like (short, no sentence's end). Documents of fewer than ``MIN_PAGES`` pages,
    or whose title does not open their first page, are returned as they are.
    """
    wanted = _flat(title or "")
    pages = [p for p in passages if p.page is not None]
    if len(wanted.split()) < MIN_TITLE_WORDS or len(pages) < MIN_PAGES:
        return passages
    first = min(pages, key=lambda p: p.page or 0)
    lines = first.text.splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for k, start in enumerate(filled[1:EDGE_LINES + 1], start=1):
        if _opens_with(_flat(" ".join(lines[start:start + 8])), wanted):
            above = [lines[i] for i in filled[:k]]
            if _goes_on(above[-1]) or not all(map(_banner_like, above)):
                return passages
            cut = {*filled[:k]}
            text = "\n".join(line for i, line in enumerate(lines) if i not in cut)
            return [replace(p, text=text) if p is first else p for p in passages]
    return passages


__all__ = ["running_lines", "strip_cover_banner", "strip_running_lines"]
