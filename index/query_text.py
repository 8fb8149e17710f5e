"""The characters of a query that text copied from a page or a document carries, read as the
documents' text is read at ingest (ingest/text.py: normalize_text), and a word joined by "&".

- Invisible characters are left out: the soft hyphen U+00AD (the hyphenation points ``&shy;``
  leaves in German and Hungarian web pages), the zero-width space, non-joiner and joiner
  U+200B-U+200D, the word joiner U+2060 and the byte-order mark U+FEFF. Ingest deletes them
  (format characters) from the documents; the query kept them, and the analysis cut the word
  at them: "exportutal\\u00advány" searched "exportutal" and "vany" and found nothing.
- The hyphen U+2010 and the non-breaking hyphen U+2011 (Word's Ctrl+Shift+-, the Hungarian
  "kkv\\u2011k") are "-": the rules of hyphenated words (index.hyphen_endings: a Hungarian
  ending after an acronym) saw no hyphen and searched the lone "k".
- The typographic apostrophes U+2019 and U+02BC (what phones and word processors type) and
  U+2018 between two letters are "'": "kmo’s" was "kmo" and a lone "s", while "kmo's" is one
  word to the analysis, and "region’s" found other documents than "region's".

parse_query reads "R&D" (letters or digits joined by "&", outside quotes) as the phrase
"R&D" (WORDS_JOINED): the analysis splits it at the "&", and a single letter is a word, so
"R&D" searched the lone "D" of "Annex D".
"""

from __future__ import annotations

import re

#: invisible characters left out of a query (see the module docstring)
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
#: the hyphens that are "-" to the query
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})
#: a typographic apostrophe inside a word
_APOSTROPHE = re.compile(r"(?<=\w)[\u2019\u02bc\u2018](?=\w)")

#: "R&D", "C&I", "AT&T": words joined by "&" with nothing between, outside "quotes"
WORDS_JOINED = re.compile(r'"[^"]*"|(?<![\w&"])(\w+(?:&\w+)+)(?![\w&"])')


def query_text(text: str) -> str:
    """``text`` with its invisible characters left out, its hyphens "-" and its
    typographic apostrophes inside words "'" (the module docstring)."""
    if text.isascii():
        return text
    return _APOSTROPHE.sub("'", _INVISIBLE.sub("", text).translate(_HYPHENS))


def quote_joined(text: str) -> str:
    """``text`` with each run of words joined by "&" quoted: "R&D" -> '"R&D"'."""
    if "&" not in text:
        return text
    return WORDS_JOINED.sub(lambda m: f'"{m.group(1)}"' if m.group(1) else m.group(0), text)


__all__ = ["query_text", "quote_joined"]
