"""The README documents every command and option of kb (as sqlite-utils' test_docs does)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from search_app.cli import main
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
