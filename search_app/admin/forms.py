"""The metadata form: its fields, their choices (from the taxonomy), reading and checking it.

The same fields as a catalog entry: title, type, language, country, region, themes, date,
partner, policy_instrument, summary (and hidden on the edit form). Choices come from
``corpus/taxonomy.yaml``; a value outside them is refused with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest import (
    DATE_INPUT_PATTERN,
    LANGUAGE_NAMES,
    Taxonomy,
    date_problem,
    entry_problems,
    normalise_date,
)

FIELDS = ("title", "type", "language", "country", "region", "themes", "date", "partner",
          "policy_instrument", "summary")
MAX_TEXT = {"title": 300, "partner": 200, "policy_instrument": 500, "summary": 3000}

#: What no field may hold, once its white space (tabs and line breaks too) is one space: the
#: other control characters (C0, DEL, C1: pasted from a PDF or a terminal, or a multipart
#: form's bytes that were not UTF-8), lone surrogates and Unicode's noncharacters.
INVALID_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF)  # U+FFFE, U+FFFF ... U+10FFFF
              for plane in range(0, 0x110000, 0x10000))
    + "]")
#: the message for a field that held them: they are removed from the value shown again, so
#: the next save goes through once the admin has checked it
INVALID_CHARACTERS_MESSAGE = ("held invisible control characters (pasted with the text?): "
                              "they are removed here, check the text and save again")

#: Document field names for catalog keys (for suggestions made by ingest.metadata).
DOC_FIELD = {"type": "doc_type", "country": "country_code", "region": "region_code"}


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class Choices:
    types: list[Choice]
    languages: list[Choice]
    countries: list[Choice]
    regions: list[Choice]
    themes: list[Choice]
    partners: list[Choice]
    #: how a date is written (the date input's pattern; ingest.dates)
    date_pattern: str = DATE_INPUT_PATTERN

    def label(self, key: str, value: object) -> str:
        """The display label of a field value ("NL12" -> "Friesland / Fryslân (NL12)")."""
        options = {"type": self.types, "language": self.languages, "country": self.countries,
                   "region": self.regions, "themes": self.themes}.get(key)
        if isinstance(value, list):
            return ", ".join(self.label(key, v) for v in value)
        if options:
            for c in options:
                if c.value == value:
                    return c.label
        return str(value)


def choices(tax: Taxonomy, languages: list[str] | None = None) -> Choices:
    langs = languages or list(LANGUAGE_NAMES)
    return Choices(
        types=[Choice(k, str(v.get("label", k))) for k, v in tax.doc_types.items()],
        languages=[Choice(code, f"{LANGUAGE_NAMES.get(code, code)} ({code})") for code in langs],
        countries=[Choice(k, f"{v.get('name', k)} ({k})") for k, v in tax.countries.items()],
        regions=[Choice(k, f"{tax.region_label(k)} ({k})") for k in tax.regions],
        themes=[Choice(k, str(v.get("label", k))) for k, v in tax.themes.items()],
        partners=[Choice(str(p.get("name", "")), str(p.get("name", "")))
                  for p in tax.partners if p.get("name")],
    )


def form_context(tax: Taxonomy) -> dict[str, Any]:
    """What the templates of the metadata form need: the choices and the field names."""
    return {"choices": choices(tax), "fields": FIELDS}


@dataclass
class MetadataForm:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_form(form: Any, tax: Taxonomy, *, prefix: str = "") -> MetadataForm:
    """Read and check the metadata fields of a submitted form (``prefix`` for many files)."""
    out = MetadataForm()
    cleaned: set[str] = set()

    def text(name: str) -> str:
        value = form.get(prefix + name)
        if not isinstance(value, str):
            return ""
        value = " ".join(value.split())
        valid = INVALID_CHARACTERS.sub("", value)
        if valid != value:
            cleaned.add(name)
        return valid

    for name in ("title", "partner", "policy_instrument", "summary"):
        value = text(name)
        if len(value) > MAX_TEXT[name]:
            out.errors[name] = f"at most {MAX_TEXT[name]} characters"
        if value:
            out.values[name] = value

    for name, upper in (("type", False), ("language", False), ("country", True),
                        ("region", True)):
        value = text(name)
        if value:
            out.values[name] = value.upper() if upper else value
    for name, resolve in (("country", tax.resolve_country), ("region", tax.resolve_region)):
        if out.values.get(name):
            out.values[name] = resolve(out.values[name]) or out.values[name]
    themes = [str(t) for t in form.getlist(prefix + "themes") if str(t).strip()]
    if themes:
        out.values["themes"] = list(dict.fromkeys(themes))
    partner = out.values.get("partner")
    for p in tax.partners:  # a partner's short name stands for its name
        if partner and str(p.get("short", "")).lower() == partner.lower():
            out.values["partner"] = str(p.get("name"))
    # The rules a catalog entry must follow are ingest's (the same check as the corpus tests).
    out.errors.update(entry_problems(out.values, tax))

    date = text("date")
    if date:
        problem = date_problem(date)
        if problem:
            out.errors["date"] = problem
        out.values["date"] = normalise_date(date) or date  # "28.06.2019" stored as 2019-06-28
    if form.get(prefix + "hidden") in ("1", "on", "true"):
        out.values["hidden"] = True
    for name in cleaned:  # this message first: the value shown is no longer what was sent
        other = out.errors.get(name)
        out.errors[name] = INVALID_CHARACTERS_MESSAGE + (f"; {other}" if other else "")
    return out


def values_from_document(doc: Any) -> dict[str, Any]:
    """Form values of a Document (index.records.Document), by catalog key."""
    values: dict[str, Any] = {}
    for key in FIELDS:
        value = getattr(doc, DOC_FIELD.get(key, key), None)
        if value not in (None, "", []):
            values[key] = value
    return values


def sources_from_document(doc: Any) -> dict[str, str]:
    """Where each value of a Document came from, by catalog key."""
    return {key: doc.sources.get(DOC_FIELD.get(key, key), "") for key in FIELDS}
