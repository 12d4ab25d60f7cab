"""What a backend sees of a driver, before the domain turns it into an application state."""

from dataclasses import dataclass
from enum import StrEnum


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
