"""Fusion variants measured for issues 10 and 11 (bench/README.md, "The semantic passage list,
and fusion variants"): each is patched in for one run of our tuning and held-out judgments, in
one process (the query vectors are made once), nDCG@10 per kind on both sets. They were tried
on the product before its semantic passage list, so the first row ("product") is the product
with that list off (``passage_weight`` 0), and each variant is measured without it; the
``deep`` group's weight 0.15 for every query is the list as kept. Nor do they weigh the keyword
hits by their coverage (``coverage_power`` 0) or rank a filtered search's semantic lists among
all documents (``filtered_ranks`` "filtered": a document's rank is its place in its list), both
later than the variants: the product's rows are made with the same settings. A variant's fusion
takes every argument of index.semantic.fuse and its ranking every argument of
index.semantic.rank_by_meaning (a variant that falls back to the product passes them on).

    .venv/bin/python bench/fusion_variants.py form --index /tmp/q-idx
    .venv/bin/python bench/fusion_variants.py coverage feedback --index /tmp/q-idx
    .venv/bin/python bench/fusion_variants.py --make-deep /tmp/q-idx /tmp/q-idx-deep
    .venv/bin/python bench/fusion_variants.py deep --index /tmp/q-idx-deep

Groups of variants:

- ``form``: a query that reads as a question (ends with "?" or starts with an interrogative of
  a partner language) or is long (6 content words or more) fused with another semantic weight,
  RRF k or semantic depth than keyword-like queries;
- ``deep``: a third list in the fusion, documents ranked by their closest passage among the
  passages past the first 3, or among all vectors, for every query or only question-like ones,
  at several weights; the document vote and the centring stay those of the vote's vectors.
  Kept at weight 0.15 for every query (index.semantic.Fusion.passage_weight). On an index made
  since, the group uses the index's own rows for the passage list; on one made before,
  ``--make-deep`` copies it and embeds the later passages;
- ``coverage``: the keyword list trusted by how much of the query its hits match (the share of
  the query's content words a hit matches, each word a query of its own with its synonyms):
  each hit's RRF share times its own coverage ("doc"), or the whole list's times the best
  hit's coverage ("query"), to the power p;
- ``feedback``: a third list of the keyword engine's "more like this" of the closest
  documents by meaning (pseudo-relevance feedback on the keyword side from the semantic list);
- ``passages``: for question-like queries, the keyword hits ranked by their best passage (BM25
  of the passage records) in place of the document ranking, or sharing its weight (reads the
  Whoosh engine's searcher: a Whoosh index only);
- ``confidence``: the semantic list's weight times how far its best document stands above the
  others (cosine of the first minus the tenth, or minus the second, over its median on the
  tuning queries), clipped;
- ``hubs``: hubness reduction (as CSLS in cross-lingual word embeddings): a vector's cosine
  with the query minus beta times its mean cosine with its k nearest vectors of other
  documents, so that texts close to everything stop coming first for every query.

Throwaway by nature (it patches index.semantic's fusion and ranking for the run): kept so the
figures in bench/README.md can be made again and the variants are not tried twice.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import re
import shutil
import statistics
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import relevance as rel  # noqa: E402

from index import IndexStore, SearchRequest, search  # noqa: E402
from index import query_form as qf  # noqa: E402
from index import semantic as sem  # noqa: E402
from index import vectors as vec  # noqa: E402
from index.analysis import fold  # noqa: E402
from index.query import parse_query, query_language  # noqa: E402
from index.query import word_queries as query_word_queries  # noqa: E402
from index.query_words import QUESTION_WORDS, folded_stopwords  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout")
KINDS = ("all", "question", "cross-language", "partner-language", "keyword", "typo", "filter")
DEEP_KEYS = "deep_keys.json"

INTERROGATIVES = frozenset(fold(w) for w in """how what which why who whom whose when where
    wie was welche welcher welches warum wo wann weshalb wieso hoe wat welke welk waarom wanneer
    waar como cómo que qué cual cuál cuales cuáles por porque quien quién cuando cuándo donde
    dónde qual quais quem quando onde cum ce care cine când unde hogyan mi mit miért milyen
    melyik mikor hol ki""".split())

_RANK_BY_MEANING = sem.rank_by_meaning


def product_ranking(*args: Any, **kwargs: Any) -> vec.Positions:
    """The product's ranking of documents by their votes (index.semantic.rank_by_meaning)."""
    return _RANK_BY_MEANING(*args, **kwargs)[0]


