"""OCR benchmark: which binding, how accurate, how fast, and what a scan does to an ingest.

    .venv/bin/python bench/bench_ocr.py bindings      # tesserocr vs pytesseract [vs ocrmypdf]
    .venv/bin/python bench/bench_ocr.py accuracy      # word recall, 7 languages, clean/noisy
    .venv/bin/python bench/bench_ocr.py speed         # pages/s with 1 and 2 processes
    .venv/bin/python bench/bench_ocr.py ingest        # sample corpus with/without a 20-page scan

Pages are renders of known text (bench/scans.py): UDHR articles in each partner language on
an A4 page (Liberation Serif 11 pt), clean or as a poor scan (turned 1.5 degrees, 2% of the
pixels flipped, slightly blurred). Recall = share of the expected words found (with counts).
pytesseract and ocrmypdf are not dependencies of the product: install them into the venv
(or give ``--ocrmypdf PATH`` to an ocrmypdf executable) to compare; a binding that is missing
is left out. Timings alternate between the things compared, in one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from bench import scans  # noqa: E402
from ingest.ocr import DPI, LANGUAGES, OcrReader, OcrSettings, _tessdata  # noqa: E402

TESTDATA = Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))


def _page(lang: str, dpi: int = DPI, noisy: bool = False, seed: int = 0):
    image, expected = scans.text_page(scans.udhr_text(TESTDATA, lang), dpi)
    if noisy:
        image = scans.scanned(image, rotate=1.5, noise=0.02, seed=seed)
    return image, expected


# -- bindings ---------------------------------------------------------------------------
def bindings(args: argparse.Namespace) -> None:
    import tesserocr

    langs = ["de", "hu", "es"]
    pages = [_page(lang) for lang in langs]
    runners: dict[str, object] = {}
    apis = {LANGUAGES[lang]: tesserocr.PyTessBaseAPI(path=_tessdata(), lang=LANGUAGES[lang])
            for lang in langs}

    def with_tesserocr(image, lang):
        api = apis[LANGUAGES[lang]]
        api.SetImage(image)
        return api.GetUTF8Text()

    def with_tesserocr_fresh(image, lang):  # a new handle per page (model loaded each time)
        with tesserocr.PyTessBaseAPI(path=_tessdata(), lang=LANGUAGES[lang]) as api:
            api.SetImage(image)
            return api.GetUTF8Text()

    runners["tesserocr (one handle per file)"] = with_tesserocr
    runners["tesserocr (handle per page)"] = with_tesserocr_fresh
    try:
        import pytesseract

        runners["pytesseract"] = lambda image, lang: pytesseract.image_to_string(
            image, lang=LANGUAGES[lang])
    except ImportError:
        print("pytesseract not installed: left out")
    ocrmypdf = args.ocrmypdf or shutil.which("ocrmypdf")
    tmp = Path(tempfile.mkdtemp(prefix="kb-ocr-bench-"))
    if ocrmypdf:
        def with_ocrmypdf(image, lang):
            src = scans.image_pdf([image], tmp / "in.pdf")
            out, sidecar = tmp / "out.pdf", tmp / "out.txt"
            subprocess.run([ocrmypdf, "-q", "-l", LANGUAGES[lang], "--jobs", "1",
                            "--output-type", "pdf", "--optimize", "0", "--rasterizer",
                            "pypdfium", "--sidecar", str(sidecar), str(src), str(out)],
                           check=True, env={**os.environ, "TESSDATA_PREFIX": _tessdata()})
            return sidecar.read_text(encoding="utf-8")
        runners["ocrmypdf"] = with_ocrmypdf
    else:
        print("ocrmypdf not found: left out")
    times: dict[str, list[float]] = {name: [] for name in runners}
    recall: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.rounds):
        for (image, expected), lang in zip(pages, langs, strict=True):
            for name, run in runners.items():  # alternating, page by page
                began = time.perf_counter()
                text = run(image, lang)
                times[name].append(time.perf_counter() - began)
                recall[name].append(scans.word_recall(expected, text))
    base = statistics.median(times["tesserocr (one handle per file)"])
    print(f"{'binding':34} {'median s/page':>13} {'ratio':>6} {'recall':>7}")
    for name in runners:
        median = statistics.median(times[name])
        print(f"{name:34} {median:13.2f} {median / base:6.2f} "
              f"{statistics.mean(recall[name]):7.3f}")
    shutil.rmtree(tmp, ignore_errors=True)


# -- accuracy ---------------------------------------------------------------------------
def accuracy(args: argparse.Namespace) -> None:
    print(f"{'lang':5} {'dpi':>4} {'clean':>7} {'conf':>5} {'noisy':>7} {'conf':>5} "
          f"{'detected (noisy, no catalog)':>29}")
    for lang in sorted(LANGUAGES):
        for dpi in args.dpi:
            row = [f"{lang:5} {dpi:4}"]
            for noisy in (False, True):
                image, expected = _page(lang, dpi, noisy)
                reader = OcrReader(OcrSettings(language=lang), sha256="")
                pages, _ = reader.read([1], lambda n, image=image: image)
                page = pages.get(1)
                text, conf = (page.text, page.confidence) if page else ("", 0.0)
                row.append(f"{scans.word_recall(expected, text):7.3f} {conf:5.0f}")
            reader = OcrReader(OcrSettings(), sha256="")
            _, summary = reader.read([1], lambda n, image=image: image)
            row.append(f"{summary.language or '-':>29}")
            print(" ".join(row), flush=True)


# -- speed ------------------------------------------------------------------------------
def _ocr_pages(count: int) -> tuple[int, float]:
    """OCR ``count`` pages; (pages with text, CPU seconds this process spent on them)."""
    image, _ = _page("de")
    reader = OcrReader(OcrSettings(language="de"), sha256="")
    began = time.process_time()
    pages, _ = reader.read(list(range(1, count + 1)), lambda n: image)
    return len(pages), time.process_time() - began


def speed(args: argparse.Namespace) -> None:
    from concurrent.futures import ProcessPoolExecutor

    image, expected = _page("de")
    print(f"page: {len(expected.split())} words (a full A4 page, 11 pt), {DPI} dpi; "
          f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for procs in (1, 2):
        per = max(1, args.pages // procs)
        with ProcessPoolExecutor(procs) as pool:
            list(pool.map(_ocr_pages, [1] * procs))  # warm up (fork, model load)
            began = time.perf_counter()
            results = list(pool.map(_ocr_pages, [per] * procs))
            seconds = time.perf_counter() - began
        done = sum(n for n, _ in results)
        cpu = sum(c for _, c in results) / done
        print(f"{procs} process(es): {done} pages in {seconds:.1f} s = {done / seconds:.2f} "
              f"pages/s; {cpu:.2f} CPU s/page, so {procs / cpu:.2f} pages/s on {procs} idle "
              f"core(s); load average after {os.getloadavg()[0]:.1f}", flush=True)


# -- ingest -----------------------------------------------------------------------------
def ingest(args: argparse.Namespace) -> None:
    """The sample corpus with and without a scanned 20-page document (alternating runs):
    the scan's parse time against the per-file limit, and when the other files are done."""
    from ingest.pipeline import run_ingest

    tmp = Path(tempfile.mkdtemp(prefix="kb-ocr-ingest-"))
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("_*"))
    langs = sorted(LANGUAGES)
    images = [scans.scanned(_page(langs[i % len(langs)])[0], seed=i) for i in range(20)]
    scan_pdf = scans.image_pdf(images, tmp / "scan.pdf")
    print(f"corpus: {sum(1 for _ in corpus.rglob('*.*'))} files; scan: 20 noisy A4 pages, "
          f"7 languages, {scan_pdf.stat().st_size // 1024} KB; workers: 2, time limit 60 s")
    target = corpus / "uploads" / "scanned-20-pages.pdf"
    for round_ in range(args.rounds):
        for with_scan in (False, True):
            if with_scan:
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(scan_pdf, target)
            else:
                target.unlink(missing_ok=True)
            index = tmp / f"index-{round_}-{with_scan}"  # a fresh index and OCR cache
            finished: dict[str, float] = {}
            began = time.perf_counter()

            def progress(done: int, total: int, path: str, finished=finished,
                         began=began) -> None:
                if path and "(" not in path:
                    finished[path] = time.perf_counter() - began

            report = run_ingest(corpus, index, workers=2, time_limit=60, progress=progress)
            total = time.perf_counter() - began
            others = [t for p, t in finished.items() if p != "uploads/scanned-20-pages.pdf"]
            line = (f"round {round_ + 1} {'with' if with_scan else 'without':7} scan: "
                    f"{total:5.1f} s total, other {len(others)} files done by "
                    f"{max(others):5.1f} s (median {statistics.median(others):4.1f} s)")
            if with_scan:
                scan_time = finished.get("uploads/scanned-20-pages.pdf")
                failed = [f for f in report.failed if "scanned" in f["path"]]
                line += (f"; scan parsed in {scan_time:.1f} s, {report.ocr_pages} pages by "
                         f"OCR{', FAILED ' + failed[0]['reason'] if failed else ''}")
            print(line, flush=True)
    # Re-ingest of the unchanged corpus with the scan: nothing is read, nothing is OCRed;
    # a rebuild reads the scan again from the OCR cache.
    began = time.perf_counter()
    report = run_ingest(corpus, index, workers=2, rebuild=True)
    print(f"rebuild with the OCR cache: {time.perf_counter() - began:.1f} s "
          f"({report.ocr_pages} OCR pages, {report.ocr_cached} of them from the cache)")
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["bindings", "accuracy", "speed", "ingest"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dpi", type=int, nargs="+", default=[DPI])
    parser.add_argument("--pages", type=int, default=8, help="speed: pages in all")
    parser.add_argument("--ocrmypdf", help="bindings: path of an ocrmypdf executable")
    args = parser.parse_args()
    {"bindings": bindings, "accuracy": accuracy, "speed": speed, "ingest": ingest}[args.what](
        args)


if __name__ == "__main__":
    main()
