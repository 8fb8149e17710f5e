"""What semantic search costs: search latency, ingest time with vectors, server memory.

    .venv/bin/python bench/bench_semantic.py latency --index /tmp/kb-sample   # on vs off
    .venv/bin/python bench/bench_semantic.py latency --index /tmp/kb-sample --clients 4
    .venv/bin/python bench/bench_semantic.py latency --index /tmp/kb-sample --steps --rounds 2
    .venv/bin/python bench/bench_semantic.py latency --index /tmp/kb-sample --clients 2 --slots
    .venv/bin/python bench/bench_semantic.py coverage --index /tmp/kb-sample --rounds 3
    .venv/bin/python bench/bench_semantic.py typo --index /tmp/kb-sample --rounds 5
    .venv/bin/python bench/bench_semantic.py filters --index /tmp/kb-sample --rounds 5
    .venv/bin/python bench/bench_semantic.py glossary --index /tmp/kb-sample --rounds 3
    .venv/bin/python bench/bench_semantic.py glossary --index /tmp/bigger --against /tmp/today
    .venv/bin/python bench/bench_semantic.py ingest 1000 --compare none   # 1,000 documents
    .venv/bin/python bench/bench_semantic.py ingest 50 --rounds 2   # cost of passage vectors
    .venv/bin/python bench/bench_semantic.py ingest 20 --rounds 2 --compare workers
    .venv/bin/python bench/bench_semantic.py ingest 10 --rounds 2 --compare cut
    .venv/bin/python bench/bench_semantic.py memory         # server RSS, 10,000 documents
    .venv/bin/python bench/bench_semantic.py similar --before main --rows 11

latency: the library call the site uses (index.search, all facets, 3 highlighted passages, 10
hits) on an index made by `kb ingest` (with its vectors), over the HTTP bench's sample queries
and our judged queries, each query in three modes in turn (which goes first rotates): semantic
on with the query's vector still to make ("cold": dropped from the model's cache first, as
for a query never seen), on with the vector already made ("warm": paging, a facet click, the
suggestion box's query again) and off (KB_SEMANTIC); p50, p95, mean, the differences to off
and the ratio. The goal of issue 11 is judged on cold queries.

latency --steps: where the time goes, each step of index.search timed (semantic on, cold, and
off in turn), with the model call's wall and CPU time and when it began.

latency --clients N: N searches at once in one process (threads, as a server's), groups of N
queries semantic on (cold) and off in turn. With --slots: the model's calls one at a time (as
before 2026-12-01) against one per core, alternating.

coverage: what the hybrid ranking's coverage weighting costs a search (index.search's
_coverage: which content words of the query each of the first keyword hits matches), over the
same queries, two ways in turn (which goes first rotates): each word query asked of the engine
one at a time (``reader.matching``, as before 2026-12-02) and all in one call
(``reader.matching_each``); ms per query, the ratio, and whether the values are the same. The
index's engine is the one it was built with (`kb ingest --engine tantivy` for the other).

ingest: N synthetic documents (bench/synthetic.py, 10 passages each) written with the index
API (the keyword index), then embedded (index.semantic.embed_index); seconds for each part,
alternating (--rounds) two settings, with the ratio: the document text alone
(PASSAGE_VECTORS = 0, PASSAGE_LIST_VECTORS = 0) against what the product embeds (the document
text, its leading passages and, since 2026-12-02, its later passages for the passage list),
or (--compare workers) one model call at a time against KB_EMBED_WORKERS (default: one per
core); --compare none: the product only.

similar: "more like this" (index.semantic.similar_documents, twice on every document page:
any language, other languages) and loading the vectors (VectorIndex), this checkout against
the revision --before (its index/vectors.py and index/semantic.py), alternating, on random
unit vectors of --documents documents of --rows rows each, laid out as a vectors file lays
them out (each document's vote, 1 + PASSAGE_VECTORS rows, then its later passages' rows);
ms per call (medians of the rounds, CPU time), their ratio, and whether the answers agree.

typo: what embedding a typo-tolerant query again costs (index.search.TYPO_TOLERANCE: a query
ranked by its clear correction is embedded from the corrected text too, a second model call),
over the judged typo queries of the development sets (tuning, held-out, heldout2-heldout6),
cold (neither text's vector in the model's cache), two ways in turn (which goes first
rotates): the vector as typed only (index.search._restart_semantic made to keep the first, as
before 2026-12-02) and the product's; p50, p95, mean, the ratio, and how many of the
queries were embedded again.

filters: what ranking by meaning under a filter costs since its documents keep their ranks
among all documents (index.semantic.Fusion.filtered_ranks "all": the semantic lists rank every
document, then keep those the filter allows), against ranking only those ("filtered", as
before 2026-12-02), over the judged filtered queries of the development sets, warm (the
vector made before), the two ways alternating (which goes first rotates); p50, p95, mean,
the ratio.

memory: `kb serve` on a copy of an index (default: the synthetic one of 10,000 documents,
100,000 passages, built by bench/synthetic.py in $KB_BENCH_DIR; --index another), once without
vectors and once with a vectors file of --documents (10,000) documents (--rows vectors each);
RSS of the server process after the same 200 searches (which load the model). The vectors
are random unit vectors of the model's size (clearly synthetic: embedding 10,000 documents
takes hours on this machine; memory does not depend on the values).

glossary: what the taxonomy's domain glossary (its ``glossary`` groups, searched as synonyms)
costs a search: over the same queries as latency's, the index's synonym groups with the
glossary and the sample taxonomy's other groups (its ``synonyms`` and the countries' names,
ingest.SynonymParts) in turn (which goes first rotates), semantic off and on (warm: the
query's vector made beforehand, as the glossary does not change it); p50, p95, mean and the
ratio. The index is only read (the groups are swapped in the process). With ``--against
INDEX``, the groups of that index (another glossary: today's, against a larger one in
--index) take the place of those without the glossary.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.bench_http import SAMPLE_QUERIES, percentile, start_server  # noqa: E402
from bench.bench_memory import rss_mb  # noqa: E402
from index import (  # noqa: E402
    IndexStore,
    SearchRequest,
    embed_index,
    search,
    set_semantic_enabled,
)
from index.search import semantic_text  # noqa: E402
from tests.references import OneByOne  # noqa: E402


def judged_queries() -> list[str]:
    path = ROOT / "bench" / "judgments" / "upgradesme" / "queries.jsonl"
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def _print_times(title: str, label: str, times: dict[str, list[float]]) -> None:
    print(f"{title}; load average {os.getloadavg()[0]:.1f}")
    width = max(len(name) for name in times)
    for name, values in times.items():
        print(f"  {label} {name:<{width}}  p50 {percentile(values, .5):6.1f} ms  "
              f"p95 {percentile(values, .95):6.1f} ms  mean {statistics.mean(values):6.1f} ms")


MODES = ("on, cold", "on, warm", "off")


def latency(index: Path, rounds: int) -> None:
    store = IndexStore(index)
    qs = SAMPLE_QUERIES + judged_queries()
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for q in qs[:10]:  # warm up (model loaded, searchers open)
        search(store, SearchRequest(query=q))
    for r in range(rounds):
        for i, q in enumerate(qs):
            shift = (i + r) % len(MODES)  # each mode first, second and last in turn
            for mode in MODES[shift:] + MODES[:shift]:
                set_semantic_enabled(mode != "off")
                if mode == "on, cold":  # the query's vector is made in the timed search
                    _drop_query_vector(q)
                elif mode == "on, warm":  # it is there already (paging, a facet click)
                    search(store, SearchRequest(query=q))
                started = time.perf_counter()
                search(store, SearchRequest(query=q))
                times[mode].append((time.perf_counter() - started) * 1000)
    set_semantic_enabled(True)
    _print_times(f"{len(qs)} queries x {rounds} rounds, alternating", "semantic", times)
    _print_differences(times)


def steps(index: Path, rounds: int) -> None:
    """Where a search's time goes, semantic on (cold) and off in turn: each step of
    index.search timed by wrapping the functions it calls (mean / p50 / p95 ms per search), and
    the model call's wall and CPU time in its thread."""
    import functools
    import importlib
    import threading

    from index.embedder import default_embedder

    search_module = importlib.import_module("index.search")
    semantic_module = importlib.import_module("index.semantic")
    spent: dict[str, float] = {}
    model: dict[str, float] = {}

    def timed(module: object, name: str, label: str | None = None) -> None:
        fn = getattr(module, name)

        @functools.wraps(fn)
        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                key = label or name
                spent[key] = spent.get(key, 0.0) + (time.perf_counter() - started) * 1000

        setattr(module, name, wrapper)

    for name in ("_start_semantic", "parse_query", "add_synonyms", "correction",
                 "_query_vector", "_hits", "_attach_passages", "_facet_values_of", "_unmatched",
                 "_coverage"):
        timed(search_module, name)
    timed(search_module._Semantic, "ranking", "ranking by meaning (mask, products, order)")
    timed(semantic_module, "rank_by_meaning", "  of which rank_by_meaning")
    timed(semantic_module, "fuse")
    inner = default_embedder().inner
    encode = inner._encode  # type: ignore[attr-defined]

    def encode_timed(texts: list[str], is_query: bool) -> object:
        if threading.current_thread() is threading.main_thread():
            return encode(texts, is_query)
        wall, cpu = time.perf_counter(), time.thread_time()
        model["began"] = wall
        try:
            return encode(texts, is_query)
        finally:
            model["model call, wall"] = (time.perf_counter() - wall) * 1000
            model["model call, CPU of its thread"] = (time.thread_time() - cpu) * 1000

    inner._encode = encode_timed  # type: ignore[attr-defined]
    store = IndexStore(index)
    qs = SAMPLE_QUERIES + judged_queries()
    for q in qs[:10]:
        search(store, SearchRequest(query=q))
    rows: dict[str, list[dict[str, float]]] = {"on, cold": [], "off": []}
    for r in range(rounds):
        for i, q in enumerate(qs):
            for mode in (rows if (i + r) % 2 == 0 else list(rows)[::-1]):
                set_semantic_enabled(mode != "off")
                _drop_query_vector(q)
                spent.clear()
                model.clear()
                started = time.perf_counter()
                search(store, SearchRequest(query=q))
                row = {"whole search": (time.perf_counter() - started) * 1000, **spent}
                if "began" in model:
                    row["model call began, after the search did"] = (
                        (model.pop("began") - started) * 1000)
                    row.update(model)
                rows[mode].append(row)
    set_semantic_enabled(True)
    print(f"{len(qs)} queries x {rounds} rounds, semantic on (cold) and off in turn; load "
          f"average {os.getloadavg()[0]:.1f}; ms per search (0 where a step did not run)")
    for mode, found in rows.items():
        print(f"  {mode}")
        names = list(dict.fromkeys(k for row in found for k in row))
        for name in names:
            values = [row.get(name, 0.0) for row in found]
            print(f"    {name:<45} mean {statistics.mean(values):7.2f}  p50 "
                  f"{percentile(values, .5):7.2f}  p95 {percentile(values, .95):7.2f}")


