"""Words broken across a line end without a hyphen, joined again where the document shows
they are one word.

A narrow table cell in a PDF breaks a word too long for it wherever the cell ends, with no
hyphen: pdfium reads "Communicati\\non", "Baden-Würt\\ntemberg", "Frieslan\\nd". Such a word
cannot be found and looks broken in snippets. A line break between letters is ambiguous
("export\\nvouchers" is two words), so a break is joined only on the document's own evidence:

- the line that ends is one word of at least 4 characters ("Communicati", "Baden-Würt"): a
  renderer breaks a word inside only when it is longer than the whole line, so it starts
  the line; a line with a space in it ends at a space. The fragment ends the line and starts
  a word (after a hyphen, a bracket or the line's start; not after a digit);
- the next line starts with the rest: a lowercase letter, up to a word's end (a space,
  punctuation or the end of the text; not a digit or an opening bracket: "Zerlege\\nn(0) = ..."
  is a German verb and a formula's variable);
- the joined form is a word the same document uses elsewhere (whole, case ignored), or a
  word of the names given (the taxonomy's countries and regions: "German\\ny" in a
  partner table of a document that writes "Germany" nowhere else);
- at least one fragment is not a word the document uses on its own (its uses as a fragment
  of such breaks do not count).

So "export\\nvouchers" stays two words: "exportvouchers" is no word of the document, and in
one that writes it (a Dutch compound), "export" and "vouchers" are used alone too. Two
common words whose join is a word ("with\\nin") stay as they are, as do words split by a
paragraph break or across pages, and a word broken in a cell that shares its line with
another cell's text ("Impact Communicati\\non": not one word on the line). What is left
is a word used nowhere else alone whose join is a word ("print\\nout" in a document that
writes "printout" once): real text wrapped with every word on a line of its own gives about
one such join in 10,000 breaks, wrapped at 20 columns or more none (bench/README.md).
Words hyphenated at a line end are joined earlier, in ``ingest.text.normalize_text``.

A range of years breaks the same way: "2016–2017" in a period column is read "2016–201\\n7",
and a search for 2017 misses it. Digits at a line end are joined to the digits starting the
next line only where they end a range of years whose end they complete:

- the line ends with a year, a dash (hyphen, en or em dash, spaces around it or not) and 1-3
  digits; the next line starts with 1-3 digits up to a word's end (a space, punctuation or
  the end of the text; not a letter, and not a decimal point or comma followed by a digit);
- the two pieces make 4 digits, a year of ``ingest.dates`` FIRST_YEAR..LAST_YEAR, not before
  the range's first year ("2016–201\\n7" -> "2016–2017", "2019–202\\n1" -> "2019–2021").

The range is the evidence: numbers in a table's cells ("201\\n7" without a year and a dash
before it, "2016–201\\n5") stay as they are. A line of other cells' text before the range
does not matter here ("Fomento San Sebastián 2019–202\\n1"): only the range is read.

``ingest.reading.read_document`` calls :func:`join_split_words` on the passages of every
file, with the taxonomy's place names; nothing here knows about file formats (only a PDF's
lines break inside table cells; other formats give no such lines). :func:`line_end_splits` lists the
candidate breaks with the evidence (``bench/line_splits.py`` counts them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from index import Passage
from ingest.dates import FIRST_YEAR, LAST_YEAR

__all__ = ["Split", "join_split_words", "line_end_splits"]

# A run of letters (no digits, no underscore): the words compared.
_WORD = re.compile(r"[^\W\d_]+")
# A line that is one word of at least 4 characters, its last letters ending the line, and
# the letters starting the next line up to a word's end (not a digit, a letter, or an
# opening bracket).
_BREAK = re.compile(r"(?m)^(?=\S{4})\S*?(?<!\w)([^\W\d_]+)\n(?=([^\W\d_]+)(?![\w(\[{]))")
# A range of years whose end a line break splits: the first year, a dash, the end's first 1-3
# digits ending the line, and its other 1-3 digits starting the next line up to a word's end.
_YEAR_BREAK = re.compile(r"(?<![\w.,])(\d{4}) ?[-–—] ?(\d{1,3})\n(?=(\d{1,3})(?!\w|[.,]\d))")


@dataclass(frozen=True)
class Split:
    """A line break between two fragments whose join is a word of the document (or of the
    names given), or the end of a range of years (``kind`` "year")."""

    passage: int  # index in the passages given
    offset: int  # of the "\n" in the passage's text
    left: str
    right: str
    #: whether the document uses the fragments as words on their own (apart from such breaks)
    left_used: bool
    right_used: bool
    #: "word" (letters) or "year" (the digits of a range's end year)
    kind: str = "word"

    @property
    def joined(self) -> bool:
        """Whether the break is joined: a range's end year, or at least one fragment is no
        word of its own."""
        return self.kind == "year" or not (self.left_used and self.right_used)


def line_end_splits(texts: list[str], names: Iterable[str] = ()) -> list[Split]:
    """The breaks of ``texts`` (one document's passages) after a line of one word and before a
    lowercase word's end on the next line, whose join the document uses as a word elsewhere
    or is a word of ``names``, then those inside a range's end year (module docstring), each
    kind in order; ``Split.joined`` says which ones :func:`join_split_words` joins."""
    return _word_splits(texts, names) + _year_splits(texts)


def _year_splits(texts: list[str]) -> list[Split]:
    """The breaks inside the end year of a range of years (module docstring)."""
    splits = []
    for number, text in enumerate(texts):
        if "\n" not in text:
            continue
        for match in _YEAR_BREAK.finditer(text):
            first, left, right = match.groups()
            joined = left + right
            if (len(joined) == 4 and FIRST_YEAR <= int(first) <= int(joined) <= LAST_YEAR):
                splits.append(Split(number, match.end(2), left, right, False, False, "year"))
    return splits


def _word_splits(texts: list[str], names: Iterable[str]) -> list[Split]:
    """The breaks of a word (module docstring)."""
    found: list[tuple[int, int, str, str]] = []
    for number, text in enumerate(texts):
        if "\n" not in text:
            continue
        for match in _BREAK.finditer(text):
            right = match.group(2)
            if right[0].islower():
                found.append((number, match.end(1), match.group(1), right))
    if not found:
        return []
    folded = "\n".join(texts).casefold()
    known = _words_of(tuple(names))
    # A join that is not even a substring of the text is no word of it: most documents stop
    # here, before their words are counted.
    found = [item for item in found
             if (joined := (item[2] + item[3]).casefold()) in known or joined in folded]
    if not found:
        return []
    words = Counter(_WORD.findall(folded))
    breaks = [item for item in found
              if (joined := (item[2] + item[3]).casefold()) in known or words[joined]]
    as_fragment: Counter[str] = Counter()
    for _, _, left, right in breaks:
        as_fragment[left.casefold()] += 1
        as_fragment[right.casefold()] += 1

    def used(word: str) -> bool:
        folded = word.casefold()
        return words[folded] > as_fragment[folded]

    return [
        Split(number, offset, left, right, used(left), used(right))
        for number, offset, left, right in breaks
    ]


@lru_cache(maxsize=8)
def _words_of(names: tuple[str, ...]) -> frozenset[str]:
    """The words of ``names``, case-folded (the same taxonomy's names for every document)."""
    return frozenset(word for name in names for word in _WORD.findall(name.casefold()))


def join_split_words(passages: list[Passage], names: Iterable[str] = ()) -> list[Passage]:
    """The passages (one document's) with the words split at a line end joined again, by the
    rules of the module docstring (``names``: see :func:`line_end_splits`); passages without
    such a word are returned unchanged."""
    splits = [s for s in line_end_splits([p.text for p in passages], names) if s.joined]
    if not splits:
        return passages
    offsets: dict[int, list[int]] = {}
    for split in splits:
        offsets.setdefault(split.passage, []).append(split.offset)
    out = list(passages)
    for number, cuts in offsets.items():
        text = out[number].text
        pieces = []
        start = 0
        for offset in sorted(cuts):
            pieces.append(text[start:offset])
            start = offset + 1  # drop the "\n"
        pieces.append(text[start:])
        out[number] = replace(out[number], text="".join(pieces))
    return out
