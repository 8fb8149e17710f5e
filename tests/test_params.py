"""search_app.params.SearchParams: changing the filters (a facet toggled or removed) keeps
every other field of the search; only the page goes back to 1; the facet links built in bulk
(toggle_urls) are those of the toggled searches."""

from __future__ import annotations

import dataclasses
import random

from index import SORTS
from search_app.params import FACETS, SearchParams

#: a value other than the default for every field (a field added to SearchParams needs one
#: here: the test below fails until it has one, and then checks the facet links keep it)
NOT_DEFAULT = {
    "q": "export vouchers",
    "filters": (("country", ("ES",)),),
    "year_from": 2016,
    "year_to": 2021,
    "sort": "newest",
    "page": 3,
    "size": 50,
}


def test_a_facet_change_keeps_every_other_field():
    names = {f.name for f in dataclasses.fields(SearchParams)}
    assert names == set(NOT_DEFAULT), f"give NOT_DEFAULT a value for {names - set(NOT_DEFAULT)}"
    params = SearchParams(**NOT_DEFAULT)  # type: ignore[arg-type]
    assert all(getattr(params, f.name) != (f.default_factory() if f.default is dataclasses.MISSING
                                           else f.default)  # type: ignore[misc]
               for f in dataclasses.fields(SearchParams))
    changed = {
        "toggled on": params.toggle("theme", "covid_response"),
        "toggled off": params.toggle("country", "ES"),
        "removed": params.without("country"),
        "value removed": params.without("country", "ES"),
        "years removed": params.without("year_range"),
    }
    for how, new in changed.items():
        assert new.page == 1, how
        for f in dataclasses.fields(SearchParams):
            if f.name in ("filters", "page") or (how == "years removed" and
                                                 f.name.startswith("year_")):
                continue
            assert getattr(new, f.name) == getattr(params, f.name), (how, f.name)
    assert changed["toggled on"].filters == (("country", ("ES",)), ("theme", ("covid_response",)))
    assert changed["toggled off"].filters == changed["removed"].filters == ()


def test_toggle_urls_are_the_urls_of_the_toggled_searches():
    """The page's facet links (toggle_urls, built from shared parts) are exactly the URLs of
    the toggled searches, whatever the search: filters in any order, repeated or unknown
    facets, values that need encoding, year bounds, every sort and size, another page."""
    rng = random.Random(7)
    values = ["HU", "ES", "a b", "ü&=/?", "2019", ""]
    facets = [*FACETS, "not-a-facet"]
    cases = [SearchParams(**NOT_DEFAULT), SearchParams()]  # type: ignore[arg-type]
    for _ in range(3000):
        filters = tuple((name, tuple(rng.choice(values) for _ in range(rng.randint(0, 3))))
                        for name in rng.sample(facets, rng.randint(0, 4)))
        cases.append(SearchParams(
            q=rng.choice(["", "export", "a&b c=d"]), filters=filters,
            year_from=rng.choice([None, 2018]), year_to=rng.choice([None, 2021]),
            sort=rng.choice(SORTS), page=rng.choice([1, 3]), size=rng.choice([10, 20, 7])))
    for params in cases:
        facet = rng.choice(facets)
        shown = [rng.choice(values) for _ in range(4)]
        for path in ("/", "/api/search"):
            assert params.toggle_urls(facet, shown, path) == [
                params.toggle(facet, v).url(path) for v in shown], (params, facet, shown)