def coverage(index: Path, rounds: int) -> None:
    """The coverage weighting's time per search, the engine asked one word query at a time
    against all at once, alternating (see the module's docstring)."""
    import importlib

    from index import engine as protocol
    from index import semantic
    from index.query import add_synonyms, parse_query

    search_module = importlib.import_module("index.search")
    store = IndexStore(index)
    qs = SAMPLE_QUERIES + judged_queries()
    ways = ("one call per word", "one call")
    times: dict[str, list[float]] = {way: [] for way in ways}
    weighed: list[bool] = []
    same = True
    with store.reader() as reader:
        synonyms = store.load_synonyms()
        cases = []
        for q in qs:  # as index.search has them when it weighs the coverage
            parsed = parse_query(q)
            add_synonyms(parsed, synonyms)
            if parsed.documents is None:
                continue
            keyword = reader.search(parsed.documents, protocol.Filter.of({}),
                                    limit=semantic.FUSION.fuse_depth).ids
            cases.append((parsed, semantic_text(q), keyword))
        readers = {ways[0]: OneByOne(reader), ways[1]: reader}
        for r in range(rounds):
            for i, (parsed, text, keyword) in enumerate(cases):
                values = {}
                for way in (ways if (i + r) % 2 == 0 else ways[::-1]):
                    started = time.perf_counter()
                    values[way] = search_module._coverage(readers[way], synonyms, parsed, text,
                                                          keyword)
                    times[way].append((time.perf_counter() - started) * 1000)
                same = same and values[ways[0]] == values[ways[1]]
                if r == 0:
                    weighed.append(values[ways[1]] is not None)
    print(f"engine {store.engine_name()}; {len(cases)} queries x {rounds} rounds, "
          f"{sum(weighed)} of them weighed (3+ content words); load average "
          f"{os.getloadavg()[0]:.1f}")
    for label, keep in (("all queries", None), ("weighed only", True)):
        print(f"  {label}")
        for way in ways:
            values = [t for t, w in zip(times[way], weighed * rounds, strict=True)
                      if keep is None or w]
            print(f"    {way:<18} p50 {percentile(values, .5):6.2f} ms  p95 "
                  f"{percentile(values, .95):6.2f} ms  mean {statistics.mean(values):6.2f} ms")
    print(f"  mean ratio one call / one per word: "
          f"{statistics.mean(times[ways[1]]) / statistics.mean(times[ways[0]]):.2f}; "
          f"the same values: {'yes' if same else 'NO'}")


