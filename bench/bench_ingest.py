"""Ingest speed: pages per second end to end for ordinary text PDFs, and the time of a
no-change re-ingest of 1,000 documents.

    .venv/bin/python bench/bench_ingest.py [--copies 8] [--docs 1000]
    .venv/bin/python bench/bench_ingest.py --engine whoosh,tantivy --rounds 3 --docs 0

PDF throughput: the sample corpus's rendered PDF reports (and, when ../shared/testdata is
there, two real PDFs: an academic paper and a 117-page German book), copied --copies times
into a temporary corpus, ingested from scratch with all cores (run_ingest, the same call as
`kb ingest`): pages / wall-clock seconds, parsing, metadata, language detection and index
writing included.

Re-ingest: --docs documents (copies of the sample corpus's files of every format), ingested
once, then ingested again with nothing changed (--docs 0: not measured).

With several engines (``--engine whoosh,tantivy``), the PDF ingest runs --rounds times per
engine, alternating the engines (which one goes first alternates too), each from scratch into
its own index, and prints each run, the engines' medians and their ratio.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import run_ingest  # noqa: E402

CORPUS = ROOT / "corpus"
TESTDATA = Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))


def pdf_sources() -> list[Path]:
    pdfs = sorted(p for p in CORPUS.rglob("*.pdf") if "_build" not in p.parts)
    for name in ("pdfjs__tracemonkey.pdf", "sf__GeoTopo-komprimiert.pdf"):
        if (TESTDATA / "pdfs" / name).is_file():
            pdfs.append(TESTDATA / "pdfs" / name)
    return pdfs


def pdf_corpus(copies: int, workdir: Path) -> Path:
    corpus = workdir / "pdf-corpus"
    sources = pdf_sources()
    for i in range(copies):
        folder = corpus / f"copy{i:02d}"
        folder.mkdir(parents=True)
        for src in sources:
            shutil.copy(src, folder / src.name)
    return corpus


def ingest_pdfs(corpus: Path, index: Path, engine: str | None) -> float:
    """Ingest ``corpus`` from scratch into ``index``; prints and returns the pages/s."""
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    report = run_ingest(corpus, index, engine=engine)
    seconds = time.perf_counter() - started
    print(f"PDF ingest{f' ({engine})' if engine else ''}: {len(report.added)} PDFs, "
          f"{report.pages} pages in {seconds:.1f} s = {report.pages / seconds:.0f} pages/s end "
          f"to end on {os.cpu_count()} cores ({len(report.failed)} failed; load "
          f"{os.getloadavg()[0]:.1f})", flush=True)
    return report.pages / seconds


def bench_pdfs(copies: int, workdir: Path, engines: list[str | None], rounds: int) -> None:
    corpus = pdf_corpus(copies, workdir)
    rates: dict[str | None, list[float]] = {e: [] for e in engines}
    for r in range(rounds):
        order = engines if r % 2 == 0 else engines[::-1]
        for engine in order:
            rates[engine].append(ingest_pdfs(corpus, workdir / f"pdf-index-{engine}", engine))
    if len(engines) > 1 or rounds > 1:
        medians = {e: statistics.median(v) for e, v in rates.items()}
        first = engines[0]
        print("medians: " + ", ".join(
            f"{e or 'default'} {m:.0f} pages/s"
            + (f" ({m / medians[first]:.2f}x {first})" if e != first else "")
            for e, m in medians.items()))


def bench_reingest(docs: int, workdir: Path) -> None:
    corpus = workdir / "mixed-corpus"
    sources = sorted(
        p for p in CORPUS.rglob("*")
        if p.is_file() and "_build" not in p.parts and p.suffix in (".pdf", ".html", ".md",
                                                                  ".docx")
    )
    for i, src in zip(range(docs), itertools.cycle(sources), strict=False):
        folder = corpus / f"batch{i // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, folder / f"{i:04d}-{src.name}")
    started = time.perf_counter()
    first = run_ingest(corpus, workdir / "mixed-index")
    full = time.perf_counter() - started
    started = time.perf_counter()
    again = run_ingest(corpus, workdir / "mixed-index")
    noop = time.perf_counter() - started
    print(f"Full ingest of {len(first.added)} documents ({first.pages} PDF pages, "
          f"{first.passages} passages): {full:.1f} s")
    print(f"No-change re-ingest of {again.unchanged} documents: {noop:.2f} s "
          f"({len(again.added) + len(again.updated)} re-read)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--engine", action="append", default=[], metavar="NAME[,NAME]",
                        help="search engine(s) of the PDF ingest (default: the default one)")
    parser.add_argument("--rounds", type=int, default=1, help="PDF ingests per engine")
    args = parser.parse_args()
    engines: list[str | None] = [e.strip() for a in args.engine for e in a.split(",")
                                 if e.strip()] or [None]
    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-") as tmp:
        bench_pdfs(args.copies, Path(tmp), engines, args.rounds)
        if args.docs:
            bench_reingest(args.docs, Path(tmp))


if __name__ == "__main__":
    main()
