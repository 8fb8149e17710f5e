"""Words split at a line end without a hyphen (narrow table cells) are joined again, on the
document's own evidence only (ingest/line_breaks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.line_splits import real_texts, wrap
from index.records import Passage
from ingest import load_catalog, load_taxonomy
from ingest.line_breaks import join_split_words, line_end_splits
from ingest.ocr import OcrSettings
from ingest.reading import read_document
from tests.helpers import REPO, make_pdf

CORPUS = REPO / "corpus"
TAXONOMY = load_taxonomy(CORPUS)


def _read(path: Path, source_path: str = "") -> list[str]:
    """The passage texts of ``path`` as an ingest of the sample corpus reads them."""
    doc = read_document(
        path, doc_id="doc", source_path=source_path or path.name, sha256="0" * 64, size=0,
        mtime=0.0, entry=load_catalog(CORPUS).get(source_path, {}), taxonomy=TAXONOMY,
        ocr=OcrSettings(enabled=False))
    return [p.text for p in doc.passages]


def _join(*texts: str) -> list[str]:
    passages = [Passage(i, text, page=i + 1) for i, text in enumerate(texts)]
    return [p.text for p in join_split_words(passages)]


def test_a_word_the_document_uses_elsewhere_is_joined() -> None:
    text = ("4.3 Communication\nCommunication is personal.\n"
            "Axis Strength\nCommunicati\non\nStrong sector networks")
    assert _join(text) == [text.replace("Communicati\non", "Communication")]
    # the evidence may be on another page; the joined word keeps its case and what follows
    assert _join("Baden-Würt\ntemberg (DE)\nWest\nTransdanub\nia (HU)",
                 "Baden-Württemberg and West Transdanubia") == [
        "Baden-Württemberg (DE)\nWest\nTransdanubia (HU)",
        "Baden-Württemberg and West Transdanubia"]
    # a fragment of one letter; the same split twice
    assert _join("South\nMunteni\na\nFrieslan\nd", "in Muntenia, Friesland",
                 "Munteni\na") == ["South\nMuntenia\nFriesland", "in Muntenia, Friesland",
                                   "Muntenia"]


def test_the_names_given_count_as_words() -> None:
    passages = [Passage(0, "Partner\nGerman\ny\nBaden-Württemberg (DE1)\nNetherla\nnds", page=1)]
    names = ["Germany", "The Netherlands", "Baden-Württemberg"]
    assert join_split_words(passages) == passages
    assert join_split_words(passages, names)[0].text == (
        "Partner\nGermany\nBaden-Württemberg (DE1)\nNetherlands")
    assert TAXONOMY.place_names()[:1] and "germany" in TAXONOMY.place_names()


def test_two_words_stay_two_words() -> None:
    # "exportvouchers" is no word of the document
    text = "export vouchers\nThe region offers export\nvouchers to small firms."
    assert _join(text) == [text]
    # a document that writes the compound, and uses both parts alone too (Dutch)
    text = "exportvouchers\nexport en vouchers: de provincie geeft export\nvouchers aan mkb."
    assert _join(text) == [text]
    # two common words whose join is a word too
    for text in ("a way into markets\nthe firm went in\nto the fair in order to sell",
                 "within a week, with us in it\nwith\nin a week"):
        assert _join(text) == [text]


@pytest.mark.parametrize("text", [
    "Communication\nCommunicati\n\non",        # a paragraph break
    "Communication\nCommunicati\nOn",          # a capital starts the next line
    "Communication\nCommunicati\non2",         # not a word's end
    "Communication\nX2communicati\non",        # not a word's start
    "Communication\nthe Communicati\non",      # not one word on the line
    "astray\nA\nstray",                       # a line too short to break a word
    "zerlegen\n. Zerlege\nn(0) = n(0)t + n(0)", # a formula (GeoTopo, p. 36)
])
def test_breaks_that_are_not_split_words(text: str) -> None:
    assert _join(text) == [text]


def test_splits_list_the_evidence() -> None:
    splits = line_end_splits(
        ["Communication\nCommunicati\non the firm; within\nwith\nin a week, with us in it",
         "on time"])
    assert [(s.left, s.right, s.left_used, s.right_used, s.joined) for s in splits] == [
        ("Communicati", "on", False, True, True), ("with", "in", True, True, False)]
    assert (splits[0].passage, splits[0].offset) == (0, len("Communication\nCommunicati"))
    assert line_end_splits(["no break", ""]) == []


def test_a_pdf_is_read_with_its_split_words_joined(tmp_path: Path) -> None:
    path = tmp_path / "table.pdf"
    path.write_bytes(make_pdf([
        "Communication is mostly personal. The region offers export vouchers.",
        "Axis Strength", "Communicati", "on", "Strong networks, export", "vouchers",
        "Partner", "Hungar", "y"]))
    [text] = _read(path)
    assert "Communication\nStrong networks, export\nvouchers\nPartner\nHungary" in text


# The splits an assessor found in the sample corpus's tables (and more of the same tables),
# read as an ingest reads them.
SAMPLE_SPLITS = {
    "policy-analyses/upgradesme-policy-analysis-bdf-groen-werkt.pdf":
        ["Foreign sales not measured\nCommunication\nStrong sector networks"],
    "policy-analyses/upgradesme-policy-analysis-norte.pdf":
        ["\nCommunication\nSector associations as channel"],
    "policy-analyses/upgradesme-politikanalyse-sez-baden-wuerttemberg.pdf":
        ["\nKommunikation\nDichte Netzwerke"],
    "reports/upgradesme-covid19-joint-report-sme-export.pdf":
        ["West\nTransdanubia (HU)", "Baden-Württemberg\n(DE)",
         "Baden-Württemberg\nPostponed investment"],
    "reports/upgradesme-interregional-learning-synthesis-2016-2022.pdf":
        ["South\nMuntenia\nNational authorities", "\nFriesland\nProvince of Fryslân",
         "West\nTransdanubia\nIntermediate body", "\nCommunication\nHow are target firms",
         "Partner\nCountry\n", "\nMethodology\nHow do firms", "(SMRDA)\nRomania\n",
         "Baden-Württemberg (DE1)", "Baden-Württemberg\nMinistry of Economic Affairs",
         "(SEZ)\nGermany\nBaden", "(BDF)\nNetherlands\nFriesland", "Leeuwarden\nNetherlands\n"],
}


@pytest.mark.parametrize("name", sorted(SAMPLE_SPLITS))
def test_sample_corpus_splits_are_joined(name: str) -> None:
    texts = _read(CORPUS / name, name)
    text = "\n\n".join(texts)
    for expected in SAMPLE_SPLITS[name]:
        assert expected in text, expected
    assert not [s for s in line_end_splits(texts, TAXONOMY.place_names()) if s.joined]


@pytest.mark.realdata
@pytest.mark.parametrize("width", [20, 40, 70])
def test_real_text_wrapped_at_spaces_is_never_joined(testdata: Path, width: int) -> None:
    """Real text in nine languages (the UDHR) and web pages (their readable text), wrapped at
    spaces as a narrow column would: every break is between two words."""
    documents = real_texts(testdata)
    joined = [(name, s.left, s.right) for name, texts in documents.items()
              for s in line_end_splits([wrap(text, width) for text in texts],
                                       TAXONOMY.place_names()) if s.joined]
    assert len(documents) > 60
    assert joined == []


@pytest.mark.realdata
def test_real_pdfs_keep_their_line_breaks_between_words(testdata: Path) -> None:
    text = "\n".join(_read(testdata / "pdfs" / "sf__GeoTopo-komprimiert.pdf"))
    assert ". Zerlege\nn(0) = n(0)" in text and "+ i\nay(cx + d)" in text
    assert any("control\nflow" in t for t in _read(testdata / "pdfs" / "pdfjs__tracemonkey.pdf"))


# Ranges of years a narrow period column broke (an assessor's reading of the indexed text).
SAMPLE_YEARS = {
    "reports/upgradesme-interregional-learning-synthesis-2016-2022.pdf":
        ["Main outputs\n2016–2017\nAnalysis", "\n2017–2019\nExchange and planning",
         "\n2019–2021\nImplementation", "from 2020\n2021–2022\nCOVID-19 extension"],
    "action-plans/upgradesme-plan-de-accion-pais-vasco.pdf":
        ["Fomento San Sebastián 2019–2021\n120 000 EUR", "universidades\n2020–2021\n90 000",
         "Fomento San Sebastián 2019–2021\n15 000 EUR"],
}


@pytest.mark.parametrize("name", sorted(SAMPLE_YEARS))
def test_sample_corpus_year_ranges_are_joined(name: str) -> None:
    from ingest.parsers import parse_file

    raw = [p.text for p in parse_file(CORPUS / name).passages]
    years = [s for s in line_end_splits(raw) if s.kind == "year"]
    assert len(years) == len(SAMPLE_YEARS[name]) and all(s.joined for s in years)
    text = "\n\n".join(_read(CORPUS / name, name))
    for expected in SAMPLE_YEARS[name]:
        assert expected in text, expected


def test_a_year_range_split_at_a_line_end_is_joined() -> None:
    assert _join("Period\n2016–201\n7\nAnalysis", "a 2016 - 20\n17. b", "2000—200\n0, c") == [
        "Period\n2016–2017\nAnalysis", "a 2016 - 2017. b", "2000—2000, c"]
    # with a word split in the same passage, before and after it
    assert _join("Communication\n2016–201\n7\nCommunicati\non 2019–202\n1") == [
        "Communication\n2016–2017\nCommunication 2019–2021"]


@pytest.mark.parametrize("text", [
    "Period\n201\n7",             # no range: two cells of a table
    "Period\n2016–201\n5",        # an end before the start
    "Period\n2016–2017\n5",       # the end is whole
    "Period\n2016–201\n7.5",      # a decimal number starts the next line
    "Period\n2016–201\n7a",       # not a number's end
    "Period\n2016–201\n\n7",      # a paragraph break
    "Period\n12016–201\n7",       # not a year before the dash
    "Period\n1850–185\n9",        # years out of FIRST_YEAR..LAST_YEAR
    "Page\n8.4 Lessons 19\n9. Baden-Württemberg 20\n10. Friesland 21",  # a contents page
])
def test_digits_that_are_not_a_split_year(text: str) -> None:
    assert _join(text) == [text]


def test_only_the_sample_corpus_year_ranges_are_split_years() -> None:
    """Every other document of the sample corpus has no break the year rule joins."""
    from ingest.parsers import parse_file
    from ingest.pipeline import discover

    found = {}
    for source in discover(CORPUS):
        raw = [p.text for p in parse_file(CORPUS / source.path).passages]
        if years := [s for s in line_end_splits(raw) if s.kind == "year"]:
            found[source.path] = len(years)
    assert found == {name: len(ranges) for name, ranges in SAMPLE_YEARS.items()}


@pytest.mark.realdata
def test_real_pdfs_have_no_split_year(testdata: Path) -> None:
    """Timetables ("10:20\\n11:00"), contents pages: digits on two lines stay apart."""
    from ingest.parsers import ParseError, parse_file

    read = 0
    for path in sorted((testdata / "pdfs").glob("*.pdf")):
        try:
            raw = [p.text for p in parse_file(path).passages]
        except ParseError:
            continue
        read += 1
        assert [s for s in line_end_splits(raw) if s.kind == "year"] == [], path.name
    assert read >= 15
