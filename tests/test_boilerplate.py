"""A document's table of contents and its cover's notice are marked at ingest, shown as a
snippet only when nothing else of the document matches, and kept out of its leading passages'
vectors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index import IndexStore, SearchRequest, search
from index import semantic as sem
from index.records import Document, Passage
from ingest.boilerplate import (
    CONTENTS,
    NOTICE,
    NOTICE_PHRASES,
    _entry,
    is_contents,
    is_notice,
    mark_boilerplate,
)
from ingest.parsers import ParseError, parse_file
from ingest.parsers.pdf import PdfParser
from ingest.pipeline import is_document_path
from tests.helpers import REPO, build_index
from tests.references import old_entry

pytestmark = pytest.mark.engines

CONTENTS_PAGE = """Contents
Executive summary 4
1. Background and purpose 6
1.1 The project before the pandemic 6
1.2 The COVID-19 extension . . . . . . . . . . 6
2. Method 7
Annex B – Interview guide for managing authorities and
intermediate bodies 18"""


def _kinds(passages: list[Passage]) -> list[str | None]:
    return [p.boilerplate for p in mark_boilerplate(passages)]


def _pages(*texts: str) -> list[Passage]:
    return [Passage(i, t, page=i + 1) for i, t in enumerate(texts)]


BODY = ("Export vouchers pay for consultants who prepare a first export plan. " * 30).strip()


def test_a_table_of_contents_is_marked() -> None:
    assert is_contents(CONTENTS_PAGE, last_page=20)
    # dot leaders, a heading in another language, roman page numbers' neighbours
    assert is_contents("Inhaltsverzeichnis\n1 Topologische Grundbegriffe 2\n"
                       "1.1 Topologische Räume . . . . . . . 2\n1.2 Metrische Räume ....... 6\n"
                       "Übungsaufgaben . . . . . 22\n2 Mannigfaltigkeiten 24")
    assert _kinds(_pages("Title", CONTENTS_PAGE, BODY, BODY)) == [None, CONTENTS, None, None]


def test_tables_and_indexes_are_not_contents() -> None:
    for text in [
        # a table of figures: rows end in numbers, not in order
        "Region exports\nGermany 12\nFrance 31\nHungary 9\nRomania 17\nSpain 4",
        # rows ending in years, with cell separators
        "Topic | Where | When\nPolicy dialogue | Budapest | 19 October 2017\n"
        "Peer review | Leeuwarden | April 2018\nStudy visit | San Sebastián | October 2018",
        # values after a year: the title ends in a number
        "Exports by year\nExports 2019 12\nExports 2020 14\nExports 2021 19\nImports 2022 21",
        # an index at the back of a book: sorted by word, its pages are not
        "Index\nAbbildung, 34\nBall 12\nHomotopie 44\nKnoten 17\nTorus 3\nWeg 9",
        # sentences that end in a number
        "The budget grew to\n12\nThe first call opened in spring and\nreceived 45",
    ]:
        assert not is_contents(text), text
    # page numbers past the document's last page: a table of counts, not contents
    assert not is_contents("Interviews\nSMEs 40\nAgencies 60\nBanks 133", last_page=20)
    assert is_contents("Contents\nSMEs 4\nAgencies 6\nBanks 13", last_page=20)


@pytest.mark.parametrize("lang", sorted(NOTICE_PHRASES))
def test_a_short_notice_at_the_front_is_marked_in_every_language(lang: str) -> None:
    for phrase in NOTICE_PHRASES[lang]:
        cover = f"Annual report 2021\nPrepared by the agency\n{phrase.capitalize()}."
        assert is_notice(cover), (lang, phrase)
        assert _kinds(_pages(cover, BODY, BODY, BODY, BODY))[0] == NOTICE, (lang, phrase)


def test_notices_in_running_text_or_mid_document_are_content() -> None:
    footnote = f"{BODY}\nThe views expressed do not necessarily reflect those of the funders."
    assert not is_notice(footnote)  # a long page that ends with one: content
    short = "All rights reserved. Reproduction of the figures needs permission."
    # the same short notice in the middle of a long document is not at its front or back
    assert _kinds(_pages(BODY, BODY, BODY, BODY, short, BODY, BODY)) == [None] * 7
    assert _kinds(_pages(short, BODY))[0] == NOTICE
    assert _kinds([Passage(0, short)]) == [None]  # one passage: all of it is content
    # accents of any language are folded: "Não é um documento oficial"
    assert is_notice("Documento ilustrativo.\nNão é um documento oficial do projeto.")


def test_the_sample_reports_cover_and_contents_are_marked() -> None:
    """The COVID-19 report: page 1 is the cover with its disclaimer, pages 2-3 the contents."""
    path = REPO / "corpus" / "reports" / "upgradesme-covid19-joint-report-sme-export.pdf"
    passages = PdfParser().parse(path).passages
    kinds = _kinds(passages)
    assert kinds[:3] == [NOTICE, CONTENTS, CONTENTS]
    assert set(kinds[3:]) == {None}, kinds


def test_a_real_pdf_with_a_table_of_contents(testdata: Path) -> None:
    """GeoTopo (117 pages of lecture notes): its contents on page 4 and nothing else; its
    index of terms at the back (sorted by word) stays content."""
    passages = PdfParser().parse(testdata / "pdfs" / "sf__GeoTopo-komprimiert.pdf").passages
    marked = [(p.page, p.boilerplate) for p in mark_boilerplate(passages) if p.boilerplate]
    assert marked == [(4, CONTENTS)]
    assert any("Stichwortverzeichnis" in p.text for p in passages[-8:])


def test_no_other_testdata_pdf_has_boilerplate(testdata: Path) -> None:
    for path in sorted((testdata / "pdfs").glob("*.pdf")):
        if path.name == "sf__GeoTopo-komprimiert.pdf":
            continue
        try:
            passages = PdfParser().parse(path).passages
        except ParseError:
            continue
        assert not any(p.boilerplate for p in mark_boilerplate(passages)), path.name


# -- what search shows, on every engine --------------------------------------------------------
COVER = "Export vouchers: a report\nPrepared by the agency\nAll rights reserved."
TOC = "Contents\n1. Export vouchers 3\n2. Talent attraction 4\n3. Trade fairs 5"


def _report(doc_id: str, *texts: str) -> Document:
    passages = mark_boilerplate(_pages(*texts))
    return Document(id=doc_id, source_path=f"{doc_id}.pdf", sha256="0" * 64,
                    title="A report", passages=passages, page_count=len(passages),
                    language="en", date="2020-01-01")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    docs = [
        _report("vouchers", COVER, TOC, "Export vouchers pay for consultants.",
                "Talent attraction keeps graduates in the region."),
        # "trade fairs" is only in its contents
        _report("fairs", COVER, TOC, "Graduates stay in the region.", "Consultants help."),
    ]
    assert [p.boilerplate for p in docs[0].passages] == [NOTICE, CONTENTS, None, None]
    return build_index(tmp_path_factory.mktemp("boilerplate"), docs)


def _shown(store: IndexStore, query: str) -> dict[str, list[int]]:
    result = search(store, SearchRequest(query=query, passages=3))
    return {hit.id: [p.ordinal for p in hit.passages] for hit in result.hits}


def test_boilerplate_is_shown_only_when_nothing_else_matches(store: IndexStore) -> None:
    # the cover, the contents and page 3 match "export vouchers": page 3 alone is shown
    assert _shown(store, "export vouchers")["vouchers"] == [2]
    assert _shown(store, "talent attraction")["vouchers"] == [3]
    # only the contents says "trade fairs": it is shown (the best of the boilerplate)
    assert _shown(store, "trade fairs") == {"vouchers": [1], "fairs": [1]}


def test_a_document_opens_past_its_cover_and_contents(store: IndexStore) -> None:
    result = search(store, SearchRequest(query="", passages=1))
    assert {hit.id: [p.ordinal for p in hit.passages] for hit in result.hits} == {
        "vouchers": [2], "fairs": [2]}


def test_the_semantic_layer_embeds_boilerplate_as_any_passage(store: IndexStore) -> None:
    """Leaving tables of contents and notices out of the vectors was measured and lost
    (bench/README.md, "Boilerplate passages"): they vote as any passage."""
    texts = {d["id"]: d for d in store.document_texts(passages=sem.document_passages())}
    doc = texts["vouchers"]
    cover, toc, page3, page4 = doc["passages"]
    assert (cover, toc) == (COVER, TOC)  # marked: a notice and contents (the fixture)
    lead, later = [cover, toc, page3], [page4]
    assert sem.vector_passages(doc) == (lead, later)
    assert [t.split("\n", 1)[1] for t in sem.embedded_texts(doc)[1:]] == lead
    assert [t.split("\n", 1)[1] for t in sem.passage_list_texts(doc)] == later


# -- contents entries: one pass, as the regular expression before ------------------------------
# (the regular expression before: tests.references.old_entry)
def test_contents_entries_are_found_as_the_regular_expression_found_them() -> None:
    """Every line of the sample corpus's documents, and short lines of the characters that
    matter (letters, digits of two scripts, spaces, dots, ellipses, a tab, a bar, "²")."""
    documents = [path for path in sorted((REPO / "corpus").glob("*/*.*"))
                 if is_document_path(path.relative_to(REPO / "corpus").as_posix())]
    assert len(documents) == 50
    lines = {line.strip() for path in documents
             for p in parse_file(path).passages for line in p.text.splitlines()}
    assert len(lines) > 3000
    rng = random.Random(2)
    lines.update("".join(rng.choice("aZ1٣ .…\t|_²") for _ in range(rng.randint(0, 10)))
                 for _ in range(100_000))
    found = 0
    for line in lines:
        assert _entry(line) == old_entry(line), line
        found += _entry(line) is not None
    assert found > 1000


def test_long_leaders_and_lines_end_as_before() -> None:
    """Lines on which the regular expression took seconds: the same answer."""
    assert _entry("Total" + "." * 4000 + "n/a") is None
    assert _entry("Chapter" + " ." * 4000 + " x") is None
    assert _entry("Chapter" + " ." * 4000 + " 12") == ("Chapter", 12)
    assert _entry("Chapter" + " ." * 4000 + " ." + "…" + " 12") == (
        "Chapter" + " ." * 4000 + " .", 12)
    assert _entry("1" * 5000) is None and _entry("a " * 5000 + "1234") is None
    text = "Contents\n" + "\n".join(f"Part {c} " + ". " * 2000 + str(i)
                                     for i, c in enumerate("ABCDEFGH"))
    assert is_contents(text, last_page=20)
    passages = [Passage(i, f"Paragraph {i} of a long text without pages.") for i in range(20_000)]
    assert mark_boilerplate(passages) == passages
