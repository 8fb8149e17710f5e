"""Ranking quality on judged test collections, through the product's own search path.

    .venv/bin/python bench/relevance.py                       # scifact-train and cranfield
    .venv/bin/python bench/relevance.py cranfield             # one collection
    .venv/bin/python bench/relevance.py upgradesme --index /tmp/kb-idx   # our own judgments
    .venv/bin/python bench/relevance.py --set k1=0.9 --set b=0.4          # try a setting
    .venv/bin/python bench/relevance.py cacm --engine whoosh,tantivy      # both engines

A collection is a folder with ``corpus.jsonl`` ({"id", "title", "text"}), ``queries.jsonl``
({"id", "text"}, optionally "filters": {facet: [values]}, "kind": [tags] and "lang") and
``qrels.tsv`` (query-id, corpus-id, grade; header line). Names are looked up in
``bench/judgments/`` and then in ``../shared/testdata/eval/`` ($KB_TESTDATA overrides
the latter's root).

With ``--engine whoosh,tantivy`` every collection is ranked by each engine in turn, side by
side, with the differences to the first (for ``upgradesme``, the other engine ranks a copy of
the ``--index`` made with it, with the same vectors). Every document becomes an
``index.Document`` (title, language "en", one passage with the text)
written with ``IndexStore.rebuild()``; every query goes, as the text a user would type, through
``index.search`` (100 hits, no passages, no facets). For ``upgradesme`` (the tuning set) and
the other judged sets of the same corpus (``upgradesme-heldout``, ``upgradesme-heldout2`` to
``upgradesme-heldout16``: development sets; heldout15 and heldout16 were the lead's unseen
sets of 2026-12-03's second session, development sets since the third;
``upgradesme-heldout17`` and ``upgradesme-heldout18``: the lead's unseen sets of 2026-12-03's
third session, development sets since the fourth; ``upgradesme-heldout19`` and
``upgradesme-heldout20``: the lead's unseen sets of 2026-12-03's fourth session, added when it
ended and development sets from the next one on; a session's unseen sets are run by its lead
only),
the documents come from an index made by ``kb ingest`` (``--index``).
Indexes of the test collections are kept in $KB_BENCH_DIR (default /tmp/kb-relevance), keyed by
the analysis code, so reruns that only change ranking settings skip the build.

Measures (ir-measures): nDCG@10, MAP (AP over the 100 hits), Recall@100, MRR@10; and the mean
time per query in ms. When queries carry a "kind" (keyword, question, partner-language,
cross-language, typo, filter; a query may have several) or a "lang", nDCG@10 is also reported
per kind and per query language. ``--per-query FILE`` writes every query's nDCG@10 as TSV (to
compare two settings query by query).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ir_measures  # noqa: E402
from ir_measures import AP, RR, R, nDCG  # noqa: E402

from index import Document, IndexStore, Passage, SearchRequest, search  # noqa: E402

MEASURES = [nDCG @ 10, AP @ 100, R @ 100, RR @ 10]
LABELS = {str(nDCG @ 10): "nDCG@10", str(AP @ 100): "MAP", str(R @ 100): "R@100",
          str(RR @ 10): "MRR@10"}
DEFAULT_COLLECTIONS = ("scifact-train", "cranfield")
JUDGMENTS = ROOT / "bench" / "judgments"


def testdata_root() -> Path:
    return Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))


def collection_dir(name: str) -> Path:
    for base in (JUDGMENTS, testdata_root() / "eval"):
        if (base / name / "queries.jsonl").is_file():
            return base / name
    raise SystemExit(f"no collection {name!r} in {JUDGMENTS} or {testdata_root() / 'eval'}")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as fh:
        next(fh)  # header
        for line in fh:
            parts = line.split()
            if len(parts) >= 3:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def _code_key(engine: str) -> str:
    """Changes when anything that shapes the index changes (analysis, schema, records, the
    engine's own code); starts with the engine's name."""
    h = hashlib.sha256()
    for name in ("analysis.py", "schema.py", "prepare.py", "records.py"):
        h.update((ROOT / "index" / name).read_bytes())
    for path in sorted((ROOT / "index" / engine).glob("*.py")):
        h.update(path.read_bytes())
    return f"{engine}-{h.hexdigest()[:12]}"


def engine_of(engine: str | None) -> str:
    """The engine to use: ``engine``, else KB_ENGINE, else the default."""
    from index import engine as engines

    return engine or os.environ.get("KB_ENGINE") or engines.DEFAULT_ENGINE


def documents(corpus: Iterable[dict]) -> Iterable[Document]:
    for row in corpus:
        yield Document(
            id=str(row["id"]),
            source_path=f"{row['id']}.txt",
            sha256="",
            title=row.get("title") or "",
            language="en",
            passages=[Passage(0, row.get("text") or "")],
        )


def build_store(corpus_path: Path, cache: Path, doc_ids: set[str] | None = None,
                engine: str | None = None) -> IndexStore:
    """An index of the collection (a fixed subset when ``doc_ids`` is given) with ``engine``
    (see engine_of), built once."""
    engine = engine_of(engine)
    key = _code_key(engine) + (
        "-" + hashlib.sha256(",".join(sorted(doc_ids)).encode()).hexdigest()[:8] if doc_ids else ""
    )
    store = IndexStore(cache / key, engine=engine)
    if store.needs_rebuild():
        rows = read_jsonl(corpus_path)
        if doc_ids is not None:
            rows = [r for r in rows if str(r["id"]) in doc_ids]
        with store.lock(), store.rebuild() as writer:
            for doc in documents(rows):
                writer.put(doc)
    return store


def run_queries(
    store: IndexStore, queries: list[dict], depth: int = 100
) -> tuple[dict[str, dict[str, float]], list[float]]:
    run: dict[str, dict[str, float]] = {}
    times: list[float] = []
    for q in queries:
        req = SearchRequest(query=q["text"], filters=q.get("filters") or {}, page_size=depth,
                            passages=0, with_facets=False)
        started = time.perf_counter()
        result = search(store, req)
        times.append((time.perf_counter() - started) * 1000)
        # Ranks, not raw scores, decide the order (ties keep the engine's order).
        n = len(result.hits)
        run[str(q["id"])] = {hit.id: float(n - i) for i, hit in enumerate(result.hits)}
    return run, times


def evaluate(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
) -> dict[str, float]:
    judged = {qid: docs for qid, docs in qrels.items() if any(g > 0 for g in docs.values())}
    run = {qid: run.get(qid, {}) for qid in judged}
    agg = ir_measures.calc_aggregate(MEASURES, judged, run)
    return {LABELS[str(m)]: float(agg.get(m, 0.0)) for m in MEASURES}


def per_query_ndcg(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
) -> dict[str, float]:
    """nDCG@10 of every judged query (0 for a query with no hits)."""
    judged = {qid: docs for qid, docs in qrels.items() if any(g > 0 for g in docs.values())}
    out = dict.fromkeys(judged, 0.0)
    for m in ir_measures.iter_calc([nDCG @ 10], judged, {q: run.get(q, {}) for q in judged}):
        out[m.query_id] = float(m.value)
    return out


def _tags(query: dict, key: str) -> list[str]:
    value = query.get(key)
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def by_group(
    queries: list[dict], scores: dict[str, float], key: str
) -> dict[str, tuple[int, float]]:
    """(queries, mean nDCG@10) for each value of ``key`` ("kind" or "lang") in the queries."""
    groups: dict[str, list[float]] = {}
    for q in queries:
        qid = str(q["id"])
        if qid in scores:
            for tag in _tags(q, key):
                groups.setdefault(tag, []).append(scores[qid])
    return {tag: (len(v), statistics.mean(v)) for tag, v in groups.items()}


def engine_copy(source: IndexStore, engine: str, cache: Path) -> IndexStore:
    """The documents of ``source`` (an index made by ``kb ingest``) in an index of ``engine``,
    with the same vectors (the semantic layer is engine-independent), built once per live
    generation of ``source``; its synonyms and vectors are taken again when they differ."""
    gen = source.live_generation()
    store = IndexStore(cache / f"copy-{engine}-{_code_key(engine)}-{gen.name}", engine=engine)
    if store.needs_rebuild():
        from index import get_document

        with source.reader() as reader:
            ids = [entry.id for entry in reader.catalog()]
        with store.lock(), store.rebuild() as writer:
            for doc_id in ids:
                view = get_document(source, doc_id, include_hidden=True)
                if view is not None:
                    writer.put(view.document)
        store.save_labels(source.load_labels())
    # the synonyms are the source's of now (a side file, not part of the generation: a run
    # with other synonyms written into the source must not rank with the cached copy's)
    store.save_synonyms(source.load_synonyms())
    store.save_words(source.load_words())  # (did you mean's correct words: the same reason)
    store.save_places(source.load_places())  # (the places a query may name: index.places)
    # so are the vectors: copied whenever they differ from the copy's, not only when it is
    # built (copies of one index, cp -a, share its generation's name, and vectors made again
    # in place, another choice of what is embedded, keep it too)
    vectors, copied = gen / "vectors.npz", store.live_generation() / "vectors.npz"
    if vectors.is_file() and not _same_file(vectors, copied):
        shutil.copy2(vectors, copied)
    elif not vectors.is_file():
        copied.unlink(missing_ok=True)
    return store


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``b`` is a copy (shutil.copy2) of ``a`` as it is now: same size and time."""
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    return (sa.st_size, sa.st_mtime_ns) == (sb.st_size, sb.st_mtime_ns)


def evaluate_collection(name: str, *, index: Path | None = None, cache: Path | None = None,
                        engine: str | None = None) -> dict[str, Any]:
    """Scores of one collection with ``engine`` (see engine_of; with ``index``: that index's
    engine unless another is named, then a copy of it made with that engine)."""
    folder = collection_dir(name)
    qrels = read_qrels(folder / "qrels.tsv")
    queries = [q for q in read_jsonl(folder / "queries.jsonl") if str(q["id"]) in qrels]
    cache = cache or Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-relevance"))
    if index is not None:
        store = IndexStore(index)
        if engine is not None and store.engine_name() != engine:
            store = engine_copy(store, engine, cache)
    else:
        store = build_store(folder / "corpus.jsonl", cache / name, engine=engine)
    for q in queries[:10]:  # warm up
        search(store, SearchRequest(query=q["text"], page_size=10, passages=0,
                                    with_facets=False))
    run, times = run_queries(store, queries)
    scores: dict[str, Any] = evaluate(qrels, run)
    scores["queries"] = len(queries)
    scores["ms/query"] = statistics.mean(times)
    per_query = per_query_ndcg(qrels, run)
    scores["per_query"] = per_query
    scores["by_kind"] = by_group(queries, per_query, "kind")
    scores["by_lang"] = by_group(queries, per_query, "lang")
    scores["texts"] = {str(q["id"]): q["text"] for q in queries}
    return scores


def _value(current: object, text: str) -> object:
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes")
    if isinstance(current, tuple) and current:  # "4,9"
        return tuple(type(current[0])(part) for part in text.split(","))
    return type(current)(text)


#: Modules whose upper-case settings ``--set`` may change (looked up in sys.modules: the
#: package attribute ``index.search`` is the search function, not the module, so setting
#: ``index.search.NAME`` from outside changes nothing).
SETTING_MODULES = ("index.query", "index.query_words", "index.semantic", "index.search",
                   "index.did_you_mean", "index.places")


def apply_settings(pairs: list[str]) -> None:
    """``--set name=value``: override for this run a field of index.ranking.RANKING (k1, b,
    title_boost, ...) or of index.semantic.FUSION (rrf_k, weight, depth, min_score, ...), or
    an upper-case setting of one of SETTING_MODULES (e.g. QUERY_LANGUAGE_BOOST=1)."""
    if not pairs:
        return
    import index.query
    import index.query_words
    import index.semantic
    from index import ranking as ranking_setting
    from index import semantic, set_ranking

    ranking: dict[str, object] = {}
    fusion: dict[str, object] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name.isupper():
            module = next((sys.modules[m] for m in SETTING_MODULES
                           if m in sys.modules and hasattr(sys.modules[m], name)), None)
            if module is None:
                raise SystemExit(f"--set {name}: no such setting in {', '.join(SETTING_MODULES)}")
            setattr(module, name, _value(getattr(module, name), value))
        elif hasattr(ranking_setting.RANKING, name):
            ranking[name] = _value(getattr(ranking_setting.RANKING, name), value)
        elif hasattr(semantic.FUSION, name):
            fusion[name] = _value(getattr(semantic.FUSION, name), value)
        else:
            raise SystemExit(f"--set {name}: not a field of RANKING or FUSION")
    set_ranking(**ranking)
    try:
        semantic.FUSION = dataclasses.replace(semantic.FUSION, **fusion)  # type: ignore[arg-type]
    except ValueError as exc:
        raise SystemExit(f"--set: {exc}") from exc
    # parsed queries are kept keyed by the text and RANKING only: forms parsed under the
    # previous module settings (e.g. QUERY_LANGUAGE_BOOST, read while parsing) must go
    index.query._parsed.cache_clear()
    index.query.query_language.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("collections", nargs="*", default=list(DEFAULT_COLLECTIONS))
    ap.add_argument("--index", type=Path, help="an index made by `kb ingest` (for upgradesme)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a setting for this run (a field of index.ranking.RANKING or "
                         "index.semantic.FUSION, or an upper-case module setting)")
    ap.add_argument("--per-query", type=Path, metavar="FILE",
                    help="write collection, query id, nDCG@10 and query text as TSV")
    ap.add_argument("--engine", action="append", default=[], metavar="NAME[,NAME]",
                    help="the search engine(s) to rank with (default: KB_ENGINE, else the "
                         "default); two or more: each collection ranked by each, side by side, "
                         "with the difference of nDCG@10 to the first")
    args = ap.parse_args()
    engine_names = [e.strip() for arg in args.engine for e in arg.split(",") if e.strip()]
    from search_app.settings import apply_to_index, load_settings

    apply_to_index(load_settings())  # KB_SEMANTIC=0: keyword search only
    apply_settings(args.set)
    try:
        from index import ranking, semantic

        print(f"setting: {ranking.RANKING}")
        print(f"fusion: {semantic.FUSION}")
    except ImportError:
        pass
    header = f"{'collection':<16}{'engine':>8}{'queries':>8}{'nDCG@10':>9}{'MAP':>8}" \
             f"{'R@100':>8}{'MRR@10':>8}{'ms/query':>10}"
    print(header)
    rows: list[str] = []
    for name in args.collections:
        index = args.index if name.startswith("upgradesme") else None
        first: dict[str, Any] | None = None
        for engine in engine_names or [None]:
            s = evaluate_collection(name, index=index, engine=engine)
            shown = engine or (IndexStore(index).engine_name() if index else engine_of(None))
            print(f"{name:<16}{shown:>8}{s['queries']:>8}{s['nDCG@10']:>9.4f}{s['MAP']:>8.4f}"
                  f"{s['R@100']:>8.4f}{s['MRR@10']:>8.4f}{s['ms/query']:>10.1f}", flush=True)
            for key, label in (("by_kind", "kind"), ("by_lang", "query language")):
                for tag, (n, mean) in sorted(s[key].items()):
                    diff = ""
                    if first is not None and tag in first[key]:
                        diff = f"{mean - first[key][tag][1]:>+9.4f}"
                    print(f"  {label + ' ' + tag:<30}{n:>4}{mean:>9.4f}{diff}", flush=True)
            if first is not None:
                print(f"  nDCG@10 {shown} - {engine_names[0]}: "
                      f"{s['nDCG@10'] - first['nDCG@10']:+.4f}", flush=True)
            else:
                first = s
            rows.extend(f"{name}\t{shown}\t{qid}\t{v:.4f}\t{s['texts'].get(qid, '')}"
                        for qid, v in s["per_query"].items())
    if args.per_query:
        args.per_query.write_text("collection\tengine\tquery\tnDCG@10\ttext\n"
                                  + "\n".join(rows) + "\n",
                                  encoding="utf-8")


if __name__ == "__main__":
    main()
