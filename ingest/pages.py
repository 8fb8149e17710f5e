"""Page numbers as people read them, for reports and pages: [1, 2, 3, 5] -> "pages 1-3, 5"."""

from __future__ import annotations

__all__ = ["compress_ranges"]


def compress_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "pages 1-3, 5"; [4] -> "page 4"."""
    numbers = sorted(set(numbers))
    parts: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if number is not None:
            start = prev = number
    label = "page" if len(numbers) == 1 else "pages"
    return f"{label} {', '.join(parts)}"
