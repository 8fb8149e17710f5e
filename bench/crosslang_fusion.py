"""Why cross-language needs lose, and fusion variants measured offline on the nine development
sets (bench/README.md, "Keyword hits across languages"). The product's fusion inputs are
recorded once per query (the keyword list, both semantic lists with their ranks, the
coverage, the query's vector and language) by searching through the product; every variant
then fuses those inputs again in this process (the semantic lists made again from the
recorded vector when a variant changes them), so a variant costs seconds, not a run of
bench/relevance.py. The recorded product fused again gives the product's ranking (checked
at every run: "recorded fusion equals the product").

    .venv/bin/python bench/crosslang_fusion.py causes --index /tmp/xlang-idx
    .venv/bin/python bench/crosslang_fusion.py variants --index /tmp/xlang-idx
    .venv/bin/python bench/crosslang_fusion.py variants --index DIR --set language_share_weight=0

Groups:

- ``causes``: for each cross-language need, which documents above its answers cost it most
  (nDCG@10 if the grade-0 documents of one kind were gone: same-language or other-language,
  from the keyword list, the semantic lists or both), counted per query;
- ``variants``: the product against each variant, nDCG@10 per kind of each set, the mean of
  the nine sets and the worst change of a kind of a set ("!" marks a loss over 0.01).

A filtered query keeps its recorded semantic lists in the variants that remake them (their
ranks among all documents are the product's). Throwaway by nature; only the development sets
are run (never the lead's unseen sets, upgradesme-heldout9 and later).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import relevance as rel  # noqa: E402

from index import IndexStore, SearchRequest, search  # noqa: E402
from index import semantic as sem  # noqa: E402
from index.engine import Filter  # noqa: E402
from index.query import query_language  # noqa: E402
from index.vectors import load_index  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", *(f"upgradesme-heldout{i}" for i in range(2, 9)))
KINDS = ("all", "question", "cross-language", "partner-language", "keyword", "typo", "filter")
SEARCH = sys.modules["index.search"]

Row = dict[str, Any]


def record(store: IndexStore) -> list[Row]:
    """Each judged query's fusion inputs, as the product hands them to index.semantic.fuse."""
    got: dict[str, Any] = {}
    fuse, vector_of, coverage_of = sem.fuse, SEARCH._query_vector, SEARCH._coverage

    def fuse_spy(keyword: list[str], meaning: list[str], **kw: Any) -> Any:
        ranks = kw.get("ranks")
        got.update(keyword=list(keyword), meaning=list(meaning),
                   passages=list(kw.get("passages") or ()),
                   coverage=dict(kw.get("coverage") or {}),
                   ranks=(list(ranks[0]), list(ranks[1])) if ranks else None,
                   content_words=int(kw.get("content_words") or 0))
        return fuse(keyword, meaning, **kw)

    def vector_spy(future: Any) -> Any:
        got["vector"] = vector_of(future)
        return got["vector"]

    def coverage_spy(reader: Any, synonyms: Any, parsed: Any, text: str, keyword: Any,
                     words: Any = None) -> Any:
        got["text"] = text
        return coverage_of(reader, synonyms, parsed, text, keyword, words)

    sem.fuse, SEARCH._query_vector, SEARCH._coverage = fuse_spy, vector_spy, coverage_spy
    rows: list[Row] = []
    try:
        for name in SETS:
            folder = rel.collection_dir(name)
            qrels = rel.read_qrels(folder / "qrels.tsv")
            for q in rel.read_jsonl(folder / "queries.jsonl"):
                if str(q["id"]) not in qrels:
                    continue
                got.clear()
                result = search(store, SearchRequest(
                    query=q["text"], filters=q.get("filters") or {}, page_size=100, passages=0,
                    with_facets=False))
                rows.append({"set": name, "q": q, "grades": qrels[str(q["id"])],
                             "hits": [h.id for h in result.hits],
                             "qlang": query_language(got.get("text", q["text"])), **got})
    finally:
        sem.fuse, SEARCH._query_vector, SEARCH._coverage = fuse, vector_of, coverage_of
    return rows


def ndcg(ranking: list[str], grades: dict[str, int]) -> float:
    run = {"q": {d: float(len(ranking) - i) for i, d in enumerate(ranking)}}
    return rel.per_query_ndcg({"q": grades}, run)["q"]


