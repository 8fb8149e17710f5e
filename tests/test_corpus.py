"""The sample corpus: catalog and files agree, every document ingests, the taxonomy covers the
catalog, every partner language is detected, and inference alone recovers most countries; the
judgment sets of bench/judgments name documents of this corpus and keep the rules of their kinds.

The corpus is read from a copy of what the repository holds (tests.helpers.copy_sample_corpus),
so uploads and edits made through the admin area in the live corpus/ do not change the result.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from index import IndexStore, SearchRequest, get_document, search
from ingest import discover, doc_id_for, entry_problems, load_catalog, load_taxonomy, run_ingest
from tests.helpers import REPO, copy_sample_corpus

LANGUAGES = {"en", "de", "nl", "hu", "ro", "pt", "es"}
#: our own judgment sets (bench/README.md), each judged on this corpus
JUDGMENT_SETS = sorted(
    p.parent.name for p in (REPO / "bench" / "judgments").glob("*/queries.jsonl")
)
KINDS = {"keyword", "question", "partner-language", "cross-language", "typo", "filter"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return copy_sample_corpus(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def catalog(corpus) -> dict:
    return load_catalog(corpus)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, corpus) -> IndexStore:
    index = tmp_path_factory.mktemp("corpus-index")
    report = run_ingest(corpus, index)
    assert report.failed == [] and report.skipped == [], report.failed + report.skipped
    return IndexStore(index)


def test_every_catalog_entry_has_its_file_and_every_file_its_entry(catalog, corpus):
    files = {s.path for s in discover(corpus)}
    assert set(catalog) == files
    assert len(files) >= 40


def test_every_taxonomy_value_used_in_the_catalog_exists(catalog, corpus):
    # The same check the admin area applies to what it writes (ingest.entry_problems).
    tax = load_taxonomy(corpus)
    for path, entry in catalog.items():
        assert entry_problems(entry, tax) == {}, path


def test_countries_and_regions_resolve_from_codes_and_names_in_any_case(corpus):
    tax = load_taxonomy(corpus)
    assert tax.resolve_country("hu") == "HU" and tax.resolve_region(" hu22 ") == "HU22"
    # a code is recognised without the names map being built (it is built once, on the
    # first name asked for)
    assert tax._name_maps == {}
    assert tax.resolve_country("magyarország") == "HU"
    assert tax.resolve_country("The Netherlands") == "NL"
    assert tax.resolve_region("west transdanubia") == "HU22"
    assert tax.resolve_country("Atlantis") is None and tax.resolve_country("") is None
    built = tax._name_maps["country"]
    assert tax.resolve_country("Ungarn") == "HU" and tax._name_maps["country"] is built


def test_the_corpus_has_what_the_project_left(catalog):
    types = Counter(e.get("type") for e in catalog.values())
    assert types["action_plan"] >= 7
    assert types["good_practice"] >= 11
    assert types["policy_analysis"] >= 8
    assert {e.get("language") for e in catalog.values()} >= LANGUAGES
    formats = Counter(Path(p).suffix for p in catalog)
    assert {".pdf", ".html", ".md", ".docx"} <= set(formats)


def test_every_document_ingests_and_each_language_is_detected(ingested, catalog):
    for path in catalog:
        view = get_document(ingested, doc_id_for(path))
        assert view is not None, path
        assert view.passages, path
    detected: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    from ingest.language import detect_language

    for path, entry in catalog.items():
        if entry.get("language") not in detected:
            continue  # left to detection, or a language other than the partners'
        text = "\n".join(p.text for p in get_document(ingested, doc_id_for(path)).passages)
        detected[entry["language"]].append(detect_language(text) or "?")
    for lang, found in detected.items():
        assert found and all(f == lang for f in found), (lang, found)


#: How the sample's texts said that a date field was made up ("1 May 2016 as a placeholder").
PLACEHOLDER = re.compile(r"placeholder|platzhalter|helyőrző|convencional|convențional", re.I)


def test_a_date_says_only_what_is_known(ingested, catalog):
    """No document says that its date is a placeholder, and a date known to the month, the
    year or not at all is stored so (FACTS.md: meetings of "May 2016", "September 2022"; a
    staff exchange on "21 November" of an unknown year)."""
    for path, entry in catalog.items():
        doc = get_document(ingested, doc_id_for(path)).document
        text = " ".join([doc.summary or "", *(p.text for p in doc.passages)])
        assert not PLACEHOLDER.search(text), (path, PLACEHOLDER.search(text))
        assert doc.date == entry.get("date"), (path, doc.date, entry.get("date"))
    dates = {path: entry.get("date") for path, entry in catalog.items()}
    assert dates["events/2016-05-kick-off-meeting-budapest.md"] == "2016-05"
    assert dates["events/2022-09-final-meeting-budapest.html"] == "2022-09"
    assert dates["events/2022-covid-19-joint-workshop-social-seeds.html"] == "2022"
    assert dates["news/2021-press-release-covid-extension.md"] == "2021"
    assert dates["events/staff-exchange-karlsruhe-21-november.md"] is None


def test_inference_without_the_catalog_recovers_most_countries(tmp_path, catalog, corpus):
    without = tmp_path / "corpus"
    shutil.copytree(corpus, without, ignore=shutil.ignore_patterns("catalog.yaml"))
    corpus = without
    report = run_ingest(corpus, tmp_path / "index")
    assert report.failed == []
    store = IndexStore(tmp_path / "index")
    right = 0
    for path, entry in catalog.items():
        doc = get_document(store, doc_id_for(path)).document
        right += doc.country_code == entry.get("country")
    share = right / len(catalog)
    print(f"inference recovers the catalog's country for {right}/{len(catalog)} = {share:.0%}")
    assert share >= 0.8


def test_ingest_saves_the_taxonomys_words_for_did_you_mean(ingested):
    # its themes' keywords and place names in every language: correct words no document
    # may have ("hitel", Hungarian credit, was "corrected" into "hotel")
    words = ingested.load_words()
    assert {"hitel", "netwerk", "resilienz", "nyugat-dunántúl"} <= set(words), words[:20]
    result = search(ingested, SearchRequest(query="hitel", passages=0))
    assert result.corrected is None and result.suggestion is None


def test_ingest_saves_the_places_a_query_may_name(ingested):
    # the countries and regions with their names and adjectives by language (index.places)
    from index.places import named_places

    places = ingested.load_places()
    assert {p["code"] for p in places} >= {"HU", "RO", "NL", "DE", "PT", "ES", "PT11", "NL12"}
    named = named_places("ungarischen Exportgutschein", places, "de")
    assert named.countries == {"HU"} and named.languages == {"hu"}


def test_an_english_query_finds_the_hungarian_export_voucher_page(ingested):
    from index import SearchRequest, search

    hits = search(ingested, SearchRequest(query="export vouchers", page_size=10)).hits
    assert doc_id_for("good-practices/exportutalvany-kkv-k-reszere.html") in [h.id for h in hits]


def _catalog_values(entry: dict, facet: str) -> set[str]:
    value = {"country": entry.get("country"), "type": entry.get("type"),
             "language": entry.get("language"), "theme": entry.get("themes") or [],
             "year": str(entry.get("date") or "")[:4]}[facet]
    return set(value) if isinstance(value, list) else {value}


@pytest.mark.parametrize("name", JUDGMENT_SETS)
def test_each_judgment_set_loads_names_documents_of_the_corpus_and_keeps_its_kinds(name, catalog):
    from bench import relevance as rel

    folder = rel.collection_dir(name)
    queries = rel.read_jsonl(folder / "queries.jsonl")
    qrels = rel.read_qrels(folder / "qrels.tsv")
    entries = {doc_id_for(path): entry for path, entry in catalog.items()}
    assert len({q["id"] for q in queries}) == len(queries)
    assert set(qrels) == {q["id"] for q in queries}  # every query judged, no stray judgments
    for q in queries:
        judged = qrels[q["id"]]
        assert set(judged) <= set(entries), (q["id"], set(judged) - set(entries))
        assert set(judged.values()) <= {1, 2} and 2 in judged.values(), q["id"]
        assert q["lang"] in LANGUAGES and q["kind"] and set(q["kind"]) <= KINDS, q["id"]
        best = {entries[doc]["language"] for doc, grade in judged.items() if grade == 2}
        if "cross-language" in q["kind"]:  # all best answers in other languages
            assert q["lang"] not in best, q["id"]
        if "partner-language" in q["kind"]:  # a best answer in the query's language
            assert q["lang"] in best and q["lang"] != "en", q["id"]
        for facet, values in (q.get("filters") or {}).items():
            assert ("filter" in q["kind"]) and values, q["id"]
            for doc in judged:  # a document outside the filter could never be found
                assert _catalog_values(entries[doc], facet) & set(values), (q["id"], doc)


@pytest.mark.parametrize("name", [
    n for n in JUDGMENT_SETS if (REPO / "bench" / "judgments" / n / "rationale.tsv").is_file()])
def test_a_set_with_rationales_gives_one_for_each_best_answer_and_no_other(name):
    """``rationale.tsv`` (query-id, corpus-id, why; header line), where a set has one, says
    why each grade-2 judgment answers its query: one line per grade-2 judgment, none else."""
    from bench import relevance as rel

    folder = REPO / "bench" / "judgments" / name
    best = {(q, d) for q, docs in rel.read_qrels(folder / "qrels.tsv").items()
            for d, grade in docs.items() if grade == 2}
    rows = [line.rstrip("\n").split("\t")
            for line in (folder / "rationale.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    assert all(len(row) == 3 and row[2].strip() for row in rows), name
    keys = [(q, d) for q, d, _why in rows]
    assert len(keys) == len(set(keys)) and set(keys) == best, set(keys) ^ best
