"""How what a backend sees of a driver becomes an application state."""

from dataclasses import dataclass

from lighter_common.backends.base import DriverPhase, DriverStatus
from lighter_common.domain.application import Application
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.transitions import can_transition

_A = ApplicationState


@dataclass(frozen=True)
class StateChange:
    state: ApplicationState
    reason: str | None


def next_state(app: Application, status: DriverStatus) -> StateChange | None:
    """The state `app` should move to given its driver's status, or None to stay.

    A live session's idle/busy is the kernel's to report, so a running driver only moves a
    session out of `starting` when the kernel has not said anything yet.
    """
    target = _target(app, status)
    if target is None or target == app.state or not can_transition(app.state, target):
        return None
    return StateChange(target, status.reason if target.is_finished else None)


def _target(app: Application, status: DriverStatus) -> ApplicationState | None:
    phase = status.phase
    if phase in (DriverPhase.SUCCEEDED, DriverPhase.FAILED, DriverPhase.KILLED, DriverPhase.MISSING):
        if app.kill_requested or phase is DriverPhase.KILLED:
            return _A.KILLED
        if phase is DriverPhase.SUCCEEDED:
            return _A.DEAD if app.type.is_session else _A.SUCCESS
        if phase is DriverPhase.FAILED:
            return _A.DEAD if app.type.is_session else _A.ERROR
        return _A.DEAD
    if phase is DriverPhase.RUNNING and not app.type.is_session:
        return _A.RUNNING
    return None
