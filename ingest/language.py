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


#: The ISO 639-2 (bibliographic and terminology) and 639-3 codes of the seven languages of the
#: analysers, and their two-letter codes (ISO 639-1), which the index writes: a catalog or a
#: file that says "hun" or "ger" means "hu" or "de".
THREE_LETTER_CODES: dict[str, str] = {
    "eng": "en", "deu": "de", "ger": "de", "nld": "nl", "dut": "nl", "hun": "hu",
    "ron": "ro", "rum": "ro", "por": "pt", "spa": "es",
}


def normalise_language(value: object) -> str | None:
    """"en-GB", "EN", "en_US" -> "en"; a three-letter code of the seven languages ("hun",
    "ger", "rum-RO") -> its two-letter one ("hu", "de", "ro"); anything else that is not a
    two-letter code (another three-letter code, "fra"; a name, "magyar") -> None."""
    if not value:
        return None
    code = base_language(str(value))
    code = THREE_LETTER_CODES.get(code, code)
    return code if len(code) == 2 and code.isalpha() else None


def language_problem(value: object, where: str) -> str:
    """The ingest report's warning for a language ``where`` gives ("catalog", "front matter")
    that normalise_language does not take."""
    code = base_language(str(value))
    if len(code) == 3 and code.isalpha():
        return (f"{where} language {str(value)[:40]!r} is a three-letter code of none of the "
                "seven languages (eng, deu, nld, hun, ron, por, spa; or write a two-letter "
                "code: en, fr, ...): not used")
    return (f"{where} language {str(value)[:40]!r} is not a language code (en, de, hu, ...): "
            "not used")
