"""Running headers and footers are found at ingest and never shown as passages or snippets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdf
import pytest

from index import IndexStore, SearchRequest, get_document, search
from index.records import Passage
from ingest import run_ingest
from ingest.parsers import ParseError, parse_file
from ingest.parsers.pdf import PdfParser
from ingest.running_lines import running_lines, strip_cover_banner, strip_running_lines
from tests.helpers import copy_sample_corpus

HEADER = "Improving policy instruments supporting innovative SME performance"
FOOTER = "Illustrative sample document – not an official UpGradeSME record"
#: The sample PDFs' cover banner: on page 1 of every report, above its title, and nowhere else.
BANNER = ["Interreg Europe · European Regional Development Fund", "UpGradeSME",
          f"UpGradeSME – {HEADER}"]


def _pages(n: int) -> list[Passage]:
    return [
        Passage(i, f"{HEADER}\nChapter {i}: body text about export vouchers on page {i + 1}.\n"
                   f"{HEADER} is the project's full title, quoted here in the text.\n"
                   f"\n{FOOTER} Page {i + 1} / {n}", page=i + 1)
        for i in range(n)
    ]


def test_lines_at_the_edges_of_most_pages_are_taken_out() -> None:
    pages = _pages(5)
    pages[0] = Passage(0, "Title page\nA report", page=1)
    out = strip_running_lines(pages)
    assert [p.page for p in out] == [1, 2, 3, 4, 5]
    for p in out[1:]:
        first, *_, last = [line for line in p.text.splitlines() if line.strip()]
        assert first.startswith("Chapter") and "Page" not in last, p.text
        # the same words inside the body text stay
        assert f"{HEADER} is the project's full title" in p.text
    assert out[0].text == "Title page\nA report"


def test_short_documents_and_non_page_passages_are_left_alone() -> None:
    assert strip_running_lines(_pages(2)) == _pages(2)
    sections = [Passage(i, f"{HEADER}\nSection {i}", heading=f"S{i}") for i in range(5)]
    assert strip_running_lines(sections) == sections
    assert running_lines(["a\nb", "c\nd", "e\nf"]) == set()


def test_a_page_made_only_of_running_lines_is_dropped() -> None:
    pages = _pages(4) + [Passage(4, f"{HEADER}\n\n{FOOTER} Page 5 / 5", page=5)]
    assert [p.page for p in strip_running_lines(pages)] == [1, 2, 3, 4]


def _cover(lines: list[str], pages: int = 4) -> list[Passage]:
    return [Passage(0, "\n".join(lines), page=1)] + [
        Passage(i, f"Body text of page {i + 1}.", page=i + 1) for i in range(1, pages)]


def test_the_lines_above_the_title_on_the_cover_are_taken_out() -> None:
    title = "Regional Action Plan for Friesland: taking Groen Werkt! abroad"
    cover = [*BANNER, "Regional Action Plan for Friesland:", "taking Groen Werkt! abroad",
             "", "Version 2, 2019", f"{HEADER} is quoted in the body."]
    out = strip_cover_banner(_cover(cover), title)
    assert out[0].text.splitlines()[:2] == cover[3:5]
    assert out[0].text.endswith(f"{HEADER} is quoted in the body.")
    assert [p.text for p in out[1:]] == [p.text for p in _cover(cover)[1:]]
    # a title that opens the page (or a title found in the text) has nothing above it
    assert strip_cover_banner(_cover(cover[3:]), title) == _cover(cover[3:])


def test_a_cover_is_left_alone_when_the_title_does_not_open_it() -> None:
    cover = [*BANNER, "Contents", "1. Introduction", "Regional Action Plan for Friesland"]
    for passages, title in [
        (_cover(cover), "Regional Action Plan for Friesland"),  # too deep: content
        (_cover(cover), None),
        (_cover(cover), "Friesland"),  # one word: too weak a sign
        (_cover(BANNER + ["Regional Action Plan"], pages=2), "Regional Action Plan"),  # short
        # the line above reads on into the title: its first line, not a banner
        (_cover(["Einführung in die", "Geometrie und Topologie", "text"]),
         "Geometrie und Topologie"),
        (_cover(["Interreg Europe –", "Regional Action Plan", "text"]), "Regional Action Plan"),
        (_cover(BANNER + ["Regional Plan", "text"]), "Regional Plan"),  # two words: too weak
        # the title only as the start of a longer word: body text, not the title
        (_cover(["Executive summary", "The Region of Lapland adopted this plan in 2020.",
                 "Regional action plans were reviewed by the partners.", "text"]),
         "Regional action plan"),
        # the whole title, but a sentence or a long line above it: body text, not a banner
        (_cover(["Executive summary", "The Region of Lapland adopted this plan in 2020.",
                 "Regional action plan for Lapland", "text"]), "Regional action plan"),
        (_cover(["Executive summary", "word " * 30, "Regional action plan for Lapland",
                 "text"]), "Regional action plan"),
    ]:
        assert strip_cover_banner(passages, title) == passages, (passages[0].text, title)


def test_no_testdata_pdf_loses_lines_to_the_cover_banner(testdata: Path) -> None:
    """Third-party PDFs with a title in their metadata: nothing above it is a banner."""
    titled = 0
    for path in sorted((testdata / "pdfs").glob("*.pdf")):
        try:
            parsed = PdfParser().parse(path)
        except ParseError:
            continue  # broken, encrypted or image-only files: tests/test_parsers_pdf.py
        title = parsed.metadata.get("title")
        titled += bool(title)
        assert strip_cover_banner(parsed.passages, title) == parsed.passages, path.name
    assert titled >= 3


@pytest.fixture(scope="module")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = copy_sample_corpus(tmp_path_factory.mktemp("sample"))
    root = tmp_path_factory.mktemp("pdfs") / "corpus"
    for folder in ("policy-analyses", "reports"):
        shutil.copytree(corpus / folder, root / folder)
    return root


def test_sample_pdfs_lose_their_running_lines(sample_pdfs: Path) -> None:
    path = sample_pdfs / "policy-analyses" / "upgradesme-policy-analysis-bdf-groen-werkt.pdf"
    parsed = PdfParser().parse(path)
    assert len(parsed.passages) == 4
    for p in parsed.passages:
        assert "not an official UpGradeSME record Page" not in p.text, p.text
        assert not p.text.startswith("UpGradeSME · Interreg Europe"), p.text


def test_running_headers_never_appear_as_snippets(sample_pdfs: Path, tmp_path: Path) -> None:
    report = run_ingest(sample_pdfs, tmp_path / "index", workers=1)
    assert not report.failed
    store = IndexStore(tmp_path / "index")
    for query in ("illustrative sample document official record",
                  "improving policy instruments supporting innovative SME performance",
                  "UpGradeSME Interreg Europe policy analysis"):
        result = search(store, SearchRequest(query=query, page_size=20, passages=3))
        assert result.hits
        for hit in result.hits:
            for p in hit.passages:
                assert "official UpGradeSME record Page" not in p.snippet.replace(
                    "<mark>", "").replace("</mark>", ""), (query, hit.id, p.snippet)
                assert not p.snippet.startswith("UpGradeSME · Interreg"), p.snippet
                if p.page == 1:  # the cover's banner; later pages quote the name in the text
                    assert "European Regional Development Fund" not in p.snippet, p.snippet
                    assert "Improving policy instruments supporting" not in " ".join(
                        p.snippet.replace("<mark>", "").replace("</mark>", "").split()), (
                        query, hit.id, p.snippet)


def test_the_cover_banner_of_a_sample_pdf_is_not_indexed(sample_pdfs: Path,
                                                          tmp_path: Path) -> None:
    """The Hungarian policy analysis: its page 1 began with the project's full name."""
    name = "upgradesme-szakpolitikai-elemzes-ngm.pdf"
    corpus = tmp_path / "corpus"
    (corpus / "policy-analyses").mkdir(parents=True)
    shutil.copy(sample_pdfs / "policy-analyses" / name, corpus / "policy-analyses" / name)
    assert not run_ingest(corpus, tmp_path / "index", workers=1).failed
    store = IndexStore(tmp_path / "index")
    result = search(store, SearchRequest(
        query="UpGradeSME improving policy instruments innovative SME", passages=5))
    [hit] = result.hits
    for p in hit.passages:
        assert "Regional Development Fund" not in p.snippet, p.snippet
    # page 1 (the cover, a notice: shown only when nothing else matches) opens with the title
    view = get_document(store, hit.id)
    assert view is not None
    page1 = [p for p in view.document.passages if p.page == 1]
    assert page1 and page1[0].text.startswith("Szakpolitikai eszköz elemzése"), page1


def test_a_sample_pdf_without_a_title_takes_its_covers(sample_pdfs: Path, tmp_path: Path) -> None:
    """The COVID-19 report with the title taken out of its metadata, and no catalog: its title
    is the one its cover sets in its largest type (not the banner's first line, "Interreg
    Europe · ..."), inferred, and the banner above it leaves page 1."""
    name = "upgradesme-covid19-joint-report-sme-export.pdf"
    reader = pypdf.PdfReader(sample_pdfs / "reports" / name)
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.metadata = None
    writer.add_metadata({"/Producer": "test"})
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(corpus / "report.pdf", "wb") as fh:
        writer.write(fh)
    assert "title" not in parse_file(corpus / "report.pdf").metadata
    assert not run_ingest(corpus, tmp_path / "index", workers=1).failed
    store = IndexStore(tmp_path / "index")
    view = get_document(store, "report-pdf")
    assert view is not None
    doc = view.document
    assert doc.title == ("SME Export in the Era of COVID-19: Joint Report of the UpGradeSME "
                         "Partnership")
    assert doc.sources["title"] == "inferred"
    assert doc.passages[0].text.startswith("SME Export in the Era of COVID-19:"), doc.passages[0]
