"""Whoosh's best passages of a page's hits (``WhooshReader.best_passages``: the query's matcher
skipped to the hits' passages, scored, best first) are those of the Whoosh search it replaced
(the query AND a constant-score OR of the hits' doc ids: tests/references.py), in the same
order, on the sample corpus for every tuning query: for pages of 10 hits, for 100 at once (an
export's batch) and with several passages a document. Likewise a document page's matching
passages (``WhooshReader.matching_passages``: the postings skipped to that document's passages,
index.whoosh.matches.WantedMatches) are those of the filtered search it replaced, which walked
every match of the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import IndexStore, semantic
from index.engine import Filter
from index.query import add_synonyms, parse_query
from ingest import run_ingest
from tests.helpers import copy_sample_corpus
from tests.references import whoosh_best_passages, whoosh_matching_passages

QUERIES = Path(__file__).resolve().parents[1] / "bench" / "judgments" / "upgradesme" / \
    "queries.jsonl"
#: more kinds of query than the tuning set has
MORE = ["\"export vouchers\"", "export NOT covid", "digital*", "vouch?rs", "Exportförderung",
        "innovation OR cooperation", "title:export", "\"small firms\"~3"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    root = tmp_path_factory.mktemp("best-passages")
    report = run_ingest(copy_sample_corpus(root), root / "index", workers=2, engine="whoosh")
    assert report.documents == 50
    return IndexStore(root / "index", engine="whoosh")


def test_the_same_passages_in_the_same_order_as_the_search_of_the_hits_ids(sample):
    texts = [json.loads(line)["text"] for line in QUERIES.read_text("utf-8").splitlines()
             if line.strip()] + MORE
    synonyms = sample.load_synonyms()
    compared = several = 0
    with sample.reader() as reader:
        for text in texts:
            parsed = parse_query(text)
            add_synonyms(parsed, synonyms)
            if parsed.documents is None or parsed.passages is None:
                continue
            ids = reader.search(parsed.documents, Filter.of({}),
                                limit=semantic.FUSION.fuse_depth).ids
            for part, per_doc in [*((ids[i:i + 10], 1) for i in range(0, len(ids), 10)),
                                  (ids, 1), (ids[:10], 3), (ids + ["no-such-document"], 2)]:
                new = reader.best_passages(parsed.passages, part, per_doc)
                assert new == whoosh_best_passages(reader, parsed.passages, part, per_doc), \
                    (text, per_doc)
                if new:
                    compared += sum(map(len, new.values()))
                    several += sum(len(found) > 1 for found in new.values())
    # the comparison means something: many passages found, documents with several
    assert compared >= 1000 and several >= 50, (compared, several)


def test_a_documents_matching_passages_are_those_of_the_filtered_search(sample):
    texts = [json.loads(line)["text"] for line in QUERIES.read_text("utf-8").splitlines()
             if line.strip()] + MORE
    synonyms = sample.load_synonyms()
    compared = matched = 0
    with sample.reader() as reader:
        every = reader.search(None, Filter.of({}, include_hidden=True), limit=100).ids
        for text in texts:
            parsed = parse_query(text)
            add_synonyms(parsed, synonyms)
            if parsed.passages is None:
                continue
            for doc_id in [*every, "no-such-document"]:
                new = reader.matching_passages(parsed.passages, doc_id)
                assert new == whoosh_matching_passages(reader, parsed.passages, doc_id), \
                    (text, doc_id)
                compared += 1
                matched += len(new)
    # the comparison means something: many passages of many documents matched
    assert compared >= 50 * len(texts) and matched >= 1000, (compared, matched)
