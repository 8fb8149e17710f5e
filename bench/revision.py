"""One module of another git revision of this code, imported beside this checkout's, so a
bench can time the two in one process, alternating (bench_params.py, bench_semantic.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def revision_module(revision: str, path: str, folder: Path) -> ModuleType:
    """The module at ``path`` (e.g. ``search_app/params.py``) as ``revision`` has it,
    imported as ``<its name>_before`` from a copy in ``folder``. Its own imports, and the
    data files it finds beside itself, are this checkout's."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
                            check=True, capture_output=True, text=True).stdout
    name = Path(path).stem + "_before"
    copy = folder / f"{name}.py"
    copy.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(ROOT / path)  # (data files beside it: this checkout's)
    sys.modules[name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module
