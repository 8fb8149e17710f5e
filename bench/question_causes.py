"""Why questions lose (issue 10, 2026-12-02): record what the hybrid ranking of every judged
query of the development sets is made of, count the causes behind the questions that score
under 0.9, and replay the fusion offline with variants of the coverage weighting and of the
lists' weights (no search, no model: a variant of all eleven sets takes a second).

    .venv/bin/python bench/question_causes.py record --index /tmp/question-idx --out /tmp/q.json
    .venv/bin/python bench/question_causes.py record --index DIR --out FILE --passages
    .venv/bin/python bench/question_causes.py causes /tmp/q.json
    .venv/bin/python bench/question_causes.py variants /tmp/q.json
    .venv/bin/python bench/question_causes.py pairs /tmp/q.json

``pairs`` groups the cross-language needs by the languages of the query and of its grade-2
answers (English or a partner language), with where those answers rank.

``record`` runs each query through ``index.search`` as bench/relevance.py does and keeps the
inputs of ``index.semantic.fuse`` (the keyword list, the semantic list, the passage list, their
ranks, the coverage of the first keyword hits), which documents each content word of the query
matches (``index.query.word_queries``, over all documents), and each document's language and
passage count; ``--passages`` also keeps, for the first 20 keyword hits, which passages each
word matches (slow: one engine call per word and hit). ``variants`` checks first that the
replay gives the product's ranking of every query, then prints each variant's nDCG@10: mean
of the nineteen sets per kind, and the worst change of any kind of any set (the house rule's
-0.03). Only the nineteen development sets are ever run (``SETS``: the tuning set, heldout,
heldout2 ... heldout18; never a lead's unseen set).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import math
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance as rel  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", *(f"upgradesme-heldout{i}" for i in range(2, 19)))
KINDS = ("all", "question", "cross-language", "partner-language", "keyword", "typo", "filter")


# -- record ---------------------------------------------------------------------------------
def record(index: Path, out: Path, with_passages: bool) -> None:
    from index import IndexStore, SearchRequest, search
    from index import semantic as sem
    from index.query import query_language, word_queries

    search_module = importlib.import_module("index.search")
    store = IndexStore(index)
    with store.reader() as reader:
        ids = [entry.id for entry in reader.catalog()]
        docs = {d.id: {"lang": d.language, "passages": len(reader.passages(d.id)),
                       "type": d.doc_type}
                for d in reader.documents(ids) if d is not None}
    got: dict[str, Any] = {}
    fuse, coverage = sem.fuse, search_module._coverage

    def recording_fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
                       passages: Any = (), coverage: Any = None, ranks: Any = None,
                       weights: Any = None, content_words: int = 0) -> Any:
        got.update(keyword=list(keyword), meaning=list(meaning), passages=list(passages),
                   coverage=coverage, ranks=[list(r) for r in ranks] if ranks else None,
                   weights=dict(weights or {}), content_words=content_words)
        return fuse(keyword, meaning, balanced=balanced, passages=passages,
                    coverage=coverage, ranks=ranks, weights=weights,
                    content_words=content_words)

    def recording_coverage(reader: Any, synonyms: Any, parsed: Any, text: str,
                           keyword: list[str], made: Any = None) -> Any:
        words = word_queries(text, synonyms, parsed) if made is None else made
        got.update(language=query_language(text),
                   words=[sorted(found) for found in reader.matching_each(words, ids)])
        if with_passages and len(words) >= 3:
            in_passages = passage_word_queries(text, synonyms, parsed)
            if len(in_passages) == len(words):
                got["passage_words"] = {
                    doc: [sorted(reader.matching_passages(w, doc)) for w in in_passages]
                    for doc in keyword[:sem.FUSION.coverage_depth]}
        return coverage(reader, synonyms, parsed, text, keyword, made)

    queries = []
    sem.fuse, search_module._coverage = recording_fuse, recording_coverage
    try:
        for name in SETS:
            folder = rel.collection_dir(name)
            qrels = rel.read_qrels(folder / "qrels.tsv")
            for query in rel.read_jsonl(folder / "queries.jsonl"):
                if query["id"] not in qrels:
                    continue
                got.clear()
                result = search(store, SearchRequest(
                    query=query["text"], filters=query.get("filters") or {}, page_size=100,
                    passages=0, with_facets=False))
                queries.append({"set": name, "id": query["id"], "text": query["text"],
                                "kinds": rel._tags(query, "kind"), "lang": query.get("lang"),
                                "grades": qrels[query["id"]],
                                "product": [h.id for h in result.hits], **got})
    finally:
        sem.fuse, search_module._coverage = fuse, coverage
    out.write_text(json.dumps({"docs": docs, "queries": queries}), "utf-8")
    print(f"{len(queries)} queries of {len(SETS)} sets recorded in {out}")


def passage_word_queries(text: str, groups: Any, typed: Any) -> list[Any]:
    """index.query.word_queries in the passages' fields: one query per content word of
    ``text`` (the same words, in the same order), with its synonym groups' other terms."""
    from index.query import word_queries

    return word_queries(text, groups, typed, passages=True)


