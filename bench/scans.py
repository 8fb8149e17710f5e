"""Scanned pages of known text, for OCR accuracy tests and the OCR benchmark.

- ``text_page(text, dpi)``: the words of ``text`` set on an A4 page with a common font
  (Liberation Serif, else DejaVu Serif: Debian's fonts-liberation / fonts-dejavu-core),
  returned with the words that fitted (the expected text).
- ``scanned(image, rotate, noise, seed)``: the same page as a poor scan: turned by a slight
  angle, speckled with salt-and-pepper noise and slightly blurred.
- ``image_pdf(images, path, dpi)``: a PDF whose pages are only those images (no text layer).
- ``udhr_text(lang)`` / ``crazyones``: the known texts of ../shared/testdata.
- ``word_recall(expected, got)``: share of expected words (lower case, with their counts)
  found in the OCR text.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_INCHES = (8.27, 11.69)
FONTS = (
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
#: UDHR codes of the partner languages (Portuguese: the European text).
UDHR_LANGS = {"en": "en", "de": "de", "nl": "nl", "hu": "hu", "ro": "ro", "pt": "pt-PT",
              "es": "es"}
_WORD = re.compile(r"\w+")


def font_path() -> Path | None:
    return next((Path(p) for p in FONTS if Path(p).is_file()), None)


def text_page(text: str, dpi: int = 300, *, points: float = 11.0,
              max_words: int | None = None) -> tuple[Image.Image, str]:
    """``text`` set on a white A4 page at ``dpi``; (grey image, the words that fitted)."""
    path = font_path()
    if path is None:
        raise FileNotFoundError("no TrueType font found (apt-get install fonts-dejavu-core)")
    width, height = int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(path), round(points * dpi / 72))
    margin, line_height = int(dpi * 0.9), round(points * dpi / 72 * 1.4)
    words = text.split()[:max_words]
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width - 2 * margin:
            line = candidate
            continue
        lines.append(line)
        line = word
        if margin + (len(lines) + 1) * line_height > height - margin:
            line = ""
            break
    if line:
        lines.append(line)
    for number, row in enumerate(lines):
        draw.text((margin, margin + number * line_height), row, font=font, fill=0)
    return image, " ".join(lines)


def scanned(image: Image.Image, *, rotate: float = 1.5, noise: float = 0.02,
            seed: int = 0) -> Image.Image:
    """A poor scan of ``image``: turned by ``rotate`` degrees, ``noise`` of the pixels flipped
    to black or white, then a slight blur (as a scanner's optics)."""
    rng = random.Random(seed)
    out = image.rotate(rotate, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    pixels = out.load()
    w, h = out.size
    for _ in range(int(w * h * noise)):
        pixels[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 255))
    return out.filter(ImageFilter.GaussianBlur(0.6))


def image_pdf(images: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    """Write a PDF whose pages are ``images`` (at ``dpi``), without any text layer; grey
    pages are stored as JPEG (quality 85), as scanners store them."""
    first, *rest = [image.convert("L") for image in images]
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=dpi, quality=85)
    return path


def udhr_text(testdata: Path, lang: str) -> str:
    """The UDHR's articles 1-30 in a partner language (ISO 639-1), in order."""
    code = UDHR_LANGS[lang]
    rows = []
    with (testdata / "multilingual" / "udhr" / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["lang"] == code and row["article"] >= 1:
                rows.append(row)
    rows.sort(key=lambda r: r["article"])
    return " ".join(r["text"] for r in rows)


def crazyones(testdata: Path) -> tuple[Path, str]:
    """The crazyones PDF and the text pypdf's tests expect of it."""
    pdfs = testdata / "pdfs"
    expected = (pdfs / "pypdf__crazyones.expected.txt").read_text(encoding="utf-8")
    return pdfs / "pypdf__crazyones.pdf", expected


def words(text: str) -> list[str]:
    """Lower-case words, normalised as ingest normalises text (NFKC, ligatures, ş -> ș)."""
    from ingest.text import normalize_text

    return _WORD.findall(normalize_text(text).lower())


def word_recall(expected: str, got: str) -> float:
    want, have = Counter(words(expected)), Counter(words(got))
    total = sum(want.values())
    return sum(min(n, have[w]) for w, n in want.items()) / total if total else 1.0
