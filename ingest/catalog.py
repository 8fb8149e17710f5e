"""The corpus's own metadata: the catalog (explicit, per document) and the taxonomy.

- ``corpus/catalog.yaml`` (a list of entries, or ``{documents: [...]}``) or ``catalog.csv``
  (themes and keywords separated by ``;``): one entry per file, keyed by ``path`` relative to
  the corpus root.
- A sidecar ``<file>.meta.yaml`` next to a file holds the same keys (without ``path``) and
  overrides the catalog entry field by field.
- ``corpus/taxonomy.yaml``: countries, NUTS-2 regions with their names in the partner
  languages, themes with keywords per language, document types, partners.

This module reads the catalog and also writes it (:class:`CatalogFile`, :func:`write_sidecar`,
used by the admin): one entry changed, the others kept, sorted by path, the comment block at
the top kept (comments elsewhere are not: YAML loaders drop them). Writes are atomic and
serialised between processes by a lock file (``corpus/.catalog.lock``; names starting with "."
are not documents).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from index import PRACTICE_FIELDS, write_atomic
from ingest.dates import DATE_FORMS, normalise_date
from ingest.paths import OUTSIDE_CORPUS, inside_corpus

CATALOG_NAMES = ("catalog.yaml", "catalog.yml", "catalog.csv")
TAXONOMY_NAMES = ("taxonomy.yaml", "taxonomy.yml")
SIDECAR_SUFFIX = ".meta.yaml"
#: The catalog file the admin writes.
CATALOG_FILE = "catalog.yaml"
LOCK_FILE = ".catalog.lock"

#: Keys a catalog entry may have (besides ``path``).
CATALOG_KEYS = (
    "title", "type", "language", "country", "region", "themes", "date", "partner",
    "policy_instrument", "summary", "author", "keywords", "password", "hidden", "practice",
)


class CatalogError(Exception):
    """The catalog or taxonomy cannot be read; the message says where and why."""


@dataclass
class Region:
    code: str
    country: str
    name: str
    native: str | None
    variants: list[str]
    #: the region's names and adjectives by language ("de": ["Nordportugal"]; for a query
    #: that names the region: Taxonomy.places)
    names: dict[str, list[str]] = field(default_factory=dict)
    adjectives: dict[str, list[str]] = field(default_factory=dict)

    def every_name(self) -> list[str]:
        """Every name of the region a text may use (inference, resolving a value): its
        English name, native name, variants, names and adjectives in every language."""
        before = [self.name, self.native or "", *self.variants]
        seen = {n.lower() for n in before}
        more = dict.fromkeys(n for terms in (*self.names.values(), *self.adjectives.values())
                             for n in terms if n.lower() not in seen)
        return [*before, *more]


def _names_map(names: dict[str, list[str]]) -> dict[str, str]:
    """Each name (lower case) -> its code; a name of several codes goes to the first."""
    out: dict[str, str] = {}
    for code, known in names.items():
        for name in known:
            if name:
                out.setdefault(str(name).lower(), code)
    return out


def _code_of(value: str | None, codes: dict[str, Any], names: Callable[[], dict[str, str]]
             ) -> str | None:
    """The code (a key of ``codes``) that ``value`` is, in any case, or one of whose names it
    is, in any case (``names``: name in lower case -> code, asked only when ``value`` is not a
    code); None when it is neither."""
    if not value:
        return None
    key = value.strip()
    if key.upper() in codes:
        return key.upper()
    return names().get(key.lower())


class SynonymParts(NamedTuple):
    """The synonym groups of a taxonomy (language -> terms), by where they come from."""

    #: the taxonomy's ``synonyms``: curated groups of equivalent terms
    synonyms: list[dict[str, list[str]]]
    #: its ``glossary``: the domain glossary's concepts, searched the same way
    glossary: list[dict[str, list[str]]]
    #: a group of each country's names given by language (_country_group)
    countries: list[dict[str, list[str]]]


@dataclass
class Taxonomy:
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> entry
    regions: dict[str, Region] = field(default_factory=dict)
    themes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> entry
    doc_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    partners: list[dict[str, Any]] = field(default_factory=list)
    #: groups of equivalent terms across languages (query-side synonyms), language -> terms,
    #: in three parts: see :class:`SynonymParts` and :attr:`synonyms` (all of them, in order)
    synonym_parts: SynonymParts = field(default_factory=lambda: SynonymParts([], [], []))
    fingerprint: str = ""
    #: names -> codes of countries and regions (see _names)
    _name_maps: dict[str, dict[str, str]] = field(default_factory=dict, repr=False,
                                                  compare=False)

    @property
    def synonyms(self) -> list[dict[str, list[str]]]:
        """Every synonym group, the one list ingest saves (IndexStore.save_synonyms): the
        taxonomy's ``synonyms``, then its ``glossary``, then the countries' names. Code that
        needs one part names it (``synonym_parts.glossary``), never slices this list."""
        parts = self.synonym_parts
        return [*parts.synonyms, *parts.glossary, *parts.countries]

    def country_names(self, code: str) -> list[str]:
        """Every name of the country ``code`` that a text may use (inference): its English
        name, its ``names`` (a list, or by language) and its ``adjectives`` ("Hungarian")."""
        entry = self.countries.get(code) or {}
        return [str(entry.get("name", "")), *_flat(entry.get("names")),
                *_flat(entry.get("adjectives"))]

    def country_name(self, code: str | None) -> str | None:
        entry = self.countries.get(code or "")
        return entry.get("name") if entry else None

    def region_label(self, code: str | None) -> str | None:
        region = self.regions.get(code or "")
        if region is None:
            return None
        if region.native and region.native != region.name:
            return f"{region.name} / {region.native}"
        return region.name

    def resolve_country(self, value: str | None) -> str | None:
        """A country code from a code or any of its names; None when unknown."""
        return _code_of(value, self.countries, lambda: self._names("country"))

    def resolve_region(self, value: str | None) -> str | None:
        """A NUTS-2 code from a code or any of its names (English, native, variants); None
        when unknown."""
        return _code_of(value, self.regions, lambda: self._names("region"))

    def _names(self, kind: str) -> dict[str, str]:
        """Name (lower case) -> code of the countries or regions, built once: the taxonomy is
        complete when it is first asked (load_taxonomy fills it, nothing changes it later)."""
        cached = self._name_maps.get(kind)
        if cached is None:
            cached = _names_map(
                {c: self.country_names(c) for c in self.countries}
                if kind == "country" else
                {c: r.every_name() for c, r in self.regions.items()})
            self._name_maps[kind] = cached
        return cached

    def place_names(self) -> list[str]:
        """Every name of the countries and regions, in lower case (English, native, variants,
        other languages)."""
        return [*self._names("country"), *self._names("region")]

    def places(self) -> list[dict[str, Any]]:
        """The countries and regions as a query may name them (index.places, written by
        ingest beside the synonyms): each with its ``kind`` ("country", "region"), ``code``,
        ``country``, ``terms`` by language ("" for the terms of no one language: a
        region's variants), its names and adjectives, the country's English name as an
        English term, ``adjectives`` by language, those of a country's terms that are
        adjectives (which also name its language: "auf Deutsch", "en alemán"), and
        ``languages``, its country's official languages. Places without any term (the
        project-wide "EU") are left out."""
        out: list[dict[str, Any]] = []
        for code, entry in self.countries.items():
            terms = _by_language(entry.get("names"), entry.get("adjectives"))
            name = str(entry.get("name") or "").strip()
            if name and terms:
                terms.setdefault("en", [])
                if name not in terms["en"]:
                    terms["en"].insert(0, name)
            if terms:
                out.append({"kind": "country", "code": code, "country": code, "terms": terms,
                            "adjectives": _by_language(entry.get("adjectives")),
                            "languages": self.country_languages(code)})
        for code, region in self.regions.items():
            terms = _by_language(region.names, region.adjectives)
            if region.variants:
                terms[""] = list(dict.fromkeys(region.variants))
            if terms:
                out.append({"kind": "region", "code": code, "country": region.country,
                            "terms": terms, "languages": self.country_languages(region.country)})
        return out

    def country_languages(self, code: str) -> list[str]:
        """The official languages of the country ``code`` (its ``languages``), lower case."""
        entry = self.countries.get(code) or {}
        return [str(lang).lower() for lang in _as_list(entry.get("languages"))]

    def known_words(self) -> list[str]:
        """The taxonomy's own terms, every language's: the themes' keywords and the names of
        the countries and regions, for "did you mean", which takes their words as correct
        though no document has them ("hitel", Hungarian credit, was "corrected" into
        "hotel")."""
        terms = {str(k) for theme in self.themes.values()
                 for words in (theme.get("keywords") or {}).values()
                 for k in (words if isinstance(words, list) else [words])}
        return sorted(terms | set(self.place_names()))

    def labels(self) -> dict[str, dict[str, str]]:
        """Display labels of facet values, for the index (facet -> value -> label)."""
        return {
            "country": {c: e.get("name", c) for c, e in self.countries.items()},
            "region": {c: self.region_label(c) or c for c in self.regions},
            "theme": {t: e.get("label", t) for t, e in self.themes.items()},
            "type": {t: e.get("label", t) for t, e in self.doc_types.items()},
            "language": dict(LANGUAGE_NAMES),
        }


LANGUAGE_NAMES = {
    "en": "English", "de": "German", "nl": "Dutch", "hu": "Hungarian", "ro": "Romanian",
    "pt": "Portuguese", "es": "Spanish", "fr": "French", "it": "Italian", "eu": "Basque",
}


def _as_list(value: Any) -> list[Any]:
    """A taxonomy value that is one item or a list of them, as a list (none: empty)."""
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list) else [value]


def _flat(value: Any) -> list[str]:
    """Names given as one name, a list of them, or by language (``{en: Hungary, hu:
    [Magyarország, ...]}``), as one list, each once (a name of several languages once:
    "Portugal")."""
    if isinstance(value, dict):
        return list(dict.fromkeys(str(n) for terms in value.values() for n in _as_list(terms)))
    return [str(n) for n in _as_list(value)]


def _by_language(*values: Any) -> dict[str, list[str]]:
    """The names of ``values`` given by language (dicts; plain lists, whose languages are
    not known, are left out), merged: language -> names, each once."""
    out: dict[str, list[str]] = {}
    for value in values:
        if not isinstance(value, dict):
            continue
        for lang, terms in value.items():
            known = out.setdefault(str(lang), [])
            known.extend(str(t) for t in _as_list(terms) if str(t).strip() and str(t) not in known)
    return {lang: terms for lang, terms in out.items() if terms}


def _country_group(entry: dict[str, Any], where: str) -> dict[str, list[str]] | None:
    """The synonym group of a country whose ``names`` are given by language (``{en: Hungary,
    hu: Magyarország, de: Ungarn}``), its English ``name`` among the English ones, names of one
    word only: a query naming the country in one language also finds the documents that name
    it in another. None for names given as a plain list (their languages are not known:
    inference only)."""
    names = entry.get("names")
    if not isinstance(names, dict):
        return None
    group: dict[str, list[str]] = {}
    for lang, terms in names.items():
        if not all(isinstance(t, str) and t.strip() for t in _as_list(terms)):
            raise CatalogError(f"{where}: the names of country {entry.get('code')} in {lang} "
                               "must be a name or a list of names")
        # one-word names only: a synonym term of several words is also searched by each of
        # its words, and "Țările de Jos", "Países Bajos", "The Netherlands" would find every
        # page with "jos" (below), "países" (countries) or "the"
        one_word = [t for t in map(str, _as_list(terms)) if len(t.split()) == 1]
        if one_word:
            group[str(lang)] = one_word
    name = str(entry.get("name") or "")
    if len(name.split()) == 1 and name not in group.get("en", []):
        group["en"] = [name, *group.get("en", [])]
    return group if len(group) >= 2 else None


def _load_yaml(path: Path, corpus: Path | None = None) -> Any:
    if not inside_corpus(corpus or path.parent, path):
        raise CatalogError(f"{path.name}: {OUTSIDE_CORPUS}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path.name}: cannot be read: {exc}") from exc


def load_taxonomy(corpus: Path) -> Taxonomy:
    """The taxonomy of ``corpus``; an empty one when the corpus has none."""
    for name in TAXONOMY_NAMES:
        path = corpus / name
        if path.is_file():
            break
    else:
        return Taxonomy()
    data = _load_yaml(path) or {}
    if not isinstance(data, dict):
        raise CatalogError(f"{path.name}: expected a mapping at the top")
    tax = Taxonomy(fingerprint=hashlib.sha256(path.read_bytes()).hexdigest()[:16])
    for entry in data.get("countries") or []:
        tax.countries[str(entry["code"]).upper()] = entry
    for entry in data.get("regions") or []:
        code = str(entry["code"]).upper()
        tax.regions[code] = Region(
            code=code,
            country=str(entry.get("country", "")).upper(),
            name=str(entry.get("name", code)),
            native=entry.get("native"),
            variants=[str(v) for v in entry.get("variants") or []],
            names=_by_language(entry.get("names")),
            adjectives=_by_language(entry.get("adjectives")),
        )
    for entry in data.get("themes") or []:
        tax.themes[str(entry["id"])] = entry
    for entry in data.get("doc_types") or []:
        tax.doc_types[str(entry["id"])] = entry
    tax.partners = list(data.get("partners") or [])
    # the curated synonym groups, then the domain glossary's concepts: the same kind of group,
    # searched the same way (index.query.add_synonyms)
    for section in ("synonyms", "glossary"):
        for group in data.get(section) or []:
            if not isinstance(group, dict) or len(group) < 2:
                raise CatalogError(
                    f"{path.name}: each {section} entry maps 2 or more languages to their terms"
                )
            getattr(tax.synonym_parts, section).append({
                str(lang): [str(t) for t in (terms if isinstance(terms, list) else [terms])]
                for lang, terms in group.items()
            })
    # and each country's names in the partner languages, when the taxonomy gives them by
    # language: "Ungarn" also finds the pages that write "Hungary" or "Magyarország"
    for entry in tax.countries.values():
        country = _country_group(entry, path.name)
        if country is not None:
            tax.synonym_parts.countries.append(country)
    return tax


def entry_problems(entry: dict[str, Any], tax: Taxonomy) -> dict[str, str]:
    """What is wrong with the values of a catalog entry, by key (empty: nothing). A value must
    be one of the taxonomy's (a code or a name), the region within the country, the language
    a known one. Keys left out are fine: ingest infers them. The admin checks its forms with
    this, and the tests check the sample corpus with it."""
    problems: dict[str, str] = {}
    doc_type = entry.get("type")
    if doc_type and tax.doc_types and doc_type not in tax.doc_types:
        problems["type"] = "not a document type of the taxonomy"
    language = entry.get("language")
    if language and language not in LANGUAGE_NAMES:
        problems["language"] = "not a known language"
    country = tax.resolve_country(str(entry["country"])) if entry.get("country") else None
    if entry.get("country") and tax.countries and country is None:
        problems["country"] = "not a country of the taxonomy"
    if entry.get("region") and tax.regions:
        region = tax.regions.get(tax.resolve_region(str(entry["region"])) or "")
        if region is None:
            problems["region"] = "not a region of the taxonomy"
        elif country and region.country != country:
            problems["region"] = "the region is not in the chosen country"
    themes = entry.get("themes") or []
    unknown = [str(t) for t in (themes if isinstance(themes, list) else [themes])
               if tax.themes and t not in tax.themes]
    if unknown:
        problems["themes"] = f"unknown theme: {', '.join(unknown)[:100]}"
    if entry.get("date") not in (None, "") and normalise_date(entry["date"]) is None:
        problems["date"] = f"not a date ({DATE_FORMS})"
    partner = entry.get("partner")
    names = {str(p.get(k, "")).lower() for p in tax.partners for k in ("name", "short")}
    if partner and tax.partners and str(partner).lower() not in names:
        problems["partner"] = "not a partner of the taxonomy (add it to taxonomy.yaml first)"
    return problems


def _practice_entry(value: Any, where: str) -> dict[str, str]:
    """A catalog's good-practice record: a mapping of PRACTICE_FIELDS names to text."""
    names = [name for name, _ in PRACTICE_FIELDS]
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: practice must be a mapping of {', '.join(names)}")
    out = {}
    for name, text in value.items():
        if name not in names:
            raise CatalogError(f"{where}: unknown practice field {name!r}; "
                               f"fields are {', '.join(names)}")
        if text not in (None, ""):
            out[str(name)] = ", ".join(map(str, text)) if isinstance(text, list) else str(text)
    return out


