"""What the tantivy engine's per-search I/O costs: the size check of the open commit's files
(a truncated file is a 503 before a search reads it, see index/tantivy/engine.py) and the
commit key the store reads on every search.

    KB_BENCH_DIR=/tmp/kb-bench .venv/bin/python bench/bench_size_check.py 100000

Opens the synthetic index of bench/bench_search.py (built when missing, ``--languages`` > 1:
its documents spread over that many languages, index kept beside it) and times, alternating
in rounds: ``check_sizes`` as it is (a seek to the end of each file, held open), the way it
was before (one stat per file by path, with its inode compared: the code is copied below),
and ``commit_key`` as it is and as it was. Prints microseconds per call and the ratio; say
the load (``uptime``).
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_search import index_path
from bench.synthetic import build, documents
from index import IndexStore
from index.engine import get_engine

LANGUAGES = ["en", "de", "es", "hu", "nl", "pt", "ro"]


def multilingual(path: Path, size: int, languages: int) -> IndexStore:
    store = IndexStore(path, engine="tantivy")
    if store.needs_rebuild() is None:
        return store
    with store.lock(), store.rebuild() as writer:
        for n, doc in enumerate(documents(size)):
            writer.put(replace(doc, language=LANGUAGES[n % languages]))
    return store


def stat_by_path(sizes: list[tuple[str, int, int]]) -> None:
    """The check before: one stat per file by its path (a file gone or replaced skipped)."""
    for path, inode, size in sizes:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        if st.st_ino == inode and st.st_size < size:
            raise RuntimeError(path)


def commit_key_before(gen: Path) -> object:
    """The commit key before: tantivy.json's identity alone (merges did not change it)."""
    if not gen.is_dir():
        raise FileNotFoundError(gen)
    st = (gen / "tantivy.json").stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, nargs="?", default=100_000)
    parser.add_argument("--languages", type=int, default=1)
    parser.add_argument("--number", type=int, default=5000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    base = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    if args.languages > 1:
        store = multilingual(base / f"sizes-{args.size}-{args.languages}", args.size,
                             args.languages)
    else:
        store = build(index_path(base, args.size, "tantivy"), args.size, "tantivy")
    gen = store.live_generation()
    engine = get_engine("tantivy")
    opened = engine.open(gen, engine.commit_key(gen))
    files = opened._files
    sizes = []
    for _, size, name in files:
        path = gen.parent / name
        sizes.append((str(path), os.stat(path).st_ino, size))
    print(f"{args.size} passages, {args.languages} language(s): {len(files)} files")
    sides = {"check_sizes (seek to the end of held files)": opened.check_sizes,
             "before: stat by path": lambda: stat_by_path(sizes),
             "commit_key": lambda: engine.commit_key(gen),
             "before: commit_key": lambda: commit_key_before(gen)}
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, fn in sides.items():
            times[name].append(timeit.timeit(fn, number=args.number) / args.number * 1e6)
    best = {name: min(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name}: best {best[name]:.1f} us, median {sorted(t)[len(t) // 2]:.1f} us "
              "per call")
    now = best["check_sizes (seek to the end of held files)"] + best["commit_key"]
    before = best["before: stat by path"] + best["before: commit_key"]
    print(f"per search, both: {now:.1f} us, before {before:.1f} us: {now / before:.2f}")


if __name__ == "__main__":
    main()
