"""Sentence fragments that are passages of their own, counted in the text the index gets.

    .venv/bin/python bench/page_tails.py                  # the sample corpus
    .venv/bin/python bench/page_tails.py --testdata       # + ../shared/testdata PDFs
    .venv/bin/python bench/page_tails.py --tree DIR       # with the ingest code of another tree
    .venv/bin/python bench/page_tails.py --list           # every short page passage

Every document is read as an ingest reads it (``ingest.reading.read_document``, OCR off, as
``bench/line_splits.py`` reads them). A passage with a page counts as a **fragment** when it
has at most 300 characters and starts with a lowercase letter: a short page that begins
inside a sentence ("programming period."). This is the assessor's measure, written apart
from the repair (``ingest/page_tails.py``, which asks more: the page before ends inside a
sentence, the fragment ends one), so that it counts the same way on a tree without it
(``--tree``, e.g. main from ``git archive``). Also counted: the pages that start with a
lowercase letter (a sentence going on from the page before, whatever follows), and with
``--list`` every page passage of at most 300 characters in a document of more than one
passage, with the end of the passage before it, to read what the measure leaves out.
"""

from __future__ import annotations

import argparse
from typing import Any

from line_splits import corpus_files, read_passages, reading_arguments, testdata_pdfs, use_tree

SHORT = 300


def report(title: str, documents: dict[str, list[Any]], show: bool) -> None:
    fragments = continued = short = 0
    print(f"{title}: {len(documents)} documents")
    for label, passages in documents.items():
        for number, passage in enumerate(passages):
            before = passages[number - 1] if number else None
            if passage.page is None or len(passages) < 2:
                continue
            text = passage.text
            starts_inside = text[:1].islower()
            continued += starts_inside
            if len(text) > SHORT:
                continue
            short += 1
            fragment = starts_inside
            fragments += fragment
            if show or fragment:
                end = before.text[-50:] if before is not None else ""
                kind = "fragment" if fragment else "short"
                print(f"  {kind:8} {label} page {passage.page} ({len(text)} chars): "
                      f"...{end!r} | {text[:80]!r}")
    print(f"{title}: {fragments} fragment passages, {short} page passages of at most {SHORT} "
          f"characters, {continued} pages starting inside a sentence\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    reading_arguments(parser, "the PDFs of ../shared/testdata")
    parser.add_argument("--list", action="store_true", help="every short page passage")
    args = parser.parse_args()
    use_tree(args.tree)
    corpus = args.corpus.resolve()
    report(f"corpus {corpus}", read_passages(corpus_files(corpus), corpus), args.list)
    if args.testdata:
        report("testdata PDFs", read_passages(testdata_pdfs(), None), args.list)

if __name__ == "__main__":
    main()
