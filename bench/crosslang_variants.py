"""Questions and cross-language needs on five sets of judgments (bench/README.md, "Questions and
cross-language needs nobody tuned on"): what each list of the hybrid ranking finds and misses,
and the variants measured against the product, each patched in for one run in one process
(query vectors are made once), nDCG@10 per kind of each set, the mean of the five sets, and
every kind of any set that loses more than 0.01 marked with "!".

    .venv/bin/python bench/crosslang_variants.py lists --index /tmp/quality-idx
    .venv/bin/python bench/crosslang_variants.py weights --index /tmp/quality-idx
    .venv/bin/python bench/crosslang_variants.py query-text lexicon keyword-trust \\
        --index /tmp/quality-idx --set passage_weight=0.15

Groups:

- ``lists``: per set and kind, nDCG@10 of the keyword list, the semantic list (votes), the
  semantic passage list and the fused ranking, each alone; and the grade-2 answers of the
  questions and cross-language needs that the fused ranking leaves out of its first 10, by
  which lists hold them;
- ``weights``: the fusion's weights again, on five sets instead of one (passage list 0.15-0.5,
  semantic list 0.5 / 0.75, coverage power 0.5 / 1);
- ``query-text``: what the model embeds for a query: the text as typed (the product), without
  question words (and the stop words of its language), only for queries that have question
  words, or both texts (each row's best cosine of the two, or the mean of the two vectors);
- ``lexicon``: a word lexicon across languages induced from the model: every word of 3+
  letters of the index's texts (stop words out) embedded once, by document language; each
  content word of a query mapped to its nearest words in the other languages above a
  similarity floor (top k; optionally only mutual nearest neighbours) and searched as a weak
  keyword alternative, as the synonyms are (index.query's add_synonyms);
- ``keyword-trust``: the keyword list's hits that neither semantic list holds ("unconfirmed")
  weigh less: a factor, or their coverage share to a higher power, for every such hit or only
  for hits in the query's language when it holds under a quarter of the documents.

Throwaway by nature (it patches index.semantic and index.search for the run): kept so the
figures in bench/README.md can be made again and the variants are not tried twice. Only the
development sets are run (never upgradesme-heldout5 or later: the lead's unseen sets).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fusion_variants as fv  # noqa: E402
import numpy as np  # noqa: E402
import query_lists as ql  # noqa: E402
import relevance as rel  # noqa: E402

from index import IndexStore  # noqa: E402
from index import query_form as qf  # noqa: E402
from index import semantic as sem  # noqa: E402
from index.analysis import fold, stopwords_for  # noqa: E402
from index.embedder import default_embedder  # noqa: E402
from index.query import _still_excluding, _weighted, query_language  # noqa: E402
from index.query_words import QUESTION_WORDS, folded_stopwords  # noqa: E402
from index.records import base_language  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout", "upgradesme-heldout2", "upgradesme-heldout3",
        "upgradesme-heldout4")
SHORT = dict(zip(SETS, ("tuning", "h1", "h2", "h3", "h4"), strict=True))
KINDS = ("all", "question", "cross-language", "partner-language", "keyword", "typo", "filter")
SEARCH = sys.modules["index.search"]  # the module (index.search is the function)

Result = dict[str, dict[str, float]]  # set -> kind -> nDCG@10
#: the query being searched (relevance.run_queries passes only the request to index.search)
CURRENT: dict[str, Any] = {"text": ""}


DATA = fv.load_sets(SETS)


def measure(store: IndexStore) -> Result:
    """nDCG@10 per kind ("all" too) of every set, the product as patched now."""
    out: Result = {}
    for name, (queries, qrels) in DATA.items():
        run: dict[str, dict[str, float]] = {}
        for q in queries:
            CURRENT["text"] = q["text"]
            run.update(rel.run_queries(store, [q])[0])
        per_query = rel.per_query_ndcg(qrels, run)
        kinds = {k: v[1] for k, v in rel.by_group(queries, per_query, "kind").items()}
        kinds["all"] = statistics.mean(per_query.values())
        out[name] = kinds
    return out


class Table:
    """Each variant's line per kind: the five sets, their mean, the change to the first."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.base: Result | None = None

    def run(self, label: str) -> None:
        started = time.perf_counter()
        res = measure(self.store)
        base = self.base = self.base or res
        print(f"\n{label} ({time.perf_counter() - started:.0f} s)")
        print(f"  {'kind':<17}" + "".join(f"{SHORT[s]:>17}" for s in SETS) + f"{'mean':>17}")
        for kind in KINDS:
            cells = []
            values = [(res[s][kind], base[s][kind]) for s in SETS if kind in res[s]]
            for s in SETS:
                if kind not in res[s]:
                    cells.append(f"{'-':>17}")
                    continue
                v, d = res[s][kind], res[s][kind] - base[s][kind]
                cells.append(f"{v:8.4f} ({d:+.3f}){'!' if d < -0.01 else ' '}")
            mean = statistics.mean(v for v, _ in values)
            d = mean - statistics.mean(b for _, b in values)
            cells.append(f"{mean:8.4f} ({d:+.3f}) ")
            print(f"  {kind:<17}" + "".join(cells))