class Lab:
    """The recorded inputs, the vectors, and the product's fusion with hooks for variants."""

    def __init__(self, store: IndexStore) -> None:
        self.rows = record(store)
        gen = store.current_generation()
        vi = load_index(gen) if gen is not None else None
        assert vi is not None, "the index has no vectors"
        self.vi = vi
        self.langs = vi.doc_base_langs
        self.doclang = {d: str(lang) for d, lang in zip(vi.doc_ids, self.langs, strict=True)}
        self.allowed: dict[int, np.ndarray] = {}
        with store.reader() as reader:
            for i, r in enumerate(self.rows):
                flt = Filter.of({k: list(v) for k, v in (r["q"].get("filters") or {}).items()})
                self.allowed[i] = reader.allowed(flt, vi.doc_ids)

    def shares(self, i: int) -> dict[str, float]:
        return sem.language_shares(self.langs, self.allowed[i])

    def semantic_lists(self, r: Row, query: np.ndarray | None = None, floor: str = "plain",
                       shift: Callable[[np.ndarray], np.ndarray] | None = None
                       ) -> tuple[list[str], list[str]]:
        """Both semantic lists of ``r`` made again (query ``query``, else the recorded
        vector; the floor read on "plain" cosines as the product does, or on the ranking's
        "offset" ones, or on their "max"; ``shift`` changes the per-document scores)."""
        vi, f = self.vi, sem.FUSION
        scores, plain = vi.row_scores(r["vector"] if query is None else query)
        out = []
        for rows in (vi.vote_slice, vi.listed_slice):
            per = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
            np.maximum.at(per, vi.row_doc[rows], scores[rows])
            low = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
            np.maximum.at(low, vi.row_doc[rows], plain[rows])
            read = {"plain": low, "offset": per, "max": np.maximum(low, per)}[floor]
            ranked = shift(per) if shift is not None else per
            ok = np.flatnonzero(read >= f.min_score)
            order = ok[np.argsort(-ranked[ok], kind="stable")][:f.depth]
            out.append([vi.doc_ids[k] for k in order])
        return out[0], out[1]

    def fused(self, i: int, r: Row, *, weights: dict[str, float] | None = None,
              remake: dict[str, Any] | None = None, **fusion: Any) -> list[str]:
        """The product's fusion of the recorded inputs (``weights``: fuse's; ``remake``:
        semantic_lists' arguments, to make the semantic lists again; ``fusion``: Fusion
        fields for this query)."""
        if r.get("keyword") is None:
            return list(r["hits"])
        meaning, passages, ranks = r["meaning"], r["passages"], r["ranks"]
        old = sem.FUSION
        if fusion:
            sem.FUSION = dataclasses.replace(old, **fusion)
        try:
            if remake is not None and r.get("vector") is not None and not r["q"].get("filters"):
                meaning, passages = self.semantic_lists(r, **remake)
                ranks = None
            if weights is None:
                weights = self.language_weights(i, r)
            fused = sem.fuse(r["keyword"], meaning, balanced=False, passages=passages,
                             coverage=r["coverage"] or None, ranks=ranks, weights=weights,
                             content_words=r.get("content_words", 0))
        finally:
            sem.FUSION = old
        return [d for d, _ in fused]

    def language_weights(self, i: int, r: Row) -> dict[str, float]:
        """The product's keyword weights for the hits' languages (Fusion's setting now)."""
        head = r["keyword"][:sem.FUSION.fuse_depth]
        langs = {d: self.doclang[d] for d in head if d in self.doclang}
        return sem.keyword_language_weights(langs, r["qlang"], self.shares(i))

    def measure(self, fuser: Callable[[int, Row], list[str]]) -> dict[str, dict[str, float]]:
        values: dict[str, dict[str, list[float]]] = {}
        for i, r in enumerate(self.rows):
            v = ndcg(fuser(i, r), r["grades"])
            for kind in [*r["q"].get("kind", []), "all"]:
                values.setdefault(r["set"], {}).setdefault(kind, []).append(v)
        return {s: {k: statistics.mean(v) for k, v in kinds.items()}
                for s, kinds in values.items()}


def table(res: dict[str, dict[str, float]], base: dict[str, dict[str, float]],
          label: str) -> None:
    print(f"\n== {label}")
    for kind in KINDS:
        cells, worst = [], 0.0
        for s in SETS:
            if kind not in res[s]:
                cells.append("    -  ")
                continue
            d = res[s][kind] - base[s][kind]
            worst = min(worst, d)
            cells.append(f"{res[s][kind]:.3f}{'!' if d < -0.01 else ' '}")
        mean = statistics.mean(res[s][k] for s in SETS for k in [kind] if k in res[s])
        was = statistics.mean(base[s][k] for s in SETS for k in [kind] if k in base[s])
        print(f"  {kind:<17}" + " ".join(cells)
              + f" | mean {mean:.4f} ({mean - was:+.4f}) worst {worst:+.3f}")


