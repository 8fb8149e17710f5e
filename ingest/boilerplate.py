"""Passages that are a document's furniture, not its content: a table of contents, and a cover
or imprint page whose only running text is a notice (a disclaimer, a copyright or legal
notice), marked in ``Passage.boilerplate`` ("contents" / "notice").

A report's PDF opens with its cover (title, authors, date, often a disclaimer: "This document
does not necessarily reflect the views of ...") and its table of contents, one passage each.
Both match a query's words as well as the page that treats them (a contents line names every
chapter), so they were shown as snippets where the page that treats the query's words was
wanted. Marked passages stay in the index and are still searched and ranked as before; the
search shows one only when no other passage of its document matches
(index.engine.BestPassages), and a document found without matching words opens at its first
passage that is not boilerplate (index.search). Leaving them out of a document's semantic
vectors and of its keyword body was measured and not kept (bench/README.md "Boilerplate
passages").

**A table of contents** ("contents"): at least ``MIN_ENTRIES`` of its non-empty lines, and at
least ``ENTRY_SHARE`` of them, are entries: a title (starting with a capital, a digit or a
section number, with a letter in it, not ending in a number and without a table's cell
separator: "Region 2019 2020" and "Peer review | Leeuwarden | April 2018" are a table's rows)
then a page number of at most 3 digits (a year is not one), after spaces or dot leaders
("1.2 Metrische Räume . . . 6", "Executive summary 4"); and the page numbers go up (or stay)
from one entry to the next at least ``IN_ORDER`` of the time (an index at the back of a
book, sorted by word, is not one), and none is past the document's last page by more than
``PAGE_SLACK`` (a table of counts). A contents page that wraps a title onto two lines, or has
its heading ("Inhaltsverzeichnis"), still passes.

**A notice** ("notice"): a passage among the first ``FRONT`` or the last ``BACK`` of its
document (where covers, imprints and legal notices stand), of at most ``NOTICE_WORDS`` words,
that says one of the typical phrases of a disclaimer or legal notice in any of the seven
languages (:data:`NOTICE_PHRASES`: "all rights reserved", "sole responsibility", "do not
necessarily reflect", "not an official ...", "Haftungsausschluss", "nem hivatalos", "aviso
legal", ...). A long page that ends with such a phrase (a footnote) is content; a short one
at the front is a cover or an imprint.

``ingest.reading.read_document`` calls :func:`mark_boilerplate` on every file's passages after
the running lines, the cover banner and the page tails are dealt with.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index import Passage, fold_text

__all__ = ["CONTENTS", "NOTICE", "NOTICE_PHRASES", "is_contents", "is_notice",
           "mark_boilerplate"]

CONTENTS = "contents"
NOTICE = "notice"

#: Entries a table of contents has at least, and their share of its non-empty lines.
MIN_ENTRIES = 3
ENTRY_SHARE = 0.6
#: Share of an entry's page numbers that are not lower than the entry's before.
IN_ORDER = 0.8
#: A contents entry's page is at most this far past the document's last page (front matter
#: numbered apart, a page count that excludes the cover).
PAGE_SLACK = 10

#: A notice stands among the first or the last passages of its document, and is short.
FRONT = 3
BACK = 2
NOTICE_WORDS = 200

# A contents entry: a title with a letter in it, then a page number (1-3 digits) after a
# separator of spaces, dot leaders ("....", ". . .") or ellipses ("…") (:func:`_entry`).
_LEADER = ".…"


def _entry(line: str) -> tuple[str, int] | None:
    r"""The title and page number of ``line`` (stripped) as a contents entry, or None.

    The same as the regular expression ``^(?P<title>.*?[^\W\d_].*?)(?:\s*(?:\.\s*){2,}|\s*…+\s*|
    \s+)(?P<page>\d{1,3})$`` (tests/test_boilerplate.py compares them), in one pass: that one
    backtracked on every line (0.75 ms for an ordinary line of 93 characters, seconds for a
    long dot leader; bench/README.md "Contents entries").
    """
    end = len(line)
    start = end
    while start > 0 and end - start <= 3 and line[start - 1].isdecimal():  # \d is Nd
        start -= 1
    if not 1 <= end - start <= 3:
        return None
    # The separator is a suffix of the run of spaces, dots and ellipses before the page.
    run = start
    while run > 0 and (line[run - 1].isspace() or line[run - 1] in _LEADER):
        run -= 1
    if run == start or not any(c.isalnum() and not c.isdecimal() for c in line[:run]):
        return None  # no separator, or no letter in the title ([^\W\d_])
    # The title is the shortest: the longest suffix of the run that is a separator (spaces
    # only; spaces and at least two dots; spaces, one block of ellipses, spaces) ends it.
    dots = ellipses = blocks = 0
    cut = None
    for k in range(start - 1, run - 1, -1):
        ch = line[k]
        if ch == ".":
            dots += 1
        elif ch == "…":
            ellipses += 1
            if line[k + 1] != "…":
                blocks += 1
        if ((not ellipses and (not dots or dots >= 2))
                or (not dots and blocks == 1)):
            cut = k
    if cut is None:
        return None
    return line[:cut], int(line[start:end])


#: Phrases of disclaimers, copyright and legal notices (accents and case folded, matched from a
#: word's start), in the seven languages of the analysers (index.records.STEMMED_LANGUAGES).
NOTICE_PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("disclaimer", "legal notice", "all rights reserved", "sole responsibility",
           "not necessarily reflect", "cannot be held responsible", "reproduction is authori",
           "not an official", "copyright"),
    "de": ("haftungsausschluss", "impressum", "rechtlicher hinweis", "alle rechte vorbehalten",
           "alleinige verantwortung", "nicht unbedingt die", "kein offizielles",
           "keine offizielle", "nicht offiziell"),
    "nl": ("colofon", "juridische kennisgeving", "alle rechten voorbehouden",
           "uitsluitend verantwoordelijk", "niet noodzakelijk", "geen officieel",
           "geen officiele", "niet officieel"),
    "hu": ("jogi nyilatkozat", "impresszum", "felelossegkizaras", "minden jog fenntartva",
           "kizarolagos felelosseg", "nem feltetlenul tukrozi", "nem hivatalos"),
    "ro": ("declinarea responsabilitatii", "nota legala", "toate drepturile rezervate",
           "responsabilitatea exclusiva", "nu reflecta neaparat", "nu este un document oficial",
           "nu este o inregistrare oficiala", "neoficial"),
    "pt": ("aviso legal", "isencao de responsabilidade", "todos os direitos reservados",
           "responsabilidade exclusiva", "nao refletem necessariamente",
           "nao reflete necessariamente", "nao e um documento oficial", "nao oficial"),
    "es": ("aviso legal", "descargo de responsabilidad", "exencion de responsabilidad",
           "todos los derechos reservados", "responsabilidad exclusiva",
           "no reflejan necesariamente", "no refleja necesariamente",
           "no es un documento oficial", "no oficial"),
}
_NOTICE = re.compile(r"(?<!\w)(?:" + "|".join(
    re.escape(phrase) for phrases in NOTICE_PHRASES.values() for phrase in phrases) + ")")


def is_contents(text: str, last_page: int | None = None) -> bool:
    """Whether ``text`` is a table of contents (module docstring); ``last_page``: the
    document's number of pages, if it has pages."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    pages: list[int] = []
    for line in lines:
        entry = _entry(line)
        if entry is None:
            continue
        title = entry[0].rstrip(" .…")
        # a capital or a section number ("1.2", "A.1", "IV") first; a lower-case start is a
        # sentence's end or a wrapped title's second line
        # ... and a table's row ("Peer review | Leeuwarden | April 2018") is none
        if (title and (title[0].isupper() or title[0].isdigit()) and not title[-1].isdigit()
                and "|" not in title):
            pages.append(entry[1])
    if len(pages) < MIN_ENTRIES or len(pages) < ENTRY_SHARE * len(lines):
        return False
    if last_page is not None and max(pages) > last_page + PAGE_SLACK:
        return False
    rising = sum(b >= a for a, b in zip(pages, pages[1:], strict=False))
    return rising >= IN_ORDER * (len(pages) - 1)


