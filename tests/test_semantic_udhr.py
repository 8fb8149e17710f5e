"""The UDHR cross-language goal of issue 11, through the product's search (also a bench:
bench/semantic_udhr.py). All 300 articles (1-30 of ten languages) in one index; a query of the
first 12 words of article N finds article N in the other language within the top 10."""

from __future__ import annotations

import pytest

from bench.semantic_udhr import PARTNER, build, directions, udhr_rows

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def scores(testdata, tmp_path_factory):
    rows = udhr_rows(testdata)
    store = build(tmp_path_factory.mktemp("udhr") / "index", rows)
    return directions(store, rows)


def test_every_direction_finds_at_least_80_percent_and_90_on_average(scores):
    dirs = {k: v for k, v in scores.items() if ">" in k}
    assert set(dirs) == {f"{x}>en" for x in PARTNER} | {f"en>{x}" for x in PARTNER}
    assert min(dirs.values()) >= 0.8, dirs
    assert sum(dirs.values()) / len(dirs) >= 0.9, dirs


def test_monolingual_queries_still_find_their_own_article_first(scores):
    # keyword search alone: 0.98 (bench/README.md)
    assert scores["mono"] >= 0.95
