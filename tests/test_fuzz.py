"""Fuzzing the query language and every search route's parameters (issue 9).

Hypothesis writes queries from the pieces of the query syntax (words, operators, groups,
phrases, field:value for every field name, ranges with huge or reversed ends, patterns,
weights, odd characters) and URL parameters (known and unknown names, numbers in other
scripts, huge, negative and empty values), and sends them to a real server on a free port:
no answer may be a 5xx, each must come within a generous per-request timeout (the client
gives up after REQUEST_TIMEOUT seconds: a hang fails the test, speed is not asserted), and the
process's memory must stay within MEMORY_GROWTH_MB of where it started.

    KB_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz.py -q -s    # a longer run

The default number of examples is small enough for CI; -s prints the counts.
"""

from __future__ import annotations

import collections
import os
import resource
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_app.app import create_app
from tests.browser.appdata import build, settings_for
from tests.helpers import server_thread

EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "40"))
REQUEST_TIMEOUT = 60.0
MEMORY_GROWTH_MB = 600

FIELDS = ["country", "region", "theme", "themes", "type", "doctype", "language", "lang",
          "year", "partner", "title", "body", "text", "colour", "evidence", "instrument"]
NUMBERS = st.one_of(st.integers(-10, 3000), st.integers(0, 2**64),
                    st.sampled_from(["4294967295", "99999999", "١٢", "１２", "1e9", "-0", ""]))
WORDS = st.one_of(
    st.sampled_from(["export", "vouchers", "covid", "matchmaking", "ES", "HU22", "report",
                     "en", "de", "Förderung", "exportutalvány", "a", "the", "x" * 300]),
    st.text(min_size=1, max_size=12),
)
PIECES = st.one_of(
    WORDS,
    st.sampled_from(["AND", "OR", "NOT", "(", ")", '"', "*", "?", "^", "~", "[", "]", "{",
                     "}", ":", "TO", "\\", "-", "+", "\x00", "&&", "||"]),
    st.builds(lambda f, w: f"{f}:{w}", st.sampled_from(FIELDS), WORDS),
    st.builds(lambda f, a, b: f"{f}:[{a} TO {b}]", st.sampled_from(FIELDS), NUMBERS, NUMBERS),
    st.builds(lambda w, n: f"{w}^{n}", WORDS, NUMBERS),
    st.builds(lambda w: f"{w}*", WORDS),
    st.builds(lambda w, v: f'"{w} {v}"~{len(v)}', WORDS, WORDS),
)
CLAUSES = st.one_of(
    st.builds(lambda f, w: f"{f}:{w}", st.sampled_from(FIELDS), WORDS),
    st.builds(lambda a, b: f"year:[{a} TO {b}]", NUMBERS, NUMBERS),
)
#: Operators around field clauses, nested: where the parser's corners are.
STRUCTURED = st.recursive(
    st.one_of(WORDS, CLAUSES),
    lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner,
                  st.sampled_from(["AND", "OR", "NOT", "AND NOT", "OR NOT", ""]), inner),
        st.builds(lambda a: f"({a})", inner),
        st.builds(lambda a: f"NOT {a}", inner),
    ),
    max_leaves=8,
)
QUERIES = st.one_of(
    STRUCTURED,
    st.lists(PIECES, max_size=25).map(" ".join),
    st.text(max_size=300),
)
PARAM_NAMES = st.sampled_from(["q", "country", "region", "theme", "type", "year", "language",
                               "partner", "year_from", "year_to", "sort", "page", "size",
                               "facet", "limit", "utm_source", "colour", "q[]", ""])
PARAM_VALUES = st.one_of(NUMBERS.map(str), WORDS, QUERIES,
                         st.sampled_from(["relevance", "newest", "title", "oldest", "NaN"]))
PARAMS = st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=8)
ROUTES = ["/", "/api/search", "/api/facets", "/api/export.csv", "/api/export.json",
          "/api/suggest", "/api/documents/doc-01", "/documents/doc-01"]

COUNTS: collections.Counter[str] = collections.Counter()
#: the process's RSS once the server is up and warm
START_MB: list[float] = []


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("fuzz")
    build(root / "index", root / "corpus")
    app = create_app(settings_for(root / "index", root / "corpus", cache_size=0))
    with server_thread(app) as base:
        yield base
    if COUNTS:
        print("\nfuzz counts: " + ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items())))


@pytest.fixture(scope="module")
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as c:
        for path in ROUTES:
            c.get(path, params={"q": "export"})
        START_MB.append(_rss_mb())
        yield c


def _check(client: httpx.Client, path: str, params: list[tuple[str, str]]) -> None:
    try:
        r = client.get(path, params=params)
    except httpx.TimeoutException:
        pytest.fail(f"no answer within {REQUEST_TIMEOUT:g} s: {path} {params!r}")
    COUNTS[f"{r.status_code}"] += 1
    COUNTS["requests"] += 1
    assert r.status_code < 500, (path, params, r.status_code, r.text[:300])


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(q=QUERIES)
def test_the_query_language_never_fails_on_any_route(client: httpx.Client, q: str) -> None:
    for path in ROUTES:
        _check(client, path, [("q", q)])


@FUZZ
@given(params=PARAMS, path=st.sampled_from(ROUTES))
def test_search_parameters_never_fail(client: httpx.Client, params: list[tuple[str, str]],
                                      path: str) -> None:
    _check(client, path, params)


def test_memory_stays_bounded_after_the_fuzzing(client: httpx.Client) -> None:
    """Runs after the two tests above (file order): the process (server included) has not
    grown past the bound since the server was warm, a last round of huge inputs included."""
    start = START_MB[0]
    for q in ("year:[0 TO 4294967295]", " ".join(f"*x{n}*" for n in range(200)),
              "(" * 500 + "export" + ")" * 500, "x" * 1000):
        for path in ROUTES:
            _check(client, path, [("q", q)])
    grown = _rss_mb() - start
    COUNTS["grown MB"] = round(grown)
    assert grown < MEMORY_GROWTH_MB, (start, _rss_mb())
