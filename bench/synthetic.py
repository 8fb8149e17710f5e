"""Synthetic corpora for speed benchmarks (clearly not real documents).

Words are drawn from a Zipf distribution over a vocabulary taken from real English abstracts
(../shared/testdata/eval/scifact-train/corpus.jsonl when present, else a built-in list), so
posting lists have realistic shapes. Metadata is spread over the partner countries, regions,
themes, types and years so that facets have work to do.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from index import Document, IndexStore, Passage

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))

COUNTRIES = {"HU": ["HU22", "HU10"], "RO": ["RO31"], "DE": ["DE1"], "NL": ["NL12"],
             "PT": ["PT11"], "ES": ["ES21"]}
THEMES = ["export_promotion", "access_to_finance", "digitalisation", "export_skills",
          "market_intelligence", "b2b_matchmaking", "innovation_support", "covid_response",
          "policy_governance", "talent_attraction", "green_economy", "interregional_learning"]
TYPES = ["action_plan", "policy_analysis", "report", "good_practice", "meeting_report",
         "newsletter", "press_release"]


def vocabulary(size: int = 20_000) -> list[str]:
    path = TESTDATA / "eval" / "scifact-train" / "corpus.jsonl"
    counts: Counter[str] = Counter()
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                counts.update(re.findall(r"[a-z]{3,}", (row["title"] + " " + row["text"]).lower()))
    words = [w for w, _ in counts.most_common(size)]
    if len(words) < 1000:
        words = [f"word{i}" for i in range(size)]
    return words


def documents(passages: int, per_doc: int = 10, seed: int = 7) -> Iterator[Document]:
    rng = random.Random(seed)
    vocab = vocabulary()
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    countries = list(COUNTRIES)
    n_docs = max(1, passages // per_doc)
    for d in range(n_docs):
        country = rng.choice(countries)
        texts = []
        for _ in range(per_doc):
            words = rng.choices(vocab, weights=weights, k=rng.randint(120, 260))
            texts.append(" ".join(words).capitalize() + ".")
        title = " ".join(rng.choices(vocab[50:5000], k=rng.randint(4, 9))).capitalize()
        yield Document(
            id=f"syn-{d:06d}",
            source_path=f"synthetic/{d:06d}.pdf",
            sha256="0" * 64,
            title=f"{title} (synthetic)",
            passages=[Passage(i, t, page=i + 1) for i, t in enumerate(texts)],
            doc_type=rng.choice(TYPES),
            language="en",
            country_code=country,
            country_name=country,
            region_code=rng.choice(COUNTRIES[country]),
            themes=rng.sample(THEMES, k=rng.randint(1, 3)),
            date=f"{rng.randint(2016, 2022)}-{rng.randint(1, 12):02d}-01",
            partner=f"Partner {country}",
            page_count=per_doc,
        )


def build(path: Path, passages: int, engine: str | None = None) -> IndexStore:
    """An index of ``passages`` synthetic passages at ``path`` with ``engine`` (None: the
    default), reused when already built."""
    store = IndexStore(path, engine=engine)
    marker = path / f"synthetic-{passages}.done"
    if marker.exists() and store.needs_rebuild() is None:
        return store
    with store.lock(), store.rebuild() as writer:
        for doc in documents(passages):
            writer.put(doc)
    marker.write_text("ok")
    return store


def queries(n: int = 200, seed: int = 11) -> list[str]:
    """A mix of one- to four-word queries, some phrases and prefixes, from the vocabulary."""
    rng = random.Random(seed)
    vocab = vocabulary()
    out = []
    for i in range(n):
        words = rng.sample(vocab[20:3000], k=rng.randint(1, 4))
        if i % 10 == 0:
            out.append(f'"{words[0]} {vocab[rng.randint(20, 200)]}"')
        elif i % 10 == 1:
            out.append(words[0][:4] + "*")
        else:
            out.append(" ".join(words))
    return out
