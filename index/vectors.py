"""The vectors of one index generation: a file beside the engine's, and nearest-neighbour search.

Engine-neutral (numpy only). One row per embedded text of a document; a document may have
several rows (see index.semantic for which texts), and scores as its best row.

File ``vectors.npz`` in the generation folder, replaced atomically (``write_atomic``) every few
seconds while embedding, so a reader sees either the previous or the next complete set:

- ``doc_ids``, ``keys`` (of the embedded text, see embedder.text_key), ``langs`` per row
- ``vectors``: float32 rows, L2-normalised, as the model gave them
- ``listed``: per row, True for a passage past a document's leading ones: it ranks its document
  in the passage list only, not in the document's vote, and takes no part in the language
  means (a file without it, written before, has only vote rows)
- ``qmeans_langs`` / ``qmeans``: per language, the mean of query embeddings of pseudo-queries
  cut from that language's documents (see ``LanguageBias``)
- ``model``: the model's name; vectors of another model are not used

Language bias (see index.semantic): ``LanguageBias`` subtracts per-language means where every
language has enough documents to estimate its own; else the mean of all documents and each
document's language offset (``LANGUAGE_OFFSETS``: how far the model puts a language from the
others on the same text, measured once on a parallel text, bench/language_offsets.py).
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from index.records import base_language
from index.side_files import write_atomic

VECTORS = "vectors.npz"

#: what reading a damaged vectors file raises (a truncated or overwritten zip: BadZipFile,
#: zlib.error, EOFError; a file that is no zip at all: ValueError; a missing array: KeyError)
DAMAGE_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)

log = logging.getLogger(__name__)

#: Places in a VectorIndex's ``doc_ids``, best first: what the rankings by meaning return (an
#: array: a ranking of every document is not walked in Python).
Positions: TypeAlias = npt.NDArray[np.intp]
NO_POSITIONS: Positions = np.empty(0, dtype=np.intp)
NO_POSITIONS.flags.writeable = False

#: A language's mean is subtracted only when this many of its documents are embedded (a mean
#: of a handful of documents is mostly their topic, not their language).
MIN_LANGUAGE_ROWS = 20

#: Per language, the model's offset of a text in that language from the mean of the same text
#: in the partner languages (passage embeddings of the 31 parts of the Universal Declaration of
#: Human Rights in en, de, hu, ro, es, nl, pt-PT; written by bench/language_offsets.py). A
#: parallel text has the same topics in every language, so what differs is the language: unlike
#: the mean of a language's 1-3 documents in our corpus, which is their topic.
LANGUAGE_OFFSETS = Path(__file__).with_name("language_offsets.npz")


def language_offsets(model: str) -> dict[str, np.ndarray]:
    """Base language ("pt" for "pt-pt") -> offset vector, for ``model``'s vectors (none for
    another model: they would not fit)."""
    try:
        with np.load(LANGUAGE_OFFSETS, allow_pickle=False) as data:
            if str(data["model"]) != model:
                return {}
            return {str(lang): np.asarray(data["offsets"][i], dtype=np.float32)
                    for i, lang in enumerate(data["langs"])}
    except (OSError, ValueError, KeyError):
        return {}


@dataclass
class VectorSet:
    doc_ids: list[str]
    keys: list[str]
    langs: list[str]
    vectors: np.ndarray  # (n, dim) float32
    model: str
    qmeans: dict[str, np.ndarray] = field(default_factory=dict)
    #: per row: for the passage list only (see the module docstring); None: no such row
    listed: np.ndarray | None = None

    def listed_mask(self) -> np.ndarray:
        """The ``listed`` flags as a boolean mask, one per row (True: a row for the passage
        list only); all False when the set has no such rows."""
        if self.listed is None or len(self.listed) != len(self.doc_ids):
            return np.zeros(len(self.doc_ids), dtype=bool)
        return np.asarray(self.listed, dtype=bool)

    def vote(self) -> VectorSet:
        """The rows of the documents' votes only (itself when it has no other)."""
        listed = self.listed_mask()
        if not listed.any():
            return self
        keep = np.flatnonzero(~listed)
        return VectorSet([self.doc_ids[i] for i in keep], [self.keys[i] for i in keep],
                         [self.langs[i] for i in keep], self.vectors[keep], self.model,
                         self.qmeans)

    @classmethod
    def empty(cls, model: str, dim: int = 384) -> VectorSet:
        return cls([], [], [], np.zeros((0, dim), dtype=np.float32), model)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def save(self, gen: Path) -> None:
        langs = sorted(self.qmeans)
        buf = io.BytesIO()
        np.savez(
            buf,
            doc_ids=np.array(self.doc_ids, dtype=str),
            keys=np.array(self.keys, dtype=str),
            langs=np.array(self.langs, dtype=str),
            vectors=self.vectors.astype(np.float32),
            model=np.array(self.model),
            listed=self.listed_mask(),
            qmeans_langs=np.array(langs, dtype=str),
            qmeans=(np.stack([self.qmeans[k] for k in langs]) if langs
                    else np.zeros((0, self.vectors.shape[1]), dtype=np.float32)),
        )
        write_atomic(gen / VECTORS, buf.getvalue())

    @classmethod
    def load(cls, gen: Path) -> VectorSet | None:
        try:
            with np.load(gen / VECTORS, allow_pickle=False) as data:
                qlangs = [str(x) for x in data["qmeans_langs"]]
                qmeans = {k: data["qmeans"][i] for i, k in enumerate(qlangs)}
                return cls(
                    doc_ids=[str(x) for x in data["doc_ids"]],
                    keys=[str(x) for x in data["keys"]],
                    langs=[str(x) for x in data["langs"]],
                    vectors=np.asarray(data["vectors"], dtype=np.float32),
                    model=str(data["model"]),
                    qmeans=qmeans,
                    listed=(np.asarray(data["listed"], dtype=bool) if "listed" in data.files
                            else None),
                )
        except FileNotFoundError:
            return None
        except DAMAGE_ERRORS as e:
            # Damage, not absence: search goes on with keywords only (as before any vectors),
            # `kb stats` says so (index.semantic.status), and the next `kb ingest` embeds the
            # texts again.
            log.warning("the vectors file %s cannot be read (%s: %s): searching by keywords "
                        "only until `kb ingest` embeds the documents again",
                        gen / VECTORS, type(e).__name__, e)
            return None


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-9)


