"""Language detection per document (py3langid: a small, fast n-gram model of 97 languages)."""

from __future__ import annotations

from index import base_language, language_identifier

SAMPLE_CHARS = 6000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when there is too little text to tell."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    letters = sum(c.isalpha() for c in sample)
    if letters < 40:
        return None
    lang, prob = language_identifier().classify(sample)
    if prob < 0.5:
        return None
    return str(lang)


def normalise_language(value: object) -> str | None:
    """"en-GB", "EN", "en_US" -> "en"; anything else that is not a code -> None."""
    if not value:
        return None
    code = base_language(str(value))
    return code if 2 <= len(code) <= 3 and code.isalpha() else None
