"""A page that holds only the end of the sentence the page before breaks off joins that page's
passage, which keeps the page it starts on (ingest/page_tails.py)."""

from __future__ import annotations

import pytest

from index.records import Passage
from ingest import load_catalog, load_taxonomy
from ingest.ocr import OcrSettings
from ingest.page_tails import TAIL_CHARS, join_page_tails
from ingest.reading import read_document
from tests.helpers import REPO

CORPUS = REPO / "corpus"
SYNTHESIS = "reports/upgradesme-interregional-learning-synthesis-2016-2022.pdf"


def _pages(*texts: str, first: int = 1) -> list[Passage]:
    return [Passage(i, text, page=first + i) for i, text in enumerate(texts)]


def test_the_synthesis_has_no_passage_of_a_sentence_end() -> None:
    """Page 12 of the synthesis is "programming period.", the end of page 11's last sentence:
    it is no passage of its own, and the sentence is whole in page 11's passage."""
    doc = read_document(
        CORPUS / SYNTHESIS, doc_id="doc", source_path=SYNTHESIS, sha256="0" * 64, size=0,
        mtime=0.0, entry=load_catalog(CORPUS).get(SYNTHESIS, {}),
        taxonomy=load_taxonomy(CORPUS), ocr=OcrSettings(enabled=False))
    by_page = {p.page: p for p in doc.passages}
    assert 12 not in by_page and {11, 13} <= set(by_page)
    assert by_page[11].text.startswith("2. Partners and regions\n")
    assert by_page[11].text.endswith(
        "a measure that a municipality can decide in a month may take a national ministry a\n"
        "programming period.")
    assert by_page[13].text.startswith("3. The learning process")
    assert [p.text for p in doc.passages if p.text == "programming period."] == []
    # every other page keeps its own passage
    assert len(doc.passages) == len(by_page) == doc.page_count - 3  # pages 5, 6 are empty


def test_a_tail_joins_the_page_before_which_keeps_its_number() -> None:
    passages = _pages("Intro.", "may take a national ministry a", "programming period.",
                      "3. The learning process", first=10)
    joined = join_page_tails(passages)
    assert [(p.ordinal, p.page, p.text) for p in joined] == [
        (0, 10, "Intro."), (1, 11, "may take a national ministry a\nprogramming period."),
        (3, 13, "3. The learning process")]
    for tail in ('as planned (see below).', 'called "open innovation."', "a question?",
                 "twelve\nfirms in all.", "and", ):
        before = "the firms,"
        assert len(join_page_tails(_pages(before, tail))) == (1 if tail != "and" else 2), tail


def test_each_pair_of_pages_is_asked_once(monkeypatch) -> None:
    """One pass over the pages: each page asked once whether it is a tail; none: the same
    list."""
    import ingest.page_tails as page_tails

    asked: list[str] = []
    real = page_tails.is_page_tail

    def counted(before: Passage, passage: Passage) -> bool:
        asked.append(passage.text)
        return real(before, passage)

    monkeypatch.setattr(page_tails, "is_page_tail", counted)
    passages = _pages("Intro.", "may take a national ministry a", "programming period.",
                      "3. The learning process")
    assert len(join_page_tails(passages)) == 3
    assert asked == [p.text for p in passages[1:]]
    asked.clear()
    plain = _pages("Intro.", "Results.", "Annex.")
    assert join_page_tails(plain) is plain
    assert asked == [p.text for p in plain[1:]]
    assert join_page_tails([]) == []


@pytest.mark.parametrize(("before", "after"), [
    ("may take a national ministry a", "Programming period."),   # a capital starts the page
    ("the ministry decided.", "programming period."),            # the page before ends one
    ("the ministry decided:", "programming period."),
    ("budget in 2019", "programming period."),                   # a figure or a page number
    ("may take a national ministry a", "programming period. Then more."),  # more follows
    ("may take a national ministry a", "e.g. a programming period."),
    ("may take a national ministry a", "programming period.\n\nAnnex"),    # two paragraphs
    ("may take a national ministry a", "programming period"),    # no sentence's end
    ("may take a national ministry a", "• programming period."),
    ("may take a national ministry a", "x" * TAIL_CHARS + "."),  # too long
])
def test_pages_that_are_not_tails(before: str, after: str) -> None:
    passages = _pages(before, after)
    assert join_page_tails(passages) == passages


def test_only_consecutive_pages_of_one_source() -> None:
    passages = [Passage(0, "may take a national ministry a", page=3),
                Passage(1, "programming period.", page=5)]
    assert join_page_tails(passages) == passages
    passages = [Passage(0, "may take a national ministry a", page=3),
                Passage(1, "programming period.", page=4, source="ocr", confidence=80.0)]
    assert join_page_tails(passages) == passages
    sections = [Passage(0, "may take a national ministry a", heading="A"),
                Passage(1, "programming period.", heading="B")]
    assert join_page_tails(sections) == sections
    assert join_page_tails([]) == []
