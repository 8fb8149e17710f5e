"""A page that holds only the end of the sentence the page before it breaks off joins that
page's passage.

A paged document's passage is a page (``ingest/parsers/pdf.py``; OCR's pages alike). A
sentence cut by a page break goes on at the top of the next page, and where its end is all
that page holds (page 12 of the sample corpus's synthesis is "programming period.", the end
of page 11's last sentence "... may take a national ministry a"), it would be a passage of
its own: a snippet of two words, a semantic vector of nothing, a hit that says nothing, and a
sentence neither of whose halves has its words together. Such a tail is appended to the
passage of the page before, after a line break, as the page break was one. The passage's
page stays the page it starts on (page 11), as every passage's page is where it starts: the
link ``file.pdf#page=11`` opens where the sentence begins, and the page of the tail has no
passage (as an empty page has none).

A passage is such a tail when:

- it and the passage before it are pages one after the other (pages n-1 and n), read from the
  same source (both the text layer, or both OCR);
- the passage before ends inside a sentence: its last character is a letter, a comma, a
  hyphen or a dash (not a sentence's end ``.!?…``, a colon or semicolon, a closing quote or
  bracket, or a digit: a page number or a table's figure);
- it starts with a lowercase letter (a sentence going on; a heading, a name, a list, a table
  or a page of its own starts otherwise), is one paragraph of at most :data:`TAIL_CHARS`
  characters, and ends a sentence (``.!?…``, perhaps before a closing quote or bracket)
  with no sentence's end before that one (``e.g.`` counts as one: such a passage stays).

A page that starts with a sentence's end and goes on with more ("Dutch partners, but the
sources do not say so ... \\n1.4 Structure of this synthesis ...") stays a passage of its
own: moving the end alone would put the text of one page under another's number.

``ingest.reading.read_document`` calls :func:`join_page_tails` on every file's passages,
after the words split at line ends are joined (``ingest.line_breaks``: a word split across
the page break stays split, as there); passages without pages (HTML, Markdown, Word
sections, ``ingest/parsers/_sections.py``) are never tails. ``bench/page_tails.py`` counts
the tails in the text the index gets.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index import Passage

__all__ = ["TAIL_CHARS", "is_page_tail", "join_page_tails"]

#: The longest tail joined (about three lines of a report's page).
TAIL_CHARS = 300

# A sentence's end: its mark, then perhaps closing quotes or brackets.
_END = r"[.!?…][\"'”’»)\]]*"
_ENDS_SENTENCE = re.compile(rf"{_END}\Z")
_SENTENCE_END_INSIDE = re.compile(rf"{_END}\s")
# A text ending inside a sentence: a letter, a comma, a hyphen or a dash.
_OPEN_END = re.compile(r"[^\W\d_]\Z|[,\-–—]\Z")


def is_page_tail(before: Passage, passage: Passage) -> bool:
    """Whether ``passage`` is only the end of the sentence that ``before`` (the passage before
    it) breaks off (module docstring)."""
    text = passage.text
    return (
        before.page is not None
        and passage.page == before.page + 1
        and passage.source == before.source
        and 0 < len(text) <= TAIL_CHARS
        and text[0].islower()
        and _OPEN_END.search(before.text) is not None
        and "\n\n" not in text
        and _ENDS_SENTENCE.search(text) is not None
        and _SENTENCE_END_INSIDE.search(text) is None
    )


def join_page_tails(passages: list[Passage]) -> list[Passage]:
    """The passages (one document's, in order) with every page tail appended to the passage
    before it (module docstring); the same list when there is none."""
    out = passages[:1]
    for passage in passages[1:]:
        if is_page_tail(out[-1], passage):
            out[-1] = replace(out[-1], text=f"{out[-1].text}\n{passage.text}")
        else:
            out.append(passage)
    return out if len(out) < len(passages) else passages
