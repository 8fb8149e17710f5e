"""Write index/language_offsets.npz: how far the embedding model puts each partner language
from the others on the same text (index.vectors.LANGUAGE_OFFSETS).

    .venv/bin/python bench/language_offsets.py     # about a minute on an idle core

The text is the Universal Declaration of Human Rights (../shared/testdata/multilingual/udhr,
$KB_TESTDATA overrides the root): its 31 parts (preamble, articles 1-30) in en, de, hu, ro,
es, nl and pt-PT, each embedded as a passage (its first 2,000 characters, as documents are).
A language's offset is the mean of its 31 vectors minus the mean of all 217: a parallel text
has the same topics in every language, so what is left is the language. Stored with the
model's name; vectors of another model get no offsets. Run again when the model changes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import MAX_CHARS, default_embedder  # noqa: E402
from index.records import base_language  # noqa: E402
from index.vectors import LANGUAGE_OFFSETS  # noqa: E402

LANGUAGES = ("en", "de", "hu", "ro", "es", "nl", "pt-PT")


def main() -> None:
    root = Path(os.environ.get("KB_TESTDATA", ROOT.parent / "shared" / "testdata"))
    corpus = root / "multilingual" / "udhr" / "corpus.jsonl"
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    embedder = default_embedder()
    means = []
    for lang in LANGUAGES:
        texts = [r["text"][:MAX_CHARS] for r in rows if r["lang"] == lang]
        if len(texts) != 31:
            raise SystemExit(f"{corpus}: {len(texts)} parts in {lang}, expected 31")
        means.append(embedder.embed_passages(texts).mean(axis=0))
        print(lang, len(texts), flush=True)
    stacked = np.stack(means).astype(np.float32)
    offsets = stacked - stacked.mean(axis=0)
    np.savez(LANGUAGE_OFFSETS, model=np.array(embedder.name),
             langs=np.array([base_language(lang) for lang in LANGUAGES]),
             offsets=offsets.astype(np.float32))
    print(f"wrote {LANGUAGE_OFFSETS}: {', '.join(LANGUAGES)}; model {embedder.name}")


if __name__ == "__main__":
    main()