#: the text of the query being searched (run_queries passes only requests to index.search)
CURRENT = {"text": ""}


def content_words(text: str) -> list[str]:
    """The query's words less stop words of its language and question words of any."""
    lang = query_language(text)
    return [w for w in re.findall(r"\w[\w-]*", text.lower())
            if fold(w) not in folded_stopwords(lang or "xx")
            and not any(fold(w) in QUESTION_WORDS[code] for code in QUESTION_WORDS)]


def question_like(text: str, rule: str) -> bool:
    """``form``: a question by its form; ``lenN``: N content words or more; ``form|lenN``."""
    words = re.findall(r"\w[\w-]*", text.lower())
    form = text.strip().endswith("?") or bool(words and fold(words[0]) in INTERROGATIVES)
    if rule == "form":
        return form
    if rule.startswith("form|len"):
        return form or len(content_words(text)) >= int(rule[8:])
    if rule.startswith("len"):
        return len(content_words(text)) >= int(rule[3:])
    raise ValueError(rule)


def rrf(lists: list[tuple[Any, ...]], keyword: list[str], k: float) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of (ranking, weight) or (ranking, weight, ranks) lists, as
    index.semantic.fuse does it (``ranks``: each document's rank, by default its place)."""
    scores: dict[str, float] = {}
    for ranking, weight, *given in lists:
        ranks = given[0] if given and given[0] is not None else range(1, len(ranking) + 1)
        for rank, doc in zip(ranks, ranking, strict=True):
            w = weight(doc) if callable(weight) else weight
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    fused = sorted(scores.items(), key=lambda kv: -kv[1])
    depth = sem.FUSION.fuse_depth
    fused.extend((d, 0.0) for d in keyword[depth:] if d not in scores)
    return fused


# -- running ---------------------------------------------------------------------------------
def load_sets(names: tuple[str, ...] = SETS
              ) -> dict[str, tuple[list[dict[str, Any]], dict[str, dict[str, int]]]]:
    out = {}
    for name in names:
        folder = rel.collection_dir(name)
        qrels = rel.read_qrels(folder / "qrels.tsv")
        out[name] = ([q for q in rel.read_jsonl(folder / "queries.jsonl")
                      if str(q["id"]) in qrels], qrels)
    return out


DATA = load_sets()


def _search(store: IndexStore, req: SearchRequest) -> Any:
    CURRENT["text"] = req.query
    return search(store, req)


rel.search = _search  # type: ignore[assignment]


def measure(store: IndexStore, label: str, *, data: dict[str, Any] | None = None,
            kinds_shown: tuple[str, ...] = KINDS,
            per_query_into: dict[str, dict[str, float]] | None = None) -> None:
    """One line: nDCG@10 per kind of each set of ``data`` (default: this script's two)."""
    cells = []
    for name, (queries, qrels) in (data or DATA).items():
        run, _ = rel.run_queries(store, queries)
        per_query = rel.per_query_ndcg(qrels, run)
        if per_query_into is not None:
            per_query_into[name] = per_query
        kinds = {k: v[1] for k, v in rel.by_group(queries, per_query, "kind").items()}
        kinds["all"] = statistics.mean(per_query.values())
        cells.append(" ".join(f"{kinds.get(k, float('nan')):.4f}" for k in kinds_shown))
    print(f"{label:<38} {' | '.join(cells)}", flush=True)


def header() -> None:
    kinds = " ".join(f"{k[:6]:>6}" for k in KINDS)
    print(f"{'variant (tuning | held-out)':<34} {kinds} | {kinds}", flush=True)


@contextlib.contextmanager
def patched(fuse: Any = None, ranking: Any = None) -> Iterator[None]:
    """``fuse`` in place of index.semantic.fuse; ``ranking`` (rank_by_meaning's arguments,
    one list back) in place of the documents' ranking (the passage list left empty)."""
    old = sem.fuse, sem.rank_by_meaning
    if fuse is not None:
        sem.fuse = fuse
    if ranking is not None:
        sem.rank_by_meaning = lambda *a, **k: (ranking(*a, **k), [])
    try:
        yield
    finally:
        sem.fuse, sem.rank_by_meaning = old


# -- the groups ------------------------------------------------------------------------------
def run_form(store: IndexStore) -> None:
    product_fuse = sem.fuse

    def variant(rule: str, weight: float = 0.5, k: float = 10.0, depth: int = 10) -> None:
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> Any:
            if balanced or not question_like(CURRENT["text"], rule):
                return product_fuse(keyword, meaning, balanced=balanced, passages=passages,
                                    coverage=coverage, ranks=ranks, weights=weights,
                                    content_words=content_words)
            return rrf([(keyword[:sem.FUSION.fuse_depth], 1.0), (meaning, weight)], keyword, k)

        def ranking(vi: Any, query: Any, lang: Any, allowed: Any, limit: int,
                    feedback: Any = None, *, filtered: bool = False) -> Any:
            if question_like(CURRENT["text"], rule):
                limit = depth
            return product_ranking(vi, query, lang, allowed, limit, feedback, filtered=filtered)

        with patched(fuse, ranking):
            measure(store, f"{rule} w={weight} k={k:g} depth={depth}")

    for name in SETS:
        queries = DATA[name][0]
        for rule in ("form", "len6", "form|len6"):
            chosen = [q for q in queries if question_like(q["text"], rule)]
            questions = sum("question" in q["kind"] for q in chosen)
            print(f"# {name} {rule}: {len(chosen)} queries, {questions} of "
                  f"{sum('question' in q['kind'] for q in queries)} questions")
    header()
    measure(store, "product")
    for rule in ("form", "len6"):
        for weight in (0.75, 1.0, 1.5):
            variant(rule, weight=weight)
    for weight in (0.3, 0.4):
        variant("form", weight=weight)
    for k in (5.0, 20.0, 30.0):
        variant("form", k=k)
    for depth in (5, 20):
        variant("form", depth=depth)


def make_deep(source: Path, target: Path) -> None:
    """A copy of ``source`` with a vector for every passage past the first PASSAGE_VECTORS."""
    from index.embedder import default_embedder, text_key

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    store = IndexStore(target)
    gen = store.live_generation()
    vs = vec.VectorSet.load(gen)
    assert vs is not None, "the index has no vectors"
    have = set(vs.keys)
    todo: list[tuple[str, str, str, str, int]] = []
    for doc in store.document_texts(passages=100_000):
        passages = [p for p in doc["passages"] if p and p.strip()]
        if len(passages) <= 1:
            continue
        for i, passage in enumerate(passages[sem.PASSAGE_VECTORS:], start=sem.PASSAGE_VECTORS):
            text = sem.passage_text(doc, passage)
            key = text_key(text)
            if key not in have:
                have.add(key)
                todo.append((doc["id"], sem.vector_language(doc["language"]), text, key, i))
    embedder = default_embedder()
    rows = [embedder.embed_passages([t[2] for t in todo[i:i + 8]]) for i in range(0, len(todo), 8)]
    new = vec.VectorSet(vs.doc_ids + [t[0] for t in todo], vs.keys + [t[3] for t in todo],
                        vs.langs + [t[1] for t in todo],
                        np.vstack([vs.vectors, *rows]).astype(np.float32), vs.model, vs.qmeans)
    new.save(gen)
    (target / DEEP_KEYS).write_text(json.dumps({t[3]: t[4] for t in todo}))
    print(f"{target}: {len(vs)} -> {len(new)} vectors")


def run_deep(store: IndexStore) -> None:
    gen = store.live_generation()
    vs = vec.VectorSet.load(gen)
    assert vs is not None
    if (Path(store.path) / DEEP_KEYS).is_file():  # made by --make-deep
        deep = json.loads((Path(store.path) / DEEP_KEYS).read_text())
        is_deep = np.array([k in deep for k in vs.keys])
    else:  # the product's own rows for the passage list
        is_deep = vs.listed_mask()

    def subset(mask: np.ndarray) -> vec.VectorSet:
        return vec.VectorSet([d for d, m in zip(vs.doc_ids, mask, strict=True) if m],
                             [x for x, m in zip(vs.keys, mask, strict=True) if m],
                             [x for x, m in zip(vs.langs, mask, strict=True) if m],
                             vs.vectors[mask], vs.model, vs.qmeans)

    product = subset(~is_deep)
    # every index centred as the product's vectors are (the mean of all rows moves otherwise)
    plain_bias = vec.LanguageBias

    class ProductBias(plain_bias):  # type: ignore[misc,valid-type]
        def __init__(self, _vs: vec.VectorSet) -> None:
            super().__init__(product)

    vec.LanguageBias = ProductBias  # type: ignore[misc]
    try:
        lists = {"all": vec.VectorIndex(dataclasses.replace(vs, listed=None)),
                 "deep": vec.VectorIndex(subset(is_deep))}
    finally:
        vec.LanguageBias = plain_bias  # type: ignore[misc]
    main = vec.VectorIndex(product)
    vec._CACHE[gen] = ((gen / vec.VECTORS).stat().st_mtime_ns, main)
    third: dict[str, list[str]] = {"ids": []}

    def variant(which: str, rule: str | None, weight: float) -> None:
        def ranking(vi: Any, query: Any, lang: Any, allowed: Any, limit: int,
                    feedback: Any = None, *, filtered: bool = False) -> Any:
            ok = {vi.doc_ids[i] for i in np.flatnonzero(allowed)}
            other = lists[which]
            mask = np.array([d in ok for d in other.doc_ids])
            third["ids"] = [other.doc_ids[p] for p in
                            product_ranking(other, query, lang, mask, limit, feedback,
                                            filtered=filtered)]
            return product_ranking(vi, query, lang, allowed, limit, feedback, filtered=filtered)

        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> Any:
            parts = [(keyword[:sem.FUSION.fuse_depth], 1.0), (meaning, sem.FUSION.weight)]
            if rule is None or question_like(CURRENT["text"], rule):
                parts.append((third["ids"], weight))
            return rrf(parts, keyword, sem.FUSION.rrf_k)

        with patched(fuse, ranking):
            measure(store, f"{which} passages, {rule or 'every query'}, w={weight}")

    print(f"# {int(is_deep.sum())} passage vectors past the first {sem.PASSAGE_VECTORS}, "
          f"{len(product)} of the product")
    header()
    measure(store, "product")
    for weight in (0.1, 0.15, 0.2, 0.3):
        variant("deep", None, weight)
    for which in ("deep", "all"):
        for rule in (None, "form|len6"):
            for weight in (0.25, 0.5):
                variant(which, rule, weight)


def word_queries(store: IndexStore, text: str) -> list[qf.Query]:
    """One keyword query per content word of ``text``, with the synonyms it takes part in
    (as the product counts them since: index.query.word_queries)."""
    return query_word_queries(text, store.load_synonyms())


def run_coverage(store: IndexStore) -> None:
    reader_of: dict[str, Any] = {}

    def variant(mode: str, top: int, power: float) -> None:
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> Any:
            groups = word_queries(store, CURRENT["text"])
            head = keyword[:top]
            matched = dict.fromkeys(head, 0)
            for group in groups:
                for doc in reader_of["r"].matching(group, head):
                    matched[doc] += 1
            cover = {d: n / max(1, len(groups)) for d, n in matched.items()}
            if mode == "query":
                best = max(cover.values(), default=1.0)
                cover = dict.fromkeys(head, best)
            return rrf([(keyword[:sem.FUSION.fuse_depth],
                         lambda d: cover.get(d, 1.0) ** power),
                        (meaning, sem.FUSION.weight)], keyword, sem.FUSION.rrf_k)

        with patched(fuse):
            measure(store, f"coverage {mode} top {top} p={power}")

    with keep_reader(store, reader_of):
        header()
        measure(store, "product")
        for top in (10, 100):
            for mode in ("query", "doc"):
                for power in (0.5, 1.0):
                    variant(mode, top, power)


def run_feedback(store: IndexStore) -> None:
    reader_of: dict[str, Any] = {}

    def variant(weight: float, seeds: int) -> None:
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> Any:
            parts: list[tuple[list[str], float | Callable[[str], float]]] = [
                (keyword[:sem.FUSION.fuse_depth], 1.0), (meaning, sem.FUSION.weight)]
            for seed in meaning[:seeds]:
                parts.append(([d for d, _ in reader_of["r"].more_like_this(seed, 10)],
                              weight / seeds))
            return rrf(parts, keyword, sem.FUSION.rrf_k)

        with patched(fuse):
            measure(store, f"more like this of {seeds} w={weight}")

    with keep_reader(store, reader_of):
        header()
        measure(store, "product")
        for seeds in (1, 2):
            for weight in (0.25, 0.5):
                variant(weight, seeds)


@contextlib.contextmanager
def keep_reader(store: IndexStore, holder: dict[str, Any]) -> Iterator[None]:
    """The reader of the running search in ``holder["r"]`` (the fusion gets no reader)."""
    plain_reader = store.reader

    @contextlib.contextmanager
    def reader() -> Iterator[Any]:
        with plain_reader() as r:
            holder["r"] = r
            yield r

    store.reader = reader  # type: ignore[method-assign]
    try:
        yield
    finally:
        store.reader = plain_reader  # type: ignore[method-assign]


def run_passages(store: IndexStore) -> None:
    from whoosh import query as wq

    from index.query import add_synonyms
    from index.whoosh.translate import prune, to_whoosh

    holder: dict[str, Any] = {}
    product_fuse = sem.fuse

    def by_passage(text: str, ids: list[str]) -> list[str]:
        parsed = parse_query(text)
        add_synonyms(parsed, store.load_synonyms())
        r = holder["r"]
        s = r.searcher
        pq = prune(to_whoosh(parsed.passages), s)
        if pq is wq.NullQuery or not ids:
            return list(ids)
        in_list = wq.ConstantScoreQuery(wq.Or([wq.Term("doc_id", i) for i in ids]), 0.0)
        names, _ = r._id_column()
        doc_records = r._base_docs(True)
        best: dict[str, float] = {}
        for hit in s.search(wq.And([in_list, pq]), limit=None):
            if hit.docnum not in doc_records:
                best.setdefault(names[hit.docnum], hit.score)
        return sorted(best, key=lambda d: -best[d]) + [d for d in ids if d not in best]

    def variant(rule: str, share: bool) -> None:
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> Any:
            if rule != "every" and not question_like(CURRENT["text"], rule):
                return product_fuse(keyword, meaning, balanced=balanced, passages=passages,
                                    coverage=coverage, ranks=ranks, weights=weights,
                                    content_words=content_words)
            head = keyword[:sem.FUSION.fuse_depth]
            ranked = by_passage(CURRENT["text"], head)
            parts: list[tuple[list[str], float | Callable[[str], float]]] = [
                (meaning, sem.FUSION.weight)]
            parts += [(head, 0.5), (ranked, 0.5)] if share else [(ranked, 1.0)]
            return rrf(parts, keyword, sem.FUSION.rrf_k)

        with patched(fuse):
            measure(store, f"passage ranking, {rule}, {'shared' if share else 'instead'}")

    with keep_reader(store, holder):
        header()
        measure(store, "product")
        for rule in ("form", "form|len6", "every"):
            variant(rule, share=False)
        variant("form", share=True)


def _closest(vi: Any, query: Any, lang: Any, allowed: Any, limit: int,
             penalty: np.ndarray | None = None, *, filtered: bool = False
             ) -> tuple[list[int], np.ndarray]:
    """index.semantic.rank_by_meaning's first list (unbalanced collections), with a penalty
    per vector; also each document's score (``filtered``: the floor of a filtered search)."""
    q = vi.bias.query(query, lang)
    scores = vi.matrix @ q
    ranked = scores - penalty if penalty is not None else scores
    per_doc = np.full(len(vi.doc_ids), -9.0, dtype=np.float32)
    np.maximum.at(per_doc, vi.row_doc, ranked)
    plain = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
    np.maximum.at(plain, vi.row_doc, vi.plain_scores(scores, q))
    floor = sem.FUSION.filtered_min_score if filtered else sem.FUSION.min_score
    allowed = allowed & (plain >= floor)
    candidates = np.flatnonzero(allowed)
    order = candidates[np.argsort(-per_doc[candidates], kind="stable")]
    return [int(i) for i in order[:limit]], per_doc[candidates]


def run_confidence(store: IndexStore) -> None:
    state: dict[str, float] = {}
    seen: list[tuple[str, float, float]] = []

    def ranking(vi: Any, query: Any, lang: Any, allowed: Any, limit: int,
                feedback: Any = None, *, filtered: bool = False) -> Any:
        order, scores = _closest(vi, query, lang, allowed, limit, filtered=filtered)
        top = np.sort(scores)[::-1][:10]
        state["gap"] = float(top[0] - top[-1]) if len(top) > 1 else 0.0
        state["gap2"] = float(top[0] - top[1]) if len(top) > 1 else 0.0
        seen.append((CURRENT["text"], state["gap"], state["gap2"]))
        return order

    def variant(which: str, median: float, low: float, high: float) -> None:
        def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                 passages: Any = (), coverage: Any = None, ranks: Any = None,
                 weights: Any = None, content_words: int = 0) -> Any:
            times = min(high, max(low, state[which] / median))
            return rrf([(keyword[:sem.FUSION.fuse_depth], 1.0),
                        (meaning, sem.FUSION.weight * times)], keyword, sem.FUSION.rrf_k)

        with patched(fuse, ranking):
            measure(store, f"{which} x [{low}, {high}]")

    header()
    with patched(ranking=ranking):
        measure(store, "product")
    tuning = {q["text"] for q in DATA["upgradesme"][0]}
    medians = {"gap": float(np.median([g for t, g, _ in seen if t in tuning])),
               "gap2": float(np.median([g for t, _, g in seen if t in tuning]))}
    print(f"# medians on the tuning queries: {medians}")
    for which, median in medians.items():
        for low, high in ((0.5, 2.0), (0.5, 1.5), (1.0, 2.0), (0.5, 1.0)):
            variant(which, median, low, high)


