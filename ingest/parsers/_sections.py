"""Sections -> Passages, shared by the HTML, Markdown, plain-text and Word parsers.

A parser produces :class:`Section` objects (a heading and its paragraphs, in order);
:func:`sections_to_passages` normalises the text, merges tiny sections forward into the next
one (their heading becomes a line of text there; a good-practice record section such as
"Evidence of success" neither merges nor is merged into), and splits long sections on paragraph
boundaries into passages of at most about ``max_chars`` characters that keep the heading.
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
#: A section shorter than this merges into the next one.
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


def _merge_tiny(sections: list[Section], min_chars: int) -> list[Section]:
    merged: list[Section] = []
    pending: Section | None = None  # tiny sections waiting to join the next one
    for section in sections:
        record = field_of_heading(section.heading) is not None
        if pending is not None and record:
            # nothing merges into a good-practice record section either: its text stays its own
            merged.append(pending)
            pending = None
        if pending is not None:
            if section.heading is None:
                section = Section(pending.heading, pending.paragraphs + section.paragraphs)
            else:  # the tiny heading becomes a line of text in the next section
                section = Section(section.heading, _as_lines(pending) + section.paragraphs)
            pending = None
        # A good-practice record section ("Resources needed") stays a passage of its own,
        # however short, so that a hit in it is labelled with its field.
        if section.size() < min_chars and not record:
            pending = section
            continue
        merged.append(section)
    if pending is not None:
        if merged and field_of_heading(merged[-1].heading) is None:
            merged[-1].paragraphs.extend(_as_lines(pending))
        else:
            merged.append(pending)
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
