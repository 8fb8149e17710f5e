""""Did you mean" and typo tolerance per language (issue 10, item 7): how often a correct word
the index lacks is "corrected", and how often a misspelt word the index has is corrected into
the right one.

    KB_TESTDATA=/work/shared/testdata .venv/bin/python bench/did_you_mean.py --index DIR
    ... --index DIR --engine whoosh,tantivy --samples 120 --seed 7 --show 5

Two parts, each per language of the corpus (en, de, nl, hu, ro, pt, es), a table each: (a)
counts what should not happen (a correct word "corrected"), (b) what should (a typo corrected
into the word meant) and what should not (into another word), so their columns differ:

- **(a) correct**: words of the UDHR in that language (testdata multilingual/udhr, pt-PT for pt)
  that the index does not have (no document has the word as written): every one is a correct
  word that must not be "corrected". Each is searched alone and as a window of three words
  of its sentence (the word and its neighbours, all correct). Counted: a suggestion ("Did you
  mean"), a shown correction (the results of another word shown instead, the query finding
  nothing as typed), and a typo-tolerant ranking (index.did_you_mean.ranked_correction: the
  query ranked as if another word had been typed; a window only, a word alone that finds
  nothing is shown corrected instead).
- **(b) typo**: words of 5+ letters of the corpus's own documents in that language (the form in
  that language is in that language's fields), each with one edit chosen with ``--seed``
  (a deletion, a swap of two neighbouring letters, or a substitution, in turn) that no
  document has as written; searched alone and in a window of three words of its passage.
  Counted: the suggestion gives back the word (right), another word (wrong) or nothing; and
  how often the typo-tolerant ranking took the right word (windows).

Semantic search is off (neither part depends on it). The typo kind of the judged sets is
bench/relevance.py's (``--engine whoosh,tantivy``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import relevance as rel  # noqa: E402

from index import (  # noqa: E402
    IndexStore,
    SearchRequest,
    get_document,
    search,
    semantic,
)
from index.analysis import fold  # noqa: E402
from index.did_you_mean import _in_language  # noqa: E402

#: the module (index.search is also the name of its function, in the package)
search_module = importlib.import_module("index.search")

LANGUAGES = ("en", "de", "nl", "hu", "ro", "pt", "es")
UDHR_LANGUAGE = {"pt-PT": "pt"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _testdata() -> Path:
    return Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))


def udhr_sentences(lang: str) -> list[list[str]]:
    """The UDHR's sentences in ``lang``, as lists of words."""
    out: list[list[str]] = []
    path = _testdata() / "multilingual" / "udhr" / "corpus.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if UDHR_LANGUAGE.get(row["lang"], row["lang"]) == lang:
            out.extend(_WORD.findall(s) for s in re.split(r"[.;:!?]", row["text"]))
    return [s for s in out if s]


def corpus_sentences(store: IndexStore, lang: str) -> list[list[str]]:
    """The sentences of the passages of the index's documents in ``lang``."""
    out: list[list[str]] = []
    with store.reader() as reader:
        ids = [e.id for e in reader.catalog() if e.language == lang]
    for doc_id in sorted(ids):
        view = get_document(store, doc_id, include_hidden=True)
        if view is None:
            continue
        for passage in view.document.passages:
            out.extend(_WORD.findall(s) for s in re.split(r"[.;:!?]", passage.text))
    return [s for s in out if s]


def _window(sentence: list[str], i: int) -> str:
    start = max(0, min(i - 1, len(sentence) - 3))
    return " ".join(sentence[start:start + 3])


def correct_cases(store: IndexStore, lang: str, n: int, rng: random.Random
                  ) -> list[tuple[str, str]]:
    """(word, window) for up to ``n`` UDHR words of ``lang`` the index does not have."""
    cases: dict[str, str] = {}
    with store.reader() as reader:
        for sentence in udhr_sentences(lang):
            for i, word in enumerate(sentence):
                w = word.lower()
                if len(w) >= 3 and w not in cases and reader.word_count(fold(w)) == 0:
                    cases[w] = _window(sentence, i)
    chosen = sorted(cases.items())
    rng.shuffle(chosen)
    return chosen[:n]


