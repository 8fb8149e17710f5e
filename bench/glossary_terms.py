"""The candidates of a domain glossary (query translation across the seven languages), by how
many documents use them: the list the concepts of the taxonomy's ``glossary`` (corpus/
taxonomy.yaml) were chosen from, so the choice can be repeated; and the synonym groups with or
without that glossary put into a copy of an index to measure it.

    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx          # words and pairs
    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx --check  # the glossary's
    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx --check \
        --word-lists $KB_TESTDATA/multilingual/snowball
    .venv/bin/python bench/glossary_terms.py --write /tmp/kb-idx-copy --no-glossary
    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx --min-df 3 --max-df 5 \
        --pair-min-df 3 --pair-max-df 4                      # the rule's second tier
    .venv/bin/python bench/glossary_terms.py --index /tmp/kb-idx --check --add NEW.yaml
    .venv/bin/python bench/glossary_terms.py --write /tmp/kb-idx-copy --add NEW.yaml --take 50

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
the live one of a site) by those `kb ingest` saves (the taxonomy's synonyms, its glossary,
the countries' names: ingest.SynonymParts), or with ``--no-glossary`` by the same without the
glossary (the product without the glossary, to measure it against); searches read them at
once. ``--add FILE`` (a YAML file with a ``glossary:`` list of the same form) appends
concepts not yet in the taxonomy to what ``--check`` reads and ``--write`` writes, ``--take
N`` only its first N: a larger glossary is measured in tiers before it goes into the taxonomy.
``--check`` also names, for each single-word term, the other groups that hold it and the
documents in other languages whose words are forms of it (false friends such as Romanian
"date", to be read and judged), and the words of its own language that the search takes for
the term (a form of it, a compound ending with one, or a word a form of it ends with) though
they write its letters otherwise, which folding hides: German "Einkäufer" (a buyer) folds to
"Einkauf" (purchasing) + "er", "Einkauf" + "er" to "ein" + "käufer" (same_language_readings;
the documents' words, and with ``--word-lists DIR`` a word list of each language, Snowball's
test vocabularies DIR/german/voc.txt ...: a document may never write the word a query types).
``--partner-languages USES`` lists, for each partner language, the words its documents use
USES times or more that no synonym group of that language holds (a second rule of the second
tier). The taxonomy is the glossary's one source (the 131 concepts measured before 25 were left
out are bench/glossary.yaml of commit 651ad16; the second tier, 102 concepts, was
bench/glossary_second_tier.yaml until it joined the taxonomy; a third tier, 32 concepts
measured and not kept, is bench/glossary_third_tier.yaml).
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
from index.compounds import (  # noqa: E402
    COMPOUNDING_LANGUAGES,
    MIN_HEAD,
    MIN_TAIL,
    Dictionary,
    dictionary,
    tails,
)
from index.query_words import folded_stopwords, is_question_word  # noqa: E402
from index.synonyms import is_form_of  # noqa: E402

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
LANGUAGES = ("en", "de", "nl", "hu", "ro", "pt", "es")


def texts_by_language(store: IndexStore) -> dict[str, list[str]]:
    """The title and passages of each document of the index, by the document's language."""
    with store.reader() as reader:
        ids = [entry.id for entry in reader.catalog()]
    texts: dict[str, list[str]] = defaultdict(list)
    for doc_id in ids:
        view = get_document(store, doc_id, include_hidden=True)
        if view is not None:
            doc = view.document
            texts[doc.language or "xx"].append(
                " ".join([doc.title or "", *(p.text for p in doc.passages)]))
    return texts


def english_texts(store: IndexStore) -> list[str]:
    """The title and passages of each English document of the index."""
    return texts_by_language(store).get("en", [])


def ranked(texts: list[str], lang: str = "en",
           uses_of: Counter[str] | None = None) -> tuple[list[tuple[str, int, list[str]]],
                                                        list[tuple[str, str, int]]]:
    """(stem, document frequency, commonest forms) of the candidate words of ``lang``, most
    frequent first; and (form, form, document frequency) of neighbouring candidate pairs.
    ``uses_of``, if given, receives each stem's number of uses."""
    stops = folded_stopwords(lang)
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
            stems = analyze(lang, folded) if len(folded) >= 4 else []
            if not stems or folded in stops or is_question_word(word, lang):
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

    if uses_of is not None:
        uses_of.update(uses)
    order = sorted(df, key=lambda stem: (-df[stem], -uses[stem], stem))
    words = [(stem, df[stem], [f for f, _ in forms[stem].most_common(2)])
             for stem in order if not named(stem)]
    two = [(forms[a].most_common(1)[0][0], forms[b].most_common(1)[0][0], n)
           for (a, b), n in pair_df.most_common() if not named(a) and not named(b)]
    return words, two


