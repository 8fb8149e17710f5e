"""Word parser, on documents made with python-docx in tmp_path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest

from ingest.parsers import ParseError, parse_file

PARA = "The regional action plan supports SME internationalisation with vouchers. " * 4


def _make(path: Path) -> Path:
    document = docx.Document()
    props = document.core_properties
    props.title = "Regional Action Plan Sud-Muntenia"
    props.author = "ADR Sud-Muntenia"
    props.subject = "Action plan for SME internationalisation"
    props.keywords = "export; SME, internationalisation"
    props.created = dt.datetime(2019, 6, 28, 10, 0)
    document.add_paragraph("Preface text before any heading. " * 8)
    document.add_heading("Part 1: Context", level=1)
    document.add_paragraph(PARA)
    document.add_heading("Indicators", level=2)
    table = document.add_table(rows=2, cols=3)
    for col, value in enumerate(("Indicator", "Baseline", "Target")):
        table.cell(0, col).text = value
    for col, value in enumerate(("Exporting SMEs", "120", "180")):
        table.cell(1, col).text = value
    document.add_paragraph(PARA)
    document.add_heading("A level-4 heading is text", level=4)
    document.add_paragraph(PARA)
    document.save(path)
    return path


def test_docx_metadata(tmp_path: Path) -> None:
    parsed = parse_file(_make(tmp_path / "plan.docx"))
    assert parsed.media_type.endswith("wordprocessingml.document")
    assert parsed.metadata == {
        "title": "Regional Action Plan Sud-Muntenia",
        "author": "ADR Sud-Muntenia",
        "summary": "Action plan for SME internationalisation",
        "keywords": ["export", "SME", "internationalisation"],
        "date": "2019-06-28",
    }


@pytest.mark.parametrize("written, date", [("2018-04", "2018-04"), ("2018", "2018"),
                                            ("2018-04-16T09:00:00Z", "2018-04-16")])
def test_docx_created_date_keeps_its_precision(tmp_path: Path, written: str, date: str) -> None:
    path = _make(tmp_path / "plan.docx")
    document = docx.Document(str(path))
    document.core_properties._element.created.text = written  # W3CDTF allows "2018-04"
    document.save(path)
    assert parse_file(path).metadata["date"] == date  # not "2018-04-01"


def test_docx_template_date_is_not_the_documents(tmp_path: Path) -> None:
    document = docx.Document()  # python-docx's template says created 2013-12-23
    document.add_paragraph(PARA)
    document.save(tmp_path / "new.docx")
    assert "date" not in parse_file(tmp_path / "new.docx").metadata


def test_docx_sections_and_tables(tmp_path: Path) -> None:
    passages = parse_file(_make(tmp_path / "plan.docx")).passages
    assert [p.heading for p in passages] == [None, "Part 1: Context", "Indicators"]
    indicators = passages[2].text
    assert "Indicator | Baseline | Target\nExporting SMEs | 120 | 180" in indicators
    assert "A level-4 heading is text" in indicators
    assert [p.ordinal for p in passages] == [0, 1, 2]


def test_docx_short_section_keeps_its_heading(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Patterns across the practices", level=1)
    document.add_heading("Speed over perfection", level=2)
    document.add_paragraph(PARA)
    document.add_heading("Follow-up decides the result", level=2)
    document.add_paragraph("Contacts turned into orders only where someone followed up.")
    document.add_heading("Questions from participants", level=2)
    document.add_paragraph(PARA)
    path = tmp_path / "event.docx"
    document.save(path)
    passages = parse_file(path).passages
    assert [p.heading for p in passages] == [
        "Speed over perfection", "Follow-up decides the result", "Questions from participants"]
    assert passages[1].text == "Contacts turned into orders only where someone followed up."
    assert "followed up" not in passages[2].text


def test_docx_title_from_heading_when_no_property(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = ""
    document.add_heading("Good practice: export vouchers", level=1)
    document.add_paragraph(PARA)
    path = tmp_path / "gp.docx"
    document.save(path)
    parsed = parse_file(path)
    assert parsed.metadata["title"] == "Good practice: export vouchers"
    assert "author" not in parsed.metadata  # python-docx's template author is junk


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 truncated zip", b"PK\x03\x04" + bytes(100)], ids=["garbage", "zeros"]
)
def test_broken_docx(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(data)
    with pytest.raises(ParseError, match="^broken Word file: "):
        parse_file(path)


def test_docx_missing_document_part(tmp_path: Path) -> None:
    import zipfile

    good = _make(tmp_path / "good.docx")
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]  # cut the XML in half
            target.writestr(item, data)
    with pytest.raises(ParseError, match="^broken Word file: "):
        parse_file(bad)