def _normalise_entry(raw: dict[str, Any], where: str) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "path" or value is None or value == "":
            continue
        if key not in CATALOG_KEYS:
            raise CatalogError(f"{where}: unknown key {key!r}")
        if key in ("themes", "keywords") and isinstance(value, str):
            value = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
        if key == "date":
            value = str(value)
        if key == "practice":
            value = _practice_entry(value, where)
        if key == "hidden" and isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes")
        entry[key] = value
    return entry


def _yaml_rows(name: str, data: Any) -> list[dict[str, Any]]:
    """The entries of a YAML catalog: a list, or a mapping with ``documents``."""
    rows = data.get("documents", []) if isinstance(data, dict) else (data or [])
    if not isinstance(rows, list):
        raise CatalogError(f"{name}: expected a list of entries")
    return rows


def load_catalog(corpus: Path) -> dict[str, dict[str, Any]]:
    """Catalog entries by path (POSIX, relative to the corpus root)."""
    entries: dict[str, dict[str, Any]] = {}
    for name in CATALOG_NAMES:
        path = corpus / name
        if not path.is_file():
            continue
        if name.endswith(".csv"):
            if not inside_corpus(corpus, path):
                raise CatalogError(f"{name}: {OUTSIDE_CORPUS}")
            try:
                with open(path, encoding="utf-8", newline="") as fh:
                    rows: list[dict[str, Any]] = list(csv.DictReader(fh))
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                raise CatalogError(f"{name}: cannot be read: {exc}") from exc
        else:
            rows = _yaml_rows(path.name, _load_yaml(path))
        for i, row in enumerate(rows, 1):
            if not isinstance(row, dict) or not row.get("path"):
                raise CatalogError(f"{name}: entry {i} has no path")
            rel = str(row["path"]).strip().lstrip("/")
            entries[rel] = _normalise_entry(row, f"{name}: entry {i} ({rel})")
    return entries


