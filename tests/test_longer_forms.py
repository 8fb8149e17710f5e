"""A typed word reaches the longer words it heads in the compounding languages (German, Dutch,
Hungarian): the compounds and derivations its stem starts ("export": "Exportförderung",
"exportierende", "exporttámogatás") and a Hungarian name that Snowball stems differently bare
and inflected ("Budapest" -> "budapes", "Budapesten" -> "budapest"). index.query's
_longer_forms, scored by each engine as index.query_form.LongerForms says."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from index import SearchRequest, get_document, parse_query, search, set_ranking
from index import query_form as qf
from index.analysis import analyze
from index.ranking import RANKING
from search_app.app import create_app
from tests.browser.appdata import settings_for
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, engine: str):  # type: ignore[no-untyped-def]
    docs = [
        make_doc("hu-budapesten", "Sajtóközlemény",
                 "A projekt zárórendezvényét szeptemberben Budapesten tartották a partnerek.",
                 language="hu"),
        # "Budapest" finds this one as written (else, finding nothing, it would be corrected)
        make_doc("en-budapest", "Final meeting", "The final meeting took place in Budapest."),
        make_doc("hu-tamogatas", "Jó gyakorlat",
                 "Az exporttámogatás a kisvállalkozások külpiaci megjelenését segítette.",
                 language="hu"),
        make_doc("de-foerderung", "Pressemitteilung",
                 "Die Exportförderung des Landes berät exportierende Unternehmen im Mittelstand.",
                 language="de"),
        make_doc("de-export", "Analyse",
                 "Der Export der Unternehmen im Mittelstand ist im Jahr stark gewachsen.",
                 language="de"),
        make_doc("de-messung", "Wirkung",
                 "Die Messung der Wirkung ist für die Unternehmen im Mittelstand schwierig.",
                 language="de"),
        make_doc("nl-bevordering", "Actieplan",
                 "De exportbevordering helpt kleine ondernemers in Friesland.",
                 language="nl"),
    ]
    return build_index(tmp_path_factory.mktemp("longer"), docs)


def _ids(store, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.id for h in search(store, SearchRequest(query=query, with_facets=False)).hits]


def test_the_stems_differ_without_it() -> None:
    # why the index alone does not bring them together (Snowball's stems)
    assert analyze("hu", "Budapest") == ["budapes"] and analyze("hu", "Budapesten") == ["budapest"]
    assert analyze("de", "Exportförderung") == ["exportforder"] != analyze("de", "Export")


def test_hungarian_name_reaches_its_inflected_form(store) -> None:  # type: ignore[no-untyped-def]
    assert "hu-budapesten" in _ids(store, "Budapest")


def test_german_word_reaches_the_compounds_it_heads(store) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(store, "Export")
    assert "de-foerderung" in ids
    # the word as typed outranks a compound it only heads
    assert ids.index("de-export") < ids.index("de-foerderung")


def test_hungarian_and_dutch_compounds_too(store) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(store, "export")
    assert "hu-tamogatas" in ids and "nl-bevordering" in ids


def test_short_stems_head_nothing(store) -> None:  # type: ignore[no-untyped-def]
    # "Messe" stems to "mess" (4 letters): it must not reach "Messung"
    assert "de-messung" not in _ids(store, "Messe")


def test_switched_off_the_compound_is_not_found(store) -> None:  # type: ignore[no-untyped-def]
    before = RANKING
    try:
        set_ranking(longer_forms=0.0)
        assert "de-foerderung" not in _ids(store, "Export")
        assert "hu-budapesten" not in _ids(store, "Budapest")
    finally:
        set_ranking(**{f: getattr(before, f) for f in ("longer_forms",)})


def test_only_in_the_body_and_passage_fields_of_compounding_languages() -> None:
    parsed = parse_query("Budapest export")
    assert parsed.documents is not None and parsed.passages is not None
    longer = [leaf for leaf in qf.leaves(parsed.documents) if isinstance(leaf, qf.LongerForms)]
    assert {leaf.field for leaf in longer} == {"body_de", "body_nl", "body_hu"}
    assert ("body_hu", "budapes?*") in {(leaf.field, leaf.pattern) for leaf in longer}
    assert not any(isinstance(leaf, qf.LongerForms) for leaf in qf.leaves(parsed.passages))
    # and in the passage fields, to show the passages of a hit found by them alone
    assert parsed.passage_heads is not None
    shown = {leaf.field for leaf in qf.leaves(parsed.passage_heads)}
    assert shown == {"passage_de", "passage_nl", "passage_hu"}


def test_a_quoted_word_is_the_word_only(store) -> None:  # type: ignore[no-untyped-def]
    # quotes ask for the word as written (README): "Export" found "Exportförderung" too
    ids = _ids(store, '"Export"')
    assert "de-export" in ids
    assert not {"de-foerderung", "hu-tamogatas", "nl-bevordering"} & set(ids), ids
    assert "de-foerderung" in _ids(store, 'Export "Mittelstand"')  # unquoted, it still heads


def test_a_word_under_not_excludes_only_the_word(store) -> None:  # type: ignore[no-untyped-def]
    # "Mittelstand NOT export" excluded every page with any export* word, a compound too,
    # though an excluded word excludes neither its synonyms nor other words (README)
    for query in ("Mittelstand NOT export", "Mittelstand -export"):
        ids = _ids(store, query)
        assert "de-foerderung" in ids and "de-messung" in ids, (query, ids)
        assert "de-export" not in ids, (query, ids)
    parsed = parse_query("Mittelstand NOT export")
    assert parsed.excluded is not None
    assert not any(isinstance(leaf, qf.LongerForms) for leaf in qf.leaves(parsed.excluded))


def test_longer_terms_kept_between_searches_follow_an_update(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the engines keep a stem's longer terms per reader (Whoosh) or commit (tantivy): a
    # document added later is found by them, not hidden by what an earlier search kept
    store = build_index(tmp_path / "ix", [
        make_doc("de-export", "Analyse", "Der Export ist gewachsen.", language="de")])
    assert _ids(store, "Export") == ["de-export"]
    with store.lock(), store.update() as writer:
        writer.put(make_doc("de-beratung", "Beratung", "Die Exportberatung hilft Betrieben.",
                            language="de"))
    assert _ids(store, "Export") == ["de-export", "de-beratung"]


def test_a_hit_found_by_a_longer_form_shows_its_passage_marked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the passage choice did not see the longer forms: the hit showed its first passage,
    # unrelated, with nothing marked
    store = build_index(tmp_path / "ix", [
        make_doc("de-zwei", "Bericht", "Die Messung der Wirkung war im Jahr schwierig.",
                 "Die Exportförderung des Landes berät die Betriebe.", language="de")])
    (hit,) = search(store, SearchRequest(query="Export", with_facets=False)).hits
    assert [p.ordinal for p in hit.passages] == [1], hit.passages
    assert "<mark>Exportförderung</mark>" in hit.passages[0].snippet, hit.passages[0].snippet
    # a word's own passage still comes before a compound's
    store = build_index(tmp_path / "ix2", [
        make_doc("de-beide", "Bericht", "Die Exportförderung des Landes berät die Betriebe.",
                 "Der Export der Betriebe ist gewachsen.", language="de")])
    (hit,) = search(store, SearchRequest(query="Export", passages=1, with_facets=False)).hits
    assert [p.ordinal for p in hit.passages] == [1], hit.passages


def test_the_document_page_marks_a_longer_form_as_the_results_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the results marked "Exportförderung" for "Export", the document page nothing ("does not
    # match any passage"); a word's own passage still keeps the compound unmarked on both
    store = build_index(tmp_path / "ix", [
        make_doc("de-zwei", "Bericht", "Die Messung der Wirkung war im Jahr schwierig.",
                 "Die Exportförderung des Landes berät die Betriebe.", language="de"),
        make_doc("de-beide", "Bericht", "Die Exportförderung des Landes berät die Betriebe.",
                 "Der Export der Betriebe ist gewachsen.", language="de")])
    hits = {h.id: h for h in search(store, SearchRequest(query="Export", with_facets=False)).hits}
    view = get_document(store, "de-zwei", "Export")
    assert view is not None and view.matched_passages == 1
    assert [p.matched for p in view.passages] == [False, True]
    assert "<mark>Exportförderung</mark>" in view.passages[1].html, view.passages[1].html
    assert "<mark>Exportförderung</mark>" in hits["de-zwei"].passages[0].snippet
    view = get_document(store, "de-beide", "Export")
    assert view is not None and [p.matched for p in view.passages] == [False, True]
    assert "<mark>" not in view.passages[0].html and "<mark>Export</mark>" in view.passages[1].html
    assert "<mark>Exportförderung</mark>" not in " ".join(
        p.snippet for p in hits["de-beide"].passages)
    # a quoted word is the word only: nothing of the compound, as in the results
    view = get_document(store, "de-zwei", '"Export"')
    assert view is not None and view.matched_passages == 0 and "<mark>" not in view.passages[1].html
    # a query that matches no passage marks no longer form, and no word under NOT: the
    # compound's passage holds "Landes", which the query excludes
    view = get_document(store, "de-zwei", "Export NOT Landes")
    assert view is not None and view.matched_passages == 0
    assert not any("<mark>" in p.html for p in view.passages), [p.html for p in view.passages]
    # and the page says so
    with TestClient(create_app(settings_for(tmp_path / "ix", tmp_path))) as client:
        page = client.get("/documents/de-zwei", params={"q": "Export"})
    assert page.status_code == 200, page.text[:300]
    assert "<mark>Exportförderung</mark>" in page.text
    assert "matches 1 of 2 passages" in page.text and "does not match" not in page.text


def test_two_longer_terms_score_alike_on_both_engines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a document scores as the best of the longer terms it holds (a disjunction max): Whoosh's
    # own took the other term's score from the next document that held it
    # (index.whoosh.scoring._BestOf mends it); the engines' exact scores agree
    from index import IndexStore

    docs = [make_doc("de-foerderung", "Bericht", "Die Exportförderung hilft den Betrieben.",
                     language="de"),
            make_doc("de-beratung", "Bericht", "Die Exportberatung der Kammer ist gut, "
                     "die Exportberatung hilft.", language="de"),
            make_doc("de-beide", "Bericht", "Exportförderung und Exportberatung im Land.",
                     language="de"),
            make_doc("de-andere", "Bericht", "Die Kammer berät die Betriebe im Land.",
                     language="de")]
    scores = []
    for engine in ("whoosh", "tantivy"):
        store = IndexStore(tmp_path / engine, engine=engine)
        with store.lock(), store.rebuild() as writer:
            for doc in docs:
                writer.put(doc)
        found = search(store, SearchRequest(query="Export", with_facets=False)).hits
        scores.append({h.id: h.score for h in found})
    whoosh, tantivy = scores
    assert set(whoosh) == {"de-foerderung", "de-beratung", "de-beide"}, whoosh
    assert whoosh == pytest.approx(tantivy, rel=1e-4)


def test_longer_forms_are_capped_alike_on_both_engines(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # tantivy took the first MAX_EXPANSIONS longer terms, Whoosh all of them
    monkeypatch.setattr(qf, "MAX_EXPANSIONS", 2)
    store = build_index(tmp_path / "ix", [
        make_doc("de-hilfe", "Bericht", "Die Exporthilfe des Landes.", language="de"),
        make_doc("de-beratung", "Bericht", "Die Exportberatung der Kammer.", language="de"),
        make_doc("de-foerderung", "Bericht", "Die Exportförderung des Bundes.", language="de")])
    # the first two in the index's order: exportberat, exportforder
    assert sorted(_ids(store, "Export")) == ["de-beratung", "de-foerderung"]
