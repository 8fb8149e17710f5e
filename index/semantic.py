"""Semantic (cross-language) retrieval beside the engines: what is embedded, when, and how a
query's vector ranks documents. Engine-independent: it reads documents through
``IndexStore.document_texts`` and keeps its vectors in the generation folder (index.vectors).

What is embedded (:func:`embedded_texts`): a document's vote, one vector of its title, summary
and leading text (the first ``MAX_CHARS`` characters of title + summary + first passages),
and, for a document of several passages, one vector of each of its first ``PASSAGE_VECTORS``
passages (headed by the title); a document scores as its closest vector. Measured on our
judgments (bench/README.md), against the document vector alone: questions 0.72 -> 0.73
(held-out 0.72 -> 0.79), all kinds together 0.83 -> 0.85 (held-out 0.73 -> 0.78), for about
twice the text embedded. Every passage in the vote (3x the text) did as well on questions but
put more long English reports before short answers in other languages (cross-language 0.78 ->
0.70, held-out 0.68 -> 0.69). On the UDHR (bench/semantic_udhr.py) a second vector of the
leading 40 words added nothing once the remedies below were in.

The later passages (up to ``PASSAGE_LIST_VECTORS`` more per document, headed by the title:
:func:`passage_list_texts`) get a vector each too, but not in the vote: they make a list of
their own, documents ranked by their closest later passage, fused beside the others at a small
weight (``Fusion.passage_weight``), so an answer deep inside a long document in another language
is reached without long documents gaining more chances in the semantic list. Their rows take
no part in the language means and offsets (index.vectors), so the votes score as without them.
Measured with bench/fusion_variants.py (bench/README.md): weight 0.15 chosen on the tuning
judgments (cross-language 0.79 -> 0.86, all 0.861 -> 0.869, no kind lower by more than
0.002), held-out cross-language 0.79 -> 0.80, questions 0.78 -> 0.79, all 0.806 -> 0.815;
for about twice the texts embedded again. Chosen again on five sets of judgments (bench/
crosslang_variants.py weights, bench/README.md "Questions and cross-language needs nobody
tuned on"): 0.175, the largest weight of the grid 0.15-0.5 with which no kind of any set
loses more than 0.01 (questions 0.725 -> 0.733, cross-language 0.701 -> 0.707, mean of the
five sets; heavier weights help the three later sets more and lose the first held-out set's
cross-language needs and the tuning set's keyword queries).

How a query ranks documents (each step measured, see bench/README.md). A multilingual model
puts texts of one language near each other, so the query's own language crowds out the
translations that answer it. In a collection balanced across languages (every language with
at least MIN_LANGUAGE_ROWS documents, e.g. the UDHR test: 30 articles in each of 10
languages) the remedies below took the share of articles found in the other language from
0-53% to 93-100%:
1. the query's vector minus its language's query mean, each document's minus its language's
   document mean (index.vectors.LanguageBias);
2. plus the vector of the best keyword hit (pseudo-relevance feedback: the keyword match is
   sure of the topic, and its vector carries it into the other languages);
3. documents ranked taking each language's best in turn (interleave_by_language).
In an unbalanced collection (our sample corpus: 37 English documents, 1-3 in each other
language) the same remedies made our judged queries worse (cross-language nDCG@10 0.67 ->
0.17 with per-language means for English only): there every vector is centred on the mean of
all, each document's vector also loses its language's offset measured once on a parallel text
(index.vectors.LANGUAGE_OFFSETS: cross-language 0.72 -> 0.83, held-out 0.75 -> 0.79), and
documents rank by cosine alone.
Then the semantic list and the passage list are fused with the keyword ranking (reciprocal rank
fusion, index.search), where each of the first keyword hits of a query of several content words
weighs the share of those words it matches (``Fusion.coverage_power``: a coordination factor).
A question in a partner language found the few documents of its own language through one
common word ("empresas", "durante": 1-3 documents per language here) and ranked them above
the answers the semantic lists agreed on: questions 0.74 / 0.82 / 0.55 -> 0.75 / 0.82 / 0.64,
cross-language 0.86 / 0.83 / 0.49 -> 0.85 / 0.83 / 0.60 on the tuning / held-out / heldout2
judgments (bench/README.md). A keyword hit in a language of at most half the query
language's share of the collection weighs its share of the query's words that reach its
language (reached_coverage: an English question's Hungarian answer can match only the words
that have a form in Hungarian): cross-language 0.774 -> 0.783 over thirteen sets of judgments
(bench/README.md, 2026-12-03). Raising a keyword hit in a language that holds fewer of the
documents than the query's (``Fusion.language_share_weight``, keyword_language_weights) gained
on the development sets but lost on the lead's unseen set, so it is off (0).

The app's ``KB_SEMANTIC=0`` turns all of it off (:func:`set_enabled`: no model is loaded, no
vectors are made or used).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from index.embedder import MAX_CHARS, Embedder, default_embedder, text_key
from index.side_files import try_lock, write_atomic
from index.vectors import (
    MIN_LANGUAGE_ROWS,
    NO_POSITIONS,
    VECTORS,
    Positions,
    VectorIndex,
    VectorSet,
    interleave_by_language,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

EMBED_LOCK = "embed.lock"
PROGRESS = "semantic.json"

#: Texts embedded per model call.
BATCH = 8
#: Seconds between two writes of the vectors file while embedding (searches use the vectors
#: written so far; each write is the whole file, so writing after every call made embedding
#: many documents quadratic in their number).
SAVE_EVERY = 5.0


def embed_workers(workers: int | None = None) -> int:
    """Model calls at once while embedding documents: ``workers`` (the app's
    ``KB_EMBED_WORKERS``), by default the cores; each call is one OpenMP thread
    (``KB_SEMANTIC_THREADS``)."""
    if workers is not None and workers < 1:
        raise ValueError(f"{workers} model calls at once: give 1 or more")
    return workers or max(1, os.cpu_count() or 1)
#: Pseudo-queries per language for its query mean (see index.vectors.LanguageBias).
PSEUDO_QUERIES = 40
#: Words of a pseudo-query (a window from the middle of a document's text).
PSEUDO_QUERY_WORDS = 12


@dataclass(frozen=True)
class Fusion:
    """How the semantic ranking is made and joins the keyword ranking (one setting for the
    site and the benches). Read at every search: replace ``FUSION`` (dataclasses.replace, or
    ``bench/relevance.py --set weight=1``) to experiment."""

    #: reciprocal rank fusion: a document scores weight / (rrf_k + rank) in each list it is in
    rrf_k: float = 10.0
    #: weight of the semantic list against the keyword list's 1.0 (measured with
    #: bench/relevance.py on our judgments, see bench/README.md)
    weight: float = 0.5
    #: the same in a collection balanced across languages, where the semantic list takes each
    #: language's best in turn and carries what keywords cannot: the translations (measured
    #: with bench/semantic_udhr.py: 0.5 and 1.0 left most of them out of the top 10, 1.5-3
    #: did not)
    weight_balanced: float = 2.0
    #: weight of the semantic passage list (documents ranked by their closest passage past
    #: the leading ones, index.semantic.PASSAGE_LIST_VECTORS): it reaches an answer deep in a
    #: long document without giving long documents more chances in the semantic list
    #: (measured with bench/fusion_variants.py deep, 0.1-0.3, on the tuning judgments; again
    #: with bench/crosslang_variants.py weights, 0.15-0.5, on five sets: bench/README.md)
    passage_weight: float = 0.175
    #: the passage list's weight for a query of ``long_query_words`` content words or more
    #: (index.query.word_queries: stop words and question words do not count): a long
    #: question names a specific need, which one passage deep in a document answers, and
    #: shares common words with every broad document, which its keyword hits' coverage cannot
    #: tell apart. Measured on nine development sets (2026-12-02: questions +0.016, not kept
    #: then: one kind of one set -0.024), then, unchanged, on heldout9 and heldout10, released
    #: after it (all +0.015 / +0.012; bench/README.md, "Questions on eleven sets: whole
    #: synonym terms, and long questions"). 0: the same as ``passage_weight``
    long_passage_weight: float = 0.5
    #: content words that make a query long (above)
    long_query_words: int = 7
    #: each of the first ``coverage_depth`` keyword hits weighs its share of the query's
    #: content words that it matches (each word with its synonyms, index.query.word_queries)
    #: to this power in the fusion: a coordination factor, so that a hit matching one common
    #: word of a question ("empresas", "durante") no longer outranks the documents the
    #: semantic lists agree on (0: off). Chosen on the tuning judgments among the share and
    #: an IDF-weighted share, per hit or the best hit's for the whole list, powers 0.25-1,
    #: depths 10-100 (bench/question_variants.py, bench/README.md)
    coverage_power: float = 0.5
    #: keyword hits whose coverage is measured
    coverage_depth: int = 20
    #: ... and, past them, the keyword hits (up to ``fuse_depth``) that one of the semantic
    #: lists holds: those lists bring a document into the fusion from anywhere in the keyword
    #: list, and such a hit weighed the best measured share (``unmeasured_coverage``), often
    #: an own-language page's that matches most of a partner-language question, so a broad
    #: English report 30th by keywords weighed as matching that much of it, above the answer
    #: in a third language that the keyword list had 1st-4th. Measured so (one engine call
    #: more, over at most the lists' 2 x ``depth`` documents) it weighs what it matches
    #: (bench/README.md, "Answers only in a partner-language document", 2026-12-03: the
    #: seventeen development sets all +0.0017, cross-language +0.0026, the same as measuring
    #: all 100 hits, which cost 1.08x a search)
    coverage_of_semantic_hits: bool = True
    #: what a keyword hit past ``coverage_depth`` (its coverage not measured) weighs: "best",
    #: the best measured hit's share (the keyword ranking put it below them: it is not
    #: taken to match more of the query than they do), or "all", as if it matched every
    #: word (before 2026-12-02, when a 21st hit outweighed a 20th that matched a third of a
    #: question's words; bench/README.md, "Keyword hits past the measured coverage")
    unmeasured_coverage: Literal["best", "all"] = "best"
    #: content words a query needs for its hits' coverage to be measured
    coverage_words: int = 3
    #: a keyword hit in another language than the query's weighs 1 + this x (the query
    #: language's share of the documents the search may list - the hit language's share),
    #: when that is positive (keyword_language_weights; 0: off). Measured, not kept: 0.6 was
    #: the best of 0.5-2 on the nine development sets (all +0.006, cross-language +0.010), but
    #: on the lead's unseen set (heldout9) it changed one query only, a filtered keyword query,
    #: for the worse (1.00 -> 0.69: keyword and filter kinds -0.03 / -0.04) and no
    #: cross-language one (bench/README.md, "Across languages: the similarity floor and
    #: keyword hits"). Kept as a setting for bench/crosslang_fusion.py and ``--set``.
    language_share_weight: float = 0.0
    #: a keyword hit in a language that holds at most 1/this of the query language's share of
    #: the collection's documents (2: half; 0: off) weighs the share of the query's content
    #: words *that reach its language* it matches (those matching any document in it, through
    #: a name, a number, a word written alike or a synonym's or the glossary's term), not of
    #: all of them: an English question's Hungarian answer matched every word of the question
    #: that has a form in Hungarian, and weighed as an English page matching a third of it
    #: (reached_coverage; bench/README.md, "Across languages: the coverage of a hit in a
    #: smaller language", 2026-12-03). A collection balanced across languages, or of one
    #: language, has no such hit.
    coverage_reach_ratio: float = 2.0
    #: ... the words that reach the hit's language counted as at least this share of the
    #: query's content words, so that a hit matching the one word that reaches its language
    #: does not weigh as matching the whole query
    coverage_reach_floor: float = 1 / 3
    #: documents the semantic list contributes (a query always has neighbours: only the
    #: closest count, so a handful of documents close in meaning join the keyword matches)
    depth: int = 10
    #: keyword hits that take part in the fusion (deeper ones keep their keyword order)
    fuse_depth: int = 100
    #: documents less close than this (cosine of bias-corrected vectors, without the language
    #: offsets: VectorIndex.plain_scores) are not semantic hits. On our corpus, queries of
    #: nonsense or of other topics ("xylophonequartz", "banana smoothie recipe") come closest
    #: at 0.04-0.21, judged queries at 0.07-0.32 (median 0.15):
    #: no floor separates them. 0.05 drops only the farthest; higher floors cost the
    #: judgments (0.08: keyword 0.814, 0.10: cross-language 0.77; bench/README.md). A
    #: document in a smaller language than the query's passes it on either scale, with or
    #: without the offsets (smaller_languages)
    min_score: float = 0.05
    #: the same floor for a search that filters (a facet value, a year): the filter already
    #: says which documents are wanted, often a handful (a language with 3 documents), and a
    #: one-word query's vector is far from most of them ("export" and the German press
    #: release on exporting firms: 0.005)
    filtered_min_score: float = -1.0
    #: the rank a document has in the semantic lists of a search that filters: "all", its
    #: place among all the documents the search may list without the filter (a document
    #: that is the 30th closest of the collection weighs as the 30th, not as the first of the
    #: few the filter allows), or "filtered", its place among those the filter allows (as
    #: before 2026-12-02: the far ones weighed nearly as the closest, and any keyword hit
    #: decided; the filter kind of seven sets of judgments 0.890 -> 0.915, bench/README.md).
    #: A collection balanced across languages keeps "filtered" (index.search._Semantic.ranked)
    filtered_ranks: Literal["all", "filtered"] = "all"
    #: weight of the best keyword hit's vector added to the query's (pseudo-relevance
    #: feedback; balanced collections only)
    feedback_weight: float = 1.0
    #: rank documents taking each language's best in turn (balanced collections only)
    interleave: bool = True

    def __post_init__(self) -> None:
        if self.filtered_ranks not in ("all", "filtered"):
            raise ValueError(f"Fusion.filtered_ranks: {self.filtered_ranks!r}, give \"all\" "
                             "or \"filtered\"")
        if self.unmeasured_coverage not in ("best", "all"):
            raise ValueError(f"Fusion.unmeasured_coverage: {self.unmeasured_coverage!r}, give "
                             "\"best\" or \"all\"")


#: The setting in use.
FUSION = Fusion()


def fuse(keyword: list[T], meaning: list[T], *, balanced: bool,
         passages: list[T] | tuple[()] = (), coverage: dict[T, float] | None = None,
         ranks: tuple[Sequence[int], Sequence[int]] | None = None,
         weights: Mapping[T, float] | None = None, content_words: int = 0,
         keyword_scores: Sequence[float] | None = None) -> list[tuple[T, float]]:
    """Reciprocal rank fusion of a keyword ranking, a semantic one and the semantic passage
    list (any ids, best first): (id, fused score), best first; keyword hits past
    ``fuse_depth`` follow in their order. ``coverage``: the share of the query's content words
    a keyword hit matches (``Fusion.coverage_power``); a hit not in it counts as the best share
    in it (or as 1: ``Fusion.unmeasured_coverage``).
    ``ranks``: the rank of each document of ``meaning`` and of ``passages`` (by default its
    place in the list; under a filter, its place among all documents: Fusion.filtered_ranks).
    ``weights``: a factor on a keyword hit's part (keyword_language_weights; 1 when absent).
    ``content_words``: how many content words the query has (index.query.word_queries; 0 when
    not known): a long query weighs its passage list ``Fusion.long_passage_weight``.
    ``keyword_scores``: the keyword hits' scores; hits of equal score share the best of their
    ranks ("1, 1, 3"), so that which of two equally matching texts the engine lists first
    (by doc id) does not decide their fused order."""
    f = FUSION
    weight = f.weight_balanced if balanced else f.weight
    passage_weight = passage_list_weight(content_words)
    scores: dict[T, float] = {}
    unmeasured = (max(coverage.values()) if coverage and f.unmeasured_coverage == "best"
                  else 1.0)
    first = keyword[:f.fuse_depth]
    keyword_ranks = (tied_ranks(keyword_scores, f.fuse_depth) if keyword_scores is not None
                     else range(1, len(first) + 1))
    for rank, doc in zip(keyword_ranks, first, strict=True):
        share = 1.0
        if coverage and f.coverage_power:
            share = coverage.get(doc, unmeasured) ** f.coverage_power
        if weights:
            share *= weights.get(doc, 1.0)
        scores[doc] = scores.get(doc, 0.0) + share / (f.rrf_k + rank)
    meaning_ranks, passage_ranks = ranks or (range(1, len(meaning) + 1),
                                             range(1, len(passages) + 1))
    for rank, doc in zip(meaning_ranks, meaning, strict=True):
        scores[doc] = scores.get(doc, 0.0) + weight / (f.rrf_k + rank)
    if passage_weight:
        for rank, doc in zip(passage_ranks, passages, strict=True):
            scores[doc] = scores.get(doc, 0.0) + passage_weight / (f.rrf_k + rank)
    fused = sorted(scores.items(), key=lambda kv: -kv[1])
    fused.extend((d, 0.0) for d in keyword[f.fuse_depth:] if d not in scores)
    return fused


def tied_ranks(scores: Sequence[float], depth: int) -> list[int]:
    """The ranks of the first ``depth`` of ``scores`` (best first), equal scores sharing the
    best of their ranks: [3.0, 2.0, 2.0, 1.0] -> [1, 2, 2, 4]."""
    ranks: list[int] = []
    for i, score in enumerate(scores[:depth]):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks


def passage_list_weight(content_words: int) -> float:
    """The passage list's weight in the fusion for a query of ``content_words`` content
    words: ``Fusion.long_passage_weight`` for a long query (``Fusion.long_query_words`` or
    more) when the passage list is on, else ``Fusion.passage_weight``."""
    f = FUSION
    if f.passage_weight and f.long_passage_weight and content_words >= f.long_query_words:
        return f.long_passage_weight
    return f.passage_weight


def language_shares(langs: np.ndarray, allowed: np.ndarray) -> dict[str, float]:
    """Each language's share of the documents ``allowed`` (a boolean mask over ``langs``,
    their languages) lets through."""
    kept = langs[allowed]
    if not kept.size:
        return {}
    names, counts = np.unique(kept, return_counts=True)
    return {str(name): int(n) / kept.size for name, n in zip(names, counts, strict=True)}


def keyword_language_weights(hit_langs: Mapping[T, str], query_lang: str | None,
                             shares: Mapping[str, float]) -> dict[T, float]:
    """The factor on each keyword hit's part in the fusion (fuse's ``weights``): 1 +
    ``Fusion.language_share_weight`` x (``query_lang``'s share - the hit's language's share)
    for a hit in another language than the query's when that is positive (see the setting);
    only hits with another factor than 1 are given. ``hit_langs``: the hits' languages,
    ``shares``: language_shares of the documents the search may list."""
    weight = FUSION.language_share_weight
    if not weight or not query_lang:
        return {}
    own = shares.get(query_lang, 0.0)
    out: dict[T, float] = {}
    for doc, lang in hit_langs.items():
        if lang != query_lang and own > shares.get(lang, 0.0):
            out[doc] = 1.0 + weight * (own - shares.get(lang, 0.0))
    return out


def languages_to_reach(query_lang: str | None, shares: Mapping[str, float],
                       hit_langs: Iterable[str]) -> set[str]:
    """Which of ``hit_langs`` (the languages of a query's keyword hits) hold at most
    1/``Fusion.coverage_reach_ratio`` of the share of the documents (``shares``: the
    collection's, language_shares) that ``query_lang`` holds: the languages whose hits
    reached_coverage reads against the words that reach them. None when off or the query's
    language is not known."""
    ratio = FUSION.coverage_reach_ratio
    own = shares.get(query_lang or "", 0.0)
    if not ratio or not own:
        return set()
    return {lang for lang in hit_langs
            if lang != query_lang and shares.get(lang, 0.0) * ratio <= own}


def reached_coverage(coverage: Mapping[T, float], hit_langs: Mapping[T, str],
                     reach: Mapping[str, float]) -> dict[T, float]:
    """``coverage`` (a keyword hit's share of the query's content words it matches) with each
    hit in a language of ``reach`` weighing its share of the words that reach that language
    instead: ``reach`` gives, per language, the share of the query's content words that match
    any document in it (at least ``Fusion.coverage_reach_floor``), and a hit's share is divided
    by it (at most 1). ``hit_langs``: the hits' languages (a hit without one keeps its share).
    See ``Fusion.coverage_reach_ratio``."""
    floor = FUSION.coverage_reach_floor
    out = dict(coverage)
    for doc, share in coverage.items():
        lang = hit_langs.get(doc)
        if lang is not None and lang in reach:
            out[doc] = min(1.0, share / max(reach[lang], floor, 1e-9))
    return out


def smaller_languages(langs: np.ndarray, query_lang: str | None, allowed: np.ndarray
                      ) -> np.ndarray | None:
    """Which documents (``langs``: their languages) are in a language that holds a smaller
    share of the documents ``allowed`` lets through than the query's language (None when the
    query's language is not known or none is). The similarity floor is read on cosines
    without the language offsets (Fusion.min_score), on which a document in another language
    than the query's stands lower: on the nine development sets of judgments, 28 graded
    answers among the first 10 by meaning fell under it, every one in another language than
    the query's (the Hungarian export voucher page, 1st by meaning with the offsets, for the
    English "export voucher results hard to measure because export growth comes later"). In
    rank_by_meaning such a document passes the floor when either of its cosines does; the
    other documents keep the floor as it was (reading it with the offsets for every language
    let a query in a language of few documents take in pages of the larger ones that the
    floor kept out, and lost: bench/README.md, "Across languages: the similarity floor and
    keyword hits")."""
    if not query_lang:
        return None
    shares = language_shares(langs, allowed)
    own = shares.get(query_lang, 0.0)
    smaller = {lang for lang, share in shares.items() if lang != query_lang and share < own}
    if not smaller:
        return None
    return np.isin(langs, list(smaller))


_enabled = True


def enabled() -> bool:
    """Whether semantic retrieval is on (the app's ``KB_SEMANTIC``, default on; see
    :func:`set_enabled`)."""
    return _enabled


def set_enabled(on: bool) -> None:
    """Turn semantic retrieval on or off in this process from now on (the app's
    ``KB_SEMANTIC``): off, no model is loaded and no vectors are made or used."""
    global _enabled
    _enabled = bool(on)


# -- what is embedded ------------------------------------------------------------------------
def vector_language(tag: str | None) -> str:
    """The language a vector is grouped by: the document's tag, lower case ("pt-pt" and
    "pt-br" are two groups: their texts differ as much as two languages' for the model)."""
    return (tag or "").strip().lower().replace("_", "-") or "xx"


#: Leading passages of a document of several passages that get a vector of their own, in the
#: document's vote (0: the document text only).
PASSAGE_VECTORS = 3

#: Passages past the leading ones that get a vector each for the passage list (at most this
#: many per document: a bound on the time and memory a very long document costs).
PASSAGE_LIST_VECTORS = 50


#: Passages the document text is made of (before it is cut to MAX_CHARS), and pseudo-queries
#: are cut from.
LEADING_PASSAGES = 3


def document_passages() -> int:
    """Passages of each document that IndexStore.document_texts must give for embedding."""
    return PASSAGE_VECTORS + PASSAGE_LIST_VECTORS


def _passages(doc: dict[str, Any]) -> list[str]:
    """The passage texts document_texts gave, empty ones left out."""
    return [p for p in doc.get("passages", []) if p and p.strip()]


def vector_passages(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The passage texts of a document's vote (its leading PASSAGE_VECTORS) and of its passage
    list (at most PASSAGE_LIST_VECTORS after them). A boilerplate passage (Passage.boilerplate:
    a table of contents, a cover's notice; ingest/boilerplate.py) is one like any other:
    leaving them out of the vectors was measured on our judgments and lost (bench/README.md,
    "Boilerplate passages")."""
    passages = _passages(doc)
    return passages[:PASSAGE_VECTORS], passages[PASSAGE_VECTORS:][:PASSAGE_LIST_VECTORS]


def document_text(doc: dict[str, Any]) -> str:
    """The text embedded for a document (see the module docstring): its title, summary and
    leading passages, cut to MAX_CHARS."""
    parts = [doc.get("title") or "", doc.get("summary") or "",
             *doc.get("passages", [])[:LEADING_PASSAGES]]
    text = "\n".join(p.strip() for p in parts if p and p.strip())
    return text[:MAX_CHARS]


#: Characters of a passage's text (title and passage) embedded at most.
PASSAGE_CHARS = MAX_CHARS

#: The same for a text of the passage list. Cut shorter, 600 or 1,200 characters (~130 or
#: ~270 tokens: 21% or 9% fewer tokens of the sample corpus's texts), lost more than 0.01
#: nDCG@10 in some kind of query of several development sets (bench/README.md, "What is
#: embedded, against its cost"). Another cut makes other texts, so no vector made under one
#: is reused under another (vectors are keyed by their text).
PASSAGE_LIST_CHARS = MAX_CHARS


def passage_text(doc: dict[str, Any], passage: str, limit: int | None = None) -> str:
    """The text embedded for one passage: the document's title, then the passage, cut to
    ``limit`` characters (default PASSAGE_CHARS)."""
    parts = [doc.get("title") or "", passage]
    text = "\n".join(p.strip() for p in parts if p and p.strip())
    return text[:PASSAGE_CHARS if limit is None else limit]


def embedded_texts(doc: dict[str, Any]) -> list[str]:
    """The texts of a document's vote (it scores as the closest of them), the document text
    first (see the module docstring), then its leading passages (vector_passages); a document
    of one passage has the document text only (its passage is in it)."""
    texts = [document_text(doc)]
    if len(_passages(doc)) > 1:
        texts.extend(passage_text(doc, p) for p in vector_passages(doc)[0])
    return list(dict.fromkeys(texts))


def passage_list_texts(doc: dict[str, Any]) -> list[str]:
    """The texts of a document's passages past the leading ones (vector_passages), for the
    passage list only (see the module docstring)."""
    if len(_passages(doc)) <= 1:
        return []
    vote = set(embedded_texts(doc))
    later = vector_passages(doc)[1]
    return [t for t in dict.fromkeys(passage_text(doc, p, PASSAGE_LIST_CHARS) for p in later)
            if t not in vote]


def all_texts(doc: dict[str, Any]) -> list[tuple[str, bool]]:
    """(text, for the passage list only) of every text embedded for a document."""
    return [*((t, False) for t in embedded_texts(doc)),
            *((t, True) for t in passage_list_texts(doc))]


def pseudo_query(doc: dict[str, Any]) -> str | None:
    """A query-like window of words from the middle of a document's leading text."""
    words = " ".join(doc.get("passages", [])[:LEADING_PASSAGES]).split()
    if len(words) < PSEUDO_QUERY_WORDS:
        return None
    mid = len(words) // 2
    start = max(0, mid - PSEUDO_QUERY_WORDS // 2)
    return " ".join(words[start:start + PSEUDO_QUERY_WORDS])


# -- making the vectors ----------------------------------------------------------------------
@dataclass
class EmbedReport:
    generation: str | None
    documents: int = 0
    embedded: int = 0  # embedded in this run
    reused: int = 0
    seconds: float = 0.0
    state: str = "done"  # "done", "disabled", "busy" (another process is embedding)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _write_progress(index_dir: Path, data: dict[str, Any]) -> None:
    write_atomic(index_dir / PROGRESS, json.dumps(data))


def read_progress(index_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((index_dir / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def _embed_lock(index_dir: Path) -> Iterator[bool]:
    """Hold the embedding lock if free (yields False when another process holds it)."""
    with try_lock(index_dir / EMBED_LOCK) as fd:
        yield fd is not None


def embedding_running(index_dir: Path) -> bool:
    """Whether some process is embedding documents of this index now."""
    path = index_dir / EMBED_LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _reusable(index_dir: Path, model: str) -> dict[str, tuple[np.ndarray, str]]:
    """key -> (vector, language) from the vectors of every generation still on disk."""
    pool: dict[str, tuple[np.ndarray, str]] = {}
    for gen in sorted(index_dir.glob("gen-*")):
        vs = VectorSet.load(gen)
        if vs is None or vs.model != model:
            continue
        for i, key in enumerate(vs.keys):
            pool[key] = (vs.vectors[i], vs.langs[i])
    return pool


class _PseudoQueries:
    """The pseudo-queries a language's query mean is made of (see index.vectors.LanguageBias):
    every ``step``-th of its documents' (at most PSEUDO_QUERIES), counted on a first pass over
    the documents and taken on a second, so their texts are not all kept at once."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        self.sample: dict[str, list[str]] = {}

    def count(self, doc: dict[str, Any]) -> None:
        if pseudo_query(doc):
            lang = vector_language(doc["language"])
            self.counts[lang] = self.counts.get(lang, 0) + 1

    def wanted(self, old: dict[str, np.ndarray]) -> bool:
        """Whether some language needs a mean not made before."""
        return any(n >= MIN_LANGUAGE_ROWS and lang not in old for lang, n in self.counts.items())

    def take(self, doc: dict[str, Any]) -> None:
        text = pseudo_query(doc)
        if not text:
            return
        lang = vector_language(doc["language"])
        n = self.seen.get(lang, 0)
        self.seen[lang] = n + 1
        step = max(1, self.counts.get(lang, 0) // PSEUDO_QUERIES)
        if n % step == 0 and n // step < PSEUDO_QUERIES:
            self.sample.setdefault(lang, []).append(text)

    def means(self, old: dict[str, np.ndarray], embedder: Embedder) -> dict[str, np.ndarray]:
        """Per language of at least MIN_LANGUAGE_ROWS documents: its old mean, or the mean of
        its sample's query embeddings."""
        out = {}
        for lang, n in self.counts.items():
            if n < MIN_LANGUAGE_ROWS:
                continue
            if lang in old:
                out[lang] = old[lang]
            elif self.sample.get(lang):
                out[lang] = embedder.embed_queries(self.sample[lang]).mean(axis=0)
        return out


def embed_index(
    store: Any,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> EmbedReport:
    """Embed the documents of the live generation that have no vector yet (new or changed),
    reusing every vector whose text is unchanged; drop those of removed documents.

    The vectors file is rewritten atomically every ``SAVE_EVERY`` seconds while embedding,
    so searches use what is embedded so far; ``workers`` model calls run at once (default: the
    cores).
    When the generation is swapped meanwhile (a rebuild), starts over on the new one (with
    everything already embedded reused). Only one process embeds at a time; a second call
    returns at once with state "busy" (the running one picks up new documents).
    """
    started = time.monotonic()
    index_dir = Path(store.path)
    gen = store.current_generation()
    report = EmbedReport(gen.name if gen else None)
    if not enabled():
        report.state = "disabled"
        return report
    with _embed_lock(index_dir) as held:
        if not held:
            report.state = "busy"
            return report
        embedder = embedder or default_embedder()
        while True:
            gen = store.current_generation()
            if gen is None or store.needs_rebuild():
                break
            report.generation = gen.name
            restart = _embed_generation(store, gen, embedder, report, progress,
                                        embed_workers(workers))
            if not restart:
                break
    report.seconds = round(time.monotonic() - started, 2)
    return report


#: An entry to embed: document id, vector language, text, its key, for the passage list only.
_Todo = tuple[str, str, str, str, bool]


@dataclass
class _Rows:
    """The rows of a vectors file being made (VectorSet's columns), one per embedded text."""

    ids: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    listed: list[bool] = field(default_factory=list)

    def add(self, doc_id: str, key: str, lang: str, vector: np.ndarray, listed: bool) -> None:
        self.ids.append(doc_id)
        self.keys.append(key)
        self.langs.append(lang)
        self.vectors.append(vector)
        self.listed.append(listed)

    def __len__(self) -> int:
        return len(self.vectors)

    def cut_short(self) -> None:
        """Drop a row whose columns an interruption left unequal (some added, not all)."""
        n = min(len(self.ids), len(self.keys), len(self.langs), len(self.vectors),
                len(self.listed))
        del self.ids[n:], self.keys[n:], self.langs[n:], self.vectors[n:], self.listed[n:]

    def save(self, gen: Path, model: str, dim: int, qmeans: dict[str, np.ndarray]) -> None:
        """Write these rows as ``gen``'s vectors file (VectorSet.save)."""
        matrix = (np.stack(self.vectors).astype(np.float32) if self.vectors
                  else np.zeros((0, dim), dtype=np.float32))
        VectorSet(list(self.ids), list(self.keys), list(self.langs), matrix, model,
                  dict(qmeans), np.array(self.listed, dtype=bool)).save(gen)


def _embed_generation(
    store: Any, gen: Path, embedder: Embedder, report: EmbedReport,
    progress: Callable[[int, int], None] | None, workers: int,
) -> bool:
    """One pass over ``gen`` (``workers`` model calls at once); True when the live generation
    changed under it.

    The documents' texts are read twice, and never all held at once (an index of a million
    passages has gigabytes of them): first their keys only (which vectors can be reused, how
    many texts each document needs), then the texts to embed, lazily, ``BATCH`` texts a model
    call and at most ``workers`` calls at a time. The rows are those of reading them all first:
    the reused ones, then the new ones in the documents' order."""
    index_dir = Path(store.path)
    pool = _reusable(index_dir, embedder.name)
    rows = _Rows()
    # texts still to embed per document: progress and the report count documents
    pending: dict[str, int] = {}
    # per document, the keys of its texts to embed
    todo_keys: dict[str, set[str]] = {}
    pseudo = _PseudoQueries()
    for d in store.document_texts(passages=document_passages()):
        doc_id, lang = d["id"], vector_language(d["language"])
        pending[doc_id] = 0
        pseudo.count(d)
        for text, listed in all_texts(d):
            key = text_key(text)
            hit = pool.get(key)
            if hit is not None:
                rows.add(doc_id, key, lang, hit[0], listed)
            else:
                todo_keys.setdefault(doc_id, set()).add(key)
                pending[doc_id] += 1
    del pool
    report.documents = len(pending)
    report.reused = sum(1 for n in pending.values() if n == 0)
    old = VectorSet.load(gen)
    qmeans = old.qmeans if old is not None and old.model == embedder.name else {}
    del old

    def todo() -> Iterator[_Todo]:
        """The texts to embed, in the documents' order, made as they are needed (the second
        pass also takes the pseudo-queries)."""
        for d in store.document_texts(passages=document_passages()):
            pseudo.take(d)
            wanted = todo_keys.get(d["id"])
            if not wanted:
                continue
            lang = vector_language(d["language"])
            for text, listed in all_texts(d):
                key = text_key(text)
                if key in wanted:  # (a text changed since the first pass waits for a later run)
                    yield d["id"], lang, text, key, listed

    def save() -> None:
        rows.save(gen, embedder.name, embedder.dim, qmeans)

    def tell() -> None:
        done = sum(1 for n in pending.values() if n == 0)
        _write_progress(index_dir, {
            "generation": gen.name, "state": "running" if done < len(pending) else "done",
            "done": done, "total": len(pending), "pid": os.getpid(),
            "updated": time.time(), "model": embedder.name,
        })
        if progress is not None:
            progress(done, len(pending))

    save()
    tell()
    saved = time.monotonic()
    unsaved = False  # rows made since the vectors file was last written
    # (no second pass when nothing is to embed and every language's mean is made)
    batches = (batched(todo(), BATCH) if todo_keys or pseudo.wanted(qmeans)
               else iter(()))
    # Up to ``workers`` model calls at once (the model's calls are independent: the same
    # vectors as one at a time), their results taken in order; the next batch's texts are
    # read only when a call is free.
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="kb-embed-docs") as calls:
            running: deque[tuple[list[_Todo], Future[np.ndarray]]] = deque()
            more = True
            while True:
                while more and len(running) < workers:
                    batch = next(batches, None)
                    if batch is None:
                        more = False
                        break
                    running.append((batch, calls.submit(
                        embedder.embed_passages, [todo_[2] for todo_ in batch])))
                if not running:
                    break
                batch, future = running.popleft()
                vectors = future.result()
                for (doc_id, lang, _, key, listed), vec in zip(batch, vectors, strict=True):
                    rows.add(doc_id, key, lang, vec, listed)
                    pending[doc_id] -= 1
                    report.embedded += pending[doc_id] == 0
                if store.current_generation() != gen:
                    for _, later in running:
                        later.cancel()
                    save()  # what is made is reused by the pass over the new generation
                    return True
                unsaved = True
                if time.monotonic() - saved >= SAVE_EVERY:
                    save()
                    saved, unsaved = time.monotonic(), False
                tell()
    except BaseException:
        # What was made since the last write is kept (a failed call, Ctrl-C); a row cut short
        # by the interruption is not.
        rows.cut_short()
        save()
        raise
    new_means = pseudo.means(qmeans, embedder)
    if new_means.keys() != qmeans.keys():
        qmeans = new_means
        unsaved = True
    if unsaved:
        save()
    tell()
    return store.current_generation() != gen


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter), taken from ``items`` as needed."""
    while batch := list(islice(items, size)):
        yield batch


def carry_vectors(index_dir: Path, new_gen: Path, docs: Iterable[dict[str, Any]]) -> int:
    """Before a rebuilt generation goes live: give it the vectors of every embedded text
    that is unchanged, so it is swapped in with them. Returns the rows carried."""
    if not enabled():
        return 0
    pools = [vs for gen in sorted(index_dir.glob("gen-*")) if gen != new_gen
             for vs in [VectorSet.load(gen)] if vs is not None]
    if not pools:
        return 0
    model = pools[-1].model
    pool: dict[str, tuple[np.ndarray, str]] = {}
    qmeans: dict[str, np.ndarray] = {}
    for vs in pools:
        if vs.model != model:
            continue
        qmeans.update(vs.qmeans)
        for i, key in enumerate(vs.keys):
            pool[key] = (vs.vectors[i], vs.langs[i])
    rows = _Rows()
    for doc in docs:
        for text, listed in all_texts(doc):
            key = text_key(text)
            hit = pool.get(key)
            if hit is not None:
                rows.add(doc["id"], key, vector_language(doc["language"]), hit[0], listed)
    if not rows:
        return 0
    rows.save(new_gen, model, pools[-1].vectors.shape[1], qmeans)
    return len(rows)


# -- status ----------------------------------------------------------------------------------
@dataclass
class SemanticStatus:
    enabled: bool
    model: str | None
    documents: int
    embedded: int
    running: bool
    #: the generation's vectors file is there but cannot be read (search uses keywords only;
    #: the next `kb ingest` embeds the documents again)
    damaged: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def status(index_dir: Path, gen: Path | None, document_ids: set[str]) -> SemanticStatus:
    vs = VectorSet.load(gen) if gen is not None else None
    embedded = len(set(vs.doc_ids) & document_ids) if vs is not None else 0
    return SemanticStatus(
        enabled=enabled(),
        model=vs.model if vs is not None else None,
        documents=len(document_ids),
        embedded=embedded,
        running=embedding_running(index_dir),
        damaged=vs is None and gen is not None and (gen / VECTORS).exists(),
    )


# -- searching -------------------------------------------------------------------------------
#: The machine's cores, read once.
_CORES = os.cpu_count() or 1
#: threads embedding queries: one per core (a call is one OpenMP thread), at least two
_POOL = ThreadPoolExecutor(max_workers=max(2, _CORES), thread_name_prefix="kb-embed")


def start_query(text: str) -> Future[np.ndarray] | None:
    """Embed a query in the background (the model releases the GIL), or None when off; a
    query embedded before (paging, a facet click) is answered from the cache at once."""
    if not enabled() or not text.strip():
        return None
    embedder = default_embedder()
    known = embedder.cached_query(text)
    if known is not None:
        done: Future[np.ndarray] = Future()
        done.set_result(known)
        return done
    started = threading.Event()

    def embed() -> np.ndarray:
        started.set()
        return embedder.embed_queries([text])[0]

    future = _POOL.submit(embed)
    # When a core is free for it, hand the interpreter to the pool's thread until it enters the
    # model's C call (which releases it): else it waits for the switch interval (5 ms) while
    # this thread parses and searches, and the model starts that much later (bench/README.md).
    # Never longer than that interval; not when every core is busy (the 1-minute load average
    # at or above the cores): there the model cannot start sooner, and this thread would wait
    # for a core again (measured: 11 ms at load 12).
    if _core_free():
        started.wait(sys.getswitchinterval())
    return future


def _core_free() -> bool:
    """Whether a core is likely free: the 1-minute load average below the cores."""
    try:
        return os.getloadavg()[0] < _CORES
    except OSError:
        return True


def rank_by_meaning(
    vi: VectorIndex,
    query: np.ndarray,
    query_lang: str | None,
    allowed: np.ndarray,
    limit: int,
    feedback: int | None = None,
    *,
    filtered: bool = False,
) -> tuple[Positions, Positions]:
    """Positions (in ``vi.doc_ids``) of the documents closest to the query, best first, twice:
    by their votes (document text and leading passages), and by their later passages alone
    (the passage list; empty when no document has such vectors).

    ``allowed``: boolean mask over ``vi.doc_ids`` of the documents the filters let through.
    ``feedback``: position of the best keyword hit, whose vector joins the query's.
    ``filtered``: whether a filter made ``allowed`` (the floor is Fusion.filtered_min_score).
    """
    # The remedies for language bias need every language's bias to be measurable (enough
    # documents in each: LanguageBias.per_language). Otherwise, e.g. our corpus of 37 English
    # and 13 documents in six other languages, they did harm (bench/README.md): plain cosine.
    f = FUSION
    balanced = vi.bias.per_language
    q = vi.bias.query(query, query_lang)
    if feedback is not None and balanced and f.feedback_weight:
        doc_vec = vi.doc_vector(vi.doc_ids[feedback])
        if doc_vec is not None:
            q = q + f.feedback_weight * doc_vec
            q = q / max(float(np.linalg.norm(q)), 1e-9)
    # the floor on the scale it was measured on: cosines without the language offsets
    # (with them, a Portuguese page lost its place for "pandemic" under a language filter)
    scores, plain_scores = vi.row_scores(q)
    floor = f.filtered_min_score if filtered else f.min_score
    # ... except for a document in a smaller language than the query's, whose cosine without
    # the offsets understates it (smaller_languages): it passes on either scale
    smaller = (smaller_languages(vi.doc_base_langs, query_lang, allowed)
               if plain_scores is not scores else None)

    def closest(rows: slice) -> Positions:
        if rows.start == rows.stop:
            return NO_POSITIONS
        per_doc = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
        np.maximum.at(per_doc, vi.row_doc[rows], scores[rows])
        plain = per_doc
        if plain_scores is not scores:
            plain = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
            np.maximum.at(plain, vi.row_doc[rows], plain_scores[rows])
        ok = allowed & (plain >= floor)
        if smaller is not None:
            ok |= allowed & smaller & (per_doc >= floor)
        if balanced and f.interleave:
            return interleave_by_language(per_doc, vi.doc_langs, ok, limit)
        candidates = np.flatnonzero(ok)
        order = candidates[np.argsort(-per_doc[candidates], kind="stable")]
        return order[:limit]

    return closest(vi.vote_slice), closest(vi.listed_slice)


def similar_documents(
    vi: VectorIndex, doc_id: str, allowed: np.ndarray, limit: int, *, other_languages: bool
) -> list[tuple[int, float]]:
    """(position, cosine) of documents close to ``doc_id`` (at least SIMILAR_MIN_SCORE): in
    any language, or only in languages other than its own (the same topic elsewhere)."""
    return similar_lists(vi, doc_id, allowed, limit, (other_languages,))[0]


#: How close another document must be (the cosine of similar_lists: the document's vector
#: with the other's votes) to be listed as close in meaning on a document's page ("More like
#: this", "The same topic in other languages"). Without it the lists were always full: a
#: talent-attraction practice listed the Hungarian closing meeting (0.15), a German policy
#: analysis (0.13) and the Romanian coaching practice (0.12) as its topic in other
#: languages. Measured with bench/similar_floor.py on the fifteen judged sets (bench/README.md,
#: "The same topic in other languages: a similarity floor"): two documents judged both highly
#: relevant to one query are on the same topic, two never judged both relevant are not;
#: of the first five in other languages, Youden's J (the share of same-topic pairs kept
#: minus that of no-topic pairs kept) is highest at 0.19-0.20 (0.68, 0.67: 0.86 of the first
#: kept at 0.20, 0.19 of the second; no-topic pairs came at 0.11-0.25, median 0.15, from the
#: 10th to the 90th percentile; same-topic ones at 0.18-0.48, median 0.31). A cosine of the
#: multilingual model: measure again with another.
SIMILAR_MIN_SCORE = 0.2


def similar_lists(
    vi: VectorIndex, doc_id: str, allowed: np.ndarray, limit: int,
    other_languages: Sequence[bool], *, floor: float | None = None,
) -> list[list[tuple[int, float]]]:
    """similar_documents for each of ``other_languages`` in turn, from one product of the
    document's vector with the vectors (the document page shows both lists): those at least
    ``floor`` close (SIMILAR_MIN_SCORE unless given)."""
    pos = vi.position.get(doc_id)
    vec = vi.doc_vector(doc_id) if pos is not None else None
    if pos is None or vec is None:
        return [[] for _ in other_languages]
    scores = vi.matrix[vi.vote_slice] @ vec
    per_doc = np.full(len(vi.doc_ids), -1.0, dtype=np.float32)
    np.maximum.at(per_doc, vi.row_doc[vi.vote_slice], scores)
    mask = allowed & (per_doc >= (SIMILAR_MIN_SCORE if floor is None else floor))
    mask[pos] = False
    out = []
    for others in other_languages:
        candidates = np.flatnonzero(mask & (vi.doc_langs != vi.doc_langs[pos]) if others
                                    else mask)
        order = candidates[np.argsort(-per_doc[candidates], kind="stable")][:limit]
        out.append([(int(i), float(per_doc[i])) for i in order])
    return out
