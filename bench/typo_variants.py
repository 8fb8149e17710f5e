"""Robustness to misspellings: the development sets' queries that are not typo queries, each
damaged mechanically, ranked as typed, and how much nDCG@10 each kind of damage costs, per
query language (issue 10, item 7).

    KB_TESTDATA=/work/shared/testdata .venv/bin/python bench/typo_variants.py --index DIR
    ... --index DIR --engine tantivy --kinds accents,edit --show 5 --per-query FILE

The kinds of damage, each made once per query (the same with the same ``--seed``):

- **accents**: every letter of the query without its diacritics ("közepes" -> "kozepes",
  "întreprinderi" -> "intreprinderi", "exportação" -> "exportacao", "ß" -> "ss"); only the
  queries that have such a letter.
- **umlauts**: a German query written the German way without umlauts ("ä" -> "ae", "ö" ->
  "oe", "ü" -> "ue", "ß" -> "ss": "Baden-Wuerttemberg", "Exportfoerderung"); only the German
  queries that have such a letter (since 2026-12-03, third session).
- **edit**: one word of 5+ letters (not a stop word of the query's language, not in
  quotes, not in capitals) with one edit past its first letter, in turn a deletion, a swap
  of two neighbouring letters, a substitution by a neighbouring key (QWERTY) or an
  insertion of one.
- **double**: one such word with a doubled letter made single ("comunication"), or, when it
  has none, one of its letters doubled ("exportter").
- **edit2**: two such words with one edit each (the query needs two).

The variant is searched as a user would type it (index.search, 100 hits, no passages, no
facets) and judged with the original query's judgments. Reported per kind and query
language: the variants, the mean nDCG@10 of the originals and of the variants, the loss, and
how often the search changed the damaged query (a typo-tolerant ranking, or the corrected
results shown when nothing was found) or only offered "did you mean". The relevance bench's
typo kind (``bench/relevance.py``) is the judged typo queries; this measures what damage
costs on every other query, not a fit to them.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance as rel  # noqa: E402
from did_you_mean import ranked_corrections  # noqa: E402

from index import IndexStore, SearchRequest, search  # noqa: E402

SETS = ("upgradesme", "upgradesme-heldout",
        *(f"upgradesme-heldout{i}" for i in range(2, 13)))
KINDS = ("accents", "umlauts", "edit", "double", "edit2")

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(ch: str) -> str:
    """The keys next to ``ch`` on a QWERTY keyboard (its row's; ``ch`` itself when none)."""
    low = ch.lower()
    for row in _ROWS:
        i = row.find(low)
        if i >= 0:
            return row[max(0, i - 1):i] + row[i + 1:i + 2]
    return low


def strip_accents(text: str) -> str:
    """``text`` without diacritics, case kept ("Förderung" -> "Forderung", "ß" -> "ss")."""
    text = text.replace("ß", "ss").replace("ẞ", "SS")
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _stops(lang: str | None) -> frozenset[str]:
    """The stop words and question words of ``lang`` (folded question words)."""
    from index.analysis import stopwords_for
    from index.query_words import QUESTION_WORDS

    if not lang:
        return frozenset()
    return frozenset(stopwords_for(lang)) | QUESTION_WORDS.get(lang, frozenset())


def _candidates(text: str, lang: str | None) -> list[re.Match[str]]:
    """The words of ``text`` that may be damaged: 5+ letters, not a stop word, not in quotes,
    not in capitals."""
    stops = _stops(lang)
    quoted = [m.span() for m in re.finditer(r'"[^"]*"', text)]
    out = []
    for m in re.finditer(r"[^\W\d_]+", text):
        w = m.group()
        low = w.lower()
        if (len(w) >= 5 and not w.isupper() and low not in stops
                and strip_accents(low) not in stops
                and not any(a <= m.start() < b for a, b in quoted)):
            out.append(m)
    return out


def edit(word: str, rng: random.Random, kind: int) -> str:
    """``word`` with one edit past its first letter: 0 a deletion, 1 a swap of two
    neighbouring (different) letters, 2 a substitution by a neighbouring key, 3 an
    insertion of one."""
    n = len(word)
    if kind == 1:
        spots = [i for i in range(1, n - 1) if word[i] != word[i + 1]]
        if spots:
            i = rng.choice(spots)
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        kind = 0
    i = rng.randrange(1, n)
    if kind == 0:
        return word[:i] + word[i + 1:]
    key = rng.choice(_neighbours(word[i]))
    if word[i].isupper():
        key = key.upper()
    if kind == 2:
        return word[:i] + key + word[i + 1:]
    return word[:i] + key + word[i:]


def double(word: str, rng: random.Random) -> str:
    """``word`` with a doubled letter made single, or one of its letters doubled."""
    pairs = [i for i in range(1, len(word) - 1) if word[i].lower() == word[i + 1].lower()]
    if pairs:
        i = rng.choice(pairs)
        return word[:i] + word[i + 1:]
    i = rng.randrange(1, len(word))
    return word[:i] + word[i] + word[i:]


def _rng(seed: int, qid: str, kind: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{qid}:{kind}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


#: the German way of writing without umlauts (the kind "umlauts": German queries only)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss"})


def damage(query: dict[str, Any], kind: str, seed: int) -> str | None:
    """The query's text with ``kind`` of damage, or None when it cannot have it."""
    text = str(query["text"])
    rng = _rng(seed, str(query["id"]), kind)
    if kind == "accents":
        out = strip_accents(text)
        return out if out != text else None
    if kind == "umlauts":
        out = text.translate(_UMLAUTS) if query.get("lang") == "de" else text
        return out if out != text else None
    words = _candidates(text, query.get("lang"))
    if not words or (kind == "edit2" and len(words) < 2):
        return None
    chosen = rng.sample(words, 2 if kind == "edit2" else 1)
    out = text
    for m in sorted(chosen, key=lambda m: m.start(), reverse=True):
        w = m.group()
        new = double(w, rng) if kind == "double" else edit(w, rng, rng.randrange(4))
        out = out[:m.start()] + new + out[m.end():]
    return out if out != text else None


def _module_of(pair: str) -> Any:
    name = pair.split("=")[0]
    return next(sys.modules[m] for m in rel.SETTING_MODULES
                if m in sys.modules and hasattr(sys.modules[m], name))


def _run(store: IndexStore, query: dict[str, Any], text: str
         ) -> tuple[dict[str, float], str]:
    """The ranking (doc id -> rank score) of ``text`` with the query's filters, and what the
    search did with it: "changed" (ranked by a correction, or a correction's results shown),
    "suggested" (only "did you mean"), or ""."""
    tolerant: list[str | None] = []
    with ranked_corrections(tolerant):
        result = search(store, SearchRequest(query=text, filters=query.get("filters") or {},
                                             page_size=100, passages=0, with_facets=False))
    n = len(result.hits)
    what = ("changed" if result.corrected or any(tolerant)
            else "suggested" if result.suggestion else "")
    return {hit.id: float(n - i) for i, hit in enumerate(result.hits)}, what


#: the product's settings this bench can switch off, as they were before 2026-12-03
BEFORE = ("RESTORE_ACCENTS=0", "TYPO_TOLERANCE_WORDS=1")


def speed(store: IndexStore, texts: list[str], rounds: int, after: list[str],
          before: list[str]) -> None:
    """Each text searched as the site does (all facets, 3 passages), cold (the model's cache
    emptied), with the settings ``before`` and ``after`` in turn (which goes first
    alternates); p50, p95, mean and the ratio."""
    from index.embedder import default_embedder

    times: dict[str, list[float]] = {"before": [], "after": []}
    for text in texts[:10]:
        search(store, SearchRequest(query=text))
    for r in range(rounds):
        for i, text in enumerate(texts):
            ways = ("before", "after") if (i + r) % 2 == 0 else ("after", "before")
            for way in ways:
                rel.apply_settings(before if way == "before" else after)
                with default_embedder()._lock:
                    default_embedder()._cache.clear()
                started = time.perf_counter()
                search(store, SearchRequest(query=text))
                times[way].append((time.perf_counter() - started) * 1000)
    for way, ms in times.items():
        ms.sort()
        print(f"{way:<7} n={len(ms)} p50 {ms[len(ms) // 2]:.1f} ms  p95 "
              f"{ms[int(len(ms) * 0.95)]:.1f} ms  mean {statistics.mean(ms):.1f} ms")
    print(f"mean ratio after / before: "
          f"{statistics.mean(times['after']) / statistics.mean(times['before']):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index made by `kb ingest`")
    ap.add_argument("--sets", default=",".join(SETS), help="the judged sets, comma-separated")
    ap.add_argument("--kinds", default=",".join(KINDS), help="the kinds of damage")
    ap.add_argument("--engine", default=None, help="the engine (a copy of the index if other)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a setting for this run (as bench/relevance.py)")
    ap.add_argument("--show", type=int, default=0, help="show the N variants that lose most")
    ap.add_argument("--per-query", type=Path, metavar="FILE",
                    help="write set, query, kind, lang, nDCG@10 original and variant, text")
    ap.add_argument("--speed", type=int, default=0, metavar="ROUNDS",
                    help="instead: time the variants' and the originals' searches with the "
                         "settings of before this bench (BEFORE) and as they are, alternating")
    args = ap.parse_args()
    from search_app.settings import apply_to_index, load_settings

    apply_to_index(load_settings())
    rel.apply_settings(args.set)
    import os
    cache = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-relevance"))
    store = IndexStore(args.index)
    if args.engine and store.engine_name() != args.engine:
        store = rel.engine_copy(store, args.engine, cache)
    kinds = [k for k in args.kinds.split(",") if k]
    if args.speed:
        texts = []
        for name in args.sets.split(","):
            folder = rel.collection_dir(name)
            for q in rel.read_jsonl(folder / "queries.jsonl"):
                texts.append(str(q["text"]))
                texts += [t for k in kinds if (t := damage(q, k, args.seed)) is not None]
        current = [f"{pair.split('=')[0]}={getattr(_module_of(pair), pair.split('=')[0])}"
                   for pair in BEFORE]
        speed(store, texts, args.speed, [*args.set, *current], [*args.set, *BEFORE])
        return
    rows: list[tuple[str, str, str, str, float, float, str, str]] = []
    for name in args.sets.split(","):
        folder = rel.collection_dir(name)
        qrels = rel.read_qrels(folder / "qrels.tsv")
        judged = {q: d for q, d in qrels.items() if any(g > 0 for g in d.values())}
        queries = [q for q in rel.read_jsonl(folder / "queries.jsonl")
                   if str(q["id"]) in judged and "typo" not in rel._tags(q, "kind")]
        originals: dict[str, dict[str, float]] = {}
        for q in queries:
            originals[str(q["id"])] = _run(store, q, str(q["text"]))[0]
        base = rel.per_query_ndcg(judged, originals)
        for kind in kinds:
            run: dict[str, dict[str, float]] = {}
            texts: dict[str, tuple[str, str]] = {}
            for q in queries:
                text = damage(q, kind, args.seed)
                if text is None:
                    continue
                qid = str(q["id"])
                run[qid], what = _run(store, q, text)
                texts[qid] = (text, what)
            scores = rel.per_query_ndcg({q: judged[q] for q in run}, run)
            for q in queries:
                qid = str(q["id"])
                if qid in scores:
                    rows.append((name, qid, kind, str(q.get("lang") or "?"), base[qid],
                                 scores[qid], texts[qid][1], texts[qid][0]))
        print(f"{name}: {len(queries)} queries", file=sys.stderr, flush=True)
    langs = sorted({r[3] for r in rows})
    print(f"{'kind':<8}{'lang':<6}{'n':>5}{'orig':>8}{'typed':>8}{'loss':>8}"
          f"{'changed':>9}{'dym':>6}")
    for kind in kinds:
        for lang in [*langs, "all"]:
            sel = [r for r in rows if r[2] == kind and (lang == "all" or r[3] == lang)]
            if not sel:
                continue
            o = statistics.mean(r[4] for r in sel)
            v = statistics.mean(r[5] for r in sel)
            changed = sum(r[6] == "changed" for r in sel) / len(sel)
            dym = sum(r[6] == "suggested" for r in sel) / len(sel)
            print(f"{kind:<8}{lang:<6}{len(sel):>5}{o:>8.4f}{v:>8.4f}{v - o:>+8.4f}"
                  f"{changed:>8.0%}{dym:>6.0%}")
    if args.show:
        for r in sorted(rows, key=lambda r: r[5] - r[4])[:args.show]:
            print(f"{r[0]} {r[1]} {r[2]} {r[3]} {r[4]:.3f} -> {r[5]:.3f} [{r[6]}] {r[7]}")
    if args.per_query:
        args.per_query.write_text(
            "set\tquery\tkind\tlang\toriginal\tvariant\tsearch\ttext\n" + "".join(
                "\t".join((*r[:4], f"{r[4]:.4f}", f"{r[5]:.4f}", *r[6:])) + "\n"
                for r in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
