"""The query rendered through the glossary as a second query vector (bench/README.md, "A
query's renderings through the glossary"), measured offline on the eleven development sets.

The product's fusion inputs are recorded once per query by bench/crosslang_fusion.py's Lab
(keyword list, both semantic lists, coverage, the query's vector and language); each variant
makes the semantic lists again through the product's index.semantic.rank_by_meaning with
more query vectors (the query's renderings in some languages, index.rendering, embedded here
once) and fuses again. The product remade this way gives the recorded lists (checked: "remade
lists equal the recorded").

    .venv/bin/python bench/query_renderings.py --index DIR --set rendered_in=none styles grid
    .venv/bin/python bench/query_renderings.py --index DIR generic

Groups (measured against the recorded product: with ``--set rendered_in=none``, the product
without renderings): ``styles``, the English rendering as the product makes it (the query
followed by its terms' concepts), with the terms replaced in place, or the terms alone; each
row's best cosine in both lists, the votes or the passage list only; one mean vector; the
rendering's cosine less a margin; ``grid``, margins 0.005-0.03 for in place and added terms,
and renderings in every other language or English and Hungarian; ``first``, the renderings'
own lists fused beside the query's at a weight; ``languages``, English with one or two
partner languages; ``generic`` (on the product as it is), a prior against documents close to
every query: each row's cosine less beta x its closeness to the mean of the index's
pseudo-query means. A filtered query keeps its recorded lists (its ranks are among all
documents). Only the development sets are run (never the lead's unseen sets,
upgradesme-heldout11 and later).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import crosslang_fusion as cf  # noqa: E402
import numpy as np  # noqa: E402
import relevance as rel  # noqa: E402

from index import IndexStore  # noqa: E402
from index import semantic as sem  # noqa: E402
from index.embedder import default_embedder  # noqa: E402
from index.rendering import render, rendered_terms, renderings  # noqa: E402
from index.search import allowed_ranks  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", *(f"upgradesme-heldout{i}" for i in range(2, 11)))
LANGS = ("en", "de", "hu", "ro", "nl", "pt", "es")
Row = dict[str, Any]


class Renderings:
    """Each recorded query's renderings (its semantic text, rendered) and their vectors."""

    def __init__(self, lab: cf.Lab, groups: list[dict[str, list[str]]]) -> None:
        self.lab, self.groups = lab, groups
        self._vec: dict[str, np.ndarray] = {}

    def of(self, r: Row, langs: Sequence[str], style: str = "append") -> list[str]:
        """The query's renderings in ``langs`` (not its own language): "render" (the query
        with its glossary terms replaced), "terms" (those terms alone), "append" (the query
        and those terms)."""
        text = r.get("text") or r["q"]["text"]
        langs = [lang for lang in langs if lang != r["qlang"]]
        if style == "append":  # the product's
            return renderings(text, self.groups, langs)
        if style == "render":
            return list(dict.fromkeys(t for t in (render(text, self.groups, lang)
                                                  for lang in langs) if t != text))
        out = []
        for lang in langs:
            terms = rendered_terms(text, self.groups, lang)
            if terms:
                out.append(terms if style == "terms" else f"{text} {terms}")
        return list(dict.fromkeys(out))

    def vectors(self, texts: list[str]) -> list[np.ndarray]:
        todo = [t for t in texts if t not in self._vec]
        if todo:
            for t, v in zip(todo, default_embedder().embed_queries(todo), strict=True):
                self._vec[t] = v
        return [self._vec[t] for t in texts]


def lists(lab: cf.Lab, i: int, r: Row, queries: list[np.ndarray], handicap: float = 0.0,
          shift: np.ndarray | None = None
          ) -> tuple[list[str], list[str], list[int], list[int]]:
    """Both semantic lists of query ``i`` ranked through the product by ``queries`` (each
    row's best cosine over them, the later ones' less ``handicap``; every row's less
    ``shift``, when given), with their ranks."""
    vi, f = lab.vi, sem.FUSION
    own = vi.row_scores
    extra = [vi.bias.query(q, r["qlang"]) for q in queries[1:]]

    def row_scores(q: np.ndarray, *_: Any) -> tuple[np.ndarray, np.ndarray]:
        s, p = own(q)
        for q2 in extra:
            s2, p2 = own(q2)
            s, p = np.maximum(s, s2 - handicap), np.maximum(p, p2 - handicap)
        if shift is not None:
            s, p = s - shift, p - shift
        return s, p

    vi.row_scores = row_scores  # type: ignore[method-assign]
    try:
        mask = lab.allowed[i]
        made = sem.rank_by_meaning(vi, queries[0], r["qlang"], mask, f.depth, None)
    finally:
        del vi.row_scores
    documents, passages = (allowed_ranks(vi.doc_ids, positions, mask, f.depth)
                           for positions in made)
    return ([d for d, _ in documents], [d for d, _ in passages],
            [k for _, k in documents], [k for _, k in passages])


