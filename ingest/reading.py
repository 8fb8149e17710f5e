"""One file into a Document: parse it by its type, join the words its lines split
(``ingest.line_breaks``: a PDF's narrow table cells) and the pages that hold only the end of
the page before's last sentence (``ingest.page_tails``), mark its table of contents and
notices (``ingest.boilerplate``), and merge its metadata.

The worker side of both an ingest (``ingest.pipeline.parse_job``) and the admin's upload
preview (``ingest.preview``): what a file becomes is decided here only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from index import Document
from ingest.boilerplate import mark_boilerplate
from ingest.catalog import Taxonomy
from ingest.line_breaks import join_split_words
from ingest.metadata import build_document
from ingest.ocr import OcrSettings
from ingest.page_tails import join_page_tails
from ingest.running_lines import strip_cover_banner
from ingest.text import repair_surrogates
from ingest.workers import JobFailed

#: The version of what a file becomes here. It is part of every file's fingerprint
#: (``ingest.pipeline``), so bump it when a change to the parsers or the repairs makes an
#: unchanged file read differently: the next ``kb ingest`` reads every file again, as if it
#: had changed (no ``--rebuild`` needed; texts that did not change keep their vectors).
#: 1: ranges of years split at a line end joined, page tails joined (indexes built before
#: have no version and are read again once). 2: tables of contents and notices marked
#: (ingest.boilerplate). 3: a PDF without a catalog or metadata title takes the one its first
#: page sets in its largest type (ingest/parsers/pdf.py), and loses the cover banner above it.
#: 4: a short section with a heading and text of its own, past the title block, stays a passage
#: under its own heading (ingest/parsers/_sections.py), no longer merged into the next one.
#: 5: a three-letter code of the seven languages ("hun", "ger") is their two-letter one, and
#: another three-letter code is reported and not used (ingest.language.normalise_language).
READING_VERSION = 5

#: the reason a file whose structure is nested deeper than the parsers can walk fails with
NESTED_TOO_DEEPLY = "nested too deeply to read (elements within elements, too many levels)"


def read_document(
    path: Path,
    *,
    doc_id: str,
    source_path: str,
    sha256: str,
    size: int,
    mtime: float,
    entry: dict[str, Any],
    taxonomy: Taxonomy,
    ocr: OcrSettings,
) -> Document:
    """The Document that ``path`` makes, with catalog ``entry`` > file > inferred metadata.

    Raises JobFailed with a reason fit for a user when the file cannot be parsed or has no
    text (with ``ocr.plan_only``, pages OCR would read count as text: a preview counts them
    in ``Document.ocr["planned"]`` and reads none).
    """
    # Imported here: the parsers load the PDF, Word and image libraries, which only the
    # worker processes need (the web app imports ingest for its admin).
    from ingest.parsers import ParseError, parse_file

    try:
        parsed = parse_file(path, password=entry.get("password"), ocr=ocr)
    except ParseError as exc:
        raise JobFailed(exc.reason) from None
    except RecursionError:
        # an HTML page of 200,000 nested <div>s (a browser shows it; the parsers' tree walks
        # recurse): a reason a user can read, not "unexpected error: RecursionError: ..."
        raise JobFailed(NESTED_TOO_DEEPLY) from None
    planned = parsed.ocr.planned if parsed.ocr is not None else []
    if not parsed.passages and not planned:
        raise JobFailed("no text found")
    # The taxonomy's place names count as words of every document: a table's "German\ny"
    # is joined even where "Germany" is written nowhere else.
    passages = join_split_words(parsed.passages, names=taxonomy.place_names())
    # The cover's banner (the lines above the title on page 1): its title is the catalog's,
    # the file's or the one its first page sets in its largest type, as build_document picks
    # it (one found in the text has nothing above it).
    title = entry.get("title") or parsed.metadata.get("title") or parsed.cover_title
    passages = strip_cover_banner(passages, str(title) if title else None)
    passages = mark_boilerplate(join_page_tails(passages))
    doc = build_document(
        doc_id=doc_id,
        source_path=source_path,
        sha256=sha256,
        size=size,
        mtime=mtime,
        media_type=parsed.media_type,
        passages=passages,
        file_meta=parsed.metadata,
        entry=entry,
        taxonomy=taxonomy,
        page_count=parsed.page_count,
        warnings=parsed.warnings,
        cover_title=parsed.cover_title,
    )
    doc.ocr = parsed.ocr.to_dict() if parsed.ocr is not None else None
    return _encodable(doc)


#: The warning of a document whose text had UTF-16 surrogates (see _encodable).
SURROGATES_REPAIRED = ("text with UTF-16 surrogates: pairs read as their character, lone "
                       "ones as U+FFFD")


def _encodable(doc: Document) -> Document:
    """``doc`` with the UTF-16 surrogates left in any of its strings (title, text, metadata:
    a reader that hands out code units, a catalog's "\\ud835") made characters, with a
    warning (ingest.text.repair_surrogates). UTF-8 cannot encode a surrogate: the index
    writer raised on it, and one such file stopped the whole ingest."""
    data = json.dumps(doc.to_dict(), ensure_ascii=False)
    repaired = repair_surrogates(data)
    if repaired is data:
        return doc
    fixed = Document.from_dict(json.loads(repaired))
    fixed.warnings.append(SURROGATES_REPAIRED)
    return fixed
