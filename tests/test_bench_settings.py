"""bench.relevance.apply_settings: a setting applied in a process that already searched
(bench/experiments.py's workers) changes what the next searches parse."""

from __future__ import annotations

import pytest

import index.query as query
from bench import relevance as rel


def test_a_module_setting_reaches_queries_parsed_before(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "wie beantrage ich die Förderung für kleine Unternehmen"
    assert query.query_language(text) == "de"
    monkeypatch.setattr(query, "QUERY_LANGUAGE_BOOST", 1.0)  # restored after the test
    before = query.parse_query(text).documents
    assert "boost=3.0" not in repr(before)
    try:
        rel.apply_settings(["QUERY_LANGUAGE_BOOST=3"])
        after = query.parse_query(text).documents
        assert "boost=3.0" in repr(after)  # the German fields weigh 3x now
    finally:
        query._parsed.cache_clear()
