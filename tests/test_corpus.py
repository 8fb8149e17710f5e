"""The sample corpus: catalog and files agree, every document ingests, the taxonomy covers the
catalog, every partner language is detected, and inference alone recovers most countries.

The corpus is read from a copy of what the repository holds (tests.helpers.copy_sample_corpus),
so uploads and edits made through the admin area in the live corpus/ do not change the result.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from index import IndexStore, get_document
from ingest import discover, doc_id_for, entry_problems, load_catalog, load_taxonomy, run_ingest
from tests.helpers import copy_sample_corpus

LANGUAGES = {"en", "de", "nl", "hu", "ro", "pt", "es"}


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


def test_an_english_query_finds_the_hungarian_export_voucher_page(ingested):
    from index import SearchRequest, search

    hits = search(ingested, SearchRequest(query="export vouchers", page_size=10)).hits
    assert doc_id_for("good-practices/exportutalvany-kkv-k-reszere.html") in [h.id for h in hits]