@contextlib.contextmanager
def fusion(**fields: Any) -> Iterator[None]:
    old = sem.FUSION
    sem.FUSION = dataclasses.replace(old, **fields)
    try:
        yield
    finally:
        sem.FUSION = old


@contextlib.contextmanager
def patched(module: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


# -- lists -----------------------------------------------------------------------------------
def document_languages(store: IndexStore) -> dict[str, str]:
    return {d["id"]: base_language(d["language"] or "xx")
            for d in store.document_texts(passages=0)}


def run_lists(store: IndexStore) -> None:
    langs = document_languages(store)
    lists = ("keyword", "meaning", "passages", "fused")
    missed: collections.Counter[tuple[str, str, str]] = collections.Counter()
    answers: collections.Counter[str] = collections.Counter()
    directions: collections.Counter[str] = collections.Counter()
    for name, (queries, qrels) in DATA.items():
        by_kind: dict[str, dict[str, list[float]]] = {}
        for q in queries:
            got = ql.lists_of(store, q)
            grades = qrels[str(q["id"])]
            kinds = [k for k in q.get("kind", []) if k in ("question", "cross-language")]
            for kind in [*kinds, "all"]:
                for lst in lists:
                    by_kind.setdefault(kind, {}).setdefault(lst, []).append(
                        ql.ndcg(got[lst], grades))
            if not kinds:
                continue
            if "cross-language" in kinds:
                for doc, grade in grades.items():
                    if grade >= 2:
                        directions[("English" if q.get("lang") == "en" else "other") + " -> " + (
                            "English" if langs.get(doc) == "en" else "other")] += 1
            kind = "question" if "question" in kinds else "cross-language"
            for doc, grade in grades.items():
                if grade < 2:
                    continue
                same = "same language" if langs.get(doc) == base_language(
                    q.get("lang") or "xx") else "other language"
                answers[kind] += 1
                if doc in got["fused"][:10]:
                    continue
                held = [lst for lst in ("keyword", "meaning", "passages") if doc in got[lst]]
                where = ("in no list" if not held else "keyword list only" if held == [
                    "keyword"] else "semantic lists only" if "keyword" not in held
                         else "keyword and semantic lists")
                missed[(kind, where, same)] += 1
        print(f"\n{name}: nDCG@10 of each list alone")
        for kind, values in by_kind.items():
            print(f"  {kind:<16}{len(values['fused']):>4}  " + "  ".join(
                f"{lst} {statistics.mean(values[lst]):.3f}" for lst in lists))
    print("\ngrade-2 answers of questions (a question that is also cross-language counts as a "
          "question) and cross-language needs outside the fused first 10, by the lists that "
          f"hold them (answers: {dict(answers)}):")
    for (kind, where, same), n in sorted(missed.items()):
        print(f"  {kind:<15} {where:<27} {same:<15} {n}")
    print(f"grade-2 answers of cross-language needs, query -> answer language: {dict(directions)}")


# -- weights ---------------------------------------------------------------------------------
def run_weights(store: IndexStore) -> None:
    table = Table(store)
    with fusion(passage_weight=0.15):
        table.run("passage list 0.15 (the product before)")
    for pw in (0.175, 0.2, 0.25, 0.35, 0.5):
        with fusion(passage_weight=pw):
            table.run(f"passage list {pw}")
    for pw in (0.15, 0.25, 0.35, 0.5):
        for weight, power in ((0.5, 1.0), (0.75, 0.5), (0.75, 1.0)):
            with fusion(passage_weight=pw, weight=weight, coverage_power=power):
                table.run(f"passage list {pw}, semantic list {weight}, coverage power {power}")


# -- query text ------------------------------------------------------------------------------
ALL_QUESTION_WORDS = frozenset().union(*QUESTION_WORDS.values())
TOKEN = re.compile(r"\w+(?:[-'.]\w+)*")


def stripped(text: str, stops: bool = True) -> str:
    """The query without question words of any language (and its language's stop words)."""
    lang = query_language(text)
    drop = ALL_QUESTION_WORDS | (folded_stopwords(lang or "xx") if stops else frozenset())
    kept = [t for t in TOKEN.findall(text) if fold(t) not in drop]
    return " ".join(kept) if kept else text


def has_question_words(text: str) -> bool:
    return any(fold(t) in ALL_QUESTION_WORDS for t in TOKEN.findall(text))


def _done(vector: np.ndarray) -> Future[np.ndarray]:
    future: Future[np.ndarray] = Future()
    future.set_result(vector)
    return future


def embedding(text_of: Callable[[str], str], only_questions: bool = False) -> Any:
    def start(text: str) -> Future[np.ndarray]:
        if not only_questions or has_question_words(text):
            text = text_of(text)
        return _done(default_embedder().embed_queries([text])[0])
    return start


def two_vectors(text_of: Callable[[str], str], mode: str) -> tuple[Any, Any]:
    """start_query and rank_by_meaning for a query embedded twice: as typed and as
    ``text_of`` gives it; ``max``: each row scores the better cosine; ``mean``: one vector."""
    second: dict[str, np.ndarray] = {}
    rank = sem.rank_by_meaning

    def start(text: str) -> Future[np.ndarray]:
        second.clear()
        v1 = default_embedder().embed_queries([text])[0]
        other = text_of(text)
        if other == text:
            return _done(v1)
        v2 = default_embedder().embed_queries([other])[0]
        if mode == "mean":
            v = v1 + v2
            return _done((v / np.linalg.norm(v)).astype(np.float32))
        second["v"] = v2
        return _done(v1)

    def ranking(vi: Any, query: np.ndarray, lang: str | None, allowed: np.ndarray,
                limit: int, feedback: int | None = None) -> tuple[list[int], list[int]]:
        if "v" not in second:
            return rank(vi, query, lang, allowed, limit, feedback)
        own = vi.row_scores
        q2 = vi.bias.query(second["v"], lang)

        def row_scores(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            (s1, p1), (s2, p2) = own(q), own(q2)
            return np.maximum(s1, s2), np.maximum(p1, p2)

        vi.row_scores = row_scores
        try:
            return rank(vi, query, lang, allowed, limit, feedback)
        finally:
            del vi.row_scores
    return start, ranking


def run_query_text(store: IndexStore) -> None:
    table = Table(store)
    table.run("product (the query as typed)")
    variants: list[tuple[str, Any]] = [
        ("without question words and stop words", embedding(stripped)),
        ("without question words", embedding(lambda t: stripped(t, False))),
        ("without question words and stop words, only queries with question words",
         embedding(stripped, True)),
    ]
    for label, start in variants:
        with patched(sem, "start_query", start):
            table.run(label)
    for label, text_of, mode in (
            ("as typed and without question and stop words, best cosine", stripped, "max"),
            ("as typed and without question and stop words, mean vector", stripped, "mean"),
            ("as typed and without question words, best cosine",
             lambda t: stripped(t, False), "max")):
        start, ranking = two_vectors(text_of, mode)
        with patched(sem, "start_query", start), patched(sem, "rank_by_meaning", ranking):
            table.run(label)


# -- lexicon ---------------------------------------------------------------------------------
class Lexicon:
    """Every word of 3+ letters of the index's texts, stop words out, by document language,
    with its query embedding."""

    def __init__(self, store: IndexStore, cache: Path) -> None:
        words: dict[str, set[str]] = collections.defaultdict(set)
        for doc in store.document_texts(passages=10_000):
            lang = base_language(doc["language"] or "xx")
            stops = {fold(w) for w in stopwords_for(lang)}
            text = " ".join([doc.get("title") or "", doc.get("summary") or "",
                             *doc.get("passages", [])])
            words[lang].update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)
                               if fold(w) not in stops)
        self.words = [w for lang in sorted(words) for w in sorted(words[lang])]
        self.langs = np.array([lang for lang in sorted(words) for _ in words[lang]])
        self.folded = [fold(w) for w in self.words]
        started = time.perf_counter()
        if cache.exists() and list(np.load(cache)["words"]) == self.words:
            self.vectors = np.load(cache)["vectors"]
        else:
            embedder = default_embedder()
            self.vectors = np.concatenate([embedder.embed_queries(self.words[i:i + 32])
                                           for i in range(0, len(self.words), 32)])
            np.savez(cache, words=np.array(self.words), vectors=self.vectors)
        print(f"lexicon: {len(self.words)} words "
              f"({', '.join(f'{k} {len(v)}' for k, v in sorted(words.items()))}), "
              f"embedded or loaded in {time.perf_counter() - started:.1f} s")
        self.by_lang = {lang: np.flatnonzero(self.langs == lang) for lang in sorted(words)}

    def translations(self, words: list[str], lang: str | None, floor: float, k: int,
                     mutual: bool) -> list[tuple[str, str]]:
        """(language, word) of the nearest words in other languages of each of ``words``."""
        if not words:
            return []
        vectors = default_embedder().embed_queries([w.lower() for w in words])
        out = []
        own = self.by_lang.get(lang or "", np.arange(len(self.words)))
        for word, vector in zip(words, vectors, strict=True):
            scores = self.vectors @ vector
            folded = fold(word)
            for other, rows in self.by_lang.items():
                if other == lang:
                    continue
                found = 0
                for i in rows[np.argsort(-scores[rows])][:10]:
                    if scores[i] < floor or found >= k:
                        break
                    if self.folded[i][:5] == folded[:5]:  # a form of the word: matched already
                        continue
                    if mutual and scores[i] < float((self.vectors[own] @ self.vectors[i]).max()):
                        continue
                    out.append((str(other), self.words[i]))
                    found += 1
        return out


