"""The cost of showing the passages of a hit found by a word's longer forms alone
(index.query.ParsedQuery.passage_heads, index.search._attach_passages): the passage choice
(3 passages for the first 10 hits) of every judged query of the seven development sets, with
and without the heads, alternating query by query (which goes first alternates), 3 timed
rounds after one to warm, per engine (tantivy ranks a copy of the index, as relevance.py).

    .venv/bin/python bench/passage_heads_cost.py --index /tmp/fix-idx
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance as rel  # noqa: E402

from index import IndexStore, SearchRequest, parse_query, search  # noqa: E402
from index.query import add_synonyms  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", *(f"upgradesme-heldout{i}" for i in range(2, 7)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index made by `kb ingest`")
    args = ap.parse_args()
    engine_search = importlib.import_module("index.search")
    source = IndexStore(args.index)
    texts = [q["text"] for name in SETS
             for q in rel.read_jsonl(rel.collection_dir(name) / "queries.jsonl")]
    cache = Path(tempfile.gettempdir()) / "kb-bench-heads"
    for engine in ("whoosh", "tantivy"):
        store = source if engine == "whoosh" else rel.engine_copy(source, "tantivy", cache)
        groups = store.load_synonyms()
        cases = []
        for text in texts:
            parsed = parse_query(text)
            add_synonyms(parsed, groups)
            hits = search(store, SearchRequest(query=text, with_facets=False, passages=0)).hits
            if hits:
                cases.append((parsed, replace(parsed, passage_heads=None), hits))
        times: dict[str, list[float]] = {"with": [], "without": []}
        with store.reader() as reader:
            for round_ in range(4):
                for i, (with_heads, without, hits) in enumerate(cases):
                    pair = [("with", with_heads), ("without", without)]
                    for label, parsed in pair if (i + round_) % 2 == 0 else pair[::-1]:
                        for hit in hits:
                            hit.passages.clear()
                        started = time.perf_counter()
                        engine_search._attach_passages(reader, hits, parsed, 3)
                        if round_:
                            times[label].append((time.perf_counter() - started) * 1000)
        w, wo = statistics.mean(times["with"]), statistics.mean(times["without"])
        print(f"{engine}: {len(cases)} queries; with {w:.2f} ms, without {wo:.2f} ms (mean), "
              f"ratio {w / wo:.3f}; p50 {statistics.median(times['with']):.2f} / "
              f"{statistics.median(times['without']):.2f} ms", flush=True)


if __name__ == "__main__":
    main()
