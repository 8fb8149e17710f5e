"""Small builders shared by tests: Documents and indexes made in tmp_path."""

from __future__ import annotations

from pathlib import Path

from index import Document, IndexStore, Passage

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
