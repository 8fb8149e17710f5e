"""Good-practice records: the Interreg Europe template's fields read from HTML, Markdown, Word
and PDF write-ups in the partner languages, indexed, searchable on their own, shown as a
record, and the facets that narrow to them (record fields, years running, policy instrument).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from index import IndexStore, Passage, SearchRequest, get_document, search
from ingest import run_ingest
from ingest.catalog import CatalogError, load_catalog
from ingest.parsers import parse_file
from ingest.practice import field_of_heading, practice_years, read_practice
from search_app.app import create_app
from tests.browser.appdata import settings_for
from tests.helpers import copy_sample_corpus, make_pdf


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus as the repository holds it (never the live corpus/)."""
    return copy_sample_corpus(tmp_path_factory.mktemp("sample"))

GERMAN_MD = """---
title: Exportlotsen für kleine Unternehmen in Baden-Württemberg
---
# Exportlotsen für kleine Unternehmen

Kurze Einleitung zur Praxis.

Standort: Baden-Württemberg (DE1), Deutschland
Laufzeit: 2017 – 2019
Hauptinstitution: Steinbeis-Europa-Zentrum

## Behandeltes Problem

Kleine Unternehmen finden den Weg zu den Förderprogrammen nicht.

## Beschreibung

Erfahrene Exportlotsen begleiten jedes Unternehmen ein Jahr lang auf neue Märkte.

## Erfolgsnachweis

Der Umsatz im Ausland stieg bei zwei Dritteln der Unternehmen (Umsatzsteigerung).

## Projektpartner

Ein Abschnitt, den die Vorlage nicht kennt: kein Feld.
"""

PORTUGUESE_MD = """# Vales de exportação digitais no Norte

## Descrição detalhada

Um vale pequeno paga serviços de exportação digitais: lojas online e feiras virtuais.
O volume de negócios não é referido aqui.

## Recursos necessários

Uma equipa pequena e um orçamento anual.

## Dificuldades encontradas

Os prestadores subiram os preços.
"""


SPANISH_PDF = [
    "Talleres de comercio electronico para pymes vascas",
    "Ubicación",
    "País Vasco (ES21), España",
    "Calendario",
    "2018 - en curso",
    "Problema abordado",
    "Las pymes no vendían en línea fuera de España.",
    "Pruebas de éxito",
    "La facturación en el extranjero creció en un tercio",
    "de las empresas participantes.",
    "Potencial de transferencia",
    "Cualquier agencia regional puede repetir los talleres.",
]


def make_docx(path: Path) -> None:
    from docx import Document as Docx

    doc = Docx()
    doc.add_heading("Waterclusters in Friesland", level=1)
    doc.add_paragraph("Locatie: Friesland (NL12), Nederland")
    doc.add_paragraph("Looptijd: 2016 – 2018")
    doc.add_heading("Gedetailleerde beschrijving", level=2)
    doc.add_paragraph("Kleine watertechnologiebedrijven delen een testlocatie en exporteren "
                      "samen.")
    doc.add_heading("Bewijs van succes", level=2)
    doc.add_paragraph("Twaalf bedrijven kregen hun eerste buitenlandse order.")
    doc.add_heading("Ondervonden moeilijkheden", level=2)
    doc.add_paragraph("De testlocatie was vaak volgeboekt.")
    doc.save(str(path))


CATALOG = """
- path: gp/exportlotsen.md
  type: good_practice
  language: de
  date: "2019-03-01"
  policy_instrument: Exportförderung Baden-Württemberg
- path: gp/vales.md
  type: good_practice
  language: pt
  date: "2020-05-01"
  practice:
    evidence: O volume de negócios das empresas com vale cresceu (dado do catálogo).
    timescale: 2020 – 2021
- path: gp/waterclusters.docx
  type: good_practice
  language: nl
  date: "2018-06-01"
- path: gp/talleres.pdf
  type: good_practice
  language: es
  date: "2021-02-01"
  policy_instrument: Programa vasco de internacionalización
- path: gp/online-export-academy-norte.html
  type: good_practice
  policy_instrument: Norte 2020
- path: gp/exportutalvany.html
  type: good_practice
- path: reports/plain-report.md
  type: report
  date: "2020-01-01"
"""

