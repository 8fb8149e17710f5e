"""Running headers and footers are found at ingest and never shown as passages or snippets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import IndexStore, SearchRequest, search
from index.records import Passage
from ingest import run_ingest
from ingest.parsers.pdf import PdfParser
from ingest.running_lines import running_lines, strip_running_lines
from tests.helpers import copy_sample_corpus

HEADER = "Improving policy instruments supporting innovative SME performance"
FOOTER = "Illustrative sample document – not an official UpGradeSME record"


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
