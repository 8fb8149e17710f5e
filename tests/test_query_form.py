"""The engine-neutral query form (index/query_form.py) and the engine protocol's filter."""

from __future__ import annotations

import pytest

from index.engine import Filter
from index.query_form import (
    NOTHING,
    And,
    AndMaybe,
    AndNot,
    Every,
    Not,
    Or,
    Phrase,
    Require,
    Term,
    Word,
    asked_for,
    leaves,
    normalize,
    phrases_as_words,
)


def test_normalize_flattens_groups_and_drops_what_cannot_match() -> None:
    a, b = Term("body_en", "export"), Term("body_de", "export")
    q = Or((Or((a, NOTHING), 2.0), Or((b,)), NOTHING))
    assert normalize(q) == Or((Term("body_en", "export", 2.0), b))
    assert normalize(Or((NOTHING, NOTHING))) == NOTHING
    assert normalize(And((a, Every()))) == Every()
    assert normalize(Or((a,), 3.0)) == Term("body_en", "export", 3.0)
    assert normalize(Or((a, a, b))) == Or((a, b))


def test_normalize_keeps_the_rules_rankings_were_measured_with() -> None:
    a = Term("body_en", "export")
    assert normalize(Phrase("body_en", ("export",), boost=2.0)) == Term("body_en", "export")
    assert normalize(Not(NOTHING)) == NOTHING
    assert normalize(AndNot(NOTHING, a)) == NOTHING
    assert normalize(AndNot(a, NOTHING)) == a
    assert normalize(Require(a, NOTHING)) == NOTHING


def test_a_typed_word_equals_another_whatever_its_family_but_never_a_plain_term() -> None:
    w1 = Word("body_en", "export", family=(("en", "export"),))
    w2 = Word("body_en", "export", family=(("de", "export"),))
    assert w1 == w2 and hash(w1) == hash(w2)
    assert w1 != Term("body_en", "export")
    assert normalize(Or((w1, w2, Term("body_en", "export")))) == Or(
        (w1, Term("body_en", "export")))
    assert leaves(Or((w1, Not(Term("x", "y"))))) == [w1, Term("x", "y")]


def test_a_filter_without_its_own_facet() -> None:
    flt = Filter.of({"country": ["ES", "HU"], "year": ["2020"]}, years=[(2018, 2019)],
                    year_from=2000)
    assert flt.values("country") == ("ES", "HU")
    assert flt.without("country").values("country") == ()
    assert flt.without("country").years == ((2018, 2019),)
    no_year = flt.without("year")
    assert no_year.values("year") == () and no_year.years == () and no_year.year_from is None
    assert no_year.values("country") == ("ES", "HU")
    assert hash(flt) == hash(Filter.of({"country": ["ES", "HU"], "year": ["2020"]},
                                       years=[(2018, 2019)], year_from=2000))


def test_both_engines_prune_the_same_fields_of_a_query() -> None:
    """The Whoosh engine prunes its own queries (index.whoosh.translate), the tantivy engine
    the neutral form (index.query_form.prune): the same leaves go, the same query is left."""
    from index import query_form as qf
    from index.analysis import LANGUAGE_KEYS
    from index.schema import (
        FACET_FIELDS,
        body_field,
        passage_field,
        practice_field,
        title_field,
    )
    from index.whoosh.translate import _prune, to_whoosh

    fields = [make(lang) for lang in LANGUAGE_KEYS
              for make in (title_field, body_field, passage_field)]
    fields += [practice_field("evidence", lang) for lang in LANGUAGE_KEYS]
    present = frozenset(f for f in fields if f.endswith(("_de", "_hu")))
    leaves = [qf.Term(f, "export") for f in [*fields, "words", "record_field"]]
    leaves += [qf.Facet(name, "ES") for name in FACET_FIELDS if name not in ("year", "running")]
    for leaf in leaves:
        neutral = qf.normalize(qf.prune(leaf, present.__contains__))
        assert to_whoosh(neutral) == _prune(to_whoosh(leaf), present), leaf
    query = qf.AndNot(qf.Or(tuple(leaves[:30]) + (qf.Term("words", "covid"),)),
                      qf.And((qf.Term("body_en", "export"), qf.Term("body_de", "export"))))
    neutral = qf.normalize(qf.prune(query, present.__contains__))
    assert to_whoosh(neutral) == _prune(to_whoosh(query), present)
    assert neutral != qf.normalize(query)  # something was pruned


