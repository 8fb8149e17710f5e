"""A panic of the Rust library as an ordinary exception.

tantivy-py turns a panic into pyo3's ``PanicException``: a BaseException (``except Exception``
lets it through) whose class has no importable name and is made at the first panic. The
engine's methods that call tantivy are wrapped (:func:`guard_panics`) so that a panic leaves
them as :class:`RustPanicError`, which the engine lists among its ``damage_errors``; nothing is
probed at import time.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


class RustPanicError(RuntimeError):
    """The Rust library panicked (a damaged file, or one query it fails on)."""


def is_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is pyo3's PanicException."""
    kind = type(exc)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


def _as_error(exc: BaseException) -> RustPanicError:
    text = str(exc).strip().splitlines()
    return RustPanicError("the search library panicked: " + (text[0][:160] if text else "?"))


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except BaseException as exc:
                if is_panic(exc):
                    raise _as_error(exc) from exc
                raise
        return generator

    @functools.wraps(fn)
    def function(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            if is_panic(exc):
                raise _as_error(exc) from exc
            raise
    return function


def guard_panics(cls: C) -> C:
    """Class decorator: the public methods of ``cls`` and its ``__init__`` raise
    RustPanicError where tantivy panics (in them or in the private methods they call)."""
    for name, member in list(vars(cls).items()):
        if inspect.isfunction(member) and (not name.startswith("_") or name == "__init__"):
            setattr(cls, name, _guard(member))
    return cls


__all__ = ["RustPanicError", "guard_panics", "is_panic"]
