"""A facet value typed in the query by its name read as its code: ``country:hungary``,
``country:Ungarn``, ``region:"Central Hungary"``, ``language:Hungarian``,
``type:"good practice"``, ``theme:"Access to finance"``.

The index stores codes (HU, HU10, hu, good_practice, access_to_finance) and the page shows
their labels (the taxonomy's, IndexStore.facet_labels); a value typed as the page shows it
found nothing. A value that is no code of its facet is read as the code whose label, a part
of its label between " / " ("Central Hungary / Közép-Magyarország"), or code with spaces for
"_" it is, in any case and without regard to accents; a country also by its names in the
partner languages (the country groups of the taxonomy's synonyms, which hold its label). A
name of two codes, or of none, stays as typed (the page then names the codes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from index.analysis import fold

#: the facets whose values are codes with labels
CODED_FACETS = ("country", "region", "language", "type", "theme", "record")


def _key(text: str) -> str:
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


def facet_names(labels: Mapping[str, Mapping[str, str]],
                groups: Sequence[Mapping[str, Sequence[str]]]) -> dict[str, dict[str, str]]:
    """Per facet of CODED_FACETS, each name of a code (folded) -> the code; names of more
    than one code are left out."""
    out: dict[str, dict[str, str]] = {}
    for facet in CODED_FACETS:
        names: dict[str, set[str]] = {}
        for code, label in labels.get(facet, {}).items():
            written = {code, label, *label.split(" / ")}
            if facet == "country":
                written.update(name for group in groups
                               if label in group.get("en", ())
                               for terms in group.values() for name in terms)
            for name in written:
                if _key(name):
                    names.setdefault(_key(name), set()).add(code)
        out[facet] = {name: next(iter(codes)) for name, codes in names.items()
                      if len(codes) == 1}
    return out


def as_codes(filters: Mapping[str, Sequence[str]], labels: Mapping[str, Mapping[str, str]],
             groups: Sequence[Mapping[str, Sequence[str]]]) -> dict[str, list[str]]:
    """``filters`` (facet -> values typed) with each value that is no code of its facet
    read as the code it names (facet_names); the others as they are."""
    if not any(facet in CODED_FACETS and any(v not in labels.get(facet, {}) for v in values)
               for facet, values in filters.items()):
        return {facet: list(values) for facet, values in filters.items()}
    names = facet_names(labels, groups)
    out: dict[str, list[str]] = {}
    for facet, values in filters.items():
        known = labels.get(facet, {})
        read = out.setdefault(facet, [])
        for value in values:
            code = value
            if facet in CODED_FACETS and value not in known:
                code = names.get(facet, {}).get(_key(value), value)
            if code not in read:
                read.append(code)
    return out


__all__ = ["CODED_FACETS", "as_codes", "facet_names"]
