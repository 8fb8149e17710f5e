"""Run several ranking settings on the tuning collections, two worker processes, one table.

    .venv/bin/python bench/experiments.py "k1=0.9,b=0.4" "title_boost=1"

Each argument is a comma-separated list of NAME=VALUE overrides of index.ranking.RANKING
("" = the current setting). Prints nDCG@10 per collection and setting.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import relevance as rel

COLLECTIONS = ("scifact-train", "cranfield")
CACHE = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-relevance"))


def _task(args: tuple[str, str, int, int, str]) -> tuple[str, str, dict]:
    setting, name, part, parts, path = args
    rel.apply_settings([p for p in setting.split(",") if p])
    folder = rel.collection_dir(name)
    store = rel.IndexStore(path)
    queries = rel.read_jsonl(folder / "queries.jsonl")[part::parts]
    run, times = rel.run_queries(store, queries)
    return setting, name, {"run": run, "times": times}


def main(settings: list[str]) -> None:
    paths = {  # build indexes first, once
        name: str(rel.build_store(rel.collection_dir(name) / "corpus.jsonl", CACHE / name).path)
        for name in COLLECTIONS
    }
    tasks = [(s, n, p, 2, paths[n]) for s in settings for n in COLLECTIONS for p in range(2)]
    runs: dict[tuple[str, str], dict] = {}
    times: dict[tuple[str, str], list] = {}
    # a fresh worker per task: apply_settings only overrides what a setting names, so a worker
    # reused after another setting would keep that one's overrides
    with mp.Pool(2, maxtasksperchild=1) as pool:
        for setting, name, out in pool.imap_unordered(_task, tasks):
            runs.setdefault((setting, name), {}).update(out["run"])
            times.setdefault((setting, name), []).extend(out["times"])
    print(f"{'setting':<50}" + "".join(f"{n:>16}" for n in COLLECTIONS) + "   ms/q")
    for s in settings:
        cells = []
        for name in COLLECTIONS:
            qrels = rel.read_qrels(rel.collection_dir(name) / "qrels.tsv")
            m = rel.evaluate(qrels, runs[(s, name)])
            cells.append(f"{m['nDCG@10']:>8.4f} R{m['R@100']:.3f}")
        ms = sum(times[(s, COLLECTIONS[0])]) / len(times[(s, COLLECTIONS[0])])
        print(f"{s or '(current)':<50}" + "".join(f"{c:>16}" for c in cells) + f"{ms:>7.1f}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or [""])
