"""The README documents every command and option of kb (as sqlite-utils' test_docs does), and
its example searches find something on the sample corpus; bench/README.md's contents list its
sections."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, quote_plus

import click
import pytest

from bench import readme_contents
from index import IndexStore, search
from search_app.cli import main
from search_app.params import parse_params
from search_app.search_page import to_request
from search_app.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(main.commands.items())


@pytest.mark.parametrize("name,command", _commands())
def test_command_and_its_options_are_in_the_readme(name, command):
    assert f"kb {name}" in README, f"README does not mention `kb {name}`"
    for param in command.params:
        if isinstance(param, click.Option):
            names = [o for o in param.opts if o.startswith("--")]
            assert any(o in README for o in names), f"kb {name}: {names} not in README"


@pytest.mark.parametrize("name,command", _commands())
def test_every_command_has_help_with_an_example(name, command):
    assert command.help and "Example" in command.help, name


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readmes_configuration_table(name):
    rows = [line for line in README.splitlines() if line.startswith("| `KB_")]
    assert any(f"`KB_{name.upper()}`" in row for row in rows), f"KB_{name.upper()} not in README"


def _readme_defaults() -> dict[str, str]:
    """KB_ variable -> its default as the README's configuration table writes it."""
    defaults = {}
    for row in README.splitlines():
        if row.startswith("| `KB_"):
            variables, written = row.split(" | ")[:2]
            names = [v.strip("|` ") for v in variables.split(",")]
            values = [v.strip("` ") for v in written.split(",")] if len(names) > 1 else [written]
            defaults.update(zip(names, values, strict=True))
    return defaults


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_readme_gives_each_settings_default(name):
    """The table's default is the setting's (the index's, where the setting takes it from
    the index: SEMANTIC_THREADS, SEMANTIC_CACHE_SIZE); "(none)" or words where it has none."""
    default = Settings.model_fields[name].default
    written = _readme_defaults()[f"KB_{name.upper()}"].strip("`")
    if default is None:
        assert not written[0].isdigit(), (name, written)
    elif isinstance(default, bool):
        assert written == str(int(default)), (name, written)
    elif isinstance(default, float) and default.is_integer():
        assert written == str(int(default)), (name, written)
    else:
        assert written == str(default), (name, written)


def test_the_benches_readme_lists_every_section_it_has():
    text = readme_contents.README.read_text(encoding="utf-8")
    assert readme_contents.with_contents(text) == text, (
        "bench/README.md's contents are not its headings: "
        "run .venv/bin/python bench/readme_contents.py --write")
    # what it is made of: a heading added without the contents is caught
    added = text.replace("\n## Speed\n", "\n## Speed\n\n### A new record (2026-12-02)\n", 1)
    assert readme_contents.with_contents(added) != added
    assert "- [A new record (2026-12-02)](#a-new-record-2026-12-02)" in (
        readme_contents.contents(added))
    assert "](#speed-1)" in readme_contents.contents(text)  # OCR's "Speed", the second


def _readme_searches() -> list[str]:
    """The searches the README shows as examples that find something: the query syntax
    table's record-field and instrument rows (each example alone), and the /api/search
    addresses of its curl lines (their query strings)."""
    rows = [line for line in README.splitlines()
            if line.startswith(("| `evidence:", "| `instrument:"))]
    assert len(rows) == 2, rows
    typed = [f"q={quote_plus(example)}" for row in rows
             for example in re.findall(r"`([^`]+)`", row.split(" | ")[0])]
    curls = re.findall(r"curl '[^']*/api/search\?([^']+)'", README)
    assert typed and curls
    return typed + curls


@pytest.mark.parametrize("query", _readme_searches())
def test_the_readmes_example_searches_find_something_on_the_sample_corpus(
        sample_site: Path, query: str) -> None:
    """`evidence:turnover`, `problem:finance`, `description:webinar` and `instrument:"Norte
    2020"` found nothing on the sample corpus the README is written for (the reviewer's
    G17): whoever tried them got an empty page. Each finds a document by its words."""
    store = IndexStore(sample_site / "index")
    try:
        result = search(store, to_request(parse_params(parse_qsl(query))))
    finally:
        store.close()
    assert result.keyword_total > 0, (query, result.notice)