DEVELOPMENT_SETS = ("upgradesme", "upgradesme-heldout", "upgradesme-heldout2",
                    "upgradesme-heldout3", "upgradesme-heldout4", "upgradesme-heldout5",
                    "upgradesme-heldout6")


def typo(index: Path, rounds: int) -> None:
    """A typo-tolerant query's search embedded as typed only, and embedded again corrected
    (the product), alternating, cold (see the module's docstring)."""
    import importlib

    from index.embedder import default_embedder

    search_module = importlib.import_module("index.search")
    restart = search_module._restart_semantic
    store = IndexStore(index)
    qs = []
    for name in DEVELOPMENT_SETS:
        with open(ROOT / "bench" / "judgments" / name / "queries.jsonl", encoding="utf-8") as fh:
            qs += [row["text"] for line in fh if line.strip()
                   for row in [json.loads(line)] if "typo" in row.get("kind", [])]
    again: set[str] = set()

    def counted(started: tuple, text: str) -> tuple:  # type: ignore[type-arg]
        again.add(text)
        return restart(started, text)

    ways = ("as typed only", "corrected too")
    patched = {ways[0]: lambda started, text: started, ways[1]: counted}
    times: dict[str, list[float]] = {way: [] for way in ways}
    for q in qs:  # warm up (model loaded, searchers open)
        search(store, SearchRequest(query=q))
    try:
        for r in range(rounds):
            for i, q in enumerate(qs):
                for way in (ways if (i + r) % 2 == 0 else ways[::-1]):
                    search_module._restart_semantic = patched[way]  # type: ignore[attr-defined]
                    with default_embedder()._lock:
                        default_embedder()._cache.clear()
                    started = time.perf_counter()
                    search(store, SearchRequest(query=q))
                    times[way].append((time.perf_counter() - started) * 1000)
    finally:
        search_module._restart_semantic = restart  # type: ignore[attr-defined]
    _print_times(f"{len(qs)} judged typo queries ({len(again)} embedded again) x {rounds} "
                 "rounds, cold, alternating", "vector", times)
    print(f"  mean ratio corrected too / as typed only: "
          f"{statistics.mean(times[ways[1]]) / statistics.mean(times[ways[0]]):.2f}")


