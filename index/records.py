"""The records that flow from ingest into the index, and out of it again.

Plain dataclasses, engine-neutral: nothing here knows Whoosh. ``ingest`` builds
:class:`Document` records; ``index`` stores and searches them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# Where a metadata value came from, most trusted first (DESIGN.md, "Metadata").
Source = Literal["catalog", "file", "inferred"]

#: Languages with their own analyser (stemmer); everything else is indexed as "other".
STEMMED_LANGUAGES: tuple[str, ...] = ("en", "de", "nl", "hu", "ro", "pt", "es")


def base_language(tag: str | None) -> str:
    """A language tag's language, lower case: "pt-BR", "pt_br", "PT" -> "pt" ("" for none).
    What the analysers, the semantic layer's language offsets and "in another language" on
    the results page go by."""
    return (tag or "").strip().lower().replace("_", "-").split("-")[0]

#: Metadata fields of a Document that carry a source (see Document.sources).
METADATA_FIELDS: tuple[str, ...] = (
    "title",
    "doc_type",
    "language",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "themes",
    "date",
    "partner",
    "policy_instrument",
    "summary",
    "author",
    "keywords",
)

#: The record fields of a good practice (the Interreg Europe good-practice template), in the
#: order a record shows them: (name, label). Their sources are in Document.sources under
#: "practice.<name>".
PRACTICE_FIELDS: tuple[tuple[str, str], ...] = (
    ("location", "Location"),
    ("timescale", "Timescale"),
    ("main_institution", "Main institution"),
    ("problem", "Problem addressed"),
    ("description", "Detailed description"),
    ("resources", "Resources needed"),
    ("evidence", "Evidence of success"),
    ("difficulties", "Difficulties encountered"),
    ("transfer", "Potential for learning or transfer"),
    ("keywords", "Keywords"),
    ("theme", "Theme"),
)
#: A practice running longer than this is counted in this many years at most.
MAX_RUNNING_YEARS = 50


@dataclass
class Passage:
    """The unit that matches and is shown: a PDF page, or a section under its heading."""

    ordinal: int
    text: str
    page: int | None = None
    heading: str | None = None
    #: where the text came from: "text" (the file's own text) or "ocr" (read from the image)
    source: str = "text"
    #: for OCR: Tesseract's mean word confidence on the page, 0-100
    confidence: float | None = None
    #: in a good practice, the record field this passage is the section of ("evidence")
    record_field: str | None = None
    #: what kind of furniture the passage is, if it is ("contents": a table of contents;
    #: "notice": a cover or imprint whose running text is a disclaimer or legal notice),
    #: found at ingest (ingest/boilerplate.py): shown as a snippet only when no other passage
    #: of its document matches
    boilerplate: str | None = None


@dataclass
class Document:
    """One source file of the corpus, with its metadata and passages."""

    id: str
    source_path: str  # POSIX path relative to the corpus root
    sha256: str
    title: str
    passages: list[Passage] = field(default_factory=list)
    doc_type: str | None = None
    language: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    themes: list[str] = field(default_factory=list)
    date: str | None = None  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    partner: str | None = None
    policy_instrument: str | None = None
    summary: str | None = None
    author: str | None = None
    keywords: list[str] = field(default_factory=list)
    page_count: int | None = None
    media_type: str | None = None
    size: int = 0
    mtime: float = 0.0
    hidden: bool = False
    #: good-practice record: PRACTICE_FIELDS name -> text (only the fields the document has)
    practice: dict[str, str] = field(default_factory=dict)
    #: first and last year of a good practice's timescale (last None: ongoing)
    practice_start: int | None = None
    practice_end: int | None = None
    #: field name -> "catalog" | "file" | "inferred", for every field that has a value
    sources: dict[str, str] = field(default_factory=dict)
    #: problems that did not stop indexing (e.g. "page 3: no text layer, needs OCR")
    warnings: list[str] = field(default_factory=list)
    #: when pages were read by OCR: ingest.ocr.OcrSummary as a dict (pages, confidence,
    #: language, language_source, low_confidence, empty, unread, ...); None otherwise
    ocr: dict[str, Any] | None = None

    @property
    def year(self) -> int | None:
        if self.date and len(self.date) >= 4 and self.date[:4].isdigit():
            return int(self.date[:4])
        return None

    @property
    def running_years(self) -> list[int]:
        """The years a good practice ran: start to end; an ongoing one up to the year of
        the document (or its start)."""
        if self.practice_start is None:
            return []
        end = self.practice_end or max(self.practice_start, self.year or self.practice_start)
        end = min(end, self.practice_start + MAX_RUNNING_YEARS - 1)
        return list(range(self.practice_start, end + 1))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["year"] = self.year
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        data = dict(data)
        data.pop("year", None)
        passages = [Passage(**p) for p in data.pop("passages", [])]
        return cls(passages=passages, **data)
