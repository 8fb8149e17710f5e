"""The ranking setting: one setting for every collection, every engine and the site.

The query side (index.query, index.query_words) takes its field weights and boosts from
:data:`RANKING`; each engine scores with its BM25 parameters (index/whoosh/scoring.py). The
values were chosen on judged test collections (bench/relevance.py, results in bench/README.md).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ranking:
    """The ranking settings."""

    #: BM25 term-frequency saturation
    k1: float = 1.2
    #: BM25 length normalisation of body fields
    b: float = 0.75
    #: BM25 length normalisation of title fields
    title_b: float = 0.75
    #: weight of a title match against a body match (the "text" query field)
    title_boost: float = 0.25
    #: query term frequency saturation (Okapi BM25's k3): a word typed n times weighs
    #: (k3 + 1) n / (k3 + n) (n = 2: 1.8, n = 3: 2.45); 8 is Robertson's classic value
    k3: float = 8.0
    #: "lucene": ln(1 + (N - n + 0.5) / (n + 0.5)); "classic": ln(N / (n + 1)) + 1 (Whoosh's)
    idf: str = "lucene"
    #: a typed word that analysis splits ("COVID-19"): "phrase" (its parts adjacent), "terms"
    #: (its parts as separate words), "both" (the parts, and the phrase on top)
    compound: str = "terms"
    #: weight of a typed word's longer forms in the compounding languages
    #: (index.query.COMPOUNDING_LANGUAGES): the index terms its stem heads (German "export"
    #: -> "exportforder", "exportier"; Hungarian "Budapest", stemmed "budapes", -> the
    #: "budapest" of "Budapesten"), each scored with the typed word's rarity; 0: none
    longer_forms: float = 0.75
    #: a query word that ends with a one-word term of the taxonomy's synonym groups in a
    #: compounding language (index.compounds: "Exportgutschein" ends with "Gutschein") also
    #: widens the query with that term's groups (index.query.add_synonyms), at this share of
    #: the synonyms' weight when no term of the group was typed; 0: not
    compound_tails: float = 1.0


#: The setting in use (read it as ``ranking.RANKING`` at each use). Change it with
#: :func:`set_ranking` (the bench tries others).
RANKING = Ranking()


def set_ranking(**changes: Any) -> Ranking:
    """Replace fields of the setting in use for this process (``k1=0.9``); returns it.
    Searchers opened afterwards score with it."""
    global RANKING
    RANKING = dataclasses.replace(RANKING, **changes)
    return RANKING


def idf(n_docs: int, df: int, formula: str = "lucene") -> float:
    """A term's idf among ``n_docs`` records, ``df`` of which have it: ``formula`` "lucene"
    (BM25's, the one tantivy computes itself) or "classic" (see :attr:`Ranking.idf`)."""
    if formula == "classic":
        return math.log(n_docs / (df + 1)) + 1.0
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


__all__ = ["RANKING", "Ranking", "idf", "set_ranking"]
