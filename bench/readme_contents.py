"""The table of contents of bench/README.md, made from its headings.

    .venv/bin/python bench/readme_contents.py            # print the contents
    .venv/bin/python bench/readme_contents.py --write    # put them under "## Contents"
    .venv/bin/python bench/readme_contents.py --check    # exit 1 when they are not current

Every heading of levels 2 to 4 outside code blocks (but "Where things stand" and "Contents"
themselves) becomes a line linking to it, indented by its level, with the anchor GitHub gives
it (lower case, punctuation but ``-`` and ``_`` dropped, spaces as ``-``, ``-1``, ``-2`` ...
after a repeated one). tests/test_docs.py checks that the README's contents are current.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().with_name("README.md")
START = "## Contents\n\n"
SKIPPED = ("Where things stand", "Contents")


def anchor(title: str) -> str:
    """GitHub's anchor of a heading (before the ``-N`` of a repeated one)."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def contents(text: str) -> str:
    """The contents' lines for the headings of ``text``."""
    lines: list[str] = []
    seen: dict[str, int] = {}
    in_code = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"^(#{2,4}) (.+)$", line)
        if match is None:
            continue
        title = match.group(2).strip()
        slug = anchor(title)
        repeated = seen.get(slug, 0)
        seen[slug] = repeated + 1
        if title in SKIPPED:
            continue
        if repeated:
            slug = f"{slug}-{repeated}"
        indent = "  " * (len(match.group(1)) - 2)
        lines.append(f"{indent}- [{title.replace('`', '')}](#{slug})")
    return "\n".join(lines)


def with_contents(text: str) -> str:
    """``text`` with its contents block (from "## Contents" to the next level-2 heading)
    made anew."""
    start = text.index(START) + len(START)
    end = text.index("\n\n## ", start)
    return text[:start] + contents(text) + text[end:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="rewrite the README's contents")
    ap.add_argument("--check", action="store_true", help="exit 1 when they are not current")
    args = ap.parse_args()
    text = README.read_text(encoding="utf-8")
    if args.write:
        README.write_text(with_contents(text), encoding="utf-8")
    elif args.check:
        if with_contents(text) != text:
            sys.exit(f"{README}: the contents are not current: run {Path(__file__).name} --write")
    else:
        print(contents(text))


if __name__ == "__main__":
    main()