def sidecar_of(file: Path) -> Path:
    """The sidecar of a file: ``<file>.meta.yaml`` beside it."""
    return file.with_name(file.name + SIDECAR_SUFFIX)


def load_sidecar(file: Path, corpus: Path | None = None) -> dict[str, Any]:
    """The metadata of ``file``'s sidecar (``name.meta.yaml``), if it has one inside
    ``corpus`` (default: the file's folder)."""
    sidecar = sidecar_of(file)
    try:
        if not sidecar.is_file():
            return {}
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a long file name leaves no room for a sidecar
            return {}
        raise CatalogError(f"{sidecar.name}: cannot be read: {exc.strerror or exc}") from exc
    data = _load_yaml(sidecar, corpus) or {}
    if not isinstance(data, dict):
        raise CatalogError(f"{sidecar.name}: expected a mapping")
    return _normalise_entry(data, sidecar.name)


def entry_fingerprint(entry: dict[str, Any], taxonomy: Taxonomy) -> str:
    """Changes when a file's explicit metadata or the taxonomy changes (forces a re-read)."""
    blob = json.dumps(entry, sort_keys=True, default=str) + taxonomy.fingerprint
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# -- writing ---------------------------------------------------------------------------------
#: The order of keys in a written entry.
KEY_ORDER = ("path", *CATALOG_KEYS)