def fused(lab: cf.Lab, r: Row, meaning: list[str], passages: list[str],
          ranks: tuple[list[int], list[int]] | None,
          more: Sequence[tuple[list[str], float]] = ()) -> list[str]:
    """The product's fusion of ``r``'s keyword list with these semantic lists, and ``more``
    lists (documents, weight) added as RRF terms."""
    out = sem.fuse(r["keyword"], meaning, balanced=False, passages=passages,
                   coverage=r["coverage"] or None, ranks=ranks, weights={},
                   content_words=r.get("content_words", 0))
    if not more:
        return [d for d, _ in out]
    scores = dict(out)
    k = sem.FUSION.rrf_k
    for docs, weight in more:
        for rank, d in enumerate(docs, start=1):
            scores[d] = scores.get(d, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda d: -scores[d])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("group", nargs="*", choices=("styles", "grid", "generic", "languages", "first"))
    args = ap.parse_args()
    rel.apply_settings(args.set)
    cf.SETS = SETS
    store = IndexStore(args.index)
    lab = cf.Lab(store)
    rend = Renderings(lab, store.load_synonyms())
    usable = [i for i, r in enumerate(lab.rows) if r.get("keyword") is not None
              and r.get("vector") is not None and not r["q"].get("filters")]
    same = sum(lists(lab, i, lab.rows[i], [lab.rows[i]["vector"]])[:2]
               == (lab.rows[i]["meaning"], lab.rows[i]["passages"]) for i in usable)
    print(f"remade lists equal the recorded on {same} of {len(usable)} unfiltered queries")
    base = lab.measure(lambda i, r: lab.fused(i, r))
    cf.table(base, base, "the product")
    usable_set = set(usable)

    def variant(langs: Sequence[str], how: str, weight: float = 0.0, style: str = "append",
                handicap: float = 0.0) -> Callable[[int, Row], list[str]]:
        def fuser(i: int, r: Row) -> list[str]:
            if i not in usable_set:
                return lab.fused(i, r)
            texts = rend.of(r, langs, style)
            if not texts:
                return lab.fused(i, r)
            vecs = rend.vectors(texts)
            if how == "max":
                m, p, rm, rp = lists(lab, i, r, [r["vector"], *vecs], handicap)
                return fused(lab, r, m, p, (rm, rp))
            if how == "mean":
                v = r["vector"] * weight + np.mean(vecs, axis=0) * (1 - weight)
                m, p, rm, rp = lists(lab, i, r, [v / np.linalg.norm(v)])
                return fused(lab, r, m, p, (rm, rp))
            if how == "votes-max":
                m, _, rm, _ = lists(lab, i, r, [r["vector"], *vecs], handicap)
                return fused(lab, r, m, r["passages"], (rm, r["ranks"][1]))
            if how == "passages-max":
                _, p, _, rp = lists(lab, i, r, [r["vector"], *vecs], handicap)
                return fused(lab, r, r["meaning"], p, (r["ranks"][0], rp))
            more: list[tuple[list[str], float]] = []
            for v in vecs:
                m, p, _, _ = lists(lab, i, r, [v])
                more.append((m, weight / len(vecs)))
                if how == "list+passages":
                    more.append((p, sem.FUSION.passage_weight * weight / sem.FUSION.weight
                                 / len(vecs)))
            return fused(lab, r, r["meaning"], r["passages"], tuple(r["ranks"]), more)
        return fuser

    def moved(name: str, fuser: Callable[[int, Row], list[str]]) -> None:
        print(f"\n-- queries moved by over 0.05: {name}")
        for i, r in enumerate(lab.rows):
            a, b = cf.ndcg(lab.fused(i, r), r["grades"]), cf.ndcg(fuser(i, r), r["grades"])
            if abs(b - a) > 0.05:
                print(f"  {r['set']:<22} {r['q']['id']:<5} {a:.3f} -> {b:.3f} "
                      f"{','.join(r['q'].get('kind', []))}: {r['q']['text'][:90]}")

    counted = {name: sum(bool(rend.of(r, langs)) for i, r in enumerate(lab.rows)
                         if i in usable_set)
               for name, langs in (("en", ("en",)), ("all", LANGS))}
    print(f"queries with an English rendering: {counted['en']}; with any: {counted['all']}")
    groups = args.group or ["styles"]
    if "styles" in groups:
        for style in ("render", "terms", "append"):
            cf.table(lab.measure(variant(("en",), "max", style=style)), base,
                     f"English, {style}: best cosine")
        for how in ("votes-max", "passages-max"):
            cf.table(lab.measure(variant(("en",), how)), base, f"English: {how}")
        for w in (0.5, 0.7):
            cf.table(lab.measure(variant(("en",), "mean", w)), base,
                     f"English: mean vector, the query's share {w}")
        for h in (0.01, 0.02):
            cf.table(lab.measure(variant(("en",), "max", handicap=h)), base,
                     f"English: best cosine, the rendering's less {h}")
        moved("English, render, best cosine", variant(("en",), "max"))
    if "grid" in groups:
        for style in ("render", "append"):
            for h in (0.005, 0.01, 0.015, 0.02, 0.03):
                cf.table(lab.measure(variant(("en",), "max", style=style, handicap=h)), base,
                         f"English, {style}: best cosine, the rendering's less {h}")
        for h in (0.01, 0.02):
            cf.table(lab.measure(variant(LANGS, "max", handicap=h)), base,
                     f"every other language: best cosine, the renderings' less {h}")
            cf.table(lab.measure(variant(("en", "hu"), "max", handicap=h)), base,
                     f"English and Hungarian: best cosine, the renderings' less {h}")
    if "generic" in groups:
        # a prior against documents close to any query: each row's cosine with the mean of
        # the pseudo-queries cut from the documents of each language (index.semantic's
        # qmeans, made at ingest from the documents, not from judged queries)
        from index.vectors import VectorSet

        gen = store.current_generation()
        vs = VectorSet.load(gen) if gen is not None else None
        assert vs is not None and vs.qmeans
        generic = np.mean([v / np.linalg.norm(v) for v in vs.qmeans.values()], axis=0)
        generic = generic / np.linalg.norm(generic)
        hub = lab.vi.matrix @ generic.astype(np.float32)
        print(f"rows' closeness to the generic query: median {np.median(hub):.3f}, "
              f"min {hub.min():.3f}, max {hub.max():.3f}")
        product_margin = sem.FUSION.rendering_margin

        def with_prior(beta: float) -> Callable[[int, Row], list[str]]:
            def fuser(i: int, r: Row) -> list[str]:
                if i not in usable_set:
                    return lab.fused(i, r)
                vecs = rend.vectors(rend.of(r, ("en",)))
                m, p, rm, rp = lists(lab, i, r, [r["vector"], *vecs], product_margin,
                                     beta * (hub - np.median(hub)))
                return fused(lab, r, m, p, (rm, rp))
            return fuser

        cf.table(lab.measure(with_prior(0.0)), base, "the product remade (renderings, no prior)")
        for beta in (0.1, 0.2, 0.3, 0.5):
            cf.table(lab.measure(with_prior(beta)), base,
                     f"a row's cosine less {beta} x its closeness to the generic query")
    if "languages" in groups:
        for langs in (("en", "hu"), ("en", "de"), ("en", "hu", "ro")):
            cf.table(lab.measure(variant(langs, "max")), base, f"{langs}: best cosine")
    if "first" in groups:
        for langs, label in ((("en",), "English"), (LANGS, "every other language"),
                             (("en", "hu"), "English and Hungarian")):
            cf.table(lab.measure(variant(langs, "max")), base, f"{label}: best cosine")
            for w in (0.25, 0.5):
                cf.table(lab.measure(variant(langs, "list", w)), base,
                         f"{label}: own list at {w}")
            cf.table(lab.measure(variant(langs, "list+passages", 0.5)), base,
                     f"{label}: own lists (votes and passages) at 0.5")


if __name__ == "__main__":
    main()
