"""A small made-up index and corpus for the site's tests (tests/test_app_*.py, tests/browser/).

Built with the index API only (IndexStore.rebuild + Document/Passage records), so the tests do
not depend on the sample corpus. 24 documents spread over countries, themes, types, years,
languages and partners, plus one hostile document whose title, text and metadata hold
<script> and attribute payloads.
"""

from __future__ import annotations

from pathlib import Path

from index import Document, IndexStore, Passage
from index.semantic import embed_index

XSS_TITLE = (
    '<script>alert("title")</script> Hostile "onmouseover=alert(1) <img src=x onerror=alert(2)>'
)
XSS_TEXT = (
    "export <script>alert('body')</script> <b onclick=\"alert(3)\">bold</b> "
    "\"><svg onload=alert(4)> export matchmaking"
)
XSS_PARTNER = "<svg onload=alert(5)>Partner"
XSS_ID = "xss-doc"

COUNTRIES = {"ES": ("ES21", "Basque Country"), "PT": ("PT11", "Norte"),
             "DE": ("DE1", "Baden-Württemberg"), "HU": ("HU22", "West Transdanubia"),
             "RO": ("RO31", "South Muntenia"), "NL": ("NL12", "Friesland")}
LABELS = {
    "country": {"ES": "Spain", "PT": "Portugal", "DE": "Germany", "HU": "Hungary",
                "RO": "Romania", "NL": "Netherlands"},
    "region": {code: name for code, name in COUNTRIES.values()},
    "theme": {"export_promotion": "Export promotion", "covid_response": "COVID-19 response",
              "digitalisation": "Digitalisation", "access_to_finance": "Access to finance"},
    "type": {"report": "Report", "good_practice": "Good practice",
             "action_plan": "Regional action plan"},
    "language": {"en": "English", "de": "German", "es": "Spanish"},
}
# (two accented names, as the project's partners write them: the facet filter boxes fold
# accents)
PARTNERS = [*(f"Partner agency {n}" for n in range(1, 8)), "Fomento San Sebastián",
            "Agenția pentru Dezvoltare Regională Sud-Muntenia"]


def documents() -> list[Document]:
    docs = []
    codes = list(COUNTRIES)
    themes = list(LABELS["theme"])
    types = list(LABELS["type"])
    for n in range(23):
        country = codes[n % len(codes)]
        region, region_name = COUNTRIES[country]
        theme = themes[n % len(themes)]
        year = 2016 + n % 7
        texts = [
            f"Document {n} describes export promotion for small firms in {region_name}. "
            "Trade missions and export vouchers helped companies reach new markets.",
            f"Page two of document {n}: online matchmaking during the pandemic connected "
            "buyers and sellers across borders." if n % 2 == 0 else
            f"Page two of document {n}: coaching and guarantees for exporters.",
        ]
        docs.append(Document(
            id=f"doc-{n:02d}",
            source_path=f"reports/doc-{n:02d}.pdf",
            sha256="0" * 64,
            title=f"Report {n:02d} on export support in {region_name}",
            passages=[Passage(i, t, page=i + 1) for i, t in enumerate(texts)],
            doc_type=types[n % len(types)],
            language="en",
            country_code=country,
            country_name=LABELS["country"][country],
            region_code=region,
            region_name=region_name,
            themes=[theme] + (["covid_response"] if n % 3 == 0 and theme != "covid_response"
                              else []),
            date=f"{year}-0{1 + n % 9}-15",
            partner=PARTNERS[n % len(PARTNERS)],
            summary=f"Summary of report {n}.",
            page_count=2,
            media_type="application/pdf",
            sources={"title": "catalog", "doc_type": "catalog", "country_code": "catalog",
                     "region_code": "inferred", "themes": "inferred", "date": "file",
                     "partner": "catalog", "summary": "catalog", "language": "inferred"},
        ))
    docs.append(Document(
        id="guide-de",
        source_path="guides/leitfaden.html",
        sha256="1" * 64,
        title="Leitfaden Exportförderung für kleine Unternehmen",
        passages=[Passage(0, "Die Exportförderung unterstützt kleine Unternehmen.",
                          heading="Einleitung"),
                  Passage(1, "Messen und Delegationsreisen werden gefördert.",
                          heading="Förderungen")],
        doc_type="good_practice", language="de", country_code="DE", country_name="Germany",
        region_code="DE1", region_name="Baden-Württemberg", themes=["export_promotion"],
        date="2019-05-01", partner="Partner agency 1", media_type="text/html",
        sources={"title": "file", "language": "inferred"},
    ))
    docs.append(Document(
        id=XSS_ID,
        source_path="reports/hostile.md",
        sha256="2" * 64,
        title=XSS_TITLE,
        passages=[Passage(0, XSS_TEXT, page=None, heading='<i onclick="x">Heading</i>')],
        doc_type="report", language="en", country_code="ES", country_name="Spain",
        region_code="ES21", region_name="<b>Basque</b> Country", themes=["export_promotion"],
        date="2020-02-02", partner=XSS_PARTNER, summary="<script>alert('summary')</script>",
        keywords=["<img src=x onerror=alert(6)>"], media_type="text/markdown",
        sources={"title": "catalog", "partner": "catalog"},
    ))
    return docs


def build(index_dir: Path, corpus_dir: Path | None = None) -> IndexStore:
    """The test index at ``index_dir``; with ``corpus_dir``, also the files it points to."""
    store = IndexStore(index_dir)
    docs = documents()
    with store.lock(), store.rebuild() as writer:
        for doc in docs:
            writer.put(doc)
    store.save_labels(LABELS)
    # The site is tested as it runs: with semantic search on (vectors of every document).
    embed_index(store)
    # (embedding read the index through the store's searchers: closed here, as most callers
    # drop the store; one that searches it opens them again. Left open, a Whoosh segment file
    # was closed by the garbage collector, a ResourceWarning under `python -X dev`.)
    store.close()
    if corpus_dir is not None:
        for doc in docs:
            path = corpus_dir / doc.source_path
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".pdf":
                path.write_bytes(b"%PDF-1.4\n% test file\n%%EOF\n")
            elif path.suffix == ".html":
                path.write_text("<!doctype html><title>t</title><script>alert(1)</script>"
                                "<p>Leitfaden</p>", encoding="utf-8")
            else:
                path.write_text("# hostile\n", encoding="utf-8")
        (corpus_dir / "catalog.yaml").write_text("- path: x.pdf\n  password: secret\n",
                                                 encoding="utf-8")
    return store


def settings_for(index_dir: Path, corpus_dir: Path, **extra: object):  # type: ignore[no-untyped-def]
    from search_app.settings import Settings

    return Settings(index=index_dir, corpus=corpus_dir, **extra)  # type: ignore[arg-type]