class LanguageBias:
    """Per-language mean vectors of documents and of queries, to subtract before comparing."""

    def __init__(self, vs: VectorSet) -> None:
        langs = np.array(vs.langs)
        self.doc_means: dict[str, np.ndarray] = {}
        self.query_means: dict[str, np.ndarray] = {}
        #: language offsets taken away from documents (LANGUAGE_OFFSETS; unbalanced only)
        self.offsets: dict[str, np.ndarray] = {}
        #: the mean of all documents, when that is what documents are centred on
        self.plain_mean: np.ndarray | None = None
        # documents, not rows, per language: a document may have several rows
        documents: dict[str, set[str]] = {}
        for doc_id, lang in zip(vs.doc_ids, vs.langs, strict=True):
            documents.setdefault(lang, set()).add(doc_id)
        self.per_language = bool(len(vs)) and all(
            len(docs) >= MIN_LANGUAGE_ROWS and lang in vs.qmeans
            for lang, docs in documents.items()
        )
        if self.per_language:
            for lang in set(vs.langs):
                self.doc_means[lang] = vs.vectors[langs == lang].mean(axis=0)
            self.query_means = dict(vs.qmeans)
        elif len(set(vs.doc_ids)) >= MIN_LANGUAGE_ROWS:
            # Some language has too few documents for its mean to be its language rather
            # than its topics: centre every document on the mean of all (measured on our
            # judgments: per-language means for some languages only ruined the ranking),
            # and take away its language's offset measured on a parallel text (queries keep
            # theirs: measured, bench/README.md).
            mean = vs.vectors.mean(axis=0)
            self.plain_mean = mean
            self.offsets = language_offsets(vs.model)
            self.doc_means = {
                lang: mean + self.offsets.get(base_language(lang), 0.0) for lang in set(vs.langs)
            }

    def documents(self, vectors: np.ndarray, langs: list[str],
                  rows: np.ndarray | None = None) -> np.ndarray:
        """``vectors`` (``langs``: the language of each) less their language's mean,
        normalised; only ``rows`` of them, in that order, when given."""
        out = vectors if rows is None else vectors[rows]
        if rows is not None:
            langs = [langs[i] for i in rows]
        if not self.doc_means:
            return out
        if rows is None:
            out = out.copy()
        for i, lang in enumerate(langs):
            mean = self.doc_means.get(lang)
            if mean is not None:
                out[i] -= mean
        return _normalise(out)

    def query(self, vector: np.ndarray, lang: str | None) -> np.ndarray:
        """The query's vector minus its language's query mean; a bare "pt" takes the mean
        of "pt-pt" and "pt-br" when only those exist."""
        lang = (lang or "").lower()
        mean = self.query_means.get(lang)
        if mean is None and lang:
            variants = [m for k, m in self.query_means.items() if base_language(k) == lang]
            mean = np.mean(variants, axis=0) if variants else None
        if mean is None:
            return vector
        return _normalise(vector - mean)


