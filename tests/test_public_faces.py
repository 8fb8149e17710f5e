"""Each package is used through its public face: ``from index import X`` with X in
``index.__all__`` (likewise ``ingest``), never ``from index.search import ...`` from another
package. A package's own modules may import each other freely."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "index", "search_app")


def _imports_of_other_packages(package: str) -> list[tuple[str, int, str, list[str]]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                if top in PACKAGES and top != package:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((where, node.lineno, node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top in PACKAGES and top != package and alias.name != top:
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        found.append((where, node.lineno, alias.name, []))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_other_packages_are_imported_through_their_public_face(package: str) -> None:
    wrong = []
    for where, _, module, names in _imports_of_other_packages(package):
        if "." in module:
            wrong.append(f"{where}: from {module} import {', '.join(names)}")
            continue
        public = set(importlib.import_module(module).__all__)
        wrong.extend(f"{where}: {module}.{name} is not in __all__"
                     for name in names if name not in public)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


@pytest.mark.parametrize(("package", "downstream"), [
    ("index", ("ingest", "search_app")),
    ("ingest", ("search_app",)),
])
def test_data_flows_one_way(package: str, downstream: tuple[str, ...]) -> None:
    """corpus -> ingest -> index -> search_app: index knows neither ingest nor the app
    (ingest writes through index's API), ingest does not know the app."""
    wrong = [f"{where}: {module}" for where, _, module, _ in _imports_of_other_packages(package)
             if module.split(".")[0] in downstream]
    assert wrong == [], "\n".join(wrong)


def test_benches_import_no_test_module() -> None:
    """A bench runs without pytest: it may share code with the tests through plain modules
    (tests.helpers, tests.references), never import a test module (test_*.py, conftest)."""
    wrong = []
    for path in sorted((ROOT / "bench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # (from tests import test_search: the module is among the names imported)
            modules = ([node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
                       if isinstance(node, ast.ImportFrom)
                       else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            wrong.extend(f"{path.relative_to(ROOT)}:{node.lineno}: {module}" for module in modules
                         if module.split(".")[0] == "tests"
                         and module.split(".")[-1].startswith(("test_", "conftest")))
    assert wrong == [], "\n".join(wrong)
