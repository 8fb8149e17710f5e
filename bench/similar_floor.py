"""The document page's "The same topic in other languages": how close (a cosine of the
documents' vectors, index.semantic.similar_lists) another document must be to be listed
(index.semantic.SIMILAR_MIN_SCORE), measured against the judged sets.

    KB_TESTDATA=/work/shared/testdata .venv/bin/python bench/similar_floor.py --index DIR
    ... --index DIR --sets upgradesme upgradesme-heldout --show 5

What "the same topic" is, read from the judgments (bench/judgments/<set>/qrels.tsv, no
ranking involved): two documents are on the same topic when one query judged both highly
relevant (grade 2), and on none when no query judged both relevant (grade 1 or 2); pairs
judged both relevant only once graded 1 count for neither side. For every document with a
vector, the first five documents of its list in other languages (no floor) are labelled so;
for each floor the table gives the share of same-topic pairs kept (TPR), the share of
no-topic pairs kept (FPR), Youden's J (TPR - FPR) and the documents left with an empty
list. ``--show N`` prints the lists of N documents with their cosines and labels.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index import IndexStore, semantic
from index.vectors import load_index

JUDGMENTS = Path(__file__).resolve().parent / "judgments"
LISTED = 5


def pairs_of(sets: list[str]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(pairs both graded 2 for one query, pairs both graded 1+ for one query), ordered."""
    strong: set[tuple[str, str]] = set()
    any_: set[tuple[str, str]] = set()
    for name in sets:
        grades: dict[str, dict[str, int]] = defaultdict(dict)
        with (JUDGMENTS / name / "qrels.tsv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                grades[row["query-id"]][row["corpus-id"]] = int(row["score"])
        for graded in grades.values():
            for a, b in itertools.permutations(graded, 2):
                if graded[a] >= 1 and graded[b] >= 1:
                    any_.add((a, b))
                    if graded[a] >= 2 and graded[b] >= 2:
                        strong.add((a, b))
    return strong, any_


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--sets", nargs="*", default=None,
                    help="judged sets (default: every set in bench/judgments)")
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    sets = args.sets or sorted(p.name for p in JUDGMENTS.iterdir() if (p / "qrels.tsv").exists())
    strong, any_ = pairs_of(sets)
    store = IndexStore(args.index)
    gen = store.current_generation()
    vi = load_index(gen) if gen is not None else None
    if vi is None:
        sys.exit(f"{args.index}: no vectors (kb ingest embeds them)")
    everything = np.ones(len(vi.doc_ids), dtype=bool)
    rows: list[tuple[float, int, str, str]] = []  # cosine, label (2 same, 0 none, 1 neither)
    for doc_id in vi.doc_ids:
        listed = semantic.similar_lists(vi, doc_id, everything, LISTED, (True,), floor=-1.0)[0]
        for pos, score in listed:
            other = vi.doc_ids[pos]
            label = 2 if (doc_id, other) in strong else 1 if (doc_id, other) in any_ else 0
            rows.append((score, label, doc_id, other))
    same = sum(r[1] == 2 for r in rows)
    none = sum(r[1] == 0 for r in rows)
    print(f"{len(sets)} sets; {len(vi.doc_ids)} documents; {len(rows)} pairs listed: "
          f"{same} same topic, {none} no topic, {len(rows) - same - none} neither")
    if not same or not none:
        sys.exit("no pairs of one side: nothing to measure")
    print(f"floor   TPR    FPR    J      empty lists   (now: {semantic.SIMILAR_MIN_SCORE})")
    for floor in np.arange(0.10, 0.41, 0.01):
        tpr = sum(r[1] == 2 and r[0] >= floor for r in rows) / same
        fpr = sum(r[1] == 0 and r[0] >= floor for r in rows) / none
        empty = sum(1 for d in vi.doc_ids if not any(r[2] == d and r[0] >= floor for r in rows))
        print(f"{floor:.2f}   {tpr:.3f}  {fpr:.3f}  {tpr - fpr:.3f}  {empty}")
    for doc_id in vi.doc_ids[:args.show]:
        print(doc_id)
        for score, label, _, other in (r for r in rows if r[2] == doc_id):
            print(f"   {score:.3f}  {('no topic', 'neither', 'same topic')[label]:10}  {other}")


if __name__ == "__main__":
    main()
