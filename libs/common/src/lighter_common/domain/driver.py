"""Drivers as the domain knows them: which one, what a backend sees of it, when to stop one.

A driver is keyed by its application and generation (a permanent session's restarts each
get their own). Backends report phases; `zombie_reason` is the rule the zombie sweep applies.
"""

from dataclasses import dataclass
from enum import StrEnum

from lighter_common.domain.application import Application


class DriverPhase(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    KILLED = "killed"
    MISSING = "missing"  # nothing found where a driver should be

    @property
    def ended(self) -> bool:
        return self not in (DriverPhase.STARTING, DriverPhase.RUNNING)


@dataclass(frozen=True)
class DriverStatus:
    phase: DriverPhase
    spark_app_id: str | None = None
    reason: str | None = None
    spark_ui_url: str | None = None


@dataclass(frozen=True)
class DriverKey:
    """Which driver: one per application and generation (a permanent session's restarts)."""

    app_id: str
    generation: int = 0

    @classmethod
    def of(cls, app: Application) -> "DriverKey":
        return cls(app.id, app.generation)


@dataclass(frozen=True)
class LiveDriver:
    """A driver a backend has running, whether or not any application still wants it."""

    key: DriverKey
    ref: str


def zombie_reason(app: Application | None, driver: DriverKey) -> str | None:
    """Why a live `driver` must be stopped, given its application as stored; None to keep it."""
    if app is None:
        return "its application does not exist"
    if app.deleted:
        return "its application was deleted"
    if app.state.is_finished:
        return f"its application is {app.state.value}"
    if app.generation > driver.generation:
        return f"its application moved on to generation {app.generation}"
    return None
