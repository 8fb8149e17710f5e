"""Text normalisation shared by every parser: what goes into a Passage is normalised here.

``normalize_text`` makes extracted text searchable and comparable across formats:

- Unicode NFKC: ligatures (``ﬁ`` -> ``fi``), fullwidth Latin (``Ｏ`` -> ``O``), Arabic
  presentation forms, no-break spaces; the fraction slash of ``½`` -> ``1⁄2`` becomes ``/``.
- Words hyphenated across a line end are joined when both sides are lowercase letters
  (``inter-\\nnational`` -> ``international``); ``SME-\\nExport`` keeps its hyphen.
  The same holds for soft hyphens and for pdfium's end-of-line hyphen marker U+FFFE.
- Romanian s/t with cedilla (``ş ţ Ş Ţ``) -> comma below (``ș ț Ș Ț``).
- Control and format characters are removed (zero-width joiners, which scripts need, stay).
- Runs of spaces and tabs collapse to one space; line ends are ``\\n``; paragraph breaks
  (blank lines) are kept as exactly ``\\n\\n``; leading/trailing whitespace is stripped.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text", "collapse_whitespace"]

# pdfium marks a hyphen at a line end that it joined into one word with U+FFFE.
_PDFIUM_EOL_HYPHEN = "\ufffe"
_SOFT_HYPHEN = "\u00ad"

_ROMANIAN = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})

# Characters to delete outright: C0/C1 controls except tab and newline, format characters
# except ZWJ/ZWNJ (needed by Indic and Persian scripts), noncharacters.
_KEEP_FORMAT = {"\u200c", "\u200d"}


def _build_delete_table() -> dict[int, None]:
    table: dict[int, None] = {}
    for code in range(0x10000):
        char = chr(code)
        if char in "\t\n" or char in _KEEP_FORMAT:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cf") or code in (0xFFFE, 0xFFFF):
            table[code] = None
    # Plane-14 tag characters (Cf) are rare; deleting the BMP ones covers real documents.
    return table


_DELETE = _build_delete_table()

# A hyphen (or marker) at a line end between two letters; decided in _join_hyphen.
_EOL_HYPHEN_RE = re.compile(r"(\w)(-|\u00ad|\ufffe)[ \t]*\n[ \t]*(\w)|(\w)(\u00ad|\ufffe)(\w)")
_SPACES_RE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_TRAILING_SPACE_RE = re.compile(r" *\n *")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _join_hyphen(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        left, mark, right = match.group(1), match.group(2), match.group(3)
        broke_line = True
    else:
        left, mark, right = match.group(4), match.group(5), match.group(6)
        broke_line = False
    if left.islower() and right.islower():
        return left + right
    if mark == _SOFT_HYPHEN:
        # An invisible hyphenation point: never shown, so the word simply continues.
        return left + right if not broke_line else left + "\n" + right
    if mark == _PDFIUM_EOL_HYPHEN:
        # pdfium already removed the line break; a real hyphen ("Trace-Monkey", "IEEE-754").
        return left + "-" + right
    return left + "-\n" + right


def collapse_whitespace(text: str) -> str:
    """All whitespace runs to one space (for titles, headings and other one-line values)."""
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """Normalise extracted text for indexing and display (see the module docstring)."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    # Joins must see the hyphens before NFKC, and before the markers are deleted.
    text = _EOL_HYPHEN_RE.sub(_join_hyphen, text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2044", "/")  # fraction slash, from NFKC of ½ ¼ ¾
    text = text.translate(_ROMANIAN)
    text = text.translate(_DELETE)
    text = _SPACES_RE.sub(" ", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()
