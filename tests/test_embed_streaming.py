"""Embedding at ingest reads the documents' texts a bounded part at a time (an index of a million
passages has gigabytes of them) and makes the same vectors as reading them all first.

The model here is a stand-in (a vector drawn from each text's hash): these tests are about which
texts reach the model, in which order and how many at once, not about the model."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import IndexStore, embed_index, semantic
from index import engine as protocol
from index.embedder import text_key
from index.vectors import VectorSet
from tests.helpers import build_index, make_doc

pytestmark = pytest.mark.engines

DIM = 16


def _vector(text: str, query: bool) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(f"{query}:{text}".encode(), digest_size=8).digest(),
                          "big")
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


class HashEmbedder:
    """A stand-in model: each text's vector comes from its hash. Notes every call's texts."""

    name = "hash-embedder (tests)"
    dim = DIM

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.queries: list[list[str]] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([_vector(t, False) for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries.append(list(texts))
        return np.stack([_vector(t, True) for t in texts])


def _docs(n: int, passages: int, *, prefix: str = "doc", words: int = 20) -> list[Any]:
    return [make_doc(f"{prefix}-{i:03d}", f"Report {i} on exports",
                     *(" ".join(f"{prefix}{i}x{j}y{k}" for k in range(words))
                       for j in range(passages)))
            for i in range(n)]


def _expected(store: IndexStore, reused: set[str]) -> list[tuple[str, str, bool, bytes]]:
    """The rows as made by reading every document's texts first (as embedding did before
    2026-12-02): the rows whose key is in ``reused`` in the documents' order, then the others
    in the documents' order."""
    old, new = [], []
    for d in list(store.document_texts(passages=semantic.document_passages())):
        for text, listed in semantic.all_texts(d):
            key = text_key(text)
            row = (d["id"], key, listed, _vector(text, False).tobytes())
            (old if key in reused else new).append(row)
    return old + new


def _rows(store: IndexStore) -> list[tuple[str, str, bool, bytes]]:
    gen = store.current_generation()
    assert gen is not None
    vs = VectorSet.load(gen)
    assert vs is not None
    return [(d, k, bool(flag), v.tobytes()) for d, k, flag, v
            in zip(vs.doc_ids, vs.keys, vs.listed_mask(), vs.vectors, strict=True)]


def test_streamed_embedding_makes_the_rows_of_reading_everything_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    # small chunks and batches, so that documents, chunks and batches all cross each other
    monkeypatch.setattr(protocol, "TEXTS_CHUNK", 3)
    monkeypatch.setattr(semantic, "BATCH", 4)
    store = build_index(tmp_path / "index", _docs(7, 6))
    model = HashEmbedder()
    report = embed_index(store, embedder=model, workers=1)
    assert report.state == "done" and report.embedded == 7 and report.documents == 7
    assert _rows(store) == _expected(store, reused=set())
    assert max(len(c) for c in model.calls) <= 4
    # more documents and one changed: the reused rows first, then the new ones, as before
    first = {k for _, k, _, _ in _rows(store)}
    with store.lock(), store.update() as writer:
        for doc in _docs(4, 5, prefix="more"):
            writer.put(doc)
        writer.put(make_doc("doc-002", "Report 2 on exports", "changed text", "and more"))
    report = embed_index(store, embedder=model, workers=2)
    assert report.documents == 11 and report.embedded == 5 and report.reused == 6
    assert _rows(store) == _expected(store, reused=first)


def test_each_languages_query_mean_is_made_of_the_same_pseudo_queries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    # every step-th document's pseudo-query, at most PSEUDO_QUERIES (texts[::step][:40])
    monkeypatch.setattr(protocol, "TEXTS_CHUNK", 7)
    n = 2 * semantic.PSEUDO_QUERIES + 5  # every other one
    docs = _docs(n, 2, words=30)
    store = build_index(tmp_path / "index", docs)
    model = HashEmbedder()
    embed_index(store, embedder=model)
    gen = store.current_generation()
    assert gen is not None
    vs = VectorSet.load(gen)
    assert vs is not None and list(vs.qmeans) == ["en"]
    texts = [t for d in store.document_texts(passages=semantic.document_passages())
             if (t := semantic.pseudo_query(d))]
    step = max(1, len(texts) // semantic.PSEUDO_QUERIES)
    sample = texts[::step][:semantic.PSEUDO_QUERIES]
    assert model.queries == [sample]
    assert np.allclose(vs.qmeans["en"], np.stack([_vector(t, True) for t in sample]).mean(0))


def test_texts_are_read_only_as_the_model_needs_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    # When the model is called, only the documents of the texts in its calls (and the one
    # being read) have been read by the pass that makes the texts, not all of them.
    monkeypatch.setattr(protocol, "TEXTS_CHUNK", 2)
    monkeypatch.setattr(semantic, "BATCH", 3)
    docs = _docs(12, 8)
    store = build_index(tmp_path / "index", docs)
    per_doc = len(semantic.all_texts(next(iter(
        store.document_texts(passages=semantic.document_passages())))))
    reads: list[list[int]] = []  # documents read so far, per pass over the documents
    plain = store.document_texts

    def counted(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        n = [0]
        reads.append(n)
        for d in plain(*args, **kwargs):
            n[0] += 1
            yield d

    monkeypatch.setattr(store, "document_texts", counted)
    ahead: list[int] = []

    class Watching(HashEmbedder):
        def embed_passages(self, texts: list[str]) -> np.ndarray:
            done = sum(len(c) for c in self.calls)  # texts embedded before this call
            # documents read beyond those whose texts the model has had or has now
            ahead.append(reads[-1][0] - -(-(done + len(texts)) // per_doc))
            return super().embed_passages(texts)

    workers = 2
    model = Watching()
    report = embed_index(store, embedder=model, workers=workers)
    assert report.embedded == len(docs)
    assert sum(len(c) for c in model.calls) == len(docs) * per_doc
    # at most the texts of the other call running meanwhile (workers - 1 batches) lie ahead,
    # and the document they were read from
    assert max(ahead) <= -(-(workers - 1) * 3 // per_doc) + 1


def test_an_engine_reads_the_passages_of_a_chunk_of_documents_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    n, passages, chars = 40, 8, 5000
    docs = [make_doc(f"big-{i:02d}", f"Report {i}",
                     *((f"p{i}-{j} " * (chars // 8))[:chars] for j in range(passages)))
            for i in range(n)]
    store = build_index(tmp_path / "index", docs)
    everything = list(store.document_texts(passages=passages))
    assert [len(d["passages"]) for d in everything] == [passages] * n
    total = sum(len(p) for d in everything for p in d["passages"])  # characters, ASCII

    def peak(chunk: int) -> tuple[list[dict[str, Any]], int]:
        monkeypatch.setattr(protocol, "TEXTS_CHUNK", chunk)
        seen = []
        tracemalloc.start()
        try:
            for d in store.document_texts(passages=passages):
                seen.append((d["id"], d["title"], d["language"], len(d["passages"]),
                             [hash(p) for p in d["passages"]]))
            return seen, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, small_peak = peak(4)
    whole, whole_peak = peak(n)
    # the same documents with the same texts, in the same order, whatever the chunk
    assert small == whole == [(d["id"], d["title"], d["language"], len(d["passages"]),
                               [hash(p) for p in d["passages"]]) for d in everything]
    # all the texts at once with one chunk of every document; a tenth of them with 4 of 40
    assert whole_peak > 0.7 * total, (whole_peak, total)
    assert small_peak < total / 4, (small_peak, total)
