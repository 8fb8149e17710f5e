"""Ingest speed: pages per second end to end for ordinary text PDFs, and the time of a
no-change re-ingest of 1,000 documents.

    .venv/bin/python bench/bench_ingest.py [--copies 8] [--docs 1000]

PDF throughput: the sample corpus's rendered PDF reports (and, when ../shared/testdata is
there, two real PDFs: an academic paper and a 117-page German book), copied --copies times
into a temporary corpus, ingested from scratch with all cores (run_ingest, the same call as
`kb ingest`): pages / wall-clock seconds, parsing, metadata, language detection and index
writing included.

Re-ingest: --docs documents (copies of the sample corpus's files of every format), ingested
once, then ingested again with nothing changed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
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


def bench_pdfs(copies: int, workdir: Path) -> None:
    corpus = workdir / "pdf-corpus"
    sources = pdf_sources()
    for i in range(copies):
        folder = corpus / f"copy{i:02d}"
        folder.mkdir(parents=True)
        for src in sources:
            shutil.copy(src, folder / src.name)
    started = time.perf_counter()
    report = run_ingest(corpus, workdir / "pdf-index")
    seconds = time.perf_counter() - started
    print(f"PDF ingest: {len(report.added)} PDFs, {report.pages} pages in {seconds:.1f} s "
          f"= {report.pages / seconds:.0f} pages/s end to end on {os.cpu_count()} cores "
          f"({len(report.failed)} failed)")


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-") as tmp:
        bench_pdfs(args.copies, Path(tmp))
        bench_reingest(args.docs, Path(tmp))


if __name__ == "__main__":
    main()
