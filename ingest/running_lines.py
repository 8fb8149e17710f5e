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

The parser calls :func:`strip_running_lines` on its page passages (ingest/parsers/pdf.py);
nothing here knows about PDF.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from index import Passage

#: How many lines at the top and at the bottom of a page are looked at.
EDGE_LINES = 3
#: Documents with fewer pages than this have no running lines to tell apart from content.
MIN_PAGES = 3
#: A running line is at a page's edge on more than this share of the pages.
SHARE = 0.5

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


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


__all__ = ["running_lines", "strip_running_lines"]
