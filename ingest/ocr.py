"""OCR of pages without a usable text layer: Tesseract through tesserocr, cached by content.

    reader = OcrReader(OcrSettings(cache_dir="var/index/ocr-cache", language="de"),
                       sha256=sha)
    pages, summary = reader.read([1, 2, 3], render=lambda number: image_of_page(number))

- **Engine.** Tesseract 5 with the language data of Debian's packages (``tesseract-ocr-eng``,
  ``-deu``, ``-nld``, ``-hun``, ``-ron``, ``-por``, ``-spa``, installed by run.sh), called
  in-process through tesserocr: measured against pytesseract (a ``tesseract`` process per page,
  the model loaded each time, the image written to a temporary file) and ocrmypdf (the same
  process per page plus a PDF rewrite) in ``bench/bench_ocr.py``; see bench/README.md.
  In-process also means the worker's memory limit and its kill on timeout cover Tesseract.
- **Language.** The catalog's language when Tesseract has it; otherwise detected: a first
  pass reads the top of the first page with text, its language is detected (py3langid), and
  the pages are read with the detected language (English if it is not a partner language).
  The summary records the language and where it came from (catalog, detected).
- **Pages.** Rendered by pdfium at ``DPI`` in grey (a page so large that this would exceed
  ``MAX_PIXELS`` is rendered smaller). A page whose text has fewer than ``MIN_WORDS`` words of
  two or more letters has no text. Tesseract's mean word confidence (0-100) is kept per page;
  a page below ``LOW_CONFIDENCE`` is reported as a warning.
- **Time.** OCR stops before the file's time budget runs out; the pages not reached are
  reported, and the file is read again by the next ingest (cached pages cost nothing).
- **Cache.** ``<cache_dir>/<sha256[:2]>/<sha256>.json`` holds each page's text per language
  and settings, written after every page (atomically), so an unchanged file is never read by
  OCR twice, even after a rebuild, a kill or a time-out. ``prune_cache`` drops the entries of
  files no longer indexed (after a day).

``KB_OCR=0`` turns OCR off: pages without text are then reported as "needs OCR".
Tesseract is not thread-safe per handle and pdfium not at all: OCR runs in the ingest's
worker processes, one page at a time, one thread per process (``OMP_THREAD_LIMIT=1``).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import Passage, base_language, write_atomic
from ingest.language import detect_language
from ingest.pages import compress_ranges
from ingest.paths import file_sha256
from ingest.text import normalize_text
from ingest.workers import report_progress

if TYPE_CHECKING:
    from PIL import Image

# Tesseract's OpenMP threads would fight the other worker processes for the same cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

__all__ = [
    "DPI",
    "LANGUAGES",
    "LOW_CONFIDENCE",
    "OcrPage",
    "OcrReader",
    "OcrSettings",
    "OcrSummary",
    "OcrUnavailable",
    "looks_like_garbage",
    "iso_language",
    "ocr_enabled",
    "ocr_passages",
    "ocr_status",
    "prune_cache",
    "render_pdf_page",
    "tesseract_languages",
]

log = logging.getLogger(__name__)

#: Partner languages (ISO 639-1) -> Tesseract's language data.
LANGUAGES: dict[str, str] = {
    "en": "eng", "de": "deu", "nl": "nld", "hu": "hun", "ro": "ron", "pt": "por", "es": "spa",
}
#: Resolution pages are rendered at (Tesseract reads best at 300 dpi; see bench/README.md).
DPI = 300
#: Largest page image, in pixels (an A4 page at 300 dpi has 8.7 million).
MAX_PIXELS = 20_000_000
#: A page whose OCR text has fewer words of 2+ letters than this has no text.
MIN_WORDS = 2
#: Pages read with a mean word confidence below this are reported (0-100).
LOW_CONFIDENCE = 50
#: The language of the detection pass, and how many words it needs to detect a language.
DETECT_PASS = "eng"
DETECT_MIN_WORDS = 12
#: Bump when rendering or reading changes, so that cached pages are read again.
CACHE_VERSION = 1

_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


class OcrUnavailable(Exception):
    """Tesseract or its language data is missing (the reason says what to install)."""


def iso_language(tesseract_code: str | None) -> str | None:
    """The ISO 639-1 code of a Tesseract language ("deu" -> "de"); None for another one."""
    for iso, code in LANGUAGES.items():
        if code == tesseract_code:
            return iso
    return None


def ocr_enabled() -> bool:
    """False when ``KB_OCR`` is 0/false/no/off."""
    return os.environ.get("KB_OCR", "1").strip().lower() not in ("0", "false", "no", "off")


@lru_cache(maxsize=1)
def _tessdata() -> str | None:
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS]
    for folder in candidates:
        if folder and (Path(folder) / "eng.traineddata").is_file():
            return folder
    return None


def tesseract_languages() -> set[str]:
    """Tesseract's installed language data ("eng", "deu", ...); empty when none."""
    folder = _tessdata()
    if folder is None:
        return set()
    return {p.name.split(".")[0] for p in Path(folder).glob("*.traineddata")}


