"""Small builders shared by tests: Documents and indexes made in tmp_path."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from index import Document, IndexStore, Passage
from ingest import run_ingest
from search_app.watch import watch_corpus

REPO = Path(__file__).resolve().parents[1]

LABELS = {
    "country": {"ES": "Spain", "DE": "Germany", "HU": "Hungary", "RO": "Romania"},
    "theme": {"export_promotion": "Export promotion", "covid_response": "COVID-19 response"},
}


def make_doc(doc_id: str, title: str, *texts: str, **meta: object) -> Document:
    passages = [Passage(i, t, page=i + 1) for i, t in enumerate(texts)]
    fields: dict[str, object] = {"language": "en", "date": "2020-01-01"}
    fields.update(meta)
    return Document(id=doc_id, source_path=f"{doc_id}.pdf", sha256="0" * 64, title=title,
                    passages=passages, page_count=len(passages), **fields)  # type: ignore[arg-type]


def build_index(path: Path, docs: list[Document]) -> IndexStore:
    store = IndexStore(path)
    with store.lock(), store.rebuild() as writer:
        for doc in docs:
            writer.put(doc)
    store.save_labels(LABELS)
    return store


def ingest_with_vectors(corpus: Path, index_dir: Path) -> None:
    """``kb ingest`` of ``corpus`` into ``index_dir`` with the semantic vectors, as the site
    runs (tests/conftest.py: sample_site), leaving no file of the index open: the store the
    vectors were made through is closed (its searchers' Whoosh segment files were left to
    the garbage collector, a ResourceWarning under `python -X dev`)."""
    from index import embed_index

    run_ingest(corpus, index_dir, workers=2)
    store = IndexStore(index_dir)
    try:
        embed_index(store)
    finally:
        store.close()


def build_dated_site(root: Path) -> tuple[Path, Path]:
    """An index (``root/index``) of documents whose dates are known to the day, the month, the
    year or not at all, with an empty ``root/corpus``: (index, corpus)."""
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    build_index(root / "index", [
        make_doc("day", "Export day", "export text", date="2017-04-03"),
        make_doc("month", "Export month", "export text", date="2016-05"),
        make_doc("year", "Export year", "export text", date="2022"),
        make_doc("undated", "Export undated", "export text", date=None),
        make_doc("practice", "Export practice", "export text", date="2021-03",
                 doc_type="good_practice", practice={"timescale": "2019 - ongoing"},
                 practice_start=2019),
    ])
    return root / "index", root / "corpus"


def copy_sample_corpus(root: Path, *, with_build: bool = False) -> Path:
    """Copy the sample corpus as the repository holds it to ``root/corpus`` (returned).

    The files come from git's index (what is committed, plus changes staged with ``git add``),
    so whatever was done to the live ``corpus/`` (uploads and edits through the admin area,
    files copied in by hand) does not change what the tests see. Outside a git checkout the
    folder is copied as it is. ``corpus/_build`` (the sample's sources) only ``with_build``.
    """
    root.mkdir(parents=True, exist_ok=True)
    try:
        listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--", "corpus"],
                                capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        listed = b""
    files = [f for f in listed.split(b"\0")
             if f and (with_build or not f.startswith(b"corpus/_build/"))]
    if not files:
        shutil.copytree(REPO / "corpus", root / "corpus",
                        ignore=None if with_build else shutil.ignore_patterns("_build"))
        return root / "corpus"
    subprocess.run(["git", "-C", str(REPO), "checkout-index", "-z", "--stdin",
                    f"--prefix={root.resolve()}/"], input=b"\0".join(files), check=True)
    return root / "corpus"


# Job functions for the worker-pool tests (module level: sent to worker processes).
def job_echo(x: int) -> int:
    return x * 2


def job_sleep(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "slept"


def job_allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def job_crash(_: object) -> None:
    import os

    os._exit(3)


def job_raise(_: object) -> None:
    raise ValueError("bad input")


def soup_of(client: TestClient, url: str, status: int = 200) -> BeautifulSoup:
    """GET ``url``, check its status (the page's start in the message), parse the HTML."""
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    return BeautifulSoup(r.text, "html.parser")


def make_pdf(lines: list[str], *, title: str | None = None, author: str | None = None) -> bytes:
    """A one-page PDF with a text layer (Helvetica, WinAnsi, so that Latin accents work),
    built by hand with a correct xref; ``title``/``author`` go into its Info dictionary."""
    def literal(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "56 780 Td", "15 TL"]
    ops += [f"({literal(line)}) Tj T*" for line in lines]
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    info = "".join(f"/{key} ({literal(value)}) " for key, value in
                   (("Title", title), ("Author", author)) if value)
    if info:
        objects.append(f"<< {info}>>".encode("cp1252"))
    return pdf_file(objects, b"/Info %d 0 R " % len(objects) if info else b"")


def pdf_file(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of ``objects`` (numbered from 1, the catalog first) with a correct xref;
    ``trailer``: more entries of its trailer dictionary."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer, xref)
    return bytes(out)


# -- live servers (for tests that need a real socket: browsers, keep-alive, a crash) -----------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server_process(
    env: Mapping[str, str | None], *, serve_args: Sequence[str] | None = None,
    ready: str = "/help", timeout: float = 60, quiet: bool = False,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The site in a child process, with ``env`` over this process's environment (None
    removes a variable): ``uvicorn search_app.app:create_app``, or ``kb serve`` with
    ``serve_args``. Yields (base URL, process) once ``ready`` answers 200; stops it after."""
    port = free_port()
    if serve_args is None:
        command = ["-m", "uvicorn", "search_app.app:create_app", "--factory",
                   "--log-level", "warning"]
    else:
        command = ["-m", "search_app.cli", "serve", *serve_args]
    merged = {**os.environ, **env}
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(
        [sys.executable, *command, "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in merged.items() if v is not None}, cwd=REPO, stdout=out, stderr=out,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(base + ready, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def server_thread(app: FastAPI, *, timeout: float = 60) -> Iterator[str]:
    """``app`` served by uvicorn in a thread of this process; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# -- waiting for what another thread or process does ------------------------------------------
def wait_until(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Ask ``condition`` every 0.2 s until it holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@contextmanager
def watching(corpus: Path, index_dir: Path, *, debounce_ms: int) -> Iterator[list[float]]:
    """``kb ingest --watch`` in a thread: ``watch_corpus`` running an ingest (one worker) on
    each change. Yields the list of the times ingests started, once the watcher is set up;
    stops the watcher after, and checks that it stopped."""
    runs: list[float] = []
    stop = threading.Event()

    def run() -> None:
        runs.append(time.monotonic())
        run_ingest(corpus, index_dir, workers=1)

    thread = threading.Thread(target=watch_corpus, args=(corpus, run),
                              kwargs={"index_dir": index_dir, "debounce_ms": debounce_ms,
                                      "stop_event": stop})
    thread.start()
    try:
        time.sleep(1.0)  # the watcher is set up
        yield runs
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive(), "the watcher did not stop"


def make_astral_pdf(body: str = "This is the body text of the first page of the report.") -> bytes:
    """A one-page PDF whose 30 pt cover line "Z Annual Export Report" reads, through its
    font's ToUnicode map, as "\\U0001d400 Annual Export Report": a character outside the BMP,
    which pdfium hands out as two UTF-16 code units; ``body`` follows at 10 pt."""
    cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /X def\n"
            b"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
            b"1 beginbfchar\n<5A> <D835DC00>\nendbfchar\n"
            b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    content = (b"BT /F1 30 Tf 50 700 Td (Z Annual Export Report) Tj ET\n"
               b"BT /F1 10 Tf 50 600 Td (%s) Tj ET\n"
               b"BT /F1 10 Tf 50 580 Td (More body text here for the median type size.) Tj ET\n"
               % body.encode("ascii"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"endstream",
    ]
    return pdf_file(objects)


def count_calls(monkeypatch: Any, cls: type, name: str) -> list[tuple[object, ...]]:
    """The positional arguments of each call of the method ``cls.name`` from now on (the
    method still runs); ``monkeypatch`` undoes it."""
    calls: list[tuple[object, ...]] = []
    original = getattr(cls, name)

    def counting(self: object, *args: object, **kwargs: object) -> object:
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counting)
    return calls