def filters(index: Path, rounds: int) -> None:
    """A filtered search with its semantic lists ranked among all documents, and among those
    the filter allows, alternating (see the module's docstring)."""
    from dataclasses import replace

    from index import semantic

    store = IndexStore(index)
    reqs = []
    for name in DEVELOPMENT_SETS:
        with open(ROOT / "bench" / "judgments" / name / "queries.jsonl", encoding="utf-8") as fh:
            reqs += [SearchRequest(query=row["text"], filters=row["filters"])
                     for line in fh if line.strip()
                     for row in [json.loads(line)] if row.get("filters")]
    product = semantic.FUSION
    ways = ("among the filtered", "among all")
    settings = {ways[0]: replace(product, filtered_ranks="filtered"),
                ways[1]: replace(product, filtered_ranks="all")}
    times: dict[str, list[float]] = {way: [] for way in ways}
    for req in reqs:  # warm up: the vectors made, the searchers open
        search(store, req)
    try:
        for r in range(rounds):
            for i, req in enumerate(reqs):
                for way in (ways if (i + r) % 2 == 0 else ways[::-1]):
                    semantic.FUSION = settings[way]
                    started = time.perf_counter()
                    search(store, req)
                    times[way].append((time.perf_counter() - started) * 1000)
    finally:
        semantic.FUSION = product
    _print_times(f"{len(reqs)} judged filtered queries x {rounds} rounds, warm, alternating",
                 "ranks", times)
    print(f"  mean ratio among all / among the filtered: "
          f"{statistics.mean(times[ways[1]]) / statistics.mean(times[ways[0]]):.2f}")


