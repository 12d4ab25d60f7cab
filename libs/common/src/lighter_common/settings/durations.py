"""Durations in settings: seconds, given as a number or as a string such as '30s' or '10m'."""

from typing import Annotated

from pydantic import BeforeValidator

from lighter_common.domain.submit_params import parse_duration


def _seconds(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


def _minutes(value: object) -> object:
    return parse_duration(value, bare_unit="m") if isinstance(value, str) else value


class DurationMark:
    """Marks a setting as a duration, so that its default prints as one ('5m', not 300.0)."""


DURATION = DurationMark()

Seconds = Annotated[float, BeforeValidator(_seconds), DURATION]
# The original Lighter's LIGHTER_SESSION_TIMEOUT_* values count minutes: so does a bare number
# in the environment; the value is kept in seconds like every other duration.
MinutesWhenBare = Annotated[float, BeforeValidator(_minutes), DURATION]


def duration_text(seconds: float) -> str:
    """'5m', '7d', '0.5s': the largest unit that divides `seconds`."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
