"""ingest.filetypes.detect_media_type: content first, name second."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from ingest.filetypes import (
    DOCX,
    HTML,
    IMAGE_TYPES,
    MARKDOWN,
    PDF,
    PLAIN,
    SUPPORTED_MEDIA_TYPES,
    detect_media_type,
)
from ingest.parsers import PARSERS, ParsedFile, ParseError, get_parser, parse_file
from ingest.parsers import _registry as parser_registry


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_supported_types() -> None:
    assert set(SUPPORTED_MEDIA_TYPES) == {PDF, DOCX, HTML, MARKDOWN, PLAIN, *IMAGE_TYPES}


def test_every_detected_type_has_the_parser_that_declares_it() -> None:
    declared = {media_type for parser in PARSERS for media_type in parser.media_types}
    assert declared == set(SUPPORTED_MEDIA_TYPES)
    for media_type in SUPPORTED_MEDIA_TYPES:
        assert media_type in get_parser(media_type).media_types
    with pytest.raises(KeyError):
        get_parser("application/zip")


def test_a_media_type_declared_by_two_parsers_is_refused() -> None:
    class OtherPdf:
        media_types = (PDF,)

        def parse(self, path: Path, **_: object) -> ParsedFile:
            raise NotImplementedError

    with pytest.raises(ValueError, match="pdf is declared by both PdfParser and OtherPdf"):
        parser_registry((*PARSERS, OtherPdf()))


def test_real_pdfs_are_pdfs(testdata: Path) -> None:
    for path in sorted((testdata / "pdfs").glob("*.pdf")):
        assert detect_media_type(path) == PDF, path.name


def test_html_prefixed_interreg_pdf_is_pdf(testdata: Path) -> None:
    path = testdata / "pdfs" / "interreg__HIV_AIDS_RO.pdf"
    assert path.read_bytes()[:15].lower().startswith(b"<!doctype html")
    assert detect_media_type(path) == PDF


def test_html_prefixed_pdf_needs_pdf_name_beyond_first_kib(tmp_path: Path) -> None:
    data = b"<!DOCTYPE html><html>" + b" " * 2000 + b"</html>%PDF-1.5\n"
    assert detect_media_type(_write(tmp_path / "x.pdf", data)) == PDF
    assert detect_media_type(_write(tmp_path / "x.html", data)) == HTML
    assert detect_media_type(_write(tmp_path / "y.bin", b"junk\n%PDF-1.4\n")) == PDF


def test_readability_pages_are_html(testdata: Path) -> None:
    for path in sorted((testdata / "html" / "readability").glob("*/source.html")):
        assert detect_media_type(path) == HTML, path


def test_executable_renamed_pdf_is_not_pdf(tmp_path: Path) -> None:
    path = _write(tmp_path / "invoice.pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(200))
    assert detect_media_type(path) is None
    with pytest.raises(ParseError, match=r"^unsupported file type: \.pdf \(ELF executable\)$"):
        parse_file(path)


def test_html_sniffing(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    assert detect_media_type(_write(tmp_path / "a", bom + b"  \n<!DOCTYPE HTML><p>x")) == HTML
    assert detect_media_type(_write(tmp_path / "b.txt", b"<?xml version='1.0'?>\n<html>")) == HTML
    assert detect_media_type(_write(tmp_path / "c", b"<!-- c -->\n<body>hi</body>")) == HTML
    # A Markdown file that merely mentions <html> later stays Markdown.
    assert detect_media_type(_write(tmp_path / "d.md", b"# Doc\n\nUse `<html>` here\n")) == MARKDOWN
    assert detect_media_type(_write(tmp_path / "e.htm", b"<p>fragment</p>")) == HTML


def test_text_by_name(tmp_path: Path) -> None:
    assert detect_media_type(_write(tmp_path / "a.md", b"# T")) == MARKDOWN
    assert detect_media_type(_write(tmp_path / "a.markdown", b"# T")) == MARKDOWN
    assert detect_media_type(_write(tmp_path / "a.txt", b"hello")) == PLAIN
    assert detect_media_type(_write(tmp_path / "a.csv", b"a,b")) is None
    assert detect_media_type(_write(tmp_path / "noext", b"hello")) is None


def test_docx_and_other_zips(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("hello")
    document.save(tmp_path / "renamed.bin")
    assert detect_media_type(tmp_path / "renamed.bin") == DOCX
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("x.txt", "x")
    assert detect_media_type(tmp_path / "other.zip") is None
    broken = _write(tmp_path / "broken.docx", b"PK\x03\x04 not really a zip")
    assert detect_media_type(broken) == DOCX  # so the Word parser can say "broken Word file"


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.pdf", b"")
    assert detect_media_type(path) is None
    with pytest.raises(ParseError, match="^empty file$"):
        parse_file(path)


def test_unknown_binary(tmp_path: Path) -> None:
    path = _write(tmp_path / "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(100))
    with pytest.raises(ParseError, match=r"^unsupported file type: \.jpg \(JPEG image\)$"):
        parse_file(path)