def glossary(index: Path, rounds: int, against: Path | None = None) -> None:
    """A search with the glossary's synonym groups and without (or with those of the index
    ``against``), alternating, semantic off and on (warm) (see the module's docstring)."""
    from ingest import load_taxonomy

    store = IndexStore(index)
    groups = store.load_synonyms()
    parts = load_taxonomy(ROOT / "corpus").synonym_parts
    curated = [*parts.synonyms, *parts.countries]
    ways = ("without the glossary", "with the glossary")
    if against is not None:
        curated = IndexStore(against).load_synonyms()
        ways = (f"{len(curated)} groups", f"{len(groups)} groups")
    kept = {ways[0]: curated, ways[1]: groups}
    qs = SAMPLE_QUERIES + judged_queries()
    try:
        for semantic_on in (False, True):
            set_semantic_enabled(semantic_on)
            times: dict[str, list[float]] = {way: [] for way in ways}
            for q in qs:  # warm up: the vectors made, the searchers open
                search(store, SearchRequest(query=q))
            for r in range(rounds):
                for i, q in enumerate(qs):
                    for way in (ways if (i + r) % 2 == 0 else ways[::-1]):
                        store.load_synonyms = lambda way=way: kept[way]  # type: ignore[method-assign]
                        started = time.perf_counter()
                        search(store, SearchRequest(query=q))
                        times[way].append((time.perf_counter() - started) * 1000)
            _print_times(f"semantic {'on (warm)' if semantic_on else 'off'}: {len(qs)} queries x "
                         f"{rounds} rounds, {len(curated)} / {len(groups)} synonym groups, "
                         "alternating", "", times)
            print(f"  mean ratio {ways[1]} / {ways[0]}: "
                  f"{statistics.mean(times[ways[1]]) / statistics.mean(times[ways[0]]):.2f}")
    finally:
        set_semantic_enabled(True)


def _drop_query_vector(q: str) -> None:
    """Forget the query's vector, so the next search embeds it (a cold query)."""
    from index.embedder import default_embedder

    cache = default_embedder()
    with cache._lock:
        cache._cache.pop((True, semantic_text(q)), None)


def _print_differences(times: dict[str, list[float]]) -> None:
    off = times["off"]
    for mode in ("on, cold", "on, warm"):
        on = times[mode]
        print(f"  {mode} - off: p50 {percentile(on, .5) - percentile(off, .5):+.1f} ms, "
              f"p95 {percentile(on, .95) - percentile(off, .95):+.1f} ms; mean ratio "
              f"{statistics.mean(on) / statistics.mean(off):.2f}")