def content_words(parsed: Any) -> tuple[str | None, list[str]]:
    lang = query_language(parsed.text)
    drop = ALL_QUESTION_WORDS | folded_stopwords(lang or "xx")
    words = list(dict.fromkeys(w for w in parsed.positive
                               if fold(w) not in drop and len(fold(w)) >= 3
                               and any(c.isalpha() for c in w)))
    return lang, words


def with_lexicon(lexicon: Lexicon, floor: float, k: int, weight: float, mutual: bool) -> Any:
    add = SEARCH.add_synonyms

    def add_synonyms(parsed: Any, groups: Any) -> list[str]:
        added: list[str] = add(parsed, groups)
        if not qf.searches(parsed.documents) or not parsed.positive:
            return added
        lang, words = content_words(parsed)
        found = lexicon.translations(words, lang, floor, k, mutual)
        if found:
            parsed.documents = _still_excluding(qf.Or((parsed.documents, *(
                _weighted(word, other, weight, passages=False) for other, word in found))),
                parsed.excluded)
        return added
    return add_synonyms


def run_lexicon(store: IndexStore, cache: Path) -> None:
    lexicon = Lexicon(store, cache)
    table = Table(store)
    table.run("product")
    grid = [(floor, k, weight, False) for floor in (0.90, 0.92) for k in (1, 2)
            for weight in (0.25, 0.5)]
    grid += [(0.88, 1, 0.25, True), (0.88, 1, 0.5, True)]
    for floor, k, weight, mutual in grid:
        with patched(SEARCH, "add_synonyms", with_lexicon(lexicon, floor, k, weight, mutual)):
            table.run(f"lexicon: floor {floor}, {k} per language, weight {weight}"
                      + (", mutual nearest only" if mutual else ""))


