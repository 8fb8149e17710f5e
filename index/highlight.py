"""Highlighted, HTML-escaped snippets of passage text.

Everything outside and inside a match is escaped; only the <mark> tags are markup, so a
document cannot inject HTML through its text. Words are matched by their analysed form (the
same stemming and folding as the index), so "exporters" marks "exporting" when both stem to
"export". The matches are found by index.analysis.find_terms, which looks each distinct word
up in a table of terms instead of analysing every word of every passage shown.
"""

from __future__ import annotations

from html import escape

from index.analysis import find_terms

SNIPPET_CHARS = 320
CONTEXT_CHARS = 90
BETWEEN = " … "


def plain_snippet(text: str, chars: int = SNIPPET_CHARS) -> str:
    """An escaped excerpt from the start of ``text``, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) > chars:
        text = text[:chars].rsplit(" ", 1)[0] + " …"
    return escape(text, quote=False)


def _matches(text: str, terms: set[str], lang: str) -> list[tuple[int, int, str]]:
    return find_terms(lang, text, terms)


def _render(text: str, start: int, end: int, matches: list[tuple[int, int, str]]) -> str:
    out = []
    pos = start
    for s, e, _ in matches:
        if s < pos or e > end:
            continue
        out.append(escape(text[pos:s], quote=False))
        out.append(f"<mark>{escape(text[s:e], quote=False)}</mark>")
        pos = e
    out.append(escape(text[pos:end], quote=False))
    return "".join(out)


def _widen(text: str, start: int, end: int, chars: int) -> tuple[int, int]:
    """Grow [start, end) with context up to ``chars`` characters, at word boundaries."""
    room = max(0, chars - (end - start))
    left = max(0, start - min(CONTEXT_CHARS, room // 2 or CONTEXT_CHARS))
    right = min(len(text), end + max(0, room - (start - left)))
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return left, right


def highlight(text: str, terms: set[str], lang: str, *, fragments: int = 2) -> str:
    """The best one or two fragments of ``text`` as escaped HTML, query terms marked.

    Fragments are the windows holding the most distinct query terms (then the most matches);
    without any match, the start of the text.
    """
    matches = _matches(text, terms, lang) if terms else []
    if not matches:
        return plain_snippet(text)
    # Candidate windows: from each match, as far as fits in SNIPPET_CHARS / fragments.
    width = SNIPPET_CHARS // max(1, fragments) if fragments > 1 else SNIPPET_CHARS
    windows = []
    for i, (s, _, _) in enumerate(matches):
        inside = [m for m in matches[i:] if m[1] - s <= width]
        distinct = len({t for _, _, t in inside})
        windows.append((distinct, len(inside), -s, s, inside[-1][1]))
    windows.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_, s, e in windows:
        if all(e <= cs or s >= ce for cs, ce in chosen):
            chosen.append((s, e))
        if len(chosen) == fragments:
            break
    chosen.sort()
    parts = []
    for s, e in chosen:
        left, right = _widen(text, s, e, width)
        part = _render(text, left, right, matches)
        part = ("… " if left > 0 else "") + part + (" …" if right < len(text) else "")
        parts.append(" ".join(part.split()))
    return " ".join(parts).replace("… …", "…")


def mark_all(text: str, terms: set[str], lang: str) -> str:
    """The whole of ``text`` as escaped HTML with every occurrence of ``terms`` marked."""
    if not terms:
        return escape(text, quote=False)
    return _render(text, 0, len(text), _matches(text, terms, lang))
