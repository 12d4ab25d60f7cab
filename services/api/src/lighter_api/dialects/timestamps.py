"""Timestamps as the Lighter and Livy contracts show them."""

from datetime import UTC, datetime


def lighter_time(value: datetime | None) -> str | None:
    """UTC without an offset, like the original server: 2021-10-11T08:12:43.507390."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def epoch_millis(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)
