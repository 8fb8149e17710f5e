"""Metadata rules: the catalog (or a sidecar) beats the file's own metadata, which beats
inference from the text with the taxonomy. Every field records where its value came from.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any

from index import PRACTICE_FIELDS, Document, Passage, fold_text
from ingest.catalog import Taxonomy
from ingest.dates import DATE_FORMS, normalise_date
from ingest.language import detect_language, language_problem, normalise_language
from ingest.ocr import LOW_CONFIDENCE
from ingest.practice import field_of_heading, practice_years, read_practice

#: How much text inference reads (title counts three times).
INFERENCE_CHARS = 20_000
MAX_THEMES = 3

def _count_mentions(haystack: str, names: list[str]) -> int:
    total = 0
    for name in names:
        needle = fold_text(str(name)).strip()
        if len(needle) < 3:
            continue
        total += len(re.findall(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack))
    return total


def _inference_text(title: str, passages: list[Passage]) -> str:
    body = "\n".join(p.text for p in passages)[:INFERENCE_CHARS]
    return fold_text(f"{title}\n{title}\n{title}\n{body}")


#: A document that names at least this many partner countries is about the whole partnership.
PROJECT_WIDE_COUNTRIES = 4
PROJECT_WIDE = "EU"


def _country_mentions(text: str, tax: Taxonomy) -> Counter[str]:
    mentions: Counter[str] = Counter()
    for code in tax.countries:
        mentions[code] += _count_mentions(text, tax.country_names(code))
    for region in tax.regions.values():
        if region.country:
            mentions[region.country] += _count_mentions(
                text, region.every_name()
            )
    mentions.pop(PROJECT_WIDE, None)
    return +mentions


def is_project_wide(text: str, tax: Taxonomy) -> bool:
    """True when the taxonomy knows project-wide documents ("EU") and the text names at
    least PROJECT_WIDE_COUNTRIES partner countries (or their regions) with none of them
    dominating (mentioned at least twice as often as the next)."""
    if PROJECT_WIDE not in tax.countries:
        return False
    ranked = _country_mentions(text, tax).most_common()
    if len(ranked) < PROJECT_WIDE_COUNTRIES:
        return False
    return ranked[0][1] < 2 * ranked[1][1]


def infer_region(text: str, tax: Taxonomy, country: str | None = None) -> str | None:
    """The region named most in ``text``; only regions of ``country`` when it is given."""
    scores: Counter[str] = Counter()
    for code, region in tax.regions.items():
        if country and region.country != country:
            continue
        hits = _count_mentions(text, region.every_name())
        if hits:
            scores[code] = hits
    return scores.most_common(1)[0][0] if scores else None


def infer_country(text: str, tax: Taxonomy) -> str | None:
    scores: Counter[str] = Counter()
    for code in tax.countries:
        hits = _count_mentions(text, tax.country_names(code))
        if hits:
            scores[code] = hits
    return scores.most_common(1)[0][0] if scores else None


def infer_partner(text: str, tax: Taxonomy) -> dict[str, Any] | None:
    scores: Counter[int] = Counter()
    for i, partner in enumerate(tax.partners):
        names = [partner.get("name", "")]
        short = str(partner.get("short") or "")
        if len(short) >= 3:
            names.append(short)
        hits = _count_mentions(text, names)
        if hits:
            scores[i] = hits
    return tax.partners[scores.most_common(1)[0][0]] if scores else None


def infer_themes(text: str, tax: Taxonomy, language: str | None) -> list[str]:
    scores: Counter[str] = Counter()
    for theme_id, entry in tax.themes.items():
        keywords = entry.get("keywords") or {}
        words: list[str] = list(keywords.get("en") or [])
        if language and language != "en":
            words += list(keywords.get(language) or [])
        hits = _count_mentions(text, words)
        if hits:
            scores[theme_id] = hits
    if not scores:
        return []
    best = scores.most_common(1)[0][1]
    return [t for t, n in scores.most_common(MAX_THEMES) if n >= max(2, best // 4)]


def infer_doc_type(title: str, source_path: str, tax: Taxonomy) -> str | None:
    text = fold_text(f"{title} {source_path.replace('-', ' ').replace('_', ' ')}")
    scores: Counter[str] = Counter()
    for type_id, entry in tax.doc_types.items():
        hits = _count_mentions(text, list(entry.get("keywords") or []))
        if hits:
            scores[type_id] = hits
    return scores.most_common(1)[0][0] if scores else None


#: A line this long that ends without punctuation may be a title wrapped onto the next line.
WRAPPED_TITLE_LINE = 40
_NOT_IN_A_TITLE_LINE = re.compile(r"[\d,;@{}()*∗#$+|]")


def _joined_title(first: str, following: list[str]) -> str:
    """The first line of a text with the lines a wrapped title continues on ("... for
    Dynamic" + "Languages"); not author lines, addresses or the start of the body."""
    title = first
    for line in following[:2]:
        line = line.strip()
        if (len(title) < WRAPPED_TITLE_LINE or title[-1] in ".:;!?" or not line
                or not line[0].isalpha() or len(line) > 60
                or _NOT_IN_A_TITLE_LINE.search(line) or len(title) + len(line) >= 160):
            break
        title = f"{title} {line}"
    return title


def _title_from_name(source_path: str) -> str:
    stem = PurePosixPath(source_path).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source_path


def _unreliable_ocr(passage: Passage) -> bool:
    """Whether ``passage`` was read by OCR with a confidence too low to trust its first line
    as a title (ingest.ocr.LOW_CONFIDENCE: the ingest reports such pages already)."""
    return (passage.source == "ocr" and passage.confidence is not None
            and passage.confidence < LOW_CONFIDENCE)


def _title_from_text(passages: list[Passage], source_path: str) -> str:
    for p in passages:
        if _unreliable_ocr(p):  # its first line is likely garbled: the file's name instead
            break
        if p.heading and 3 <= len(p.heading) <= 200:
            return p.heading.strip()
        lines = p.text.splitlines()
        for i, line in enumerate(lines):
            line = line.strip()
            if 3 <= len(line) <= 160 and sum(c.isalpha() for c in line) >= 3:
                return _joined_title(line, lines[i + 1:])
        break
    return _title_from_name(source_path)


GOOD_PRACTICE = "good_practice"

#: Where a file of each media type says its language, as the ingest report names it
_FILE_METADATA: dict[str, str] = {
    "text/markdown": "front matter", "text/html": "HTML",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        "Word document property",
}


def _practice(
    explicit: dict[str, str], from_text: dict[str, str], sources: dict[str, str]
) -> dict[str, str]:
    """A good practice's record: each field from the catalog, else from the file's own
    section under its heading; a field neither has stays absent (never guessed)."""
    record = {}
    for name, _ in PRACTICE_FIELDS:
        for value, source in ((explicit.get(name), "catalog"), (from_text.get(name), "file")):
            if value and str(value).strip():
                record[name] = str(value).strip()
                sources[f"practice.{name}"] = source
                break
    return record


def build_document(
    *,
    doc_id: str,
    source_path: str,
    sha256: str,
    size: int,
    mtime: float,
    media_type: str,
    passages: list[Passage],
    file_meta: dict[str, Any],
    entry: dict[str, Any],
    taxonomy: Taxonomy,
    page_count: int | None = None,
    warnings: list[str] | None = None,
    cover_title: str | None = None,
) -> Document:
    """Merge catalog entry, file metadata and inference into one Document. ``cover_title``:
    the title a paged document's first page sets in its largest type (ParsedFile.cover_title),
    inferred before the text's first line."""
    sources: dict[str, str] = {}

    def pick(field: str, catalog_key: str | None = None, file_key: str | None = None) -> Any:
        value = entry.get(catalog_key or field)
        if value not in (None, "", []):
            sources[field] = "catalog"
            return value
        value = file_meta.get(file_key or field)
        if value not in (None, "", []):
            sources[field] = "file"
            return value
        return None

    title = pick("title")
    if not title:
        title = cover_title or _title_from_text(passages, source_path)
        sources["title"] = "inferred"
        if not cover_title and passages and _unreliable_ocr(passages[0]):
            warnings = [*(warnings or []), "title: the first page was read by OCR with very "
                        f"low confidence ({passages[0].confidence:.0f}%), so the file's name "
                        "is the title (give one in the catalog)"]
    title = " ".join(str(title).split())

    # the catalog's, else the file's; one that is not a code the index knows ("magyar", "fra")
    # is said in the report, and the next is taken ("hun" is "hu": normalise_language)
    language = None
    for source, where, given in (("catalog", "catalog", entry.get("language")),
                                 ("file", _FILE_METADATA.get(media_type, "file"),
                                  file_meta.get("language"))):
        if given in (None, "", []):
            continue
        language = normalise_language(given)
        if language:
            sources["language"] = source
            break
        warnings = [*(warnings or []), language_problem(given, where)]
    if not language:
        language = detect_language("\n".join(p.text for p in passages[:20]))
        if language:
            sources["language"] = "inferred"

    text = _inference_text(title, passages)

    country = taxonomy.resolve_country(pick("country_code", "country", "country"))
    region = taxonomy.resolve_region(pick("region_code", "region", "region"))
    if region is None:
        sources.pop("region_code", None)
    if country is None:
        sources.pop("country_code", None)

    partner_name = pick("partner")
    partner_entry = None
    if partner_name:
        partner_entry = next(
            (p for p in taxonomy.partners
             if str(p.get("name", "")).lower() == str(partner_name).lower()
             or str(p.get("short", "")).lower() == str(partner_name).lower()),
            None,
        )
        if partner_entry:
            partner_name = partner_entry.get("name")
    if not partner_name:
        partner_entry = infer_partner(text, taxonomy)
        if partner_entry:
            partner_name = partner_entry.get("name")
            sources["partner"] = "inferred"

    if region is None and country is None and is_project_wide(text, taxonomy):
        country = PROJECT_WIDE
        sources["country_code"] = "inferred"
        if PROJECT_WIDE in taxonomy.regions:
            region = PROJECT_WIDE
            sources["region_code"] = "inferred"
    if region is None:
        # An inferred region never contradicts a chosen country: it lies within it, or none.
        region = infer_region(text, taxonomy, country)
        partner_region = str((partner_entry or {}).get("region") or "").upper()
        if region is None and partner_region and (
                country is None or getattr(taxonomy.regions.get(partner_region), "country",
                                           None) == country):
            region = partner_region
        if region is None and country == PROJECT_WIDE and PROJECT_WIDE in taxonomy.regions:
            region = PROJECT_WIDE
        if region:
            sources["region_code"] = "inferred"
    if country is None:
        inferred = None
        if region and region in taxonomy.regions:
            inferred = taxonomy.regions[region].country
        inferred = inferred or infer_country(text, taxonomy)
        if inferred:
            country = inferred
            sources["country_code"] = "inferred"
    if country and "country_code" in sources:
        sources["country_name"] = sources["country_code"]
    if region and "region_code" in sources:
        sources["region_name"] = sources["region_code"]

    themes = pick("themes")
    if isinstance(themes, str):
        themes = [t.strip() for t in themes.split(",") if t.strip()]
    themes = [t for t in (themes or []) if t in taxonomy.themes] if taxonomy.themes else themes
    if not themes:
        sources.pop("themes", None)
        themes = infer_themes(text, taxonomy, language)
        if themes:
            sources["themes"] = "inferred"

    doc_type = pick("doc_type", "type", "type")
    if doc_type and taxonomy.doc_types and doc_type not in taxonomy.doc_types:
        doc_type = None
        sources.pop("doc_type", None)
    if not doc_type:
        doc_type = infer_doc_type(title, source_path, taxonomy)
        if doc_type:
            sources["doc_type"] = "inferred"

    date = normalise_date(pick("date"))
    if not date and entry.get("date") not in (None, ""):
        # the catalog's date is not one (e.g. "2019-02-30"): say so, then take the file's
        warnings = [*(warnings or []), f"catalog date {str(entry['date'])[:40]!r} is not a "
                    f"date ({DATE_FORMS}): not used"]
        date = normalise_date(file_meta.get("date"))
        sources["date"] = "file"
    if not date:
        sources.pop("date", None)

    practice: dict[str, str] = {}
    start = end = None
    if doc_type == GOOD_PRACTICE:
        practice = _practice(entry.get("practice") or {}, read_practice(passages), sources)
        start, end = practice_years(practice.get("timescale"))
        for passage in passages:
            passage.record_field = field_of_heading(passage.heading)

    summary = pick("summary")
    keywords = pick("keywords") or []
    if not keywords and practice.get("keywords"):
        keywords = practice["keywords"]
        sources["keywords"] = sources["practice.keywords"]
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.replace(";", ",").split(",") if k.strip()]
    author = pick("author")
    instrument = pick("policy_instrument")
    hidden = bool(entry.get("hidden", False))

    return Document(
        id=doc_id,
        source_path=source_path,
        sha256=sha256,
        title=title,
        passages=passages,
        doc_type=doc_type,
        language=language,
        country_code=country,
        country_name=taxonomy.country_name(country) or country,
        region_code=region,
        region_name=taxonomy.region_label(region) or region,
        themes=list(themes),
        date=date,
        partner=str(partner_name) if partner_name else None,
        policy_instrument=str(instrument) if instrument else None,
        summary=" ".join(str(summary).split()) if summary else None,
        author=str(author) if author else None,
        keywords=[str(k) for k in keywords],
        page_count=page_count,
        media_type=media_type,
        size=size,
        mtime=mtime,
        hidden=hidden,
        practice=practice,
        practice_start=start,
        practice_end=end,
        sources=sources,
        warnings=list(warnings or []),
    )