def run_causes(lab: Lab) -> None:
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    gains: collections.Counter[tuple[str, str]] = collections.Counter()
    queries: collections.Counter[str] = collections.Counter()
    for r in lab.rows:
        if "cross-language" not in r["q"].get("kind", []):
            continue
        grades, hits, lang = r["grades"], r["hits"], r["q"].get("lang")
        keyword = set((r.get("keyword") or [])[:sem.FUSION.fuse_depth])
        meaning = set(r.get("meaning") or []) | set(r.get("passages") or [])
        group = "English query" if lang == "en" else "partner-language query"
        queries[group] += 1
        base = ndcg(hits, grades)

        def category(d: str, lang: str | None = lang, keyword: set[str] = keyword,
                     meaning: set[str] = meaning) -> str:
            where = ("both lists" if d in keyword and d in meaning else "keyword list only"
                     if d in keyword else "semantic lists only")
            which = "same-language" if lab.doclang.get(d) == lang else "other-language"
            return f"grade-0 {which} documents, {where}"

        for cat in {category(d) for d in hits if grades.get(d, 0) == 0}:
            v = ndcg([d for d in hits if grades.get(d, 0) > 0 or category(d) != cat], grades)
            counts[(group, cat)] += v - base > 0.05
            gains[(group, cat)] += v - base
    print(f"cross-language needs: {dict(queries)}")
    print("grade-0 documents above the answers: queries that would gain over 0.05 nDCG@10 "
          "without them, and the mean gain over the group's queries")
    for key in sorted(counts):
        print(f"  {key[0]:<23} {key[1]:<52} {counts[key]:4}  {gains[key] / queries[key[0]]:.4f}")


