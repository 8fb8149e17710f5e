"""Image files (PNG, JPEG, TIFF): each frame is a page, read by OCR.

Standalone images are documents when OCR is on: a scanner's TIFF (often several pages, often
a CCITT fax image), a photographed letter as JPEG, a screenshot as PNG. An image in which OCR
finds no text (a photo, a logo) fails with "image without text (OCR found none)". With OCR off
(``KB_OCR=0``) or Tesseract missing, images are skipped as unsupported, as before OCR existed.

Frames are turned upright by their EXIF orientation, laid on white when transparent, read in
grey, and scaled down when larger than ``ingest.ocr.MAX_PIXELS``; Pillow's decompression-bomb
guard refuses images over twice that.
"""

from __future__ import annotations

import math
from pathlib import Path

from ingest.filetypes import IMAGE_TYPES, describe_content
from ingest.ocr import MAX_PIXELS, OcrSettings, OcrUnavailable, ocr_passages, ocr_status
from ingest.parsers.base import ParsedFile, ParseError

__all__ = ["MAX_FRAMES", "ImageParser"]

#: Frames read from one file at most (a TIFF may hold thousands).
MAX_FRAMES = 500


class ImageParser:
    """PNG, JPEG and TIFF images, read by OCR; see the module docstring."""

    media_types: tuple[str, ...] = IMAGE_TYPES

    def parse(
        self, path: Path, *, password: str | None = None, ocr: OcrSettings | None = None
    ) -> ParsedFile:
        from PIL import Image, UnidentifiedImageError

        path = Path(path)
        if ocr is None or not ocr.enabled or ocr_status() is not None:
            raise ParseError(_unsupported(path))
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            image = Image.open(path)
            total = int(getattr(image, "n_frames", 1))  # multi-page TIFF: several
            frames = min(total, MAX_FRAMES)
        except Image.DecompressionBombError:
            raise ParseError("image too large to read") from None
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise ParseError(f"broken image: {exc}"[:200]) from None
        warnings: list[str] = []
        if total > MAX_FRAMES:
            warnings.append(f"only the first {MAX_FRAMES} of {total} images read")
        try:
            passages, summary, ocr_warnings = ocr_passages(
                path, list(range(1, frames + 1)), lambda number: _frame(image, number), ocr)
        except OcrUnavailable as exc:
            raise ParseError(_unsupported(path)) from exc
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ParseError(f"broken image: {exc}"[:200]) from None
        finally:
            image.close()
        warnings.extend(ocr_warnings)
        if not passages and not summary.planned:
            if summary.unread:
                raise ParseError("OCR did not finish within the time limit")
            raise ParseError("image without text (OCR found none)")
        return ParsedFile(media_type=Image.MIME.get(image.format or "", IMAGE_TYPES[0]),
                          passages=passages, page_count=frames, warnings=warnings, ocr=summary)


def _frame(image, number: int):  # type: ignore[no-untyped-def]
    """Frame ``number`` (1-based) upright, on white, in grey, at most MAX_PIXELS."""
    from PIL import Image, ImageOps

    image.seek(number - 1)
    frame = ImageOps.exif_transpose(image)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba)
    frame = frame.convert("L")
    if frame.width * frame.height > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / (frame.width * frame.height))
        frame = frame.resize((int(frame.width * scale), int(frame.height * scale)))
    return frame


def _unsupported(path: Path) -> str:
    with path.open("rb") as handle:
        magic = describe_content(handle.read(16))
    kind = path.suffix.lower() or "no extension"
    return f"unsupported file type: {kind} ({magic})" if magic else f"unsupported file type: {kind}"