def run_hubs(store: IndexStore) -> None:
    penalties: dict[tuple[int, int], np.ndarray] = {}

    def hubness(vi: Any, k: int) -> np.ndarray:
        key = (id(vi), k)
        if key not in penalties:
            sims = vi.matrix @ vi.matrix.T
            sims[vi.row_doc[:, None] == vi.row_doc[None, :]] = -9.0
            penalties[key] = (-np.sort(-sims, axis=1)[:, :k]).mean(axis=1).astype(np.float32)
        return penalties[key]

    def variant(k: int, beta: float) -> None:
        def ranking(vi: Any, query: Any, lang: Any, allowed: Any, limit: int,
                    feedback: Any = None, *, filtered: bool = False) -> Any:
            return _closest(vi, query, lang, allowed, limit, beta * hubness(vi, k),
                            filtered=filtered)[0]

        with patched(ranking=ranking):
            measure(store, f"hubness k={k} beta={beta}")

    header()
    measure(store, "product")
    for k in (5, 10, 20):
        for beta in (0.25, 0.5, 1.0):
            variant(k, beta)


GROUPS = {"form": run_form, "deep": run_deep, "coverage": run_coverage,
          "feedback": run_feedback, "passages": run_passages, "confidence": run_confidence,
          "hubs": run_hubs}


def main() -> None:
    # the variants were tried on the product before its passage list (they replace or add
    # lists of their own): "product" below is the product without it
    # (and before the keyword hits' coverage, which they leave out too, and before a
    # filtered search's ranks among all documents: they fuse by place in the lists)
    sem.FUSION = dataclasses.replace(sem.FUSION, passage_weight=0.0, coverage_power=0.0,
                                     filtered_ranks="filtered")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("groups", nargs="*", choices=sorted(GROUPS), default=[])
    ap.add_argument("--index", type=Path, help="an index made by `kb ingest` with vectors")
    ap.add_argument("--make-deep", nargs=2, type=Path, metavar=("SOURCE", "TARGET"),
                    help="copy an index and embed the passages the product does not")
    args = ap.parse_args()
    if args.make_deep:
        make_deep(*args.make_deep)
    for group in args.groups:
        if args.index is None:
            raise SystemExit("--index is needed")
        print(f"## {group}")
        GROUPS[group](IndexStore(args.index))


if __name__ == "__main__":
    main()