# -- keyword trust ---------------------------------------------------------------------------
def trusting(langs: dict[str, str], share_of: dict[str, float], mode: str,
             factor: float = 1.0, power: float = 0.0, minority_only: bool = False,
             confirmed_too: bool = False) -> Any:
    """index.semantic.fuse with the keyword hits neither semantic list holds weighing less:
    ``factor`` times ("factor"; among the first 20 hits, or any hit in a minority query
    language with ``minority_only``), or their coverage share to ``power`` instead of
    coverage_power ("power"; a hit matching every word is not touched); ``confirmed_too``:
    the hits the semantic lists hold as well."""
    def fuse(keyword: list[str], meaning: list[str], *, balanced: bool,
             passages: Any = (), coverage: dict[str, float] | None = None,
             ranks: Any = None, weights: Any = None, content_words: int = 0
             ) -> list[tuple[str, float]]:
        f = sem.FUSION
        meaning_ranks, passage_ranks = ranks or (range(1, len(meaning) + 1),
                                                 range(1, len(passages) + 1))
        lang = query_language(CURRENT["text"])
        qlang = base_language(lang) if lang else None
        confirmed = set(meaning) | set(passages)
        scores: dict[str, float] = {}
        for rank, doc in enumerate(keyword[:f.fuse_depth], start=1):
            c = coverage.get(doc, 1.0) if coverage and f.coverage_power else 1.0
            share = c ** f.coverage_power if coverage and f.coverage_power else 1.0
            share *= (weights or {}).get(doc, 1.0)
            doubted = (confirmed_too or doc not in confirmed) and (not minority_only or (
                qlang is not None and langs.get(doc) == qlang
                and share_of.get(qlang, 0.0) < 0.25))
            if doubted and mode == "factor" and (minority_only or rank <= 20):
                share *= factor
            elif doubted and mode == "power" and c < 1:
                share = c ** power
            scores[doc] = scores.get(doc, 0.0) + share / (f.rrf_k + rank)
        weight = f.weight_balanced if balanced else f.weight
        for rank, doc in zip(meaning_ranks, meaning, strict=True):
            scores[doc] = scores.get(doc, 0.0) + weight / (f.rrf_k + rank)
        for rank, doc in zip(passage_ranks, passages, strict=True):
            scores[doc] = (scores.get(doc, 0.0)
                           + sem.passage_list_weight(content_words) / (f.rrf_k + rank))
        fused = sorted(scores.items(), key=lambda kv: -kv[1])
        fused.extend((d, 0.0) for d in keyword[f.fuse_depth:] if d not in scores)
        return fused
    return fuse