# -- replay ---------------------------------------------------------------------------------
def ndcg(ranking: list[str], grades: dict[str, int]) -> float:
    run = {"q": {d: float(len(ranking) - i) for i, d in enumerate(ranking)}}
    return float(rel.per_query_ndcg({"q": grades}, run)["q"])


def replay(q: dict[str, Any], coverage: dict[str, float] | None, *, weight: float = 0.5,
           passage_weight: float | None = None, unmeasured: float | None = None,
           rrf_k: float = 10.0, power: float = 0.5, depth: int = 100) -> list[str]:
    """index.semantic.fuse of the recorded lists (its settings of 2026-12-02 by default):
    a keyword hit not in ``coverage`` weighs ``unmeasured`` (default: the best share in it,
    Fusion.unmeasured_coverage "best"); the passage list ``passage_weight`` (default: the
    product's for the query's recorded content words, index.semantic.passage_list_weight)."""
    if "keyword" not in q:
        return list(q["product"])
    if passage_weight is None:
        from index import semantic as sem

        passage_weight = sem.passage_list_weight(q.get("content_words", 0))
    if unmeasured is None:
        unmeasured = max(coverage.values(), default=1.0) if coverage else 1.0
    scores: dict[str, float] = {}
    for rank, doc in enumerate(q["keyword"][:depth], start=1):
        share = coverage.get(doc, unmeasured) ** power if coverage else 1.0
        share *= (q.get("weights") or {}).get(doc, 1.0)  # the recorded language weights
        scores[doc] = scores.get(doc, 0.0) + share / (rrf_k + rank)
    ranks = q["ranks"] or [range(1, len(q["meaning"]) + 1), range(1, len(q["passages"]) + 1)]
    for w, docs, places in ((weight, q["meaning"], ranks[0]),
                            (passage_weight, q["passages"], ranks[1])):
        for rank, doc in zip(places, docs, strict=True):
            scores[doc] = scores.get(doc, 0.0) + w / (rrf_k + rank)
    order = [d for d, _ in sorted(scores.items(), key=lambda kv: -kv[1])]
    return order + [d for d in q["keyword"][depth:] if d not in scores]


def shares(q: dict[str, Any], denominator: Callable[[str, list[set[str]]], float] | None = None,
           depth: int = 20) -> dict[str, float] | None:
    """The coverage of the first ``depth`` keyword hits from the recorded word matches:
    matched words / ``denominator(doc, words)`` (default: all the query's content words)."""
    words = [set(w) for w in q.get("words") or []]
    if len(words) < 3 or "keyword" not in q:
        return None
    out = {}
    for doc in q["keyword"][:depth]:
        den = denominator(doc, words) if denominator else len(words)
        out[doc] = min(1.0, sum(doc in w for w in words) / den) if den else 1.0
    return out


