"""Good-practice records: the fields of the Interreg Europe good-practice template, read from a
write-up's section headings.

A good practice written up in HTML, Markdown, Word or PDF carries its record as headings and
label lines in running text: "Evidence of success" (or "A siker bizonyítékai", "Dovezi ale
succesului", ...) followed by its paragraphs; "Timescale" followed by "2020 – 2022". This
module recognises those headings and labels in the seven partner languages and returns the
fields it finds. A section it does not know is not a field; a field whose section is missing
stays absent (nothing is guessed).

Works on passages (so on every format alike): a passage's heading, then its paragraphs, and
inside them label lines ("Location", or "Location: Norte (PT11)") that start a field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from index import PRACTICE_FIELDS, Passage

__all__ = ["HEADINGS", "field_of_heading", "practice_years", "read_practice"]

#: Field -> the headings that introduce it, per language (matched without case or accents,
#: with or without a trailing colon).
HEADINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "location": {
        "en": ("Location",), "de": ("Ort", "Standort"), "nl": ("Locatie",),
        "hu": ("Helyszín",), "ro": ("Localizare", "Locație", "Locatie"),
        "pt": ("Localização",), "es": ("Ubicación", "Localización"),
    },
    "timescale": {
        "en": ("Timescale", "Timescale (start/end date)", "Timeframe", "Duration"),
        "de": ("Zeitrahmen", "Laufzeit", "Zeitraum"),
        "nl": ("Tijdschema", "Looptijd", "Tijdsbestek", "Periode"),
        "hu": ("Időtartam", "Időkeret"), "ro": ("Perioada", "Perioadă", "Durata", "Durată"),
        "pt": ("Calendário", "Período", "Duração"), "es": ("Calendario", "Periodo", "Período"),
    },
    "main_institution": {
        "en": ("Main institution", "Main institution involved", "Lead institution"),
        "de": ("Hauptinstitution", "Federführende Institution", "Haupteinrichtung",
               "Verantwortliche Institution"),
        "nl": ("Hoofdinstelling", "Belangrijkste instelling", "Hoofdorganisatie"),
        "hu": ("Fő intézmény", "Felelős intézmény"),
        "ro": ("Instituția principală", "Instituție principală"),
        "pt": ("Instituição principal",), "es": ("Institución principal",),
    },
    "problem": {
        "en": ("Problem addressed", "Problems addressed", "Problem(s) addressed",
               "The problem addressed"),
        "de": ("Behandeltes Problem", "Angegangenes Problem", "Problemstellung",
               "Adressiertes Problem"),
        "nl": ("Aangepakt probleem", "Probleemstelling", "Behandeld probleem"),
        "hu": ("Kezelt probléma", "A kezelt probléma", "Megoldandó probléma"),
        "ro": ("Problema abordată", "Problemă abordată"),
        "pt": ("Problema abordado", "Problema tratado"),
        "es": ("Problema abordado", "Problema tratado"),
    },
    "description": {
        "en": ("Detailed description", "Description"),
        "de": ("Ausführliche Beschreibung", "Detaillierte Beschreibung", "Beschreibung"),
        "nl": ("Gedetailleerde beschrijving", "Uitgebreide beschrijving", "Beschrijving"),
        "hu": ("Részletes leírás", "Leírás"), "ro": ("Descriere detaliată", "Descriere"),
        "pt": ("Descrição detalhada", "Descrição"), "es": ("Descripción detallada", "Descripción"),
    },
    "resources": {
        "en": ("Resources needed", "Resources"),
        "de": ("Benötigte Ressourcen", "Erforderliche Ressourcen", "Ressourcen"),
        "nl": ("Benodigde middelen", "Middelen"),
        "hu": ("Szükséges erőforrások", "Erőforrások"), "ro": ("Resurse necesare", "Resurse"),
        "pt": ("Recursos necessários", "Recursos"), "es": ("Recursos necesarios", "Recursos"),
    },
    "evidence": {
        "en": ("Evidence of success",),
        "de": ("Erfolgsnachweis", "Erfolgsnachweise", "Nachweis des Erfolgs",
               "Belege für den Erfolg"),
        "nl": ("Bewijs van succes", "Bewijzen van succes"),
        "hu": ("A siker bizonyítékai", "A siker bizonyítéka", "Sikerességi bizonyítékok"),
        "ro": ("Dovezi ale succesului", "Dovezi de succes", "Dovada succesului"),
        "pt": ("Evidências de sucesso", "Provas de sucesso", "Evidência de sucesso"),
        "es": ("Pruebas de éxito", "Evidencias de éxito", "Evidencia de éxito"),
    },
    "difficulties": {
        "en": ("Difficulties encountered", "Difficulties"),
        "de": ("Aufgetretene Schwierigkeiten", "Schwierigkeiten"),
        "nl": ("Ondervonden moeilijkheden", "Moeilijkheden"),
        "hu": ("Felmerült nehézségek", "Nehézségek"),
        "ro": ("Dificultăți întâmpinate", "Dificultăți"),
        "pt": ("Dificuldades encontradas", "Dificuldades"),
        "es": ("Dificultades encontradas", "Dificultades"),
    },
    "transfer": {
        "en": ("Potential for learning or transfer", "Potential for transfer",
               "Potential for learning and transfer"),
        "de": ("Potenzial für Lernen oder Transfer", "Übertragbarkeit", "Transferpotenzial",
               "Lern- und Transferpotenzial"),
        "nl": ("Potentieel voor leren of overdracht", "Overdraagbaarheid",
               "Potentieel voor overdracht"),
        "hu": ("Tanulási és átvételi lehetőségek", "Tanulási vagy átvételi lehetőségek",
               "Átvehetőség"),
        "ro": ("Potențial de învățare sau transfer", "Potențial de transfer"),
        "pt": ("Potencial de aprendizagem ou transferência", "Potencial de transferência"),
        "es": ("Potencial de aprendizaje o transferencia", "Potencial de transferencia"),
    },
    "keywords": {
        "en": ("Keywords",), "de": ("Schlagwörter", "Schlüsselwörter", "Stichwörter"),
        "nl": ("Trefwoorden", "Sleutelwoorden"), "hu": ("Kulcsszavak",),
        "ro": ("Cuvinte-cheie", "Cuvinte cheie"), "pt": ("Palavras-chave",),
        "es": ("Palabras clave",),
    },
    "theme": {
        "en": ("Theme", "Themes", "Topic", "Topics"), "de": ("Thema", "Themen"),
        "nl": ("Thema", "Onderwerp"), "hu": ("Téma", "Témák"),
        "ro": ("Temă", "Tema", "Teme"), "pt": ("Tema", "Temas"), "es": ("Tema", "Temas"),
    },
}

#: Fields whose value is one short line after its label (a fact); the others are sections
#: of paragraphs that run until the next heading.
FACTS = frozenset({"location", "timescale", "main_institution", "keywords", "theme"})
#: A label line is short; a longer line that happens to start with "Description" is text.
MAX_LABEL_CHARS = 60
MAX_FACT_CHARS = 300


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().rstrip(":").strip())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


_BY_KEY: dict[str, str] = {
    _key(label): name
    for name, languages in HEADINGS.items()
    for labels in languages.values()
    for label in labels
}
_INLINE = re.compile(rf"^\s*([^:\n]{{2,{MAX_LABEL_CHARS}}}):\s*(\S.*)$")
_PARAGRAPHS = re.compile(r"\n\s*\n")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d|21\d\d)(?!\d)")

assert set(HEADINGS) == {name for name, _ in PRACTICE_FIELDS}


def field_of_heading(heading: str | None) -> str | None:
    """The record field a heading introduces ("A siker bizonyítékai" -> "evidence")."""
    if not heading or len(heading) > MAX_LABEL_CHARS:
        return None
    return _BY_KEY.get(_key(heading))


def _items(passages: list[Passage]) -> Iterator[tuple[str, str | None, str, bool]]:
    """("heading", field or None, text, False) and ("text", None, line, continues) in reading
    order (``continues``: the line goes on the paragraph of the line before it). A label line
    inside the text ("Timescale", "Location: Norte") is a heading too."""
    for passage in passages:
        if passage.heading:
            yield "heading", field_of_heading(passage.heading), passage.heading, False
        for block in _PARAGRAPHS.split(passage.text or ""):
            continues = False
            for line in block.split("\n"):
                name = field_of_heading(line)
                inline = None if name else _INLINE.match(line)
                if inline and field_of_heading(inline.group(1)):
                    name = field_of_heading(inline.group(1))
                if name:
                    yield "heading", name, line.strip().rstrip(":"), False
                    if inline:
                        yield "text", None, inline.group(2).strip(), False
                    continues = False
                elif line.strip():
                    yield "text", None, line.strip(), continues
                    continues = True


def read_practice(passages: list[Passage]) -> dict[str, str]:
    """The record fields found under their headings, in template order. The first section
    of a field counts (a field repeated later, like "Description" in a footer, is ignored).
    A fact (location, timescale, ...) is the one line after its label; a section runs until
    the next heading."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for kind, name, text, continues in _items(passages):
        if kind == "heading":
            if name is not None and name == current:
                continue  # a long section split into passages that repeat its heading
            # an unknown heading ends the current field; a known one starts its own
            current = name if name and name not in found else None
            if current:
                found[current] = []
            continue
        if current is None:
            continue
        parts = found[current]
        if continues and parts:
            parts[-1] = f"{parts[-1]} {text}"
        else:
            parts.append(text)
        if current in FACTS:
            current = None
    out: dict[str, str] = {}
    for name, _ in PRACTICE_FIELDS:
        parts = [p for p in found.get(name, []) if p]
        if not parts:
            continue
        value = "\n\n".join(parts)
        if name in FACTS:
            value = value[:MAX_FACT_CHARS]
        out[name] = value
    return out


def practice_years(timescale: str | None) -> tuple[int | None, int | None]:
    """(start, end) years of a timescale: "2020 – 2022" -> (2020, 2022); "since 2019",
    "2019 – ongoing" -> (2019, None); no year -> (None, None)."""
    years = [int(y) for y in _YEAR.findall(timescale or "")]
    if not years:
        return None, None
    start = years[0]
    end = years[1] if len(years) > 1 and years[1] >= start else None
    return start, end