def run_variants(lab: Lab) -> None:
    base = lab.measure(lambda i, r: lab.fused(i, r))
    product = sum(lab.fused(i, r)[:10] == r["hits"][:10] for i, r in enumerate(lab.rows))
    print(f"recorded fusion equals the product on {product} of {len(lab.rows)} queries")
    table(base, base, f"the product (language_share_weight "
                      f"{sem.FUSION.language_share_weight})")
    off = lab.measure(lambda i, r: lab.fused(i, r, weights={}))
    table(off, base, "keyword weights for the hits' languages off")

    def shares_weight(alpha: float) -> Callable[[int, Row], list[str]]:
        def fuser(i: int, r: Row) -> list[str]:
            return lab.fused(i, r, language_share_weight=alpha, weights=None)
        return fuser

    for alpha in (0.5, 0.75, 1.0, 1.5, 2.0):
        table(lab.measure(shares_weight(alpha)), base, f"language_share_weight {alpha}")

    def vs_base(name: str, fuser: Callable[[int, Row], list[str]]) -> None:
        table(lab.measure(fuser), base, name)

    for beta in (0.02, 0.04):
        def penalty(i: int, r: Row, beta: float = beta) -> list[str]:
            own = lab.langs == r["qlang"]
            return lab.fused(i, r, remake={"shift": lambda s: s - beta * own})
        vs_base(f"semantic lists: documents in the query's language lose {beta} of cosine",
                penalty)
    for floor in ("offset", "max"):
        vs_base(f"the similarity floor read on {floor} cosines (product: without the "
                "offsets)", lambda i, r, floor=floor: lab.fused(i, r, remake={"floor": floor}))
    for w in (0.3, 0.6):
        def feedback(i: int, r: Row, w: float = w) -> list[str]:
            other = next((d for d in (r.get("keyword") or [])[:1]
                          if lab.doclang.get(d) != r["qlang"]), None)
            vec = lab.vi.doc_vector(other) if other is not None else None
            if vec is None or r.get("vector") is None:
                return lab.fused(i, r)
            q = r["vector"] + w * vec
            return lab.fused(i, r, remake={"query": q / np.linalg.norm(q)})
        vs_base(f"feedback: the query's vector plus {w} x its first keyword hit's when that "
                "is in another language", feedback)
    for factor in (0.7, 1.6):
        def other(i: int, r: Row, factor: float = factor) -> list[str]:
            own = r["qlang"]
            return lab.fused(i, r, weights={d: factor for d in r.get("keyword") or []
                                            if own and lab.doclang.get(d) not in (None, own)})
        vs_base(f"every keyword hit in another language than the query's x {factor}", other)
    for weight, passages in ((0.35, 0.175), (0.35, 0.35), (0.5, 0.25)):
        def small(i: int, r: Row, weight: float = weight, passages: float = passages
                  ) -> list[str]:
            if r["qlang"] and lab.shares(i).get(r["qlang"], 0.0) < 0.5:
                return lab.fused(i, r, weight=weight, passage_weight=passages)
            return lab.fused(i, r)
        vs_base(f"queries in a language under half the documents: semantic list {weight}, "
                f"passage list {passages}", small)
    vote_scores: dict[int, np.ndarray] = {}

    def standing(i: int, r: Row) -> dict[str, float]:
        """Each document's vote cosine against the query's, as (cosine - median) / (best -
        median) over the documents."""
        if i not in vote_scores:
            vi = lab.vi
            scores, _ = vi.row_scores(r["vector"])
            per = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
            np.maximum.at(per, vi.row_doc[vi.vote_slice], scores[vi.vote_slice])
            vote_scores[i] = per
        per = vote_scores[i]
        median, best = float(np.median(per)), float(per.max())
        return {d: (float(per[k]) - median) / max(best - median, 1e-6)
                for k, d in enumerate(lab.vi.doc_ids)}

    for scope in ("every hit", "hits in the query's language"):
        def veto(i: int, r: Row, scope: str = scope) -> list[str]:
            if r.get("vector") is None or r.get("keyword") is None:
                return lab.fused(i, r)
            rel_ = standing(i, r)
            weights = lab.language_weights(i, r)
            for d in r["keyword"]:
                if scope != "every hit" and lab.doclang.get(d) != r["qlang"]:
                    continue
                x = rel_.get(d)
                if x is not None:
                    weights[d] = weights.get(d, 1.0) * min(1.0, max(0.5, 0.5 + (x + 0.3)))
            return lab.fused(i, r, weights=weights)
        vs_base(f"semantic veto ({scope}): a keyword hit whose vote cosine stands low among the "
                "documents' ((c - median) / (best - median) from 0.2 down to -0.3) weighs down "
                "to x 0.5", veto)
    vi = lab.vi
    rows_ = vi.matrix
    sims = rows_ @ rows_[vi.vote_slice].T
    per_doc = np.full((sims.shape[0], len(vi.doc_ids)), np.nan, dtype=np.float32)
    for j, k in enumerate(vi.row_doc[vi.vote_slice]):
        per_doc[:, k] = np.fmax(per_doc[:, k], sims[:, j])
    for row, k in enumerate(vi.row_doc):
        per_doc[row, k] = np.nan
    hub = np.nanmean(per_doc, axis=0)
    hub -= np.nanmean(hub)
    for lam in (0.25, 0.5):
        vs_base(f"hubness: a document's vote cosine less {lam} x its mean closeness to every "
                "other document's vectors", lambda i, r, lam=lam: lab.fused(
                    i, r, remake={"shift": lambda s, lam=lam: s - lam * hub}))
    for depth in (7, 15):
        vs_base(f"both semantic lists {depth} documents deep (10)",
                lambda i, r, depth=depth: lab.fused(i, r, depth=depth, remake={}))
    for passages in (0.2, 0.25):
        def unfiltered_small(i: int, r: Row, passages: float = passages) -> list[str]:
            if (r["qlang"] and lab.shares(i).get(r["qlang"], 0.0) < 0.5
                    and not r["q"].get("filters")):
                return lab.fused(i, r, passage_weight=passages)
            return lab.fused(i, r)
        vs_base(f"unfiltered queries in a language under half the documents: passage list "
                f"{passages}", unfiltered_small)
        vs_base(f"unfiltered queries: passage list {passages}",
                lambda i, r, p=passages: lab.fused(i, r, **(
                    {} if r["q"].get("filters") else {"passage_weight": p})))
    for field, value in (("coverage_power", 0.75), ("weight", 0.6), ("passage_weight", 0.25),
                         ("rrf_k", 5.0), ("rrf_k", 20.0)):
        vs_base(f"{field} {value}", lambda i, r, f=field, v=value: lab.fused(i, r, **{f: v}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("groups", nargs="+", choices=("causes", "variants"))
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args()
    rel.apply_settings(args.set)
    lab = Lab(IndexStore(args.index))
    for group in args.groups:
        {"causes": run_causes, "variants": run_variants}[group](lab)


if __name__ == "__main__":
    main()
