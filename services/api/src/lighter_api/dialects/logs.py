"""Slicing a stored driver log into the pages both dialects serve."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LogPage:
    offset: int
    total: int
    lines: list[str]


def log_page(
    text: str | None, offset: int | None, size: int | None, *, default_size: int | None
) -> LogPage:
    """Lines [offset, offset+size); without an offset, the last `size` (or `default_size`) lines."""
    lines = text.splitlines() if text else []
    total = len(lines)
    size = size if size is not None else default_size
    if offset is None:
        if size is None:
            return LogPage(0, total, lines)
        offset = max(total - size, 0)
    end = total if size is None else offset + size
    return LogPage(offset, total, lines[offset:end])
