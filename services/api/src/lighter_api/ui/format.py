"""How the UI shows times and durations: pure functions the templates call."""

from datetime import UTC, datetime


def since(start: datetime | None, end: datetime | None, *, now: datetime) -> str:
    """The time from `start` to `end` (or to `now` while it lasts), as `1h 02m`, `3m 05s`."""
    if start is None:
        return ""
    seconds = max(0, int(((end or now) - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


def clock(value: datetime | None) -> str:
    """A UTC time to the second: `2026-01-02 03:04:05`."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