def is_notice(text: str) -> bool:
    """Whether ``text`` is short and says a notice's phrase (module docstring; where the
    passage stands is :func:`mark_boilerplate`'s test)."""
    return len(text.split()) <= NOTICE_WORDS and _NOTICE.search(fold_text(text)) is not None


def _last_page(passages: list[Passage]) -> int | None:
    """The highest page number among ``passages`` (None: none has a page)."""
    return max((p.page for p in passages if p.page is not None), default=None)


def _kind(passages: list[Passage], i: int, last: int | None) -> str | None:
    """What the ``i``-th of a document's ``passages`` is ("contents", "notice" or None),
    ``last`` its last page (_last_page)."""
    passage = passages[i]
    if is_contents(passage.text, last):
        return CONTENTS
    if (i < FRONT or i >= len(passages) - BACK) and is_notice(passage.text):
        return NOTICE
    return None


def mark_boilerplate(passages: list[Passage]) -> list[Passage]:
    """A document's passages, in order, with ``boilerplate`` set on its table of contents and
    its notices (module docstring). A document of one passage has none: it is all content."""
    if len(passages) < 2:
        return passages
    last = _last_page(passages)  # once: per passage it made a long document quadratic
    return [replace(p, boilerplate=kind) if (kind := _kind(passages, i, last)) else p
            for i, p in enumerate(passages)]
