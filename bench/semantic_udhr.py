"""Cross-language retrieval on the Universal Declaration of Human Rights, through the product.

    .venv/bin/python bench/semantic_udhr.py                 # hybrid search, every direction
    KB_SEMANTIC=0 .venv/bin/python bench/semantic_udhr.py   # keyword search only (before)
    .venv/bin/python bench/semantic_udhr.py --remedies      # also the embedding-only remedies
    .venv/bin/python bench/semantic_udhr.py --set weight_balanced=2 --set rrf_k=20

One index holds articles 1-30 of all ten languages of ``../shared/testdata/multilingual/udhr``
(300 documents: title "Article N" in the language, the article's text as one passage). A query
is the first 12 words of article N in one language; it succeeds when article N in the target
language is in the top 10 of ``index.search`` (relevance, no filters). Directions: each of
hu, ro, de, es, nl, pt-PT to English, and English to each of them; "mono" is the share of
queries whose own article comes first (the monolingual check). Goal (issue 11): at least 80%
in every direction, at least 90% on average.

``--remedies`` compares, on the same vectors and without keyword search, the language-bias
remedies of index.semantic (raw cosine, document-mean centring, plus query means, plus
round robin over languages, plus feedback from the best same-language hit).

The index is kept in $KB_BENCH_DIR/udhr-<code key> (default /tmp/kb-relevance) with its
vectors, so a rerun only embeds the queries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.relevance import apply_settings  # noqa: E402
from index import (  # noqa: E402
    Document,
    IndexStore,
    Passage,
    SearchRequest,
    search,
    semantic_enabled,
)
from index.semantic import embed_index  # noqa: E402
from search_app.settings import apply_to_index, load_settings  # noqa: E402

PARTNER = ("hu", "ro", "de", "es", "nl", "pt-PT")
QUERY_WORDS = 12


def udhr_rows(testdata: Path | None = None) -> list[dict]:
    base = testdata or Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))
    path = base / "multilingual" / "udhr" / "corpus.jsonl"
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if 1 <= int(r["article"]) <= 30]


def documents(rows: list[dict]) -> list[Document]:
    return [
        Document(id=r["id"], source_path=f"{r['id']}.txt", sha256="", title=r["title"],
                 language=r["lang"], passages=[Passage(0, r["text"])])
        for r in rows
    ]


def build(index_dir: Path, rows: list[dict]) -> IndexStore:
    """The UDHR index with its vectors (built and embedded once)."""
    store = IndexStore(index_dir)
    if store.needs_rebuild():
        with store.lock(), store.rebuild() as writer:
            for doc in documents(rows):
                writer.put(doc)
    embed_index(store)
    return store


def query_text(row: dict) -> str:
    return " ".join(row["text"].split()[:QUERY_WORDS])


def directions(store: IndexStore, rows: list[dict]) -> dict[str, float]:
    """Share of articles found in the top 10, per direction; and "mono" (own article first)."""
    by_key = {(r["lang"], int(r["article"])): r["id"] for r in rows}
    found: dict[str, list[bool]] = {}
    mono: list[bool] = []
    for src in ("en", *PARTNER):
        targets = PARTNER if src == "en" else ("en",)
        for row in (r for r in rows if r["lang"] == src):
            result = search(store, SearchRequest(query=query_text(row), page_size=10,
                                                 passages=0, with_facets=False))
            top = [h.id for h in result.hits]
            mono.append(bool(top) and top[0] == row["id"])
            for dst in targets:
                found.setdefault(f"{src}>{dst}", []).append(
                    by_key[(dst, int(row["article"]))] in top)
    out = {k: sum(v) / len(v) for k, v in found.items()}
    out["mono"] = sum(mono) / len(mono)
    return out


def report(name: str, scores: dict[str, float]) -> None:
    dirs = {k: v for k, v in scores.items() if ">" in k}
    print(f"{name:<34} min {min(dirs.values()):.2f}  mean {np.mean(list(dirs.values())):.2f}"
          + (f"  mono {scores['mono']:.2f}" if "mono" in scores else ""))
    print("   " + "  ".join(f"{k} {v:.2f}" for k, v in dirs.items()))


def remedies(store: IndexStore, rows: list[dict]) -> None:
    """The language-bias remedies on the vectors alone (no keyword search)."""
    from index.embedder import default_embedder
    from index.vectors import LanguageBias, VectorSet, _normalise, interleave_by_language

    gen = store.current_generation()
    assert gen is not None
    vs = VectorSet.load(gen)
    assert vs is not None
    pos = {d: i for i, d in enumerate(vs.doc_ids)}
    order = [pos[r["id"]] for r in rows]
    D = vs.vectors[order]
    langs = np.array([vs.langs[i] for i in order])
    art = np.array([int(r["article"]) for r in rows])
    lang_of = np.array([r["lang"] for r in rows])
    Q = default_embedder().embed_queries([query_text(r) for r in rows])
    bias = LanguageBias(vs)
    Dc = bias.documents(D, list(langs))
    Qd = _normalise(Q - np.stack([bias.doc_means[k] for k in langs]))  # doc means on queries
    Qc = np.stack([bias.query(Q[i], langs[i]) for i in range(len(rows))])

    def score(S: np.ndarray, rr: bool) -> dict[str, float]:
        out: dict[str, list[bool]] = {}
        for i in range(len(rows)):
            src = lang_of[i]
            if src != "en" and src not in PARTNER:
                continue
            if rr:
                top = interleave_by_language(S[i], langs, np.ones(len(rows), bool), 10)
            else:
                top = list(np.argsort(-S[i])[:10])
            for dst in (PARTNER if src == "en" else ("en",)):
                j = int(np.flatnonzero((lang_of == dst) & (art == art[i]))[0])
                out.setdefault(f"{src}>{dst}", []).append(j in top)
        return {k: sum(v) / len(v) for k, v in out.items()}

    def feedback(Qv: np.ndarray, Dv: np.ndarray) -> np.ndarray:
        S0 = Qv @ Dv.T
        Q2 = Qv.copy()
        for i in range(len(rows)):
            own = np.flatnonzero(langs == langs[i])
            Q2[i] = Qv[i] + Dv[own[np.argmax(S0[i, own])]]
        return _normalise(Q2)

    report("raw cosine", score(Q @ D.T, False))
    report("document means (docs and queries)", score(Qd @ Dc.T, False))
    report("document + pseudo-query means", score(Qc @ Dc.T, False))
    report("  + round robin over languages", score(Qc @ Dc.T, True))
    report("  + feedback from best own-language", score(feedback(Qc, Dc) @ Dc.T, True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--remedies", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a setting for this run (as bench/relevance.py --set: a field "
                         "of index.semantic.FUSION such as rrf_k, weight_balanced, depth)")
    args = ap.parse_args()
    apply_to_index(load_settings())  # KB_SEMANTIC=0: keyword search only
    apply_settings(args.set)
    code = hashlib.sha256(b"".join(
        (ROOT / "index" / n).read_bytes()
        for n in ("analysis.py", "schema.py", "store.py", "records.py", "semantic.py",
                  "embedder.py"))).hexdigest()[:12]
    cache = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-relevance")) / f"udhr-{code}"
    rows = udhr_rows()
    started = time.perf_counter()
    store = build(cache, rows)
    print(f"index ready in {time.perf_counter() - started:.1f} s ({len(rows)} articles)")
    started = time.perf_counter()
    scores = directions(store, rows)
    took = time.perf_counter() - started
    mode = "hybrid" if semantic_enabled() else "keyword only (KB_SEMANTIC=0)"
    report(f"product search, {mode}", scores)
    print(f"   {took / len(rows) * 1000:.0f} ms per query")
    if args.remedies:
        remedies(store, rows)


if __name__ == "__main__":
    main()
