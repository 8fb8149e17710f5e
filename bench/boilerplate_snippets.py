"""How many of the snippets shown for the judged queries are boilerplate passages (a table of
contents, a cover's notice: ingest/boilerplate.py), counted on the page the site shows (10
hits, 3 passages each).

    .venv/bin/python bench/boilerplate_snippets.py --index DIR [--save-marks FILE]
    .venv/bin/python bench/boilerplate_snippets.py --index OLD-DIR --marks FILE  # older tree

``--save-marks`` writes which passages of ``--index`` are boilerplate (JSON); ``--marks``
reads such a file instead, so that a revision from before the marks (run from its own tree on
an index it made) is counted with the marks of an index made after (the same files, the same
passage ordinals).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import IndexStore, SearchRequest, search  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", "upgradesme-heldout2")


def marks(store: IndexStore) -> set[tuple[str, int]]:
    """(document id, ordinal) of every boilerplate passage of the index."""
    out = set()
    with store.reader() as r:
        for entry in r.catalog():
            out.update((entry.id, p.ordinal) for p in r.passages(entry.id)
                       if getattr(p, "boilerplate", None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--marks", type=Path)
    ap.add_argument("--save-marks", type=Path)
    args = ap.parse_args()
    store = IndexStore(args.index)
    if args.marks:
        marked = {(doc_id, ordinal) for doc_id, ordinal in json.loads(args.marks.read_text())}
    else:
        marked = marks(store)
    if args.save_marks:
        args.save_marks.write_text(json.dumps(sorted(marked)))
    for name in SETS:
        shown = boiler = hits = 0
        for line in (ROOT / "bench" / "judgments" / name / "queries.jsonl").open():
            q = json.loads(line)
            result = search(store, SearchRequest(query=q["text"], page_size=10, passages=3,
                                                 filters=q.get("filters") or {}))
            for hit in result.hits:
                hits += bool(hit.passages)
                for p in hit.passages:
                    shown += 1
                    boiler += (hit.id, p.ordinal) in marked
        print(f"{name:20s} snippets {shown:5d}  boilerplate {boiler:4d} "
              f"({boiler / max(shown, 1):.1%}), of hits with snippets: {hits}")


if __name__ == "__main__":
    main()
