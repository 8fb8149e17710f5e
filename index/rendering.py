"""A query rendered in another language through the glossary, for the model.

The synonym groups of the taxonomy (its curated synonyms and its domain glossary: the index's
``synonyms.json``) give a concept's terms in the partner languages. A query's rendering in a
language (renderings) is the query followed by the concepts of the glossary terms it contains
(matched on the terms' word forms, index.synonyms), each as the group's first term in that
language: "Musste eine Firma beim ungarischen Exportgutschein angeben ...?" is rendered in
English as "Musste eine Firma beim ungarischen Exportgutschein angeben ...? export voucher".
The semantic side embeds it beside the query (index.search, index.semantic.rank_by_meaning),
so that a query in one partner language comes closer to the documents of another, which the
model ranks below the texts of the query's own language. ``render`` (each term replaced in
place) was measured too and did less well (bench/README.md, "A query's renderings through the
glossary").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.synonyms import contains_term, matched_terms_by_group

Group = dict[str, list[str]]  # language -> its terms for one concept

#: A word of the query as the glossary's terms are written (letters and digits, joined by a
#: hyphen or an apostrophe: "e-kereskedelem", "SME's").
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def _replacements(text: str, groups: Sequence[Group], lang: str
                  ) -> list[tuple[int, int, str]]:
    """(start, end, replacement) in ``text`` of each glossary term it contains, in order: its
    group's first term in ``lang``, or "" for a term already in ``lang`` (the longest terms
    first, each word of the query in one term at most)."""
    found = list(_WORD.finditer(text))
    if not found:
        return []
    words = [m.group() for m in found]
    pairs = [[(term_lang, term) for term_lang, terms in sorted(group.items()) for term in terms]
             for group in groups]
    hits = matched_terms_by_group(words, pairs)
    # (first word, words, replacement) of each term found
    spans: list[tuple[int, int, str]] = []
    for group, group_pairs, hit in zip(groups, pairs, hits, strict=True):
        targets = group.get(lang)
        if not hit or not targets:
            continue
        for term_lang, term in group_pairs:
            if term not in hit:
                continue
            n = len(term.split())
            for i in range(len(words) - n + 1):
                if contains_term(words[i:i + n], term, term_lang):
                    spans.append((i, n, targets[0] if term_lang != lang else ""))
    chosen: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for i, n, target in sorted(spans, key=lambda s: (-s[1], s[0])):
        if taken.isdisjoint(range(i, i + n)):
            taken.update(range(i, i + n))
            chosen.append((i, n, target))
    return [(found[i].start(), found[i + n - 1].end(), target)
            for i, n, target in sorted(chosen)]


def render(text: str, groups: Sequence[Group], lang: str) -> str:
    """``text`` with each glossary term it contains replaced by its group's first term in
    ``lang`` (the longest terms first, each word of the query replaced once); ``text`` itself
    when it contains none, or only terms of ``lang``."""
    out, end = [], 0
    for start, stop, target in _replacements(text, groups, lang):
        if target:
            out.append(text[end:start])
            out.append(target)
            end = stop
    if not out:
        return text
    out.append(text[end:])
    return "".join(out)


def rendered_terms(text: str, groups: Sequence[Group], lang: str) -> str:
    """Only the replacements of render, joined by spaces ("" when there are none)."""
    return " ".join(target for _, _, target in _replacements(text, groups, lang) if target)


def renderings(text: str, groups: Sequence[Group], langs: Sequence[str]) -> list[str]:
    """What the semantic side embeds beside the query for each of ``langs``: the query
    followed by its glossary terms' concepts in that language (rendered_terms), when it has
    any term of another language; each text once, in the order of ``langs``."""
    out: list[str] = []
    for lang in langs:
        terms = rendered_terms(text, groups, lang)
        if terms and f"{text} {terms}" not in out:
            out.append(f"{text} {terms}")
    return out


__all__ = ["render", "renderings"]