def ocr_status() -> str | None:
    """None when OCR can run here; else what is missing."""
    if _tessdata() is None:
        return "Tesseract language data not installed (apt-get install tesseract-ocr-eng)"
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return "tesserocr not installed"
    return None


@dataclass(frozen=True)
class OcrSettings:
    """How one file is read by OCR (sent to the worker with its job)."""

    enabled: bool = True
    #: where page results are cached (None: no cache)
    cache_dir: str | None = None
    #: the document's catalog language (ISO 639-1), if any
    language: str | None = None
    #: seconds OCR may take for this file (None: no limit)
    time_budget: float | None = None
    #: only count the pages OCR would read (the admin's upload preview)
    plan_only: bool = False

    @classmethod
    def from_env(cls, **kwargs: Any) -> OcrSettings:
        return cls(enabled=ocr_enabled(), **kwargs)


@dataclass
class OcrPage:
    text: str
    #: Tesseract's mean word confidence, 0-100
    confidence: float
    #: the Tesseract language(s) read with, e.g. "deu"
    language: str


@dataclass
class OcrSummary:
    """What OCR did for one file (kept on the Document as ``ocr``)."""

    #: pages read by OCR that had text
    pages: list[int] = field(default_factory=list)
    #: mean of those pages' confidences (0-100)
    confidence: float | None = None
    #: Tesseract language used ("deu") and where it came from: catalog, detected or default
    language: str | None = None
    language_source: str | None = None
    #: pages with OCR text below LOW_CONFIDENCE
    low_confidence: list[int] = field(default_factory=list)
    #: pages OCR found no text on
    empty: list[int] = field(default_factory=list)
    #: pages not read because the time budget ran out (the next ingest goes on)
    unread: list[int] = field(default_factory=list)
    #: pages that would be read (plan_only)
    planned: list[int] = field(default_factory=list)
    #: pages taken from the cache
    cached: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Cache:
    def __init__(self, cache_dir: str | None, sha256: str) -> None:
        self.path = (
            Path(cache_dir) / sha256[:2] / f"{sha256}.json" if cache_dir and sha256 else None
        )
        self.data: dict[str, Any] = {"version": CACHE_VERSION, "pages": {}}
        if self.path is not None and self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                if loaded.get("version") == CACHE_VERSION:
                    self.data = loaded
            except (OSError, ValueError) as exc:
                log.debug("OCR cache %s unreadable: %s", self.path, exc)

    @staticmethod
    def key(number: int, language: str) -> str:
        return f"{number}|{language}|{DPI}"

    def get(self, number: int, language: str) -> OcrPage | None:
        hit = self.data["pages"].get(self.key(number, language))
        return OcrPage(hit["text"], hit["confidence"], language) if hit else None

    def put(self, number: int, page: OcrPage) -> None:
        self.data["pages"][self.key(number, page.language)] = {
            "text": page.text, "confidence": page.confidence}
        self._save()

    @property
    def detected(self) -> str | None:
        return self.data.get("detected")

    @detected.setter
    def detected(self, language: str) -> None:
        self.data["detected"] = language
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(self.data, ensure_ascii=False))
        except OSError as exc:  # a read-only index folder only costs the cache
            log.warning("cannot write the OCR cache %s: %s", self.path, exc)


