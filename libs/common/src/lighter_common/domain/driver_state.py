"""How what a backend sees of a driver becomes an application state."""

from dataclasses import dataclass
from datetime import datetime

from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverPhase, DriverStatus
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.transitions import can_transition, revival_previous_states

_A = ApplicationState


@dataclass(frozen=True)
class StateChange:
    state: ApplicationState
    reason: str | None
    revive: bool = False  # a permanent session comes back under the same id


def next_state(app: Application, status: DriverStatus) -> StateChange | None:
    """The state `app` should move to given its driver's status, or None to stay.

    A live session's idle/busy is the kernel's to report, so a running driver only moves a
    session out of `starting` when the kernel has not said anything yet.
    """
    target = _target(app, status)
    if target is not None and target.is_finished and _revives(app, target):
        reason = f"driver ended ({status.reason or status.phase.value}); restarting"
        return StateChange(_A.NOT_STARTED, reason, revive=True)
    if target is None or target == app.state or not can_transition(app.state, target):
        return None
    if not target.is_finished:
        return StateChange(target, None)
    # Asked to die for a reason (an idle timeout, say): that reason outlives the driver's.
    asked = app.state_reason if app.kill_requested and target is _A.KILLED else None
    return StateChange(target, asked or status.reason)


def starting_reason(app: Application, status: DriverStatus) -> str | None:
    """What a driver still starting waits for ("waiting in queue root.default", a pod's image
    pull), when that differs from what the document says; None when nothing is to change.

    A starting application has no other reason, so its document's is the driver's last word.
    """
    if app.state is not _A.STARTING or status.phase is not DriverPhase.STARTING:
        return None
    if status.reason is None or status.reason == app.state_reason:
        return None
    return status.reason


def launch_timed_out(
    app: Application, status: DriverStatus, *, now: datetime, timeout: float
) -> StateChange | None:
    """The end of a live driver that reported no Spark application id `timeout` s after its claim.

    Such a driver holds a starting slot and may never get further (a JVM stuck before its
    SparkContext, a script that is not Spark at all), so it is ended: killed by the caller,
    the application `error` (a session `dead`; a permanent session starts over).
    """
    if (
        status.phase.ended
        or status.spark_app_id
        or app.app_id
        or not app.state.is_alive
        or app.started_at is None
        or (now - app.started_at).total_seconds() < timeout
    ):
        return None
    reason = f"no Spark application id within {timeout:g} s of launch; driver stopped"
    target = _A.DEAD if app.type.is_session else _A.ERROR
    if _revives(app, target):
        return StateChange(_A.NOT_STARTED, f"{reason}; restarting", revive=True)
    return StateChange(target, reason)


def _revives(app: Application, target: ApplicationState) -> bool:
    return (
        app.type is ApplicationType.PERMANENT_SESSION
        and not app.kill_requested
        and target is not _A.KILLED
        and app.state in revival_previous_states()
    )


def _target(app: Application, status: DriverStatus) -> ApplicationState | None:
    phase = status.phase
    if phase in (
        DriverPhase.SUCCEEDED,
        DriverPhase.FAILED,
        DriverPhase.KILLED,
        DriverPhase.MISSING,
    ):
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