class VectorIndex:
    """A loaded VectorSet ready for search: bias-corrected rows, rows grouped by document,
    the rows of the documents' votes first."""

    def __init__(self, vs: VectorSet) -> None:
        # Not kept: ``vs`` (its vectors as stored: a second copy of the matrix, 4 bytes x 384
        # per row, and its keys), only what searching needs.
        # the language means and offsets from the documents' votes: rows for the passage list
        # leave them (and so the votes' scores) as they are without such rows
        self.bias = LanguageBias(vs.vote())
        listed = vs.listed_mask()
        # The votes' rows first, then the passage list's (each in the file's order): the
        # votes are a slice of the matrix, whose product with a vector copies no row ("more
        # like this" on every document page; the file interleaves them, document by document).
        order = np.argsort(listed, kind="stable") if listed.any() else None
        self.matrix = self.bias.documents(vs.vectors, vs.langs, order)
        votes = len(listed) - int(np.count_nonzero(listed))
        #: the rows of the documents' votes, and the rows for the passage list only, as
        #: slices of ``matrix`` and ``row_doc`` (not masks: VectorSet.listed_mask), so that a
        #: search reads them without copying (``matrix[vote_slice]`` is a view)
        self.vote_slice = slice(0, votes)
        self.listed_slice = slice(votes, len(listed))
        self.doc_ids = sorted(set(vs.doc_ids))
        position = {d: i for i, d in enumerate(self.doc_ids)}
        #: document id -> its position in ``doc_ids``
        self.position = position
        #: for each row, the position of its document in ``doc_ids``
        self.row_doc = np.array([position[d] for d in vs.doc_ids], dtype=np.int64)
        if order is not None:
            self.row_doc = self.row_doc[order]
        langs: dict[str, str] = {}
        for d, lang in zip(vs.doc_ids, vs.langs, strict=True):
            langs.setdefault(d, lang)
        self.doc_langs = np.array([langs[d] for d in self.doc_ids])
        #: each document's language without its region ("pt-pt" -> "pt": base_language), as
        #: a query's language is told (index.semantic.keyword_language_weights)
        self.doc_base_langs = np.array([base_language(lang) for lang in self.doc_langs])
        #: base language -> the ids of its documents, and its share of all the documents
        #: (index.semantic.languages_to_reach: which keyword hits' coverage is read against
        #: the query's words that reach their language)
        self.ids_by_language: dict[str, list[str]] = {}
        for doc_id, lang in zip(self.doc_ids, self.doc_base_langs.tolist(), strict=True):
            self.ids_by_language.setdefault(str(lang), []).append(doc_id)
        self.language_shares = {lang: len(ids) / len(self.doc_ids)
                                for lang, ids in self.ids_by_language.items()}
        self._plain: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        #: the last query's row scores (row_scores): its vector's bytes, scores, plain scores
        self._last: tuple[bytes, np.ndarray, np.ndarray] | None = None
        if self.bias.offsets and self.bias.plain_mean is not None and len(vs):
            # to give the cosine without the offsets from the one with them (plain_scores)
            plain = vs.vectors - self.bias.plain_mean
            offset_langs = sorted(self.bias.offsets)
            zero = np.zeros((1, vs.vectors.shape[1]), dtype=np.float32)
            offsets = np.vstack([zero, *(self.bias.offsets[k][None, :] for k in offset_langs)])
            slot = {k: i + 1 for i, k in enumerate(offset_langs)}
            row_slot = np.array([slot.get(base_language(lang), 0) for lang in vs.langs])
            off_norm = np.linalg.norm(plain - offsets[row_slot], axis=1)
            plain_norm = np.maximum(np.linalg.norm(plain, axis=1), 1e-9)
            if order is not None:  # (in the file's order above: as the matrix's rows now)
                row_slot, off_norm, plain_norm = row_slot[order], off_norm[order], plain_norm[order]
            self._plain = (offsets.astype(np.float32), row_slot, off_norm.astype(np.float32),
                           plain_norm.astype(np.float32))

    def row_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's cosine with ``query`` (``matrix @ query``) and the same without the
        language offsets (plain_scores). The last query's are kept: a search with a facet
        selection ranks by meaning again for each selected facet with the same query, and the
        product over every row is what that costs (~60 ms at 110,000 rows on a busy machine:
        10,000 documents of 10 passages). Do not change the arrays returned."""
        key = query.tobytes()
        last = self._last
        if last is not None and last[0] == key:
            return last[1], last[2]
        scores = self.matrix @ query
        plain = self.plain_scores(scores, query) if self.bias.offsets else scores
        self._last = (key, scores, plain)
        return scores, plain

    def plain_scores(self, row_scores: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Given ``matrix @ query`` (``query`` as passed), each row's cosine without its
        language offset: centred on the mean of all only, the scale the similarity floor
        (index.semantic.Fusion.min_score) was measured on. The same scores without offsets."""
        if self._plain is None:
            return row_scores
        offsets, row_slot, off_norm, plain_norm = self._plain
        return (row_scores * off_norm + (offsets @ query)[row_slot]) / plain_norm

    def doc_vector(self, doc_id: str) -> np.ndarray | None:
        """A document's bias-corrected vector (mean of its vote's rows), for "more like
        this"."""
        pos = self.position.get(doc_id)
        if pos is None:
            return None
        # (the votes' rows come first: a row's place among them is its number)
        rows = np.flatnonzero(self.row_doc[self.vote_slice] == pos)
        if not rows.size:
            return None
        return _normalise(self.matrix[rows].mean(axis=0))