def measure(data: dict[str, Any], variant: Callable[[dict[str, Any]], list[str]]
            ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    per = {(q["set"], q["id"]): ndcg(variant(q), q["grades"]) for q in data["queries"]}
    by_kind: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for q in data["queries"]:
        for kind in [*q["kinds"], "all"]:
            by_kind[(q["set"], kind)].append(per[(q["set"], q["id"])])
    return {k: statistics.mean(v) for k, v in by_kind.items()}, per


def line(label: str, res: dict[tuple[str, str], float], base: dict[tuple[str, str], float]
         ) -> str:
    def mean(r: dict[tuple[str, str], float], kind: str) -> float:
        return statistics.mean(r[(s, kind)] for s in SETS if (s, kind) in r)
    worst = min((res[k] - base[k], k) for k in base)
    return (f"{label:<52} " + " ".join(
        f"{kind[:5]} {mean(res, kind):.4f} ({mean(res, kind) - mean(base, kind):+.4f})"
        for kind in KINDS[:5]) + f"  worst {worst[0]:+.4f} {worst[1][0]} {worst[1][1]}")


def variants(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    lang = {d: v["lang"] for d, v in data["docs"].items()}
    size = collections.Counter(lang.values())
    qs = data["queries"]
    base, base_per = measure(data, lambda q: replay(q, q.get("coverage")))
    product, product_per = measure(data, lambda q: list(q["product"]))
    off = max(abs(base_per[k] - product_per[k]) for k in base_per)
    print(f"{len(qs)} queries; the replay against the product: largest difference {off:.6f}")

    def reach(doc: str, words: list[set[str]]) -> float:
        return sum(any(lang.get(d) == lang.get(doc) for d in w) for w in words)

    def found(q: dict[str, Any]) -> float:
        words = q.get("words") or []
        return sum(1 for w in words if w) / len(words) if len(words) >= 3 else 1.0

    def long_query(q: dict[str, Any], n: int) -> bool:
        return len(q.get("words") or []) >= n

    rows: list[tuple[str, Callable[[dict[str, Any]], list[str]]]] = [
        ("no coverage weighting", lambda q: replay(q, None)),
        ("unmeasured hits: as matching every word (before)",
         lambda q: replay(q, q.get("coverage"), unmeasured=1.0)),
        ("unmeasured hits: the share of words found at all",
         lambda q: replay(q, q.get("coverage"), unmeasured=found(q))),
        ("unmeasured hits: the least measured share",
         lambda q: replay(q, q.get("coverage"),
                          unmeasured=min((q.get("coverage") or {}).values(), default=1.0))),
        ("unmeasured hits: the median measured share",
         lambda q: replay(q, q.get("coverage"), unmeasured=statistics.median(
             (q.get("coverage") or {}).values() or [1.0]))),
        ("share of the words reaching the hit's language",
         lambda q: replay(q, shares(q, reach))),
        ("the same, only hits in a smaller language than the query's",
         lambda q: replay(q, shares(q, lambda d, w: reach(d, w) if q.get("language") and lang.get(
             d) != q["language"] and size[lang.get(d)] < size[q["language"]] else len(w)))),
        ("words reaching no document of the hit's language weigh 0.5",
         lambda q: replay(q, shares(q, lambda d, w: reach(d, w) + (len(w) - reach(d, w)) / 2))),
        ("IDF-weighted share", lambda q: replay(q, idf_shares(q, len(lang)))),
        ("words found in no document left out of the share",
         lambda q: replay(q, shares(q, lambda d, w: sum(1 for x in w if x) or len(w)))),
        ("keyword list x (share of words found at all) ^ 0.5",
         lambda q: replay(q, {d: s * found(q) for d, s in q["coverage"].items()},
                          unmeasured=max(q["coverage"].values()) * found(q))
         if q.get("coverage") else replay(q, None)),
    ]
    for depth in (10, 30, 50):
        rows.append((f"coverage measured over the first {depth} hits",
                     lambda q, depth=depth: replay(q, shares(q, depth=depth))))
    for power in (0.35, 0.75, 1.0):
        rows.append((f"coverage power {power}",
                     lambda q, power=power: replay(q, q.get("coverage"), power=power)))
    for k in (5.0, 20.0):
        rows.append((f"RRF k {k:g}", lambda q, k=k: replay(q, q.get("coverage"), rrf_k=k)))
    for n, pw in ((5, 0.35), (6, 0.35), (6, 0.5), (7, 0.5)):
        rows.append((f"passage list {pw} for queries of {n}+ content words",
                     lambda q, n=n, pw=pw: replay(q, q.get("coverage"), passage_weight=(
                         pw if long_query(q, n) else 0.175))))
    if any("passage_words" in q for q in qs):
        def passage_share(q: dict[str, Any], doc: str) -> float:
            words = q["passage_words"][doc]
            counts = collections.Counter(o for ords in words for o in set(ords))
            return max(counts.values(), default=0) / len(words)

        def by_passage(q: dict[str, Any], how: Callable[[float, float], float]
                       ) -> dict[str, float] | None:
            cov = q.get("coverage")
            if not cov or "passage_words" not in q:
                return cov
            return {d: how(s, passage_share(q, d)) for d, s in cov.items()}
        rows += [
            ("coverage of the best passage",
             lambda q: replay(q, by_passage(q, lambda s, p: p))),
            ("geometric mean of the document's and the best passage's",
             lambda q: replay(q, by_passage(q, lambda s, p: math.sqrt(s * p)))),
            ("mean of the document's and the best passage's",
             lambda q: replay(q, by_passage(q, lambda s, p: (s + p) / 2))),
        ]
    for label, variant in rows:
        print(line(label, measure(data, variant)[0], base), flush=True)


def idf_shares(q: dict[str, Any], n: int) -> dict[str, float] | None:
    words = [set(w) for w in q.get("words") or []]
    if len(words) < 3 or "keyword" not in q:
        return None
    weights = [math.log(1 + (n - len(w) + 0.5) / (len(w) + 0.5)) for w in words]
    mass = sum(weights) or 1.0
    return {doc: sum(x for x, w in zip(weights, words, strict=True) if doc in w) / mass
            for doc in q["keyword"][:20]}


# -- causes ---------------------------------------------------------------------------------
CAUSES = {
    "same-language": "a partner-language question: a keyword hit in its language (keyword "
                     "rank 1-5) above an answer in another language",
    "other-language-coverage": "an answer in another language than the query's, among the "
                               "first 20 keyword hits, weighs a smaller coverage than what "
                               "outranks it",
    "meaning-only": "the answer shares no keyword with the query (meaning only)",
    "broad": "above it: a long report (20+ passages) or an action plan matching 80%+ of the "
             "query's words",
    "semantic-closer": "the semantic lists put what outranks it closer than the answer",
    "coverage-reverses": "the answer is above it by keywords, below it by coverage",
    "same-language-order": "answer and what outranks it both in the query's language, "
                           "the other above by keywords",
    "in-no-list": "the answer is in no list's first 10",
}


def causes(path: Path, below: float = 0.9) -> None:
    data = json.loads(path.read_text("utf-8"))
    docs = data["docs"]
    counts: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    n = 0
    for q in data["queries"]:
        if "question" not in q["kinds"] or "keyword" not in q:
            continue
        fused, grades, cov = q["product"], q["grades"], q.get("coverage") or {}
        if ndcg(fused, grades) >= below:
            continue
        n += 1
        answers = [d for d, g in grades.items() if g >= 2]
        found: set[str] = set()

        def rank(lst: list[str], doc: str) -> int:
            return lst.index(doc) + 1 if doc in lst else 999

        for a in answers:
            ra = rank(fused, a)
            above = [d for d in fused[:min(ra - 1, 10)] if grades.get(d, 0) < 2]
            if not above or ra <= len(answers):
                continue
            i = above[0]
            kw, mn, ps = q["keyword"], q["meaning"], q["passages"]
            ql, la, li = q["lang"], docs[a]["lang"], docs[i]["lang"]
            if ql != "en" and li == ql and la != ql and rank(kw, i) <= 5:
                found.add("same-language")
            if la != ql and rank(kw, a) <= 20 and cov.get(a, 1) < cov.get(i, 1):
                found.add("other-language-coverage")
            if rank(kw, a) > 100:
                found.add("meaning-only")
            if docs[i]["passages"] >= 20 or (docs[i]["type"] == "action_plan"
                                             and cov.get(i, 0) >= 0.8):
                found.add("broad")
            if min(rank(mn, i), rank(ps, i)) < min(rank(mn, a), rank(ps, a)):
                found.add("semantic-closer")
            if rank(kw, a) < rank(kw, i) and cov.get(a, 1) < cov.get(i, 1):
                found.add("coverage-reverses")
            if la == ql == li and rank(kw, i) < rank(kw, a):
                found.add("same-language-order")
            if min(rank(mn, a), rank(ps, a)) > 10 and rank(kw, a) > 10:
                found.add("in-no-list")
        for cause in found:
            counts[cause] += 1
            examples[cause].append(f"{q['set'].removeprefix('upgradesme')}:{q['id']}")
    total = sum(1 for q in data["queries"] if "question" in q["kinds"])
    print(f"{n} of {total} questions under nDCG@10 {below}; a question may have several causes")
    for cause, text in CAUSES.items():
        print(f"{counts[cause]:4}  {text}\n      e.g. {' '.join(examples[cause][:8])}")


# -- cross-language needs by the languages of query and answers -----------------------------
def pairs(path: Path) -> None:
    """The cross-language needs grouped by the languages of the query and of its grade-2
    answers (English, or a partner language: "P"): needs, mean nDCG@10, share of the kind's
    loss (the sum of 1 - nDCG@10); per grade-2 answer, how many are in the first 3 of the
    fused ranking, of the keyword list and of the semantic list of votes (bench/README.md,
    "Across languages: the coverage of a hit in a much smaller language")."""
    data = json.loads(path.read_text("utf-8"))
    lang = {d: v["lang"] for d, v in data["docs"].items()}
    groups: dict[str, list[float]] = collections.defaultdict(list)
    answers: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

    def side(code: str) -> str:
        return "en" if code == "en" else "P"

    for q in data["queries"]:
        if "cross-language" not in q["kinds"] or "keyword" not in q:
            continue
        query_lang = q.get("language") or q["lang"]
        best = [d for d, g in q["grades"].items() if g >= 2]
        group = f"{side(query_lang)} -> " + " + ".join(sorted({side(lang[d]) for d in best}))
        groups[group].append(ndcg(q["product"], q["grades"]))
        for doc in best:
            pair = f"{side(query_lang)} -> {side(lang[doc])}"
            answers[pair]["answers"] += 1
            for name, ranking in (("fused", q["product"]), ("keyword", q["keyword"]),
                                  ("meaning", q["meaning"])):
                answers[pair][name] += doc in ranking[:3]
    loss = sum(1 - x for scores in groups.values() for x in scores) or 1.0
    print(f"{'query -> answers':<18} {'needs':>5} {'nDCG@10':>8} {'loss':>6}")
    for group, scores in sorted(groups.items(), key=lambda kv: -sum(1 - x for x in kv[1])):
        print(f"{group:<18} {len(scores):>5} {statistics.mean(scores):>8.4f} "
              f"{sum(1 - x for x in scores) / loss:>6.0%}")
    print("grade-2 answers in the first 3: fused / keyword list / semantic list (votes)")
    for pair, c in sorted(answers.items()):
        print(f"{pair:<18} {c['answers']:>5}  {c['fused']} / {c['keyword']} / {c['meaning']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("--index", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--passages", action="store_true")
    for name in ("causes", "variants", "pairs"):
        sub.add_parser(name).add_argument("file", type=Path)
    args = ap.parse_args()
    if args.command == "record":
        record(args.index, args.out, args.passages)
    elif args.command == "causes":
        causes(args.file)
    elif args.command == "pairs":
        pairs(args.file)
    else:
        variants(args.file)


if __name__ == "__main__":
    main()