def _edit(word: str, rng: random.Random, kind: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(1, len(word) - 1)  # the first letter as typed (as the engines assume)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice([c for c in letters if c != word[i]]) + word[i + 1:]


def typo_cases(store: IndexStore, lang: str, n: int, rng: random.Random
               ) -> list[tuple[str, str, str, str]]:
    """(word, typo, window, window with the typo) for up to ``n`` words of 5+ letters of the
    index's documents in ``lang``."""
    seen: dict[str, str] = {}
    with store.reader() as reader:
        for sentence in corpus_sentences(store, lang):
            for i, word in enumerate(sentence):
                w = word.lower()
                if (len(w) >= 5 and w.isalpha() and w not in seen
                        and _in_language(reader, w, lang)):
                    seen[w] = _window(sentence, i)
        words = sorted(seen.items())
        rng.shuffle(words)
        out = []
        for k, (w, window) in enumerate(words):
            if len(out) >= n:
                break
            typo = _edit(w, rng, k % 3)
            if typo == w or reader.word_count(fold(typo)) > 0:
                continue
            out.append((w, typo, window.lower(),
                        re.sub(rf"\b{re.escape(w)}\b", typo, window.lower(), count=1)))
    return out


@contextmanager
def ranked_corrections(into: list[str | None]) -> Iterator[None]:
    """index.search's ranked_correction wrapped so that each search's result is kept."""
    original = search_module.ranked_correction

    def wrapped(*args: Any, **kwargs: Any) -> str | None:
        got = original(*args, **kwargs)
        into.append(got)
        return got

    search_module.ranked_correction = wrapped  # type: ignore[assignment]
    try:
        yield
    finally:
        search_module.ranked_correction = original  # type: ignore[assignment]


def _ask(store: IndexStore, text: str) -> tuple[str | None, str | None, str | None]:
    """(suggestion, shown correction, typo-tolerant ranking's text) of one search."""
    ranked: list[str | None] = []
    with ranked_corrections(ranked):
        result = search(store, SearchRequest(query=text, page_size=10, passages=0,
                                             with_facets=False))
    return result.suggestion, result.corrected, ranked[0] if ranked else None


def _words(text: str | None) -> set[str]:
    return {fold(w) for w in _WORD.findall(text or "")}


def run_correct(store: IndexStore, lang: str, n: int, rng: random.Random, show: int
                ) -> dict[str, Any]:
    cases = correct_cases(store, lang, n, rng)
    got = {"n": len(cases), "alone suggested": 0, "alone shown": 0, "window suggested": 0,
           "window shown": 0, "window ranked": 0}
    examples: list[str] = []
    for word, window in cases:
        suggestion, corrected, _ = _ask(store, word)
        got["alone suggested"] += bool(suggestion or corrected)
        got["alone shown"] += bool(corrected)
        if (suggestion or corrected) and len(examples) < show:
            examples.append(f"{word} -> {suggestion or corrected}")
        suggestion, corrected, ranked = _ask(store, window)
        got["window suggested"] += bool(suggestion or corrected)
        got["window shown"] += bool(corrected)
        got["window ranked"] += bool(ranked)
        if (suggestion or corrected) and len(examples) < 2 * show:
            examples.append(f"{window} -> {suggestion or corrected}")
    got["examples"] = examples
    return got


def run_typo(store: IndexStore, lang: str, n: int, rng: random.Random, show: int
             ) -> dict[str, Any]:
    cases = typo_cases(store, lang, n, rng)
    got = {"n": len(cases), "alone right": 0, "alone wrong": 0, "window right": 0,
           "window wrong": 0, "window ranked right": 0, "window ranked wrong": 0}
    examples: list[str] = []
    for word, typo, _, typoed in cases:
        for form, text in (("alone", typo), ("window", typoed)):
            suggestion, corrected, ranked = _ask(store, text)
            offered = suggestion or corrected
            changed = offered is not None and fold(typo) not in _words(offered)
            right = changed and fold(word) in _words(offered)
            got[f"{form} right"] += right
            got[f"{form} wrong"] += changed and not right
            if changed and not right and len(examples) < show:
                examples.append(f"{text} -> {offered} (meant {word})")
            if form == "window" and ranked:
                ok = fold(word) in _words(ranked)
                got["window ranked right"] += ok
                got["window ranked wrong"] += not ok
    got["examples"] = examples
    return got


def _pct(part: int, n: int) -> str:
    return f"{100 * part / n:5.1f}%" if n else "    -"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index made by `kb ingest`")
    ap.add_argument("--engine", default="", metavar="NAME[,NAME]",
                    help="engines (a copy of the index per other engine, as relevance.py)")
    ap.add_argument("--samples", type=int, default=120, help="cases per language and part")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show", type=int, default=0, help="examples of errors per language")
    ap.add_argument("--languages", default=",".join(LANGUAGES))
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for this run, as bench/relevance.py's")
    args = ap.parse_args()
    rel.apply_settings(args.set)
    semantic.set_enabled(False)
    source = IndexStore(args.index)
    cache = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-relevance"))
    engines = [e for e in args.engine.split(",") if e] or [source.engine_name()]
    langs = [lang for lang in args.languages.split(",") if lang]
    for engine in engines:
        store = (source if engine == source.engine_name()
                 else rel.engine_copy(source, engine, cache))
        print(f"## {engine}: (a) correct words the index lacks (UDHR): how often they are "
              "taken for typos (false corrections: lower is better)")
        print("lang     n  alone: suggested shown | window: suggested shown ranked")
        shown: list[str] = []
        for lang in langs:
            r = run_correct(store, lang, args.samples, random.Random(args.seed), args.show)
            n = r["n"]
            print(f"{lang:4} {n:5}  {_pct(r['alone suggested'], n)} {_pct(r['alone shown'], n)}"
                  f" | {_pct(r['window suggested'], n)} {_pct(r['window shown'], n)}"
                  f" {_pct(r['window ranked'], n)}")
            shown += [f"  {lang}: {e}" for e in r["examples"]]
        print("\n".join(shown))
        print(f"## {engine}: (b) misspelt words of the corpus (one edit): how often they are "
              "corrected into the word meant (right: higher is better) or another (wrong)")
        print("lang     n  alone: right wrong | window: right wrong | ranked: right wrong")
        shown = []
        for lang in langs:
            r = run_typo(store, lang, args.samples, random.Random(args.seed), args.show)
            n = r["n"]
            print(f"{lang:4} {n:5}  {_pct(r['alone right'], n)} {_pct(r['alone wrong'], n)}"
                  f" | {_pct(r['window right'], n)} {_pct(r['window wrong'], n)}"
                  f" | {_pct(r['window ranked right'], n)} {_pct(r['window ranked wrong'], n)}")
            shown += [f"  {lang}: {e}" for e in r["examples"]]
        print("\n".join(shown))


if __name__ == "__main__":
    main()