def interleave_by_language(
    scores: np.ndarray, doc_langs: np.ndarray, allowed: np.ndarray, limit: int
) -> Positions:
    """Positions of the best documents, taking each language's best in turn (round robin by
    rank, ties by score): a language whose texts the model scores higher cannot fill the list.
    ``allowed`` is a boolean mask of the documents that may be returned."""
    candidates = np.flatnonzero(allowed)
    if candidates.size == 0:
        return NO_POSITIONS
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    per_lang: dict[str, list[int]] = {}
    for pos in order:
        lst = per_lang.setdefault(str(doc_langs[pos]), [])
        if len(lst) < limit:
            lst.append(int(pos))
    ranked: list[tuple[int, float, int]] = []
    for lst in per_lang.values():
        ranked.extend((rank, -float(scores[pos]), pos) for rank, pos in enumerate(lst))
    ranked.sort()
    return np.array([pos for _, _, pos in ranked[:limit]], dtype=np.intp)


_CACHE: dict[Path, tuple[int, VectorIndex | None]] = {}
_CACHE_LOCK = threading.Lock()


def load_index(gen: Path) -> VectorIndex | None:
    """The VectorIndex of a generation, re-read only when its file changes."""
    path = gen / VECTORS
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    with _CACHE_LOCK:
        cached = _CACHE.get(gen)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    vs = VectorSet.load(gen)
    vi = VectorIndex(vs) if vs is not None and len(vs) else None
    with _CACHE_LOCK:
        # keep the live generation's and at most one other (the one being swapped out)
        if len(_CACHE) > 2:
            with contextlib.suppress(KeyError):
                for key in list(_CACHE)[:-1]:
                    del _CACHE[key]
        _CACHE[gen] = (mtime, vi)
    return vi