class _Tesseract:
    """One tesserocr handle per language, kept for the file's pages."""

    def __init__(self) -> None:
        self._apis: dict[str, Any] = {}

    def read(self, image: Image.Image, language: str) -> OcrPage:
        api = self._apis.get(language)
        if api is None:
            import tesserocr

            api = tesserocr.PyTessBaseAPI(path=_tessdata(), lang=language)
            self._apis[language] = api
        api.SetImage(image)
        text = api.GetUTF8Text() or ""
        confidence = float(api.MeanTextConf()) if text.strip() else 0.0
        api.Clear()
        return OcrPage(normalize_text(text), max(0.0, confidence), language)

    def close(self) -> None:
        for api in self._apis.values():
            api.End()
        self._apis.clear()


def has_text(page: OcrPage) -> bool:
    return len(_WORD_RE.findall(page.text)) >= MIN_WORDS


def _installed(languages: list[str]) -> list[str]:
    have = tesseract_languages()
    return [lang for lang in languages if lang in have]


class OcrReader:
    """Reads the pages of one file (identified by its sha256) with OCR."""

    def __init__(
        self, settings: OcrSettings, *, sha256: str,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        why = ocr_status() if settings.enabled else "OCR turned off"
        if why:
            raise OcrUnavailable(why)
        self.settings = settings
        self._cache = _Cache(settings.cache_dir, sha256)
        self._progress = progress
        self._started = time.monotonic()

    def read(
        self, numbers: list[int], render: Callable[[int], Image.Image]
    ) -> tuple[dict[int, OcrPage], OcrSummary]:
        """OCR the pages ``numbers`` (1-based), rendering each with ``render(number)``.

        Returns the pages that have text, and the summary (language, confidence, pages not
        reached within the time budget).
        """
        summary = OcrSummary()
        if self.settings.plan_only:
            summary.planned = list(numbers)
            return {}, summary
        language, source = self._language()
        summary.language, summary.language_source = language, source
        engine = _Tesseract()
        pages: dict[int, OcrPage] = {}
        slowest = 0.0
        try:
            for position, number in enumerate(numbers):
                # A page without text read before the language was known is kept under
                # the detection pass's language.
                page = (language and self._cache.get(number, language)) or self._cache.get(
                    number, DETECT_PASS)
                if page is not None:
                    summary.cached += 1
                else:
                    if self._out_of_time(slowest):
                        summary.unread = list(numbers[position:])
                        break
                    self._say(f"OCR page {position + 1} of {len(numbers)}")
                    began = time.monotonic()
                    image = render(number)
                    if language is None:  # detect on this page
                        page, language = self._detect(engine, image)
                        summary.language, summary.language_source = language, source
                    else:
                        page = engine.read(image, language)
                    del image
                    slowest = max(slowest, time.monotonic() - began)
                    self._cache.put(number, page)
                if has_text(page):
                    pages[number] = page
                    if page.confidence < LOW_CONFIDENCE:
                        summary.low_confidence.append(number)
                else:
                    summary.empty.append(number)
        finally:
            engine.close()
        if summary.language is None:  # too little text on any page to detect a language
            summary.language_source = None
            if pages:
                summary.language, summary.language_source = DETECT_PASS, "default"
        summary.pages = sorted(pages)
        if pages:
            summary.confidence = round(
                sum(p.confidence for p in pages.values()) / len(pages), 1)
        summary.seconds = round(time.monotonic() - self._started, 2)
        return pages, summary

    # -- language ---------------------------------------------------------------------
    def _language(self) -> tuple[str | None, str]:
        """(Tesseract language, source); (None, "detected") means: detect on the first page."""
        wanted = LANGUAGES.get(base_language(self.settings.language))
        if wanted and _installed([wanted]):
            return wanted, "catalog"
        if self._cache.detected:
            return self._cache.detected, "detected"
        if len(_installed(list(LANGUAGES.values()))) <= 1:
            return "eng", "default"
        return None, "detected"

    def _detect(self, engine: _Tesseract, image: Image.Image) -> tuple[OcrPage, str | None]:
        """Detect the page's language, then read it with that language.

        The first pass reads the top half of the page (all of it if that has too little
        text) with English only: reading with all seven languages at once took five times as
        long (bench/README.md), and English's model reads the partner languages' letters well
        enough for py3langid to tell them apart. Returns the page and the language for the
        next pages (None: no text yet to detect a language on)."""
        top = image.crop((0, 0, image.width, image.height // 2))
        first = engine.read(top, DETECT_PASS)
        whole = len(_WORD_RE.findall(first.text)) < DETECT_MIN_WORDS
        if whole:
            first = engine.read(image, DETECT_PASS)
        code = detect_language(first.text)
        if code is None:  # too little text to tell: this page as English, try the next
            return (first if whole else engine.read(image, DETECT_PASS)), None
        detected = LANGUAGES.get(code)
        if detected is None or not _installed([detected]):
            detected = DETECT_PASS  # not a partner language: read as English
        self._cache.detected = detected
        return engine.read(image, detected), detected

    # -- time ---------------------------------------------------------------------------
    def _out_of_time(self, slowest: float) -> bool:
        budget = self.settings.time_budget
        if budget is None:
            return False
        elapsed = time.monotonic() - self._started
        return elapsed + max(slowest * 1.5, 1.0) > budget

    def _say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)


def render_pdf_page(doc: Any, number: int, dpi: int = DPI) -> Image.Image:
    """Page ``number`` (1-based) of a pypdfium2 document as a grey PIL image at ``dpi``."""
    page = doc[number - 1]
    try:
        width, height = page.get_size()  # points
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = math.sqrt(MAX_PIXELS / (width * height))
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            return bitmap.to_pil().copy()
        finally:
            bitmap.close()
    finally:
        page.close()


# -- from pages to passages ---------------------------------------------------------------
_BAD_CATEGORIES = {"Co", "Cn", "Cc", "Cs"}


def looks_like_garbage(text: str) -> bool:
    """True for a text layer that is clearly not text: mostly replacement characters, private
    use or control codes, or hardly any letters and digits (a font without a Unicode map)."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < 20:
        return False
    bad = sum(c == "\ufffd" or unicodedata.category(c) in _BAD_CATEGORIES for c in chars)
    alnum = sum(c.isalnum() for c in chars)
    return bad > 0.2 * len(chars) or alnum < 0.4 * len(chars)


def prune_cache(cache_dir: str | Path, keep: set[str], *, min_age: float = 86400.0) -> int:
    """Delete cached OCR of files that are no longer indexed (sha256 not in ``keep``) and
    older than ``min_age`` seconds (a file just failed or staged may come back). Returns how
    many were deleted."""
    root = Path(cache_dir)
    if not root.is_dir():
        return 0
    now, deleted = time.time(), 0
    for path in root.glob("*/*.json"):
        try:
            if path.stem not in keep and now - path.stat().st_mtime > min_age:
                path.unlink()
                deleted += 1
        except OSError:
            continue
    return deleted


def ocr_passages(
    path: Path, numbers: list[int], render: Callable[[int], Image.Image],
    settings: OcrSettings,
) -> tuple[list[Passage], OcrSummary, list[str]]:
    """Read pages ``numbers`` of the file at ``path`` by OCR: (passages, summary, warnings).

    Raises OcrUnavailable when OCR is off or Tesseract missing. Progress ("OCR page 3 of 20")
    goes to the ingest worker's progress channel when there is one.
    """
    sha = file_sha256(path) if settings.cache_dir and not settings.plan_only else ""
    reader = OcrReader(settings, sha256=sha, progress=report_progress)
    pages, summary = reader.read(numbers, render)
    passages = [
        Passage(ordinal=number - 1, text=page.text, page=number, source="ocr",
                confidence=round(page.confidence, 1))
        for number, page in sorted(pages.items())
    ]
    warnings: list[str] = []
    if summary.low_confidence:
        low = sorted(summary.low_confidence)
        mean = sum(pages[n].confidence for n in low) / len(low)
        warnings.append(f"{compress_ranges(low)}: read by OCR with very low confidence "
                        f"({mean:.0f}%), the text may be wrong")
    if summary.empty:
        warnings.append(f"{compress_ranges(summary.empty)}: image without text "
                        "(OCR found none)")
    if summary.unread:
        warnings.append(f"{compress_ranges(summary.unread)}: not read by OCR within the time "
                        "limit (the next ingest goes on)")
    return passages, summary, warnings