@contextlib.contextmanager
def catalog_lock(corpus: Path) -> Iterator[None]:
    """Serialise catalog writes between threads and processes."""
    with open(Path(corpus) / LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    known = [k for k in KEY_ORDER if k in entry]
    rest = sorted(k for k in entry if k not in KEY_ORDER)
    return {k: entry[k] for k in (*known, *rest)}


def _clean(entry: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values; ``hidden: false`` is the default and is left out too."""
    return {k: v for k, v in entry.items() if v not in (None, "", [], False)}


def _entry_path(row: dict[str, Any]) -> str:
    return str(row.get("path", "")).strip().lstrip("/")


class CatalogFile:
    """``corpus/catalog.yaml`` as a list of raw entries, to change one entry at a time (a
    catalog in the mapping form ``{documents: [...]}`` keeps that form)."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = Path(corpus)
        self.path = self.corpus / CATALOG_FILE

    def _read(self) -> tuple[str, Any, list[dict[str, Any]]]:
        if not self.path.is_file():
            return "", None, []
        if not inside_corpus(self.corpus, self.path):
            raise CatalogError(f"{CATALOG_FILE}: {OUTSIDE_CORPUS}")
        text = self.path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CatalogError(f"{CATALOG_FILE}: cannot be read: {exc}") from exc
        header_lines = []
        for line in text.splitlines():
            if not line.startswith("#") and line.strip():
                break
            header_lines.append(line)
        rows = _yaml_rows(CATALOG_FILE, data)
        if not all(isinstance(r, dict) for r in rows):
            raise CatalogError(f"{CATALOG_FILE}: expected a list of entries")
        return "\n".join(header_lines).strip(), data, rows

    def _write(self, header: str, data: Any, rows: list[dict[str, Any]]) -> None:
        rows = sorted((_ordered(r) for r in rows), key=lambda r: str(r.get("path", "")))
        body: Any = {**data, "documents": rows} if isinstance(data, dict) else rows
        text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
        write_atomic(self.path, (header + "\n" if header else "") + text)

    def put(self, rel: str, fields: dict[str, Any]) -> None:
        """Replace the entry of ``rel`` with ``fields`` (other entries untouched)."""
        unknown = set(fields) - set(CATALOG_KEYS)
        if unknown:
            raise CatalogError(f"unknown catalog keys: {', '.join(sorted(unknown))}")
        with catalog_lock(self.corpus):
            header, data, rows = self._read()
            rows = [r for r in rows if _entry_path(r) != rel]
            rows.append({"path": rel, **_clean(fields)})
            self._write(header, data, rows)

    def remove(self, rel: str, first: Callable[[], object] | None = None) -> bool:
        """Remove the entry of ``rel``; False when it had none. ``first`` runs under the
        catalog's lock once the catalog has been read, before the entry goes (the admin's
        removal takes the document's file there: a catalog that cannot be read raises
        CatalogError before anything is removed)."""
        with catalog_lock(self.corpus):
            header, data, rows = self._read()
            if first is not None:
                first()
            kept = [r for r in rows if _entry_path(r) != rel]
            if len(kept) == len(rows):
                return False
            self._write(header, data, kept)
            return True


def write_sidecar(file: Path, fields: dict[str, Any]) -> None:
    """Write the sidecar of ``file`` with ``fields`` (atomically)."""
    text = yaml.safe_dump(_ordered(_clean(fields)), allow_unicode=True, sort_keys=False,
                          width=100)
    write_atomic(sidecar_of(file), text)
