"""Markdown and plain-text parsers, on small files made in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parsers import ParseError, parse_file
from ingest.parsers.text import strip_markdown

LONG = "Online B2B matchmaking kept exporters in touch with buyers during the pandemic. " * 4

MARKDOWN = f"""---
title: Export vouchers in Nyugat-Dunántúl
date: 2021-03-04
lang: hu
description: How the voucher scheme works.
tags: [export, vouchers]
type: good-practice
country: HU
region: HU22
themes: [digitalisation, export-promotion]
partner: Pannon Business Network
policy_instrument: GINOP
---
# Ignored because the front matter has a title

{LONG}

## How to **apply**

1. Fill in the [form](https://example.org/form).
2. Send it with ![a stamp](stamp.png) to the `agency`.

{LONG}

### Details

> A quoted *remark*.

```python
print("code stays")
```

#### Minor heading stays in its section

{LONG}
"""


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_front_matter(tmp_path: Path) -> None:
    parsed = parse_file(_write(tmp_path, "a.md", MARKDOWN))
    assert parsed.media_type == "text/markdown"
    assert parsed.metadata == {
        "title": "Export vouchers in Nyugat-Dunántúl",
        "date": "2021-03-04",
        "language": "hu",
        "summary": "How the voucher scheme works.",
        "keywords": ["export", "vouchers"],
        "type": "good-practice",
        "country": "HU",
        "region": "HU22",
        "themes": ["digitalisation", "export-promotion"],
        "partner": "Pannon Business Network",
        "policy_instrument": "GINOP",
    }


def test_markdown_sections_and_markup(tmp_path: Path) -> None:
    passages = parse_file(_write(tmp_path, "a.md", MARKDOWN)).passages
    assert [p.heading for p in passages] == [
        "Ignored because the front matter has a title",
        "How to apply",
        "Details",
    ]
    apply = passages[1].text
    assert "Fill in the form." in apply and "Send it with a stamp to the agency." in apply
    assert "**" not in apply and "](" not in apply and "`" not in apply
    details = passages[2].text
    assert "A quoted remark." in details
    assert 'print("code stays")' in details
    assert "Minor heading stays in its section" in details


def test_markdown_short_section_keeps_its_heading(tmp_path: Path) -> None:
    text = (f"# Newsletter No. 2\n\nSample newsletter.\n\n## Editorial\n\n{LONG}\n\n"
            "## Coming up: the action plans\n\nEach region will now write an action plan.\n\n"
            "## Did you know?\n\nFewer than one third of European SMEs export.\n")
    passages = parse_file(_write(tmp_path, "n.md", text)).passages
    assert [(p.heading, p.text.split("\n")[0]) for p in passages] == [
        ("Editorial", "Newsletter No. 2"),
        ("Coming up: the action plans", "Each region will now write an action plan."),
        ("Did you know?", "Fewer than one third of European SMEs export."),
    ]


def test_markdown_title_from_first_h1(tmp_path: Path) -> None:
    parsed = parse_file(_write(tmp_path, "b.md", f"# Regional *action* plan\n\n{LONG}"))
    assert parsed.metadata == {"title": "Regional action plan"}
    assert parsed.passages[0].heading == "Regional action plan"


def test_markdown_bad_front_matter_warns(tmp_path: Path) -> None:
    parsed = parse_file(_write(tmp_path, "c.md", f"---\ntitle: [unclosed\n---\n{LONG}"))
    assert "title" not in parsed.metadata
    assert parsed.warnings and "front matter" in parsed.warnings[0]
    assert parsed.passages[0].text.startswith("Online B2B")


@pytest.mark.parametrize(("written", "date", "warning"), [
    # YAML reads these as timestamps and failed on them: the whole file was not indexed,
    # "unexpected error: ValueError: month must be in 1..12"
    ("2021-13-45", "2021", "front matter date '2021-13-45' is not a possible date: "
                           "only 2021 is used"),
    ("2021-02-30", "2021-02", "front matter date '2021-02-30' is not a possible date: "
                              "only 2021-02 is used"),
    ("'last spring'", None, "front matter date 'last spring' is not a date "
                            "(YYYY, YYYY-MM or YYYY-MM-DD), ignored"),
    ("2021-05-01", "2021-05-01", None),
])
def test_a_front_matter_date_that_is_not_one_is_a_warning(tmp_path: Path, written: str,
                                                          date: str | None,
                                                          warning: str | None) -> None:
    parsed = parse_file(_write(tmp_path, "d.md", f"---\ntitle: Dated\ndate: {written}\n"
                                                 f"lang: de\n---\n{LONG}"))
    assert parsed.metadata.get("date") == date
    assert (parsed.metadata["title"], parsed.metadata["language"]) == ("Dated", "de")
    assert parsed.warnings == ([warning] if warning else []), parsed.warnings
    assert parsed.passages[0].text.startswith("Online B2B")


def test_front_matter_values_of_the_wrong_kind_are_not_taken(tmp_path: Path) -> None:
    # title: [a, list] was shown everywhere as "['a', 'list']" (a Python list)
    parsed = parse_file(_write(tmp_path, "l.md", "---\ntitle: [a, list]\nsummary: {x: 1}\n"
                                                 "author: Ann\nlang: [de]\n---\n"
                                                 f"# The heading\n\n{LONG}"))
    assert parsed.metadata == {"title": "The heading", "author": "Ann"}
    assert parsed.warnings == [
        "front matter title is a list, not a text: ignored",
        "front matter summary is a mapping, not a text: ignored",
        "front matter language is a list, not a text: ignored",
    ]
    # a number or a date written as a title is the text it shows
    parsed = parse_file(_write(tmp_path, "n.md", f"---\ntitle: 1984\nsummary: 42\n---\n{LONG}"))
    assert parsed.metadata == {"title": "1984", "summary": "42"} and parsed.warnings == []


def test_toml_front_matter_is_read(tmp_path: Path) -> None:
    # Hugo's +++ front matter became the title ('title = "TOML title"') and the first passage
    text = (f'+++\ntitle = "TOML title"\ndate = 2021-05-01\nlang = "nl"\n'
            f'tags = ["export", "mkb"]\n+++\n{LONG}')
    parsed = parse_file(_write(tmp_path, "t.md", text))
    assert parsed.metadata == {"title": "TOML title", "date": "2021-05-01", "language": "nl",
                               "keywords": ["export", "mkb"]}
    assert parsed.warnings == []
    assert parsed.passages[0].text.startswith("Online B2B")
    assert "+++" not in " ".join(p.text for p in parsed.passages)


def test_toml_front_matter_that_cannot_be_read_is_stripped_with_a_warning(
        tmp_path: Path) -> None:
    parsed = parse_file(_write(tmp_path, "t.md", f'+++\ntitle = "unclosed\n+++\n{LONG}'))
    assert "title" not in parsed.metadata
    assert parsed.warnings and parsed.warnings[0].startswith(
        "front matter is not valid TOML (line 2"), parsed.warnings
    assert parsed.passages[0].text.startswith("Online B2B")


def test_plain_text_blocks(tmp_path: Path) -> None:
    blocks = "\n\n".join(f"Block {i}. " + "word " * 100 for i in range(10))
    parsed = parse_file(_write(tmp_path, "notes.txt", "Short title\n\n" + blocks))
    assert parsed.media_type == "text/plain"
    assert parsed.metadata == {"title": "Short title"}
    assert len(parsed.passages) > 1
    assert all(len(p.text) <= 2000 for p in parsed.passages)
    assert parsed.passages[0].text.startswith("Short title\n\nBlock 0.")
    joined = "\n\n".join(p.text for p in parsed.passages)
    assert all(f"Block {i}." in joined for i in range(10))


def test_plain_text_long_first_line_is_no_title(tmp_path: Path) -> None:
    parsed = parse_file(_write(tmp_path, "long.txt", LONG))
    assert "title" not in parsed.metadata


@pytest.mark.parametrize(
    ("data", "warned"),
    [
        ("Café, Müller, Ștefan".encode(), False),
        ("\ufeffCafé, Müller".encode(), False),
        ("Café, Müller".encode("utf-16"), False),
        ("Café, Müller, “quotes”".encode("cp1252"), True),
    ],
)
def test_text_encodings(tmp_path: Path, data: bytes, warned: bool) -> None:
    parsed = parse_file(_write(tmp_path, "enc.txt", data))
    assert parsed.passages[0].text.startswith("Café, Müller")
    assert bool(parsed.warnings) == warned
    assert "\ufeff" not in parsed.passages[0].text


def test_binary_is_not_text(tmp_path: Path) -> None:
    for name in ("x.txt", "x.md"):
        with pytest.raises(ParseError, match="^binary content, not text$"):
            parse_file(_write(tmp_path, name, b"MZ\x90\x00\x03\x00\x00\x00\x04"))


def test_whitespace_only_text(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="^no text found$"):
        parse_file(_write(tmp_path, "blank.md", "  \n\n\t\n"))


def test_strip_markdown() -> None:
    marked = "**b** _i_ *i* ~~s~~ `c` [t](u) ![a](i.png) <b>x</b>"
    assert strip_markdown(marked) == "b i i s c t a x"
    assert strip_markdown("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"
