"""Highlighted, HTML-escaped snippets of passage text.

Everything outside and inside a match is escaped; only the <mark> tags are markup, so a
document cannot inject HTML through its text.
"""

from __future__ import annotations

from html import escape

from whoosh import highlight as wh

from index.analysis import language_analyzer

SNIPPET_CHARS = 320


class MarkFormatter(wh.Formatter):
    between = " … "

    def _text(self, text: str) -> str:
        return escape(text, quote=False)

    def format_token(self, text: str, token: wh.Token, replace: bool = False) -> str:
        ttext = wh.get_text(text, token, replace)
        return f"<mark>{escape(ttext, quote=False)}</mark>"


_FORMATTER = MarkFormatter()
_FRAGMENTER = wh.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90)


def plain_snippet(text: str, chars: int = SNIPPET_CHARS) -> str:
    """An escaped excerpt from the start of ``text``, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) > chars:
        text = text[:chars].rsplit(" ", 1)[0] + " …"
    return escape(text, quote=False)


def highlight(text: str, terms: set[str], lang: str, *, fragments: int = 2) -> str:
    """``text`` as escaped HTML with ``terms`` (analysed forms in ``lang``) marked."""
    if not terms:
        return plain_snippet(text)
    try:
        out = wh.highlight(
            text,
            frozenset(terms),
            language_analyzer(lang),
            _FRAGMENTER,
            _FORMATTER,
            top=fragments,
            order=wh.FIRST,
        )
    except (ValueError, IndexError):
        out = ""
    return " ".join(out.split()) if out else plain_snippet(text)


def mark_all(text: str, terms: set[str], lang: str) -> str:
    """The whole of ``text`` as escaped HTML with every occurrence of ``terms`` marked."""
    if not terms:
        return escape(text, quote=False)
    frag = wh.Fragment(text, [
        t.copy() for t in language_analyzer(lang)(
            text, chars=True, removestops=False, mode="query"
        ) if t.text in terms
    ], 0, len(text))
    return _FORMATTER.format_fragment(frag)
