"""Contents entries (ingest.boilerplate): the regular expression they were found with until
2026-12-02 against the one-pass ``_entry``, alternating, on lines of the sample corpus and on
long lines; and ``mark_boilerplate`` against the loop it ran before (``_per_passage``: the
document's last page found again for each passage).

    KB_TESTDATA=/work/shared/testdata nice -n 5 .venv/bin/python -m bench.contents_entries
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from index import Passage
from ingest.boilerplate import _entry, _kind, _last_page, mark_boilerplate
from ingest.parsers import parse_file
from ingest.pipeline import is_document_path
from tests.references import old_entry

REPO = Path(__file__).resolve().parents[1]


def _per_passage(passages: list[Passage]) -> list[str | None]:
    """mark_boilerplate's loop until 2026-12-02: the last page found for every passage."""
    return [_kind(passages, i, _last_page(passages)) for i in range(len(passages))]


def _best(fn: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    corpus = REPO / "corpus"
    lines = [line.strip() for path in sorted(corpus.glob("*/*.*"))
             if is_document_path(path.relative_to(corpus).as_posix())
             for p in parse_file(path).passages for line in p.text.splitlines()]
    cases: dict[str, list[str]] = {
        f"sample corpus lines ({len(lines)})": lines,
        "'Total' + '.' * 4000 + 'n/a'": ["Total" + "." * 4000 + "n/a"],
        "'Chapter' + ' .' * 4000 + ' x'": ["Chapter" + " ." * 4000 + " x"],
    }
    for name, items in cases.items():
        old = new = float("inf")
        for _ in range(2):  # alternating
            old = min(old, _best(lambda items=items: [old_entry(x) for x in items], 1))
            new = min(new, _best(lambda items=items: [_entry(x) for x in items], 1))
        print(f"{name}: regex {old * 1000:.1f} ms, one pass {new * 1000:.2f} ms, "
              f"ratio {old / new:.0f}")
    passages = [Passage(i, f"Paragraph {i} of a long text without pages.") for i in range(20_000)]
    old = _best(lambda: _per_passage(passages), 1)
    new = _best(lambda: mark_boilerplate(passages), 1)
    print(f"20000 passages without pages: per passage {old:.2f} s, mark_boilerplate {new:.3f} s,"
          f" ratio {old / new:.0f}")


if __name__ == "__main__":
    main()
