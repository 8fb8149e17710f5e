"""The hybrid ranking's coverage weighting (index.search: the share of the query's content words
each of the first keyword hits matches) asks the engine all its word queries in one call
(``EngineReader.matching_each``): the same answers as one ``matching`` call per word query,
on the sample corpus and the tuning queries, in both engines; the words under NOT and the
patterns still count for nothing."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from index import IndexStore, semantic
from index.engine import Filter
from index.query import add_synonyms, parse_query, word_queries
from ingest import run_ingest
from tests.helpers import copy_sample_corpus
from tests.references import OneByOne

pytestmark = pytest.mark.engines

search_module = importlib.import_module("index.search")
QUERIES = Path(__file__).resolve().parents[1] / "bench" / "judgments" / "upgradesme" / \
    "queries.jsonl"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, engine: str) -> IndexStore:
    root = tmp_path_factory.mktemp("coverage")
    report = run_ingest(copy_sample_corpus(root), root / "index", workers=2)
    assert report.documents == 50
    return IndexStore(root / "index")


def _inputs(store: IndexStore, reader: Any, text: str) -> tuple[Any, str, list[str]]:
    """What index.search hands the coverage weighting for ``text``: the parsed query with its
    synonyms, its semantic text and its keyword hits."""
    parsed = parse_query(text)
    add_synonyms(parsed, store.load_synonyms())
    assert parsed.documents is not None
    keyword = reader.search(parsed.documents, Filter.of({}),
                            limit=semantic.FUSION.fuse_depth).ids
    return parsed, search_module.semantic_text(text), keyword


def _coverage(store: IndexStore, reader: Any, parsed: Any, text: str, keyword: list[str]
              ) -> dict[str, float] | None:
    result: dict[str, float] | None = search_module._coverage(
        reader, store.load_synonyms(), parsed, text, keyword)
    return result


def test_one_call_matches_what_one_call_per_word_matched(sample):
    texts = [json.loads(line)["text"] for line in QUERIES.read_text("utf-8").splitlines()
             if line.strip()]
    synonyms = sample.load_synonyms()
    weighed = partial = 0
    with sample.reader() as reader:
        for text in texts:
            parsed, semantic_text, keyword = _inputs(sample, reader, text)
            head = keyword[:semantic.FUSION.coverage_depth]
            words = word_queries(semantic_text, synonyms, parsed)
            each = reader.matching_each(words, head)
            assert each == [reader.matching(w, head) for w in words], text
            new = _coverage(sample, reader, parsed, semantic_text, keyword)
            assert new == _coverage(sample, OneByOne(reader), parsed, semantic_text,
                                    keyword), text
            if new is not None:
                weighed += 1
                partial += any(0 < share < 1 for share in new.values())
    # the comparison means something: most queries are weighed, many hits match only some
    # of their words
    assert weighed >= 20 and partial >= 10, (weighed, partial)


@pytest.mark.parametrize("extra", ["NOT covid", "NOT (pandemic OR covid)", "digital*",
                                   "vouch?rs"])
def test_words_under_not_and_patterns_count_for_nothing(sample, extra):
    base = "liquidity guarantees for exporters with cancelled orders"
    with sample.reader() as reader:
        parsed, text, keyword = _inputs(sample, reader, base)
        other, other_text, _ = _inputs(sample, reader, f"{base} {extra}")
        expected = _coverage(sample, reader, parsed, text, keyword)
        assert expected is not None and any(share < 1 for share in expected.values())
        assert _coverage(sample, reader, other, other_text, keyword) == expected
        assert _coverage(sample, OneByOne(reader), other, other_text, keyword) == expected


def test_a_documents_body_terms_hold_its_title_terms():
    # what lets the Whoosh engine's matching_each skip a title term beside its body term
    from index import prepare_document
    from tests.helpers import make_doc

    for lang in ("en", "de", "hu", "fr"):
        prepared = prepare_document(make_doc(
            "x", "Zebras and Quokkas of Transdanubia", "Nothing in the text is like it.",
            language=lang))
        assert prepared.title and set(prepared.title) <= set(prepared.body)