PLAIN_REPORT = """# A report that is not a good practice

## Evidence of success

Headings of the template in a report do not make it a record: turnover grew.
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, sample: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("practice")
    corpus = root / "corpus"
    (corpus / "gp").mkdir(parents=True)
    (corpus / "reports").mkdir()
    shutil.copy2(sample / "taxonomy.yaml", corpus / "taxonomy.yaml")
    shutil.copy2(sample / "good-practices/online-export-academy-norte.html",
                 corpus / "gp/online-export-academy-norte.html")
    shutil.copy2(sample / "good-practices/exportutalvany-kkv-k-reszere.html",
                 corpus / "gp/exportutalvany.html")
    (corpus / "gp/exportlotsen.md").write_text(GERMAN_MD, encoding="utf-8")
    (corpus / "gp/vales.md").write_text(PORTUGUESE_MD, encoding="utf-8")
    make_docx(corpus / "gp/waterclusters.docx")
    (corpus / "gp/talleres.pdf").write_bytes(make_pdf(SPANISH_PDF))
    (corpus / "reports/plain-report.md").write_text(PLAIN_REPORT, encoding="utf-8")
    (corpus / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    report = run_ingest(corpus, root / "index", workers=1)
    assert not report.failed, report.failed
    return corpus, root / "index"


def _doc(index: Path, doc_id: str):  # type: ignore[no-untyped-def]
    view = get_document(IndexStore(index), doc_id)
    assert view is not None, doc_id
    return view.document


# -- reading -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("heading", "name"), [
    ("Evidence of success", "evidence"), ("A siker bizonyítékai", "evidence"),
    ("Dovezi ale succesului", "evidence"), ("Erfolgsnachweis:", "evidence"),
    ("Bewijs van succes", "evidence"), ("Evidências de sucesso", "evidence"),
    ("Pruebas de éxito", "evidence"), ("PRUEBAS DE EXITO", "evidence"),
    ("Részletes leírás", "description"), ("Potențial de învățare sau transfer", "transfer"),
    ("Recursos necesarios", "resources"), ("Ondervonden moeilijkheden", "difficulties"),
    ("Instituição principal", "main_institution"), ("Időtartam", "timescale"),
    ("Problema abordado", "problem"), ("Palavras-chave", "keywords"), ("Téma", "theme"),
    ("Related practices", None), ("Summary", None), ("Evidence of success in the long run "
                                                    "of a very long heading indeed", None),
])
def test_headings_are_recognised_in_the_partner_languages(heading: str, name: str | None) -> None:
    assert field_of_heading(heading) == name


@pytest.mark.parametrize(("text", "years"), [
    ("2020 – 2022", (2020, 2022)), ("2019 - ongoing", (2019, None)),
    ("since 2018", (2018, None)), ("01/2017 – 12/2019", (2017, 2019)), ("unknown", (None, None)),
])
def test_timescales_become_years(text: str, years: tuple[int | None, int | None]) -> None:
    assert practice_years(text) == years


def test_html_write_ups_give_the_whole_record_in_three_languages(sample: Path) -> None:
    for name, lang_word in (("online-export-academy-norte.html", "cohorts"),
                            ("exportutalvany-kkv-k-reszere.html", "vállalkozás"),
                            ("coaching-digital-export-sud-muntenia.html", "firme")):
        record = read_practice(parse_file(sample / "good-practices" / name).passages)
        assert list(record) == ["location", "timescale", "main_institution", "description",
                                "resources", "evidence", "difficulties", "transfer",
                                "keywords", "theme"], (name, list(record))
        assert lang_word in record["evidence"], record["evidence"]
        assert "problem" not in record  # the pages have no such section: not guessed
        # facts are one line, not the rest of the box ("Project", "COVID-19 related")
        assert "\n" not in record["keywords"] and "UpGradeSME" not in record["keywords"]


def test_record_sections_stay_passages_of_their_own(sample: Path) -> None:
    parsed = parse_file(sample / "good-practices/online-export-academy-norte.html")
    headings = [p.heading for p in parsed.passages]
    for heading in ("Resources needed", "Evidence of success", "Difficulties encountered"):
        assert heading in headings, headings
    evidence = next(p for p in parsed.passages if p.heading == "Evidence of success")
    assert not evidence.text.startswith("Resources needed"), evidence.text[:80]


def test_label_lines_and_split_sections() -> None:
    passages = [
        Passage(0, "Location: Norte\nTimescale\n2020 – 2022\nProject\nUpGradeSME"),
        Passage(1, "First half of the description.", heading="Detailed description"),
        Passage(2, "Second half.", heading="Detailed description"),
        Passage(3, "Footer text", heading="Related practices"),
        Passage(4, "A second description section is not the first.", heading="Description"),
    ]
    record = read_practice(passages)
    assert record == {
        "location": "Norte", "timescale": "2020 – 2022",
        "description": "First half of the description.\n\nSecond half.",
    }


# -- ingest: every format, sources, no guessing -------------------------------------------------
def test_markdown_german(corpus: tuple[Path, Path]) -> None:
    doc = _doc(corpus[1], "gp-exportlotsen-md")
    assert doc.practice["location"] == "Baden-Württemberg (DE1), Deutschland"
    assert doc.practice["timescale"] == "2017 – 2019"
    assert (doc.practice_start, doc.practice_end) == (2017, 2019)
    assert doc.practice["main_institution"] == "Steinbeis-Europa-Zentrum"
    assert "Förderprogrammen" in doc.practice["problem"]
    assert "Exportlotsen" in doc.practice["description"]
    assert "Umsatz" in doc.practice["evidence"]
    assert "Projektpartner" not in " ".join(doc.practice.values())  # unknown: not a field
    assert "resources" not in doc.practice and "transfer" not in doc.practice
    assert doc.sources["practice.evidence"] == "file"


def test_markdown_portuguese_with_catalog_fields(corpus: tuple[Path, Path]) -> None:
    doc = _doc(corpus[1], "gp-vales-md")
    assert doc.practice["evidence"].startswith("O volume de negócios")
    assert doc.sources["practice.evidence"] == "catalog"
    assert doc.sources["practice.resources"] == "file"
    assert doc.running_years == [2020, 2021]
    assert set(doc.practice) == {"timescale", "description", "resources", "difficulties",
                                 "evidence"}


def test_word_dutch(corpus: tuple[Path, Path]) -> None:
    doc = _doc(corpus[1], "gp-waterclusters-docx")
    assert doc.practice["location"].startswith("Friesland (NL12)")
    assert doc.practice["timescale"] == "2016 – 2018"
    assert "eerste buitenlandse order" in doc.practice["evidence"]
    assert "volgeboekt" in doc.practice["difficulties"]


def test_pdf_spanish(corpus: tuple[Path, Path]) -> None:
    doc = _doc(corpus[1], "gp-talleres-pdf")
    assert doc.practice["location"] == "País Vasco (ES21), España"
    assert doc.practice["timescale"] == "2018 - en curso"
    assert (doc.practice_start, doc.practice_end) == (2018, None)
    assert doc.running_years == [2018, 2019, 2020, 2021]  # ongoing: up to the document's year
    assert doc.practice["evidence"] == ("La facturación en el extranjero creció en un tercio "
                                        "de las empresas participantes.")
    assert "repetir" in doc.practice["transfer"]


def test_a_document_of_another_type_has_no_record(corpus: tuple[Path, Path]) -> None:
    assert _doc(corpus[1], "reports-plain-report-md").practice == {}


def test_the_catalog_checks_its_practice_fields(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "- path: a.md\n  practice:\n    evidance: typo\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="evidance"):
        load_catalog(tmp_path)
    (tmp_path / "catalog.yaml").write_text("- path: a.md\n  practice: just text\n",
                                           encoding="utf-8")
    with pytest.raises(CatalogError, match="mapping"):
        load_catalog(tmp_path)


# -- search ------------------------------------------------------------------------------------
def _ids(index: Path, query: str = "", **filters: list[str]) -> list[str]:
    result = search(IndexStore(index), SearchRequest(query=query, filters=filters))
    return [h.id for h in result.hits]


def test_record_fields_are_searchable_on_their_own(corpus: tuple[Path, Path]) -> None:
    index = corpus[1]
    # "volume de negócios" is in the evidence of one document and the description of another
    assert _ids(index, 'evidence:"volume de negócios"') == ["gp-vales-md"]
    assert set(_ids(index, '"volume de negócios"')) == {"gp-vales-md"}
    # "facturación" is in the Spanish record's evidence; the glossary's concept of turnover
    # (facturación, volume de negócios, ...) is searched in the evidence too, where the
    # Portuguese record has "volume de negócios": found after the page that has the word
    assert _ids(index, "evidence:facturación") == ["gp-talleres-pdf", "gp-vales-md"]
    # "Umsatz" is in the German record's evidence; the taxonomy's glossary (its concept of sales:
    # Umsatz, sales, vendas, ...) is searched in the evidence too, where the Norte record has
    # no sales (its description has: it was found by them, the glossary's terms searched in
    # the whole text)
    assert set(_ids(index, "evidence:umsatz")) == {"gp-exportlotsen-md"}
    assert _ids(index, "problem:förderprogramme") == ["gp-exportlotsen-md"]
    assert _ids(index, "evidence:order") == ["gp-waterclusters-docx"]
    # not in the German record's description (the Norte record's description speaks of sales)
    assert _ids(index, "description:umsatz") == ["gp-online-export-academy-norte-html"]
    assert _ids(index, "institution:steinbeis") == ["gp-exportlotsen-md"]
    # a report with the same heading is no good practice
    assert "reports-plain-report-md" not in _ids(index, "evidence:turnover")


def test_a_passage_from_a_record_field_is_labelled_with_it(corpus: tuple[Path, Path]) -> None:
    store = IndexStore(corpus[1])
    hit = search(store, SearchRequest(query="evidence:vállalkozás")).hits[0]
    assert hit.id == "gp-exportutalvany-html"
    assert [p.record_field for p in hit.passages] == ["evidence"]
    with TestClient(create_app(settings_for(corpus[1], corpus[0]))) as c:
        data = c.get("/api/search?q=evidence:v%C3%A1llalkoz%C3%A1s").json()
        assert [p["where"] for p in data["hits"][0]["passages"]] == ["Evidence of success"]


def test_narrow_to_practices_with_evidence_or_running_in_a_year(
    corpus: tuple[Path, Path],
) -> None:
    index = corpus[1]
    with_evidence = set(_ids(index, record=["evidence"]))
    assert with_evidence == {"gp-exportlotsen-md", "gp-vales-md", "gp-waterclusters-docx",
                             "gp-talleres-pdf", "gp-online-export-academy-norte-html",
                             "gp-exportutalvany-html"}
    assert set(_ids(index, record=["resources"])) == {
        "gp-vales-md", "gp-online-export-academy-norte-html", "gp-exportutalvany-html"}
    assert set(_ids(index, running=["2017"])) == {"gp-exportlotsen-md",
                                                   "gp-waterclusters-docx"}
    result = search(IndexStore(index), SearchRequest(filters={"type": ["good_practice"]}))
    record = {v.value: (v.label, v.count) for v in result.facets["record"].values}
    assert record["evidence"] == ("Evidence of success", 6)
    running = {v.value: v.count for v in result.facets["running"].values}
    assert running["2021"] == 4 and running["2016"] == 1


def test_policy_instrument_is_a_facet(corpus: tuple[Path, Path]) -> None:
    with TestClient(create_app(settings_for(corpus[1], corpus[0]))) as c:
        data = c.get("/api/search").json()
        instrument = next(f for f in data["facets"] if f["name"] == "instrument")
        assert instrument["label"] == "Policy instrument"
        values = {v["value"]: v["count"] for v in instrument["values"]}
        assert values["Norte 2020"] == 1
        narrowed = c.get("/api/search?instrument=Norte+2020").json()
        assert [h["id"] for h in narrowed["hits"]] == ["gp-online-export-academy-norte-html"]
        assert narrowed["chips"][0]["facet_label"] == "Policy instrument"
        typed = c.get('/api/search?q=instrument:"Norte 2020"').json()
        assert typed["total"] == 1
        soup = BeautifulSoup(c.get("/?q=export").text, "html.parser")
        assert soup.select_one("#facet-instrument")
        rows = c.get("/api/export.csv?instrument=Norte+2020").content.decode("utf-8-sig")
        assert "policy_instrument" in rows.splitlines()[0] and "Norte 2020" in rows
        assert "practice_evidence" in rows.splitlines()[0]
        exported = c.get("/api/export.json?instrument=Norte+2020").json()["hits"][0]
        assert exported["policy_instrument"] == "Norte 2020"
        assert "cohorts" in exported["practice"]["evidence"]
        assert c.get("/api/search?running=soon").status_code == 400


# -- pages -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(corpus: tuple[Path, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(corpus[1], corpus[0]))) as c:
        yield c


def test_a_good_practice_page_shows_the_record_then_the_text(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/documents/gp-exportlotsen-md?q=umsatz").text,
                         "html.parser")
    labels = [dt.get_text(" ", strip=True) for dt in soup.select(".record-fields dt")]
    assert labels == ["Location", "Timescale", "Main institution", "Problem addressed",
                      "Detailed description", "Evidence of success"]
    evidence = soup.select_one(".record-evidence dd")
    assert evidence.select("mark")  # the query's words are marked in the record too
    record = soup.select_one("section.record")
    text = soup.select_one("#text-h")
    assert record.sourceline < text.sourceline
    assert "file text" in record.get_text()
    running = [a["href"] for a in soup.select(".record-timescale a")]
    assert running == [f"/?type=good_practice&running={y}" for y in (2017, 2018, 2019)]
    # mixed sources are shown per field
    mixed = BeautifulSoup(client.get("/documents/gp-vales-md").text, "html.parser")
    assert "catalog" in mixed.select_one(".record-evidence dt").get_text()
    # a report has no record
    plain = BeautifulSoup(client.get("/documents/reports-plain-report-md").text, "html.parser")
    assert plain.select_one("section.record") is None


def test_the_api_gives_the_record(client: TestClient) -> None:
    data = client.get("/api/documents/gp-talleres-pdf").json()
    assert [f["name"] for f in data["record"]] == ["location", "timescale", "problem",
                                                  "evidence", "transfer"]
    assert data["record_source"] == "file"


def test_the_home_page_is_a_way_in(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert soup.select_one("h1").get_text(strip=True)
    assert "7 documents" in soup.select_one(".home-stats").get_text(" ", strip=True)
    cards = [a.get_text(strip=True) for a in soup.select(".practice-card h3 a")]
    assert len(cards) == 6
    hrefs = [a["href"] for a in soup.select(".home-browse a")]
    assert any(h.startswith("/?theme=") for h in hrefs)
    assert any(h.startswith("/?region=") for h in hrefs)
    assert "/?sort=newest" in hrefs
    more = [a["href"] for a in soup.select(".home-more a")]
    assert more == ["/?type=good_practice", "/?type=good_practice&record=evidence"]
    # the list of every document is one click away and is not the home page
    listing = BeautifulSoup(client.get("/?sort=newest").text, "html.parser")
    assert len(listing.select(".hit")) == 7