def run_keyword_trust(store: IndexStore) -> None:
    langs = document_languages(store)
    counts = collections.Counter(langs.values())
    share_of = {lang: n / len(langs) for lang, n in counts.items()}
    table = Table(store)
    table.run("product")
    minority = "unconfirmed hits in a minority query language"
    variants: list[tuple[str, dict[str, Any]]] = [
        *((f"unconfirmed hits x {a}", dict(mode="factor", factor=a)) for a in (0.5, 0.7)),
        *((f"{minority} x {a}", dict(mode="factor", factor=a, minority_only=True))
          for a in (0.3, 0.5, 0.7)),
        ("every hit in a minority query language x 0.5",
         dict(mode="factor", factor=0.5, minority_only=True, confirmed_too=True)),
        *((f"unconfirmed hits: coverage share ^ {p:g}", dict(mode="power", power=p))
          for p in (1.0, 1.5, 2.0)),
        *((f"{minority}: coverage share ^ {p:g}",
           dict(mode="power", power=p, minority_only=True)) for p in (1.0, 2.0)),
    ]
    for label, options in variants:
        with patched(sem, "fuse", trusting(langs, share_of, **options)):  # type: ignore[arg-type]
            table.run(label)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("groups", nargs="+",
                    choices=("lists", "weights", "query-text", "lexicon", "keyword-trust"))
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for the whole run, as bench/relevance.py --set")
    ap.add_argument("--lexicon-cache", type=Path, default=Path("/tmp/kb-lexicon.npz"),
                    help="where the lexicon's word vectors are kept between runs")
    args = ap.parse_args()
    rel.apply_settings(args.set)
    store = IndexStore(args.index)
    for group in args.groups:
        print(f"## {group}")
        if group == "lists":
            run_lists(store)
        elif group == "weights":
            run_weights(store)
        elif group == "query-text":
            run_query_text(store)
        elif group == "lexicon":
            run_lexicon(store, args.lexicon_cache)
        else:
            run_keyword_trust(store)


if __name__ == "__main__":
    main()
