"""Sections -> Passages, shared by the HTML, Markdown, plain-text and Word parsers.

A parser produces :class:`Section` objects (a heading and its paragraphs, in order);
:func:`sections_to_passages` normalises the text, merges tiny sections that are not sections
of their own forward into the next one, and splits long sections on paragraph boundaries into
passages of at most about ``max_chars`` characters that keep the heading.

What merges (``_merge_tiny``), so that no passage is only a heading or a byline: a section
shorter than ``min_chars`` that is a heading alone ("4. Actions" above "Action 1 - ..."), text
without a heading, or the document's title block (its first heading with the short text under
it: a page's title and "Published: 2021-06-10 - Project: UpGradeSME"). It joins the next
section, which keeps its own heading; the merged heading becomes a line of text there (or, at
the document's end, of the section before). A short section with a heading and text of its own
after the title block ("Follow-up decides the result" and its one sentence) stays a passage of
its own, so its text is shown under its own heading, never the next one's. A good-practice
record section such as "Evidence of success" neither merges nor is merged into.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import Passage
from ingest.practice import field_of_heading
from ingest.text import collapse_whitespace, normalize_text

__all__ = ["MAX_PASSAGE_CHARS", "MIN_SECTION_CHARS", "Section", "sections_to_passages"]

#: A section longer than this is split on paragraph boundaries.
MAX_PASSAGE_CHARS = 4000
#: A section shorter than this merges into the next one, unless it is a section of its own
#: (a heading with text, past the title block: see the module docstring).
MIN_SECTION_CHARS = 200

_SENTENCE_END_RE = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass
class Section:
    heading: str | None = None
    paragraphs: list[str] = field(default_factory=list)

    def size(self) -> int:
        return sum(len(p) for p in self.paragraphs)


def _clean(sections: list[Section]) -> list[Section]:
    cleaned: list[Section] = []
    for section in sections:
        heading = collapse_whitespace(normalize_text(section.heading or "")) or None
        paragraphs = [p for p in (normalize_text(p) for p in section.paragraphs) if p]
        if heading or paragraphs:
            cleaned.append(Section(heading, paragraphs))
    return cleaned


def _as_lines(section: Section) -> list[str]:
    return ([section.heading] if section.heading else []) + section.paragraphs


def _lines(sections: list[Section]) -> list[str]:
    """The sections' text in reading order, their headings as lines."""
    return [line for section in sections for line in _as_lines(section)]


def _joined(sections: list[Section]) -> Section:
    """Sections as one, under the first one's heading, the others' headings as lines."""
    lines = _lines(sections)
    if sections[0].heading:
        return Section(lines[0], lines[1:])
    return Section(None, lines)


def _merge_tiny(sections: list[Section], min_chars: int) -> list[Section]:
    merged: list[Section] = []
    pending: list[Section] = []  # tiny sections waiting to join the next one
    title_block = True  # no section with a heading seen yet: the first one is the title block
    for section in sections:
        record = field_of_heading(section.heading) is not None
        # A heading with text of its own, past the title block, is a section of its own.
        own_section = bool(section.heading and section.paragraphs and not title_block)
        title_block = title_block and not section.heading
        if pending and record:
            # nothing merges into a good-practice record section either: its text stays its own
            merged.append(_joined(pending))
            pending = []
        if not pending:
            combined = section
        elif section.heading is None:  # text without a heading continues the tiny ones
            combined = _joined([*pending, section])
        else:  # the tiny ones' headings become lines of text in the next section
            combined = Section(section.heading, _lines(pending) + section.paragraphs)
        # A good-practice record section ("Resources needed") stays a passage of its own,
        # however short, so that a hit in it is labelled with its field.
        if combined.size() < min_chars and not record and not own_section:
            pending.append(section)
            continue
        merged.append(combined)
        pending = []
    if pending:
        if merged and field_of_heading(merged[-1].heading) is None:
            merged[-1].paragraphs.extend(_lines(pending))
        else:
            merged.append(_joined(pending))
    return merged


def _split_long_paragraph(paragraph: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END_RE.split(paragraph):
        while len(sentence) > max_chars:  # no sentence ends: cut at a space
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def _split(section: Section, max_chars: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for paragraph in section.paragraphs:
        parts = (
            _split_long_paragraph(paragraph, max_chars)
            if len(paragraph) > max_chars
            else [paragraph]
        )
        for part in parts:
            if current and size + 2 + len(part) > max_chars:
                chunks.append("\n\n".join(current))
                current, size = [], 0
            current.append(part)
            size += len(part) + 2
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def sections_to_passages(
    sections: list[Section],
    *,
    max_chars: int = MAX_PASSAGE_CHARS,
    min_chars: int = MIN_SECTION_CHARS,
) -> list[Passage]:
    """Normalise, merge tiny sections forward, split long ones; ordinals count from 0."""
    passages: list[Passage] = []
    for section in _merge_tiny(_clean(sections), min_chars):
        texts = _split(section, max_chars) or [""]
        for text in texts:
            if not text and not section.heading:
                continue
            passages.append(Passage(ordinal=len(passages), text=text, heading=section.heading))
    return passages
