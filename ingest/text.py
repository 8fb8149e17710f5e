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

__all__ = ["normalize_text", "collapse_whitespace", "repair_surrogates"]

# pdfium marks a hyphen at a line end that it joined into one word with U+FFFE.
_PDFIUM_EOL_HYPHEN = "\ufffe"
_SOFT_HYPHEN = "\u00ad"

_ROMANIAN = (("ş", "ș"), ("ţ", "ț"), ("Ş", "Ș"), ("Ţ", "Ț"))

# Characters to delete outright: C0/C1 controls except tab and newline, format characters
# except ZWJ/ZWNJ (needed by Indic and Persian scripts), noncharacters.
_KEEP_FORMAT = {"\u200c", "\u200d"}


def _delete_pattern() -> re.Pattern[str]:
    """A character class of C0/C1 controls (but tab and newline), format characters (but
    ZWNJ/ZWJ, which scripts need) and the noncharacters U+FFFE/U+FFFF, in the BMP."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        char = chr(code)
        wanted = (
            char not in "\t\n"
            and char not in _KEEP_FORMAT
            and (unicodedata.category(char) in ("Cc", "Cf") or code in (0xFFFE, 0xFFFF))
        )
        if not wanted:
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    parts = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{parts}]+")


_DELETE_RE = _delete_pattern()

# A hyphen (or marker) between two word characters, at a line end for "-"; the match
# starts at the mark, so the scan is fast. Joined or not is decided in _join_hyphen.
_EOL_HYPHEN_RE = re.compile(r"(?<=(\w))(-[ \t]*\n[ \t]*|\u00ad[ \t]*\n?[ \t]*|\ufffe)(?=(\w))")
# After NFKC, no-break and other wide spaces are plain spaces.
_SPACES_RE = re.compile(r"[ \t\f\v]{2,}|[\t\f\v]")
_TRAILING_SPACE_RE = re.compile(r" +\n *|\n +")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _join_hyphen(match: re.Match[str]) -> str:
    """The replacement of the mark between match.group(1) and match.group(3)."""
    left, mark, right = match.group(1), match.group(2), match.group(3)
    if left.islower() and right.islower():
        return ""
    if mark.startswith(_SOFT_HYPHEN):
        # An invisible hyphenation point: the word simply continues (or breaks the line).
        return "\n" if "\n" in mark else ""
    if mark == _PDFIUM_EOL_HYPHEN:
        # pdfium already removed the line break; a real hyphen ("Trace-Monkey", "IEEE-754").
        return "-"
    return "-\n"


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def repair_surrogates(text: str) -> str:
    """``text`` with its UTF-16 surrogates made characters: a pair (high, low), as a reader
    that hands out UTF-16 code units one at a time gives U+1D400 or an emoji, becomes its one
    character; a lone surrogate becomes U+FFFD. Such text cannot be encoded (UTF-8 refuses
    surrogates), and an index writer raises on it."""
    if not _SURROGATE_RE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


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
    for cedilla, comma in _ROMANIAN:
        if cedilla in text:
            text = text.replace(cedilla, comma)
    text = _DELETE_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()