def concurrent(index: Path, rounds: int, clients: int) -> None:
    """``clients`` searches at once in one process (threads, as a server's), semantic on
    (cold: every query's vector made anew) and off alternating group by group of queries."""
    from concurrent.futures import ThreadPoolExecutor

    store = IndexStore(index)
    qs = SAMPLE_QUERIES + judged_queries()
    modes = ("on, cold", "off")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for q in qs[:10]:
        search(store, SearchRequest(query=q))

    def timed(q: str) -> float:
        _drop_query_vector(q)
        started = time.perf_counter()
        search(store, SearchRequest(query=q))
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(clients) as pool:
        for r in range(rounds):
            for i in range(0, len(qs), clients):
                group = qs[i:i + clients]
                order = modes if (i // clients + r) % 2 == 0 else modes[::-1]
                for mode in order:
                    set_semantic_enabled(mode != "off")
                    times[mode].extend(pool.map(timed, group))
    set_semantic_enabled(True)
    _print_times(f"{len(qs)} queries x {rounds} rounds, {clients} at once, alternating",
                 "semantic", times)
    off, on = times["off"], times["on, cold"]
    print(f"  on, cold - off: p50 {percentile(on, .5) - percentile(off, .5):+.1f} ms, "
          f"p95 {percentile(on, .95) - percentile(off, .95):+.1f} ms; mean ratio "
          f"{statistics.mean(on) / statistics.mean(off):.2f}")


def slots(index: Path, rounds: int, clients: int) -> None:
    """Semantic search by ``clients`` threads at once in one process (as a server's threads
    search), the model's calls one at a time (as before) against as many at once as cores,
    alternating query group by query group; latency of each search."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from index.embedder import default_embedder

    store = IndexStore(index)
    qs = SAMPLE_QUERIES + judged_queries()
    model = default_embedder().inner
    slots = {"one at a time": threading.BoundedSemaphore(1),
             "one per core": model._slots}  # type: ignore[attr-defined]
    times: dict[str, list[float]] = {name: [] for name in slots}
    for q in qs[:10]:
        search(store, SearchRequest(query=q))

    def timed(q: str) -> float:
        started = time.perf_counter()
        search(store, SearchRequest(query=q))
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(clients) as pool:
        for r in range(rounds):
            default_embedder()._cache.clear()
            for i in range(0, len(qs), clients):
                group = qs[i:i + clients]
                order = list(slots) if (i // clients + r) % 2 == 0 else list(slots)[::-1]
                for name in order:
                    model._slots = slots[name]  # type: ignore[attr-defined]
                    default_embedder()._cache.clear()
                    times[name].extend(pool.map(timed, group))
    model._slots = slots["one per core"]  # type: ignore[attr-defined]
    _print_times(f"{len(qs)} queries x {rounds} rounds, {clients} at once, alternating",
                 "model calls", times)
    a, b = times["one per core"], times["one at a time"]
    ratio = statistics.mean(a) / statistics.mean(b)
    print(f"  mean ratio one per core / one at a time {ratio:.2f}")


#: ``ingest --compare cut``: characters of a passage list's text (~128 tokens of the sample
#: corpus's, 4.5 characters a token).
CUT_CHARS = 600


def ingest(n: int, rounds: int = 1, compare: str = "passages") -> None:
    """Embedding time of ``n`` synthetic documents, each setting on a fresh index and model
    cache, alternating (``rounds``); progress every minute. ``compare``: "passages" (the
    document text alone, PASSAGE_VECTORS = PASSAGE_LIST_VECTORS = 0, against the product's
    texts), "workers" (the product's texts, one model call at a time against the default
    KB_EMBED_WORKERS: one per core), "cut" (the product's texts against the same with the
    passage list's texts cut to CUT_CHARS characters, ~128 tokens: a cheaper choice measured
    and dropped for quality, bench/README.md) or "none" (the product only)."""
    import index.semantic as sem
    from bench.synthetic import documents
    from index.embedder import default_embedder
    from index.vectors import VectorSet

    docs = list(documents(n * 10, per_doc=10))
    names = ("PASSAGE_VECTORS", "PASSAGE_LIST_VECTORS", "PASSAGE_LIST_CHARS")
    product = {name: getattr(sem, name) for name in names}
    workers = sem.embed_workers()
    # label -> (the settings of index.semantic, KB_EMBED_WORKERS)
    product_label = ", ".join(f"{name}={value}" for name, value in product.items())
    settings = {f"{product_label}, KB_EMBED_WORKERS={workers}": (product, workers)}
    if compare == "passages":
        alone = {**product, "PASSAGE_VECTORS": 0, "PASSAGE_LIST_VECTORS": 0}
        settings = {f"PASSAGE_VECTORS=0, PASSAGE_LIST_VECTORS=0, KB_EMBED_WORKERS={workers}":
                    (alone, workers), **settings}
    elif compare == "workers":
        settings = {f"{product_label}, KB_EMBED_WORKERS=1": (product, 1), **settings}
    elif compare == "cut":
        settings[f"PASSAGE_LIST_CHARS={CUT_CHARS}, KB_EMBED_WORKERS={workers}"] = (
            {**product, "PASSAGE_LIST_CHARS": CUT_CHARS}, workers)
    seconds: dict[str, list[float]] = {label: [] for label in settings}
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] >= 60:
            last[0] = time.perf_counter()
            print(f"  {done} of {total} documents embedded after {last[0] - started:.0f} s; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)

    for r in range(rounds):
        order = list(settings) if r % 2 == 0 else list(settings)[::-1]
        for label in order:
            values, calls = settings[label]
            for name, value in values.items():
                setattr(sem, name, value)
            default_embedder()._cache.clear()
            folder = Path(tempfile.mkdtemp(prefix="kb-semantic-ingest-"))
            try:
                store = IndexStore(folder / "index")
                started = time.perf_counter()
                with store.lock(), store.rebuild() as writer:
                    for doc in docs:
                        writer.put(doc)
                keyword = time.perf_counter() - started
                started = time.perf_counter()
                report = embed_index(store, progress=progress, workers=calls)
                vectors = time.perf_counter() - started
                gen = store.current_generation()
                vs = VectorSet.load(gen) if gen is not None else None
                texts = len(vs) if vs is not None else 0
                seconds[label].append(vectors)
                print(f"{label}: {len(docs)} synthetic documents ({n * 10} passages): keyword "
                      f"index {keyword:.1f} s, vectors {vectors:.1f} s ({report.embedded} "
                      f"documents, {texts} texts, {report.embedded / vectors:.2f} documents/s); "
                      f"load average {os.getloadavg()[0]:.1f}", flush=True)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    for name, value in product.items():
        setattr(sem, name, value)
    if len(settings) == 2:
        first, second = settings
        print(f"vectors time, {second} / {first}: "
              f"{statistics.mean(seconds[second]) / statistics.mean(seconds[first]):.2f}")


def _serve_rss(index: Path, queries: list[str]) -> float:
    import httpx

    proc, base = start_server(index, ROOT / "corpus", 1, env_extra={"KB_CACHE_SIZE": "0"})
    try:
        with httpx.Client(timeout=60) as client:
            for q in queries:
                client.get(base + "/api/search", params={"q": q})
        return rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def memory(index: Path | None, documents: int, rows: int = 1) -> None:
    from bench.synthetic import build, queries
    from index.embedder import MODEL_NAME
    from index.semantic import PASSAGE_VECTORS
    from index.vectors import VectorSet

    if index is None:
        base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
        index = build(base / "search-100000", 100_000).path
    folder = Path(tempfile.mkdtemp(prefix="kb-semantic-memory-"))
    try:
        shutil.copytree(index, folder / "index")
        store = IndexStore(folder / "index")
        gen = store.current_generation()
        assert gen is not None
        (gen / "vectors.npz").unlink(missing_ok=True)
        ids = [d["id"] for d in store.document_texts(passages=0)]
        # rows for `documents` documents: the index's own, then made-up ids (their rows are
        # loaded and searched like the others; only the result pages do not show them)
        ids += [f"synthetic-extra-{i}" for i in range(max(0, documents - len(ids)))]
        qs = queries(200)
        without = _serve_rss(store.path, qs)
        rng = np.random.default_rng(5)
        row_ids = [i for i in ids for _ in range(rows)]  # --rows vectors per document
        vectors = rng.standard_normal((len(row_ids), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        # as the product makes them: a document's first 1 + PASSAGE_VECTORS rows are its
        # vote, the others (its later passages) for the passage list only
        vote = 1 + PASSAGE_VECTORS
        listed = np.array([j >= vote for _ in ids for j in range(rows)], dtype=bool)
        VectorSet(row_ids, [f"synthetic-{i}" for i in range(len(row_ids))],
                  ["en"] * len(row_ids), vectors, MODEL_NAME, listed=listed).save(gen)
        with_vectors = _serve_rss(store.path, qs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"kb serve (1 worker) after 200 searches, load average {os.getloadavg()[0]:.1f}: "
          f"RSS {without:.0f} MB without vectors, {with_vectors:.0f} MB with the model and "
          f"vectors of {len(ids)} documents, {rows} per document ({min(rows, vote)} in its "
          f"vote) "
          f"({with_vectors - without:+.0f} MB)")


def similar(before: str, documents: int, rows: int, rounds: int) -> None:
    from bench.revision import revision_module
    from index import semantic, vectors
    from index.embedder import MODEL_NAME

    rng = np.random.default_rng(5)
    row_ids = [f"d{i}" for i in range(documents) for _ in range(rows)]
    unit = rng.standard_normal((len(row_ids), 384)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    vote = 1 + semantic.PASSAGE_VECTORS
    listed = np.array([j >= vote for _ in range(documents) for j in range(rows)], dtype=bool)
    langs = [("en", "de", "es", "hu")[i % 4] for i in range(documents) for _ in range(rows)]
    vs = vectors.VectorSet(row_ids, [f"k{i}" for i in range(len(row_ids))], langs, unit,
                           MODEL_NAME, listed=listed)
    everything = np.ones(documents, dtype=bool)
    asked = [f"d{i}" for i in rng.choice(documents, size=10, replace=False)]
    with tempfile.TemporaryDirectory() as folder:
        old_vectors = revision_module(before, "index/vectors.py", Path(folder))
        old_semantic = revision_module(before, "index/semantic.py", Path(folder))
        sides = {before: (old_vectors.VectorIndex, old_semantic.similar_documents),
                 "this checkout": (vectors.VectorIndex, semantic.similar_documents)}
        loads: dict[str, list[float]] = {name: [] for name in sides}
        calls: dict[str, list[float]] = {name: [] for name in sides}
        answers: dict[str, list[list[tuple[int, float]]]] = {}
        for round_ in range(rounds):
            for name in (list(sides) if round_ % 2 == 0 else list(sides)[::-1]):
                make, similar_documents = sides[name]
                gc.collect()  # (the other side's garbage is not this side's cost)
                start = time.process_time()
                vi = make(vs)
                loads[name].append((time.process_time() - start) * 1000)
                start = time.process_time()
                found = [similar_documents(vi, doc_id, everything, 24, other_languages=other)
                         for doc_id in asked for other in (False, True)]
                calls[name].append((time.process_time() - start) * 1000 / len(found))
                answers[name] = found
                del vi
    pairs = list(zip(answers[before], answers["this checkout"], strict=True))
    same = all([p for p, _ in a] == [p for p, _ in b] and np.allclose(
        [s for _, s in a], [s for _, s in b], atol=1e-6) for a, b in pairs)
    print(f"{documents:,} documents x {rows} rows ({min(rows, vote)} in the vote); "
          f"load average {os.getloadavg()[0]:.1f}; the same answers: {same}")
    for label, times in (("similar_documents, ms per call", calls),
                         ("VectorIndex(vectors), ms", loads)):
        first, second = (statistics.median(values) for values in times.values())
        print(f"  {label}: {before} {first:.1f}, this checkout {second:.1f} "
              f"(ratio {second / first:.2f}; rounds: "
              + "; ".join(" / ".join(f"{v:.1f}" for v in values) for values in times.values())
              + ")")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)

    def on_an_index(name: str, rounds: int) -> argparse.ArgumentParser:
        """A command that searches an index ``--index`` for ``--rounds`` rounds."""
        command = sub.add_parser(name)
        command.add_argument("--index", type=Path, default=ROOT / "var" / "index")
        command.add_argument("--rounds", type=int, default=rounds)
        return command

    lat = on_an_index("latency", 3)
    lat.add_argument("--clients", type=int, default=0,
                     help="searches at once (threads), semantic on (cold) against off")
    lat.add_argument("--steps", action="store_true",
                     help="where the time goes: each step of index.search, semantic on "
                          "(cold) and off in turn")
    lat.add_argument("--slots", action="store_true",
                     help="with --clients: the model's calls one at a time against one "
                          "per core (semantic on)")
    for name, rounds in (("coverage", 3), ("typo", 3), ("filters", 5)):
        on_an_index(name, rounds)
    on_an_index("glossary", 3).add_argument(
        "--against", type=Path, default=None, metavar="INDEX",
        help="the synonym groups of INDEX (another glossary) instead of those without the "
             "glossary")
    ing = sub.add_parser("ingest")
    ing.add_argument("documents", type=int, nargs="?", default=1000)
    ing.add_argument("--rounds", type=int, default=1)
    ing.add_argument("--compare", choices=("passages", "workers", "cut", "none"),
                     default="passages",
                     help="passages: the document text alone against the product's texts; "
                          "workers: one model call at a time against KB_EMBED_WORKERS; cut: "
                          "the product against the passage list's texts cut to CUT_CHARS "
                          "characters; none: the product only")
    mem = sub.add_parser("memory")
    mem.add_argument("--index", type=Path, default=None,
                     help="an index to copy (default: the synthetic 100k-passage index)")
    mem.add_argument("--documents", type=int, default=10_000)
    mem.add_argument("--rows", type=int, default=1,
                     help="vectors per document (a document of several passages has "
                          "1 + index.semantic.PASSAGE_VECTORS in its vote and one more for "
                          "each later passage, up to PASSAGE_LIST_VECTORS: 11 for 10 passages)")
    sim = sub.add_parser("similar")
    sim.add_argument("--before", required=True, metavar="REV",
                     help="the git revision whose index/vectors.py and semantic.py to compare")
    sim.add_argument("--documents", type=int, default=10_000)
    sim.add_argument("--rows", type=int, default=11, help="vectors per document (as memory's)")
    sim.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    if args.what == "similar":
        similar(args.before, args.documents, args.rows, args.rounds)
    elif args.what == "latency":
        if args.steps:
            steps(args.index, args.rounds)
        elif args.clients and args.slots:
            slots(args.index, args.rounds, args.clients)
        elif args.clients:
            concurrent(args.index, args.rounds, args.clients)
        else:
            latency(args.index, args.rounds)
    elif args.what == "coverage":
        coverage(args.index, args.rounds)
    elif args.what == "typo":
        typo(args.index, args.rounds)
    elif args.what == "filters":
        filters(args.index, args.rounds)
    elif args.what == "glossary":
        glossary(args.index, args.rounds, args.against)
    elif args.what == "ingest":
        ingest(args.documents, args.rounds, args.compare)
    else:
        memory(args.index, args.documents, args.rows)


if __name__ == "__main__":
    main()
