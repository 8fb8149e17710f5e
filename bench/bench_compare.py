"""Search latency of two checkouts of this code on the same index, alternating query by query.

    git worktree add /tmp/kb-before main      # or `git archive <commit> | tar -x -C DIR`
    .venv/bin/python bench/bench_compare.py /tmp/kb-before . --size 10000
    .venv/bin/python bench/bench_compare.py /tmp/kb-before . --size 100000 --rounds 2
    .venv/bin/python bench/bench_compare.py /tmp/kb-before . --size 100000 --engine tantivy

One worker process per checkout (``PYTHONPATH`` = the checkout, this venv) opens the same
synthetic index (bench/synthetic.py, built by the second checkout in $KB_BENCH_DIR, default
/tmp/kb-bench); the parent sends each query to one worker, then the other (which one goes first
alternates), so both see the same load. Each worker times ``index.search`` itself (all facets,
3 highlighted passages per hit, 10 hits; keyword only: ``KB_SEMANTIC=0``), warm. Prints p50 /
p95 / mean per checkout, plain queries and with 2 facet filters, and the ratio of the means,
and in how many searches the answers differ (total, hits, highlighted passages, facets).
``--engine`` picks the index of that engine (bench_search's, built with it). ``--index DIR``
times an index already made (the sample corpus's: ``kb ingest corpus --index DIR``) instead,
with bench_semantic's sample queries and the judged queries of bench/judgments/upgradesme.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_http import percentile  # noqa: E402

FILTERS = {"country": ["ES", "HU"], "theme": ["covid_response"]}

WORKER = r"""
import json, sys, time
import index
from index import IndexStore, SearchRequest, search
# keyword search only: the app's KB_SEMANTIC=0 (an older checkout reads the variable itself)
getattr(index, "set_semantic_enabled", lambda on: None)(False)
store = IndexStore(sys.argv[1])
for line in sys.stdin:
    job = json.loads(line)
    req = SearchRequest(query=job["q"], filters=job.get("filters") or {})
    t = time.perf_counter()
    result = search(store, req)
    ms = (time.perf_counter() - t) * 1000
    print(json.dumps({"ms": ms, "total": result.total,
                      "ids": [h.id for h in result.hits],
                      "passages": [[(p.ordinal, p.snippet) for p in h.passages]
                                   for h in result.hits],
                      "facets": {name: [(v.value, v.count) for v in f.values]
                                 for name, f in result.facets.items()}}), flush=True)
"""


def start(checkout: Path, index: Path, engine: str | None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve()), "KB_SEMANTIC": "0"}
    if engine:
        env["KB_ENGINE"] = engine
    return subprocess.Popen([sys.executable, "-c", WORKER, str(index)], cwd=checkout,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def ask(worker: subprocess.Popen[str], job: dict[str, object]) -> dict[str, object]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(json.dumps(job) + "\n")
    worker.stdin.flush()
    answer: dict[str, object] = json.loads(worker.stdout.readline())
    return answer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--size", type=int, default=10_000, help="passages of the synthetic index")
    ap.add_argument("--rounds", type=int, default=1, help="passes over the 200 queries")
    ap.add_argument("--engine", default=None, help="the search engine (default: Whoosh)")
    ap.add_argument("--index", type=Path, default=None,
                    help="an index already made, searched with the sample and judged queries")
    args = ap.parse_args()
    from bench.bench_search import index_path
    from bench.synthetic import build, queries

    if args.index is not None:
        from bench.bench_semantic import SAMPLE_QUERIES, judged_queries

        index = args.index
        qs = SAMPLE_QUERIES + judged_queries()
        print(f"index {index}, {len(qs)} queries; load {os.getloadavg()[0]:.1f}", flush=True)
    else:
        index = index_path(Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench")), args.size,
                           args.engine)
        started = time.perf_counter()
        build(index, args.size, args.engine)
        print(f"index of {args.size} passages ready in {time.perf_counter() - started:.0f} s; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        qs = queries()
    names = ("before", "after")
    workers = {name: start(path, index, args.engine)
               for name, path in (("before", args.before), ("after", args.after))}
    for q in qs[:20]:  # warm up both
        for name in names:
            ask(workers[name], {"q": q})
            ask(workers[name], {"q": q, "filters": FILTERS})
    times: dict[tuple[str, str], list[float]] = {
        (n, kind): [] for n in names for kind in ("plain", "filtered")}
    differ = 0
    for round_ in range(args.rounds):
        for i, q in enumerate(qs):
            for kind, job in (("plain", {"q": q}), ("filtered", {"q": q, "filters": FILTERS})):
                order = names if (i + round_) % 2 == 0 else names[::-1]
                answers = {}
                for name in order:
                    answers[name] = ask(workers[name], job)
                    times[(name, kind)].append(float(answers[name]["ms"]))  # type: ignore[arg-type]
                for answer in answers.values():
                    answer.pop("ms")
                if answers["before"] != answers["after"]:
                    differ += 1
    for w in workers.values():
        assert w.stdin is not None
        w.stdin.close()
        w.wait()
    print(f"load after: {os.getloadavg()[0]:.1f}; {len(qs) * args.rounds} queries x 2 kinds; "
          f"answers (total, hits, passages, facets) differ in {differ}")
    for kind in ("plain", "filtered"):
        row = []
        for name in names:
            t = times[(name, kind)]
            row.append(f"{name} p50 {percentile(t, .5):.1f} p95 {percentile(t, .95):.1f} "
                       f"mean {statistics.mean(t):.1f} ms")
        ratio = statistics.mean(times[("after", kind)]) / statistics.mean(times[("before", kind)])
        size = args.index.name if args.index is not None else args.size
        print(f"{size:>7} {kind:<8}: " + "; ".join(row) + f"; after/before {ratio:.2f}")


if __name__ == "__main__":
    main()
