"""A results page's facet links (``SearchParams.toggle_urls``): this checkout's
search_app/params.py against another revision's, alternating, on the facets of real searches.

    .venv/bin/python bench/bench_params.py --before main
    .venv/bin/python bench/bench_params.py --before 1949262 --passages 100000 --engine tantivy

The searches are bench_http's 400 URLs (200 synthetic query texts, a quarter with filters),
run once (keyword only, no passages), on bench_search's synthetic index (built when missing, in
$KB_BENCH_DIR, default /tmp/kb-bench). Each round then builds, for every URL and both paths
(the page's ``/``, the API's ``/api/search``), the links of every facet its result shows, as
``search_page`` does, with one revision's code and then the other's (which goes first
alternates), in CPU time (``time.process_time``). Prints each round's mean per page, the
medians over the rounds and their ratio, and how many links differ (there should be none).
Say the machine's load (``uptime``) beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_http import urls  # noqa: E402
from bench.bench_search import index_path  # noqa: E402
from bench.revision import revision_module  # noqa: E402
from bench.synthetic import build, queries  # noqa: E402
from index import SearchResult, search, set_semantic_enabled  # noqa: E402
from search_app import params as current  # noqa: E402
from search_app.search_page import to_request  # noqa: E402

PATHS = ("/", "/api/search")


def facet_links(module: ModuleType, pages: list[tuple[str, SearchResult]]) -> list[list[str]]:
    """Every facet link of every page, as ``search_page._facets`` builds them."""
    out = []
    for query, result in pages:
        params = module.parse_params(parse_qsl(query))
        for path in PATHS:
            for name in module.FACETS:
                facet = result.facets.get(name)
                if facet is not None:
                    out.append(params.toggle_urls(name, [v.value for v in facet.values], path))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, metavar="REV",
                    help="the git revision whose search_app/params.py is compared")
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--engine", default="tantivy")
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    set_semantic_enabled(False)
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    store = build(index_path(base, args.passages, args.engine), args.passages, args.engine)
    pages = []
    for query in urls(queries(), 400):
        params = current.parse_params(parse_qsl(query))
        pages.append((query, search(store, to_request(params, passages=0))))
    links = sum(len(facet) for facet in facet_links(current, pages))
    with tempfile.TemporaryDirectory() as folder:
        before = revision_module(args.before, "search_app/params.py", Path(folder))
        differ = sum(a != b for a, b in zip(facet_links(before, pages),
                                            facet_links(current, pages), strict=True))
        print(f"{len(pages)} pages x {len(PATHS)} paths, {links:,} facet links; "
              f"facets whose links differ: {differ}")
        times: dict[str, list[float]] = {args.before: [], "this checkout": []}
        for round_ in range(args.rounds):
            order = [(args.before, before), ("this checkout", current)]
            for label, module in order if round_ % 2 == 0 else order[::-1]:
                start = time.process_time()
                facet_links(module, pages)
                per_page = (time.process_time() - start) / (len(pages) * len(PATHS)) * 1000
                times[label].append(per_page)
            print(f"round {round_ + 1}: " + ", ".join(
                f"{label} {values[-1]:.3f}" for label, values in times.items()) + " ms per page")
    first, second = (statistics.median(values) for values in times.values())
    print(f"medians: {args.before} {first:.3f}, this checkout {second:.3f} ms of CPU per page's "
          f"facet links; ratio {second / first:.2f}")


if __name__ == "__main__":
    main()
