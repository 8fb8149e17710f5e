"""The candidates of a domain glossary (query translation across the seven languages), by how
many documents use them: the list the concepts of the taxonomy's ``glossary`` (corpus/
taxonomy.yaml) were chosen from, so the choice can be repeated; and the synonym groups with or
without that glossary put into a copy of an index to measure it.

    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx          # words and pairs
    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx --check  # the glossary's
    .venv/bin/python bench/glossary_terms.py --write /tmp/kb-idx-copy --no-glossary

For each English word of 4 or more letters (folded) that is neither a stop word nor a question
word, and that is not written with a capital in most of its uses (names), grouped by its
English stem: the number of English documents of the index that contain it (its document
frequency), with its commonest forms; then the pairs of such neighbouring words. The concepts
of the glossary are the words and pairs of this list at or above ``--min-df`` that name a thing,
actor, activity or place of export and SME support (bench/README.md, "A domain glossary"):
nothing here reads judged queries.

``--check`` prints, for each concept of the taxonomy's glossary, the English document frequency
of its first English term's words, and any single-word term that is a stop word of one of the
seven languages (there should be none: such a term would match a common word of a query in
another language). ``--write INDEX`` replaces the synonym groups of the index (a copy: never
the live one of a site) by those `kb ingest` saves (the taxonomy's synonyms, then its
glossary), or with ``--no-glossary`` by the synonyms alone (the product without the glossary,
to measure it against); searches read them at once. The taxonomy is the glossary's one source
(the 131 concepts measured before 25 were left out are bench/glossary.yaml of commit 651ad16).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import IndexStore, get_document  # noqa: E402
from index.analysis import analyze, fold  # noqa: E402
from index.query_words import folded_stopwords, is_question_word  # noqa: E402

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
LANGUAGES = ("en", "de", "nl", "hu", "ro", "pt", "es")


def english_texts(store: IndexStore) -> list[str]:
    """The title and passages of each English document of the index."""
    with store.reader() as reader:
        ids = [entry.id for entry in reader.catalog()]
    texts = []
    for doc_id in ids:
        view = get_document(store, doc_id, include_hidden=True)
        if view is not None and view.document.language == "en":
            doc = view.document
            texts.append(" ".join([doc.title or "", *(p.text for p in doc.passages)]))
    return texts


def ranked(texts: list[str]) -> tuple[list[tuple[str, int, list[str]]],
                                      list[tuple[str, str, int]]]:
    """(stem, document frequency, commonest forms) of the candidate words, most frequent
    first; and (form, form, document frequency) of neighbouring candidate pairs."""
    stops = folded_stopwords("en")
    df: Counter[str] = Counter()
    pair_df: Counter[tuple[str, str]] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    capital: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for text in texts:
        seen: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        previous = None
        for word in WORD.findall(text):
            folded = fold(word.lower())
            stems = analyze("en", folded) if len(folded) >= 4 else []
            if not stems or folded in stops or is_question_word(word, "en"):
                previous = None
                continue
            stem = stems[0]
            forms[stem][folded] += 1
            uses[stem] += 1
            capital[stem] += word[0].isupper()
            seen.add(stem)
            if previous is not None:
                pairs.add((previous, stem))
            previous = stem
        df.update(seen)
        pair_df.update(pairs)

    def named(stem: str) -> bool:
        return capital[stem] >= 0.8 * uses[stem]

    words = [(stem, n, [f for f, _ in forms[stem].most_common(2)])
             for stem, n in df.most_common() if not named(stem)]
    two = [(forms[a].most_common(1)[0][0], forms[b].most_common(1)[0][0], n)
           for (a, b), n in pair_df.most_common() if not named(a) and not named(b)]
    return words, two


TAXONOMY = ROOT / "corpus" / "taxonomy.yaml"


def glossary() -> list[dict[str, list[str]]]:
    """The concepts of the taxonomy's glossary, each as a synonym group (language -> terms)."""
    import yaml

    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    return [{str(lang): [str(t) for t in (terms if isinstance(terms, list) else [terms])]
             for lang, terms in group.items()} for group in data.get("glossary") or []]


def write(index: Path, with_glossary: bool) -> None:
    """The synonym groups `kb ingest` saves (the taxonomy's synonyms, then its glossary), or
    without the glossary's, as the synonym groups of the index at ``index``."""
    from ingest import load_taxonomy

    groups = load_taxonomy(ROOT / "corpus").synonyms
    if not with_glossary:
        groups = groups[:len(groups) - len(glossary())]
    IndexStore(index).save_synonyms(groups)
    print(f"{len(groups)} synonym groups written to {index}")


def check(texts: list[str]) -> None:
    """The glossary's concepts with the English document frequency of their first term."""
    stops = {lang: folded_stopwords(lang) for lang in LANGUAGES}
    folded_texts = [set(analyze("en", fold(t.lower()))) for t in texts]
    for group in glossary():
        english = group["en"] if isinstance(group["en"], list) else [group["en"]]
        stems = analyze("en", fold(english[0].lower()))
        n = sum(1 for words in folded_texts if all(s in words for s in stems))
        print(f"{n:3d}  {english[0]}")
        for lang, terms in group.items():
            for term in terms if isinstance(terms, list) else [terms]:
                if " " not in term and any(fold(term.lower()) in stops[m] for m in LANGUAGES):
                    print(f"     stop word: {lang} {term!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="an index made by `kb ingest`")
    ap.add_argument("--min-df", type=int, default=6, help="least English documents (6)")
    ap.add_argument("--check", action="store_true", help="the taxonomy's glossary's concepts")
    ap.add_argument("--write", type=Path, metavar="INDEX",
                    help="put the taxonomy's synonym groups into INDEX")
    ap.add_argument("--no-glossary", action="store_true",
                    help="with --write: the synonyms alone, without the glossary")
    args = ap.parse_args()
    if args.write is not None:
        write(args.write, not args.no_glossary)
        return
    if args.index is None:
        ap.error("--index or --write is needed")
    texts = english_texts(IndexStore(args.index))
    print(f"{len(texts)} English documents")
    if args.check:
        check(texts)
        return
    words, two = ranked(texts)
    for stem, n, forms in words:
        if n >= args.min_df:
            print(f"{n:3d}  {stem:16s} {' '.join(forms)}")
    print("pairs:")
    for a, b, n in two:
        if n >= max(5, args.min_df - 1):
            print(f"{n:3d}  {a} {b}")


if __name__ == "__main__":
    main()
