"""search_app.params.SearchParams: changing the filters (a facet toggled or removed) keeps
every other field of the search; only the page goes back to 1."""

from __future__ import annotations

import dataclasses

from search_app.params import SearchParams

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