def test_whoosh_prunes_a_deep_query_to_the_same_tree_normalising_each_part_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """index.whoosh.translate normalises a pruned query once, at the top (a normalize() per
    level gave the same tree, normalising the parts at depth d d times), and its leaves are
    copied shallowly when normalize() merges them into their parent (Whoosh deep-copies)."""
    import copy

    from whoosh import query as wq

    from index import query_form as qf
    from index.whoosh.translate import _prune, to_whoosh

    def per_level(q: wq.Query, present: frozenset[str]) -> wq.Query:  # the former _prune
        if q.is_leaf():
            name = getattr(q, "fieldname", None)
            return wq.NullQuery if name and name.startswith("body_") and name not in present \
                else q
        return q.apply(lambda sub: per_level(sub, present)).normalize()

    family = (("en", "export"), ("de", "export"))
    q: qf.Query = qf.Word("body_en", "export", family=family)
    for depth in range(6):  # Or(Or(Or(...), leaves, 2.0), leaves, 2.0): merged level by level
        q = qf.Or((q, qf.Term(f"body_{'de' if depth % 2 else 'fr'}", f"w{depth}", 1.5),
                   qf.Word("body_de", f"v{depth}", family=family),
                   qf.Phrase("body_en", ("a", f"p{depth}"), slop=2),
                   qf.LongerForms("body_en", f"x{depth}?*", family=family),
                   qf.Prefix("body_en", f"pre{depth}")), 2.0)
    present = frozenset({"body_en", "body_de"})
    expected = per_level(to_whoosh(q), present)

    calls: list[int] = []
    normalize = wq.Or.normalize

    def counted(self: wq.Or) -> wq.Query:
        calls.append(id(self))
        return normalize(self)

    def no_deepcopy(*args: object, **kwargs: object) -> object:
        raise AssertionError("a leaf deep-copied")

    monkeypatch.setattr(wq.Or, "normalize", counted)
    monkeypatch.setattr(copy, "deepcopy", no_deepcopy)
    pruned = _prune(to_whoosh(q), present)
    monkeypatch.undo()
    assert pruned == expected and repr(pruned) == repr(expected)
    assert len(calls) == len(set(calls)) == 6  # each Or once
    boosts = sorted(leaf.boost for leaf in pruned.leaves())
    assert pruned.boost == 2.0 and boosts[0] == 1.0 and boosts[-1] == 2.0 ** 5  # merged
    assert not any(leaf.fieldname == "body_fr" for leaf in pruned.leaves())
    words = [leaf for leaf in pruned.leaves() if isinstance(leaf, wq.Phrase)]
    assert len({id(w.words) for w in words}) == len(words)  # no list of words shared


def test_a_phrase_keeps_a_slop_whose_spacings_an_engine_can_ask_for() -> None:
    from index import parse_query
    from index.query_form import MAX_PHRASE_SPACINGS, Phrase, phrase_slop

    assert [phrase_slop(n, 1000) for n in range(2, 10)] == [64, 8, 4, 2, 2, 2, 1, 1]
    assert all(phrase_slop(n, 1000) ** (n - 1) <= MAX_PHRASE_SPACINGS for n in range(2, 20))
    assert phrase_slop(3, 5) == 5 and phrase_slop(2, 0) == 1
    # the parser caps a typed ~N once; the engines receive only phrases so capped
    for text, slop in (('"alpha beta gamma"~50', 8), ('"alpha beta"~100', 64),
                       ('"alpha beta gamma delta epsilon"~9', 2), ('"alpha beta"~0', 1)):
        parsed = parse_query(text)
        phrases = [leaf for q in (parsed.documents, parsed.passages) if q is not None
                   for leaf in leaves(q) if isinstance(leaf, Phrase)]
        assert phrases and {p.slop for p in phrases} == {slop}, text
    with pytest.raises(ValueError, match="phrase_slop"):
        Phrase("body_en", ("a", "b", "c"), 50)
    assert Phrase("body_en", ("a", "b", "c"), 8).slop == 8


def test_a_huge_typed_slop_is_capped_at_once() -> None:
    """'"export vouchers"~100000000000' hung a server thread: phrase_slop lowered the slop
    one unit a step. Run in a thread so that a return of the bug fails here, not hangs."""
    import threading

    from index import parse_query
    from index.query_form import Phrase, phrase_slop

    out: dict[str, object] = {}

    def run() -> None:
        out["slops"] = [phrase_slop(2, 10 ** 11), phrase_slop(40, 10 ** 100)]
        parsed = parse_query('"export vouchers"~100000000000 OR "digital trade fairs"~' + "9" * 60)
        out["phrases"] = {leaf.slop for q in (parsed.documents, parsed.passages) if q is not None
                          for leaf in leaves(q) if isinstance(leaf, Phrase)}

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "phrase_slop did not return within a minute"
    assert out["slops"] == [64, 1]
    assert out["phrases"] == {64, 8}


def test_asked_for_leaves_out_what_a_query_excludes() -> None:
    # what the pages mark: "export NOT stuttgart" marks "export", never "stuttgart"
    export, stuttgart, fair = (Term("p_en", w) for w in ("export", "stuttgart", "fair"))
    assert asked_for(None) is None and asked_for(export) == export
    assert asked_for(AndNot(export, stuttgart)) == export
    assert asked_for(Or((export, Not(stuttgart)))) == Or((export, NOTHING))
    assert asked_for(And((AndNot(export, stuttgart), fair), 2.0)) == And((export, fair), 2.0)
    assert asked_for(Require(export, AndNot(fair, stuttgart))) == Require(export, fair)
    assert asked_for(AndMaybe(Not(stuttgart), fair)) == AndMaybe(NOTHING, fair)
    assert "stuttgart" not in {getattr(leaf, "text", None) for leaf in leaves(
        asked_for(And((AndNot(Or((export, fair)), stuttgart), Not(stuttgart)))) or NOTHING)}


def test_phrases_as_words_loosens_what_is_asked_for_not_what_is_excluded() -> None:
    first = Phrase("p_en", ("first", "result"))
    other = Phrase("p_en", ("method", "analysi"))
    word = Term("p_en", "export")
    assert phrases_as_words(word) is None  # no phrase: nothing to loosen
    assert phrases_as_words(And((first, word))) == And((
        Or((Term("p_en", "first"), Term("p_en", "result"))), word))
    assert phrases_as_words(AndNot(word, other)) is None  # an excluded phrase stays one
    assert phrases_as_words(AndNot(first, other)) == AndNot(
        Or((Term("p_en", "first"), Term("p_en", "result"))), other)
    assert phrases_as_words(Require(first, Not(other))) == Require(
        Or((Term("p_en", "first"), Term("p_en", "result"))), Not(other))
