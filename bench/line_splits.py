"""Words split at a line end without a hyphen, counted in the text the index gets.

    .venv/bin/python bench/line_splits.py                 # the sample corpus
    .venv/bin/python bench/line_splits.py --testdata      # + ../shared/testdata PDFs, web pages
    .venv/bin/python bench/line_splits.py --tree DIR      # with the ingest code of another tree
    .venv/bin/python bench/line_splits.py --list          # every break, with its context
    .venv/bin/python bench/line_splits.py --wrapped 1,10,20,40   # false joins of the repair
    .venv/bin/python bench/line_splits.py --time 5        # the repair's share of PDF parsing

Every document is read as an ingest reads it (``ingest.reading.read_document``, OCR off).
A break counts when a run of letters ends a line, the next line starts with a run of letters,
and the two joined are a word the same document uses elsewhere (case ignored). This is the
assessor's measure, written here apart from the repair (``ingest/line_breaks.py``) so that it
counts the same way on a tree without it (``--tree``, e.g. main before the repair from
``git archive``). Each break is shown as split (at least one fragment is no word the
document uses on its own: "Communicati/on") or between two words (both fragments are used on
their own: "in/to"; such a break is most likely a real space). Digits count too: a break
between a line ending in digits and one starting with digits, whose digits joined make a
year from 1900 to 2100 ("2016–201/7", but also "201/9" of two table cells), shown as year.
Run before and after a change and compare the lists: a break gone from the list was joined;
a join of two real words (or numbers) is a false join.

``--wrapped WIDTHS``: real text in nine languages (the UDHR of ../shared/testdata) and the
readable text of its 57 web pages, wrapped at spaces to each width (``textwrap``, long words
never broken; width 1: every word on a line of its own), given to the repair
(``ingest.line_breaks.line_end_splits`` of the tree, with the corpus taxonomy's place names,
as an ingest gives them): every break there is between two
words, so every join it would make is a false join; each is listed.

``--time ROUNDS``: the PDFs of bench/bench_ingest.py (the corpus's, tracemonkey and the
117-page German book) parsed by the PDF parser, and the repair
(``ingest.line_breaks.join_split_words``, with the taxonomy's place names, as
``read_document`` runs it) on their passages, timed in turns in one process: the repair's
share of the parse time, which a loaded machine skews less than end-to-end runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))

_WORD = re.compile(r"[^\W\d_]+")
_BREAK = re.compile(r"(?<![^\W\d_])([^\W\d_]+)\n(?=([^\W\d_]+))")
_DIGITS = re.compile(r"(?<!\d)(\d+)\n(?=(\d+)(?!\d))")


def year_breaks(texts: list[str]) -> list[tuple[str, str, str]]:
    """(left, right, context) for every break of one document's digits whose join is a year
    from 1900 to 2100 (module docstring)."""
    out = []
    for text in texts:
        for m in _DIGITS.finditer(text):
            joined = m.group(1) + m.group(2)
            if len(joined) == 4 and 1900 <= int(joined) <= 2100:
                context = text[max(0, m.start() - 30):m.end() + len(m.group(2)) + 30]
                out.append((m.group(1), m.group(2), context.replace("\n", "/")))
    return out


def breaks(texts: list[str]) -> list[tuple[str, str, bool, str]]:
    """(left, right, split, context) for every break of one document (module docstring)."""
    words = Counter(_WORD.findall("\n".join(texts).casefold()))
    found = [(text, m) for text in texts for m in _BREAK.finditer(text)
             if words[(m.group(1) + m.group(2)).casefold()]]
    as_fragment: Counter[str] = Counter()
    for _, m in found:
        as_fragment.update([m.group(1).casefold(), m.group(2).casefold()])
    out = []
    for text, m in found:
        left, right = m.group(1), m.group(2)
        used = [words[w.casefold()] > as_fragment[w.casefold()] for w in (left, right)]
        context = text[max(0, m.start() - 30):m.end() + len(right) + 30].replace("\n", "/")
        out.append((left, right, not all(used), context))
    return out


def read_texts(paths: list[tuple[str, Path]], corpus: Path | None) -> dict[str, list[str]]:
    """Passage texts per document (label -> texts); files that fail are reported, skipped."""
    return {label: [p.text for p in passages]
            for label, passages in read_passages(paths, corpus).items()}


def read_passages(paths: list[tuple[str, Path]], corpus: Path | None) -> dict[str, list[Any]]:
    """Passages per document (label -> index.Passage list) as an ingest reads them, with the
    catalog and taxonomy of ``corpus`` (none: an empty taxonomy); files that fail are
    reported, skipped."""
    from ingest import load_catalog, load_taxonomy
    from ingest.ocr import OcrSettings
    from ingest.reading import read_document
    from ingest.workers import JobFailed

    taxonomy = load_taxonomy(corpus) if corpus else load_taxonomy(Path("/nonexistent"))
    catalog = load_catalog(corpus) if corpus else {}
    passages: dict[str, list[Any]] = {}
    for label, path in paths:
        try:
            doc = read_document(
                path, doc_id=label, source_path=label, sha256="0" * 64, size=0, mtime=0.0,
                entry=catalog.get(label, {}), taxonomy=taxonomy,
                ocr=OcrSettings(enabled=False))
        except JobFailed as exc:
            print(f"  skipped {label}: {exc}", file=sys.stderr)
            continue
        passages[label] = doc.passages
    return passages


def report(title: str, texts: dict[str, list[str]], show: bool) -> None:
    splits = pairs = n_years = 0
    print(f"{title}: {len(texts)} documents")
    for label, passages in texts.items():
        found = breaks(passages)
        years = year_breaks(passages)
        if not found and not years:
            continue
        n_split = sum(1 for f in found if f[2])
        splits += n_split
        pairs += len(found) - n_split
        n_years += len(years)
        print(f"  {label}: {n_split} split, {len(found) - n_split} between two words, "
              f"{len(years)} years")
        if show:
            for left, right, split, context in found:
                kind = "split" if split else "words"
                print(f"    {kind:5} {left}/{right}    ...{context}...")
            for left, right, context in years:
                print(f"    year  {left}/{right}    ...{context}...")
    print(f"{title}: {splits} split words, {pairs} breaks between two words, "
          f"{n_years} years split\n")


def real_texts(testdata: Path) -> dict[str, list[str]]:
    """Real text without line breaks inside paragraphs: the UDHR's articles per language
    (``udhr-<lang>``) and the readable text of each web page (its folder's name)."""
    documents: dict[str, list[str]] = {}
    with (testdata / "multilingual" / "udhr" / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            documents.setdefault(f"udhr-{article['lang']}", []).append(article["text"])
    for page in sorted((testdata / "html" / "readability").glob("*/expected.txt")):
        documents[page.parent.name] = [page.read_text(encoding="utf-8")]
    return documents


def wrap(text: str, width: int) -> str:
    """``text``'s lines wrapped at spaces to ``width`` columns (long words stay whole), as
    paragraphs."""
    return "\n\n".join(
        textwrap.fill(part, width, break_long_words=False, break_on_hyphens=False)
        for part in text.split("\n") if part.strip())


def wrapped(widths: list[int], corpus: Path) -> None:
    from ingest import load_taxonomy
    from ingest.line_breaks import line_end_splits

    names = load_taxonomy(corpus).place_names()
    documents = real_texts(TESTDATA)
    for width in widths:
        breaks_seen = candidates = 0
        joins = []
        for name, texts in documents.items():
            lines = [wrap(text, width) for text in texts]
            breaks_seen += sum(text.count("\n") - 2 * text.count("\n\n") for text in lines)
            found = line_end_splits(lines, names)
            candidates += len(found)
            joins += [f"{name}: {s.left}/{s.right}" for s in found if s.joined]
        print(f"wrapped at {width} columns ({len(documents)} documents): {breaks_seen} line "
              f"breaks, {candidates} whose join is a word, {len(joins)} joined (false joins)")
        for join in joins:
            print(f"    {join}")


def timing(rounds: int, corpus: Path) -> None:
    import time

    from bench_ingest import pdf_sources

    from ingest import load_taxonomy
    from ingest.line_breaks import join_split_words
    from ingest.parsers.pdf import PdfParser

    names = load_taxonomy(corpus).place_names()
    parser = PdfParser()
    sources = pdf_sources()
    for number in range(rounds):
        parse = join = 0.0
        pages = 0
        for path in sources:
            started = time.perf_counter()
            passages = parser.parse(path).passages
            parse += time.perf_counter() - started
            started = time.perf_counter()
            join_split_words(passages, names)
            join += time.perf_counter() - started
            pages += len(passages)
        print(f"round {number + 1}: {len(sources)} PDFs, {pages} pages: parse {parse:.3f} s "
              f"({pages / parse:.0f} pages/s), the repair {join * 1000:.1f} ms "
              f"({join / parse:.1%} of the parse; load {os.getloadavg()[0]:.1f})", flush=True)


def reading_arguments(parser: argparse.ArgumentParser, testdata: str) -> None:
    """The options of a bench that reads the corpus (and ``testdata``) with a tree's code."""
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the checkout whose ingest code reads the files")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--testdata", action="store_true", help=f"also {testdata}")


def use_tree(tree: Path) -> None:
    """Read with the ingest code of ``tree`` (said first in the output)."""
    sys.path.insert(0, str(tree.resolve()))
    import ingest

    print(f"ingest code: {Path(ingest.__file__).parent}")


def corpus_files(corpus: Path) -> list[tuple[str, Path]]:
    """(path in the corpus, file) of every document of ``corpus``, as an ingest finds them."""
    from ingest.pipeline import discover

    return [(s.path, corpus / s.path) for s in discover(corpus)]


def testdata_pdfs() -> list[tuple[str, Path]]:
    """(name, file) of every PDF of ../shared/testdata; exits when there is no test data."""
    if not TESTDATA.is_dir():
        sys.exit(f"no test data at {TESTDATA} (set KB_TESTDATA)")
    return [(p.name, p) for p in sorted((TESTDATA / "pdfs").glob("*.pdf"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    reading_arguments(parser, "the PDFs and web pages of ../shared/testdata")
    parser.add_argument("--list", action="store_true", help="every break with its context")
    parser.add_argument("--wrapped", metavar="WIDTHS",
                        help="comma-separated widths: false joins of the repair on wrapped text")
    parser.add_argument("--time", type=int, metavar="ROUNDS",
                        help="time the repair against the PDF parse, ROUNDS times")
    args = parser.parse_args()
    use_tree(args.tree)
    if args.time:
        timing(args.time, args.corpus.resolve())
        return
    if args.wrapped:
        if not TESTDATA.is_dir():
            sys.exit(f"no test data at {TESTDATA} (set KB_TESTDATA)")
        wrapped([int(w) for w in args.wrapped.split(",")], args.corpus.resolve())
        return
    corpus = args.corpus.resolve()
    report(f"corpus {corpus}", read_texts(corpus_files(corpus), corpus), args.list)
    if args.testdata:
        report("testdata PDFs", read_texts(testdata_pdfs(), None), args.list)
        pages = sorted((TESTDATA / "html" / "readability").glob("*/source.html"))
        report("testdata web pages",
               read_texts([(p.parent.name, p) for p in pages], None), args.list)


if __name__ == "__main__":
    main()
