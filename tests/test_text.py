"""ingest.text.normalize_text."""

from __future__ import annotations

import pytest

from ingest.text import collapse_whitespace, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ﬁle ﬂow ﬀ ﬃ ﬄ ﬅ", "file flow ff ffi ffl st"),
        ("Ｏｐｔｉｍｉｚａｔｉｏｎ", "Optimization"),
        ("½ ¼", "1/2 1/4"),
        ("inter-\nnational", "international"),
        ("SME-\nExport", "SME-\nExport"),
        ("2008-\n02", "2008-\n02"),
        ("dan\ufffegerous", "dangerous"),  # pdfium's end-of-line hyphen marker
        ("Trace\ufffeMonkey", "Trace-Monkey"),
        ("inter\u00adnational", "international"),  # soft hyphen
        ("a  b\t\tc", "a b c"),
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("p1\n\n\n\n p2 ", "p1\n\np2"),
        ("bell\x07 zero\u200bwidth", "bell zerowidth"),
        ("şţŞŢ", "șțȘȚ"),
        ("no\u00a0break", "no break"),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_keeps_joiners_and_scripts() -> None:
    text = "می\u200cخواهم 標準 مرحبا"
    assert normalize_text(text) == text


def test_arabic_presentation_forms_fold() -> None:
    assert normalize_text("\ufe94") == "\u0629"  # ﺔ -> ة


def test_collapse_whitespace() -> None:
    assert collapse_whitespace("  a \n b\t c ") == "a b c"