TAXONOMY = ROOT / "corpus" / "taxonomy.yaml"


def glossary(path: Path = TAXONOMY) -> list[dict[str, list[str]]]:
    """The concepts of the taxonomy's glossary (or of another file's ``glossary:``), each as a
    synonym group (language -> terms)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [{str(lang): [str(t) for t in (terms if isinstance(terms, list) else [terms])]
             for lang, terms in group.items()} for group in data.get("glossary") or []]


def taxonomy_groups(with_glossary: bool = True) -> list[dict[str, list[str]]]:
    """The synonym groups `kb ingest` saves for the sample corpus (the taxonomy's synonyms,
    its glossary, the countries' names), or the same without the glossary's."""
    from ingest import load_taxonomy

    taxonomy = load_taxonomy(ROOT / "corpus")
    if with_glossary:
        return taxonomy.synonyms
    parts = taxonomy.synonym_parts
    return [*parts.synonyms, *parts.countries]


def write(index: Path, with_glossary: bool,
          added: list[dict[str, list[str]]] | None = None) -> None:
    """The synonym groups `kb ingest` saves (the taxonomy's synonyms, its glossary, the
    countries' names), or the same without the glossary's, as the synonym groups of the index
    at ``index``; ``added``: concepts put after them."""
    groups = taxonomy_groups(with_glossary) + list(added or [])
    IndexStore(index).save_synonyms(groups)
    print(f"{len(groups)} synonym groups written to {index}")


def _words(texts: list[str]) -> list[set[str]]:
    """The folded words of each text."""
    return [{fold(w.lower()) for w in WORD.findall(t)} for t in texts]


def _written_words(texts: list[str]) -> list[set[str]]:
    """The words of each text in lower case, as written (their accents kept)."""
    return [{w.lower() for w in WORD.findall(t)} for t in texts]


#: letters of a one-word term's end that its endings may change (written_otherwise): two, the
#: Portuguese "-ão" of "-ões", a Hungarian vowel lengthened before an ending ("kamara",
#: "kamarák"); three in Romanian, whose plurals change the vowel before them ("cercetare",
#: "cercetări"; "autoritate", "autorități")
CHANGED_AT_THE_END = {"ro": 3}
#: the old Romanian letters with a cedilla, the same letters as those with a comma below
SAME_LETTERS = str.maketrans("şţŞŢ", "șțȘȚ")


def written_otherwise(written: str, term: str, lang: str = "") -> bool:
    """Whether ``written`` (a word of the language, lower case, as written), which folded is
    a form of the one-word ``term`` or ends with one, writes the term's letters otherwise in
    the part an ending leaves as it is (CHANGED_AT_THE_END): another letter that folding made
    the same, most often another word ("Einkäufer", a buyer, is no form of "Einkauf",
    purchasing, though it folds to "einkauf" + "er"); or a form with an umlaut or an accent
    of its own, to read ("Einkäufe")."""
    term = term.lower()
    if len(fold(written)) != len(written) or len(fold(term)) != len(term):
        return False  # ("ß": a letter folded into two, the parts no longer line up)
    kept = max(1, len(term) - CHANGED_AT_THE_END.get(lang, 2))
    return written[:kept].translate(SAME_LETTERS) != term[:kept].translate(SAME_LETTERS)


class LanguageWords:
    """The words of one language (its documents' and a word list's: lower case, as written),
    looked up by their first folded letters, with the compounds' tails of the terms
    (index.compounds.tails, given ``known``, the terms' dictionary), made once."""

    def __init__(self, lang: str, words: set[str], known: Dictionary | None = None) -> None:
        self.lang = lang
        self.by_two: dict[str, list[str]] = defaultdict(list)
        self.by_three: dict[str, list[str]] = defaultdict(list)
        self.tails: dict[str, list[tuple[str, str]]] = defaultdict(list)  # term -> (word, tail)
        for word in words:
            folded = fold(word)
            self.by_two[folded[:2]].append(word)
            if len(folded) != len(word):
                continue
            if len(word) >= MIN_TAIL:
                self.by_three[folded[:3]].append(word)
            if lang in COMPOUNDING_LANGUAGES and known:
                for _, term, tail in tails(word, known, (lang,)):
                    self.tails[term].append((word, tail))


#: languages whose forms of a term are read as a start and a word that begins inside the term
#: (same_language_readings): German and Dutch, whose endings are few; a Hungarian form takes
#: any ending of up to five letters, and so reads as "járv|anyag" (material)
SPLIT_LANGUAGES = frozenset({"de", "nl"})


def same_language_readings(term: str, words: LanguageWords) -> list[str]:
    """The words of the term's language (``words``) that a query word would reach the
    one-word ``term`` by, as the search reads query words, though they write the term's
    letters otherwise (written_otherwise): such a query word widens its query with the term's
    concept. Three ways: the word is a form of the term (index.synonyms.is_form_of, compared
    folded: "Einkäufe"); in a compounding language, the word ends with such a form
    (index.compounds.tails: "Großeinkäufer"); or a form of the term ends with the word, which
    so begins inside the term ("Einkauf" + "er" folded is "ein" + "käufer": the buyer, not
    purchasing), given as the start and the word ("ein|käufer")."""
    lang = words.lang
    folded = fold(term.lower())
    written = term.lower()
    found = {word for word in words.by_two.get(folded[:2], ())
             if is_form_of(word, term, lang) and written_otherwise(word, term, lang)}
    found |= {word for word, tail in words.tails.get(term, ())
              if written_otherwise(word[len(word) - len(tail):], term, lang)}
    if lang in SPLIT_LANGUAGES and len(fold(written)) == len(written) and len(folded) > MIN_HEAD:
        for at in range(MIN_HEAD, len(folded) - 2):
            # the word begins at ``at`` in the term, and covers the letters an ending keeps
            for word in words.by_three.get(folded[at:at + 3], ()):
                whole = folded[:at] + fold(word)
                if (whole.startswith(folded) and is_form_of(whole, term, lang)
                        and written[:at] + word not in found
                        and written_otherwise(written[:at] + word, term, lang)):
                    found.add(f"{written[:at]}|{word}")
    return sorted(found)


#: the folders of Snowball's test vocabularies (``--word-lists DIR``: DIR/NAME/voc.txt, a word
#: a line; testdata's multilingual/snowball) by language
WORD_LIST_NAMES = {"en": "english", "de": "german", "nl": "dutch", "hu": "hungarian",
                   "ro": "romanian", "pt": "portuguese", "es": "spanish"}


def word_lists(folder: Path | None) -> dict[str, set[str]]:
    """The words of each language's word list in ``folder`` (lower case; none without it)."""
    if folder is None:
        return {}
    out = {}
    for lang, name in WORD_LIST_NAMES.items():
        path = folder / name / "voc.txt"
        if path.is_file():
            out[lang] = {line.strip().lower() for line in
                         path.read_text(encoding="utf-8").splitlines() if line.strip()}
    return out


def check(by_language: dict[str, list[str]],
          added: list[dict[str, list[str]]] | None = None,
          listed: dict[str, set[str]] | None = None) -> None:
    """The glossary's concepts (and ``added``'s) with the English document frequency of their
    first term; a single-word term that is a stop word, that another group holds too, whose
    forms are words of documents in another language (with those documents' number), or
    that words of its own language reach though they write its letters otherwise
    (same_language_readings: "Einkäufer", a buyer, reaching "Einkauf", purchasing; the words
    of its documents and of ``listed``, a word list of each language)."""
    from ingest import load_taxonomy

    stops = {lang: folded_stopwords(lang) for lang in LANGUAGES}
    folded_texts = [set(analyze("en", fold(t.lower()))) for t in by_language.get("en", [])]
    words = {lang: _words(texts) for lang, texts in by_language.items()}
    vocabulary = {lang: set().union(*docs) if docs else set() for lang, docs in words.items()}
    written = {lang: _written_words(texts) for lang, texts in by_language.items()}
    taxonomy = load_taxonomy(ROOT / "corpus")
    groups = taxonomy.synonyms + list(added or [])
    known = dictionary(tuple(sorted({(lang, term) for group in groups
                                     for lang, terms in group.items() for term in terms
                                     if " " not in term})))
    languages: dict[str, LanguageWords] = {}  # made when a term of the language is checked
    holders: dict[str, list[int]] = defaultdict(list)
    for i, group in enumerate(groups):
        for terms in group.values():
            for term in terms:
                holders[fold(term.lower())].append(i)
    parts = taxonomy.synonym_parts
    first, after = len(parts.synonyms), len(parts.synonyms) + len(parts.glossary)
    checked = [*range(first, after), *range(len(taxonomy.synonyms), len(groups))]
    for i in checked:  # the glossary's concepts, then the added ones
        group = groups[i]
        english = group["en"]
        stems = analyze("en", fold(english[0].lower()))
        n = sum(1 for doc in folded_texts if all(s in doc for s in stems))
        print(f"{n:3d}  {english[0]}")
        for lang, terms in group.items():
            for term in terms:
                if " " in term:
                    continue
                folded = fold(term.lower())
                if any(folded in stops[m] for m in LANGUAGES):
                    print(f"     stop word: {lang} {term!r}")
                others = [groups[j]["en"][0] for j in holders[folded] if j != i]
                if others:
                    print(f"     also in: {lang} {term!r} -> {', '.join(others)}")
                for other, vocab in sorted(vocabulary.items()):
                    if other == lang:
                        continue
                    found = sorted(w for w in vocab if w[:2] == folded[:2]
                                   and is_form_of(w, term, lang))
                    if found:
                        docs = sum(1 for doc in words[other] if doc & set(found))
                        print(f"     in {other} documents ({docs}): {lang} {term!r} as "
                              f"{' '.join(found[:5])}")
                own = written.get(lang, [])
                if lang not in languages:
                    languages[lang] = LanguageWords(
                        lang, (set().union(*own) if own else set()) | (listed or {}).get(
                            lang, set()), known)
                read = same_language_readings(term, languages[lang])
                if read:
                    docs = sum(1 for doc in own if doc & {w.replace("|", "") for w in read})
                    print(f"     written otherwise in {lang} ({docs} documents): {term!r} "
                          f"reached by {' '.join(read[:8])}")


def partner_words(by_language: dict[str, list[str]], least_uses: int) -> None:
    """For each partner language, the candidate words of its documents (as ranked() lists the
    English ones) used ``least_uses`` times or more in them, that no term of that language in
    the taxonomy's synonym groups has as a word form: by the number of the language's
    documents that contain them, then by their uses."""
    from ingest import load_taxonomy

    groups = load_taxonomy(ROOT / "corpus").synonyms
    for lang in LANGUAGES[1:]:
        texts = by_language.get(lang, [])
        uses: Counter[str] = Counter()
        words, _ = ranked(texts, lang, uses)
        held = [w for group in groups for term in group.get(lang, []) for w in term.split()]
        print(f"{lang}: {len(texts)} documents")
        for stem, n, forms in words:
            if uses[stem] < least_uses:
                continue
            if any(is_form_of(f, w, lang) or is_form_of(w, f, lang) for f in forms for w in held):
                continue
            print(f"{n:3d} {uses[stem]:4d}  {stem:16s} {' '.join(forms)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="an index made by `kb ingest`")
    ap.add_argument("--min-df", type=int, default=6, help="least English documents (6)")
    ap.add_argument("--max-df", type=int, default=None,
                    help="most English documents of a listed word (none: the next tier of the "
                         "rule lists words in 3-5 documents)")
    ap.add_argument("--pair-min-df", type=int, default=None,
                    help="least English documents of a listed pair (max(5, min-df - 1))")
    ap.add_argument("--pair-max-df", type=int, default=None,
                    help="most English documents of a listed pair (none)")
    ap.add_argument("--check", action="store_true", help="the taxonomy's glossary's concepts")
    ap.add_argument("--write", type=Path, metavar="INDEX",
                    help="put the taxonomy's synonym groups into INDEX")
    ap.add_argument("--no-glossary", action="store_true",
                    help="with --write: the groups without the glossary's")
    ap.add_argument("--partner-languages", type=int, metavar="USES", default=None,
                    help="list the partner-language documents' words used USES times or more "
                         "that no synonym group holds")
    ap.add_argument("--word-lists", type=Path, metavar="DIR",
                    help="with --check: word lists of the languages, DIR/german/voc.txt ... "
                         "(Snowball's test vocabularies: testdata's multilingual/snowball)")
    ap.add_argument("--add", type=Path, metavar="FILE",
                    help="with --write or --check: a YAML file's glossary: concepts added")
    ap.add_argument("--take", type=int, default=None,
                    help="with --add: only its first N concepts")
    args = ap.parse_args()
    added = glossary(args.add)[:args.take] if args.add is not None else []
    if args.write is not None:
        write(args.write, not args.no_glossary, added)
        return
    if args.index is None:
        ap.error("--index or --write is needed")
    by_language = texts_by_language(IndexStore(args.index))
    texts = by_language.get("en", [])
    print(f"{len(texts)} English documents")
    if args.check:
        check(by_language, added, word_lists(args.word_lists))
        return
    if args.partner_languages is not None:
        partner_words(by_language, args.partner_languages)
        return
    words, two = ranked(texts)
    top = args.max_df if args.max_df is not None else len(texts)
    for stem, n, forms in words:
        if args.min_df <= n <= top:
            print(f"{n:3d}  {stem:16s} {' '.join(forms)}")
    print("pairs:")
    least = args.pair_min_df if args.pair_min_df is not None else max(5, args.min_df - 1)
    most = args.pair_max_df if args.pair_max_df is not None else len(texts)
    for a, b, n in two:
        if least <= n <= most:
            print(f"{n:3d}  {a} {b}")


if __name__ == "__main__":
    main()
