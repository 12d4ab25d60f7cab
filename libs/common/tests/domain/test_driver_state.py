import pytest
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverPhase, DriverStatus
from lighter_common.domain.driver_state import next_state
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams

A = ApplicationState
P = DriverPhase
BATCH = ApplicationType.BATCH
SESSION = ApplicationType.SESSION
PERMANENT = ApplicationType.PERMANENT_SESSION


def make(app_type: ApplicationType, state: A, *, kill: bool = False) -> Application:
    return Application(
        type=app_type, state=state, kill_requested=kill, submit_params=SubmitParams(file="x.py")
    )


@pytest.mark.parametrize(
    ("app_type", "state", "phase", "kill", "expected"),
    [
        (BATCH, A.STARTING, P.STARTING, False, None),
        (BATCH, A.STARTING, P.RUNNING, False, A.RUNNING),
        (BATCH, A.RUNNING, P.RUNNING, False, None),
        (BATCH, A.RUNNING, P.SUCCEEDED, False, A.SUCCESS),
        (BATCH, A.STARTING, P.SUCCEEDED, False, A.SUCCESS),
        (BATCH, A.RUNNING, P.FAILED, False, A.ERROR),
        (BATCH, A.RUNNING, P.MISSING, False, A.DEAD),
        (BATCH, A.RUNNING, P.FAILED, True, A.KILLED),
        (BATCH, A.RUNNING, P.KILLED, False, A.KILLED),
        (BATCH, A.SUCCESS, P.FAILED, False, None),
        (SESSION, A.STARTING, P.RUNNING, False, None),
        (SESSION, A.IDLE, P.RUNNING, False, None),
        (SESSION, A.BUSY, P.FAILED, False, A.DEAD),
        (SESSION, A.IDLE, P.SUCCEEDED, False, A.DEAD),
        (SESSION, A.IDLE, P.MISSING, True, A.KILLED),
    ],
)
def test_next_state(
    app_type: ApplicationType, state: A, phase: P, kill: bool, expected: A | None
) -> None:
    change = next_state(make(app_type, state, kill=kill), DriverStatus(phase, reason="why"))
    assert (change.state if change else None) == expected


def test_a_finished_state_carries_the_reason() -> None:
    change = next_state(make(BATCH, A.RUNNING), DriverStatus(P.FAILED, reason="exit code 1"))
    assert change is not None and change.reason == "exit code 1"


def test_a_session_ended_for_a_reason_keeps_it() -> None:
    app = make(SESSION, A.IDLE, kill=True).model_copy(update={"state_reason": "idle timeout"})
    change = next_state(app, DriverStatus(P.KILLED, reason="killed"))
    assert change is not None
    assert (change.state, change.reason) == (A.KILLED, "idle timeout")


def test_a_permanent_session_whose_driver_died_is_revived() -> None:
    change = next_state(make(PERMANENT, A.IDLE), DriverStatus(P.MISSING, reason="vanished"))
    assert change is not None and change.revive and change.state is A.NOT_STARTED
    assert "vanished" in (change.reason or "")


def test_a_deleted_permanent_session_is_killed_not_revived() -> None:
    change = next_state(make(PERMANENT, A.IDLE, kill=True), DriverStatus(P.KILLED))
    assert change is not None and not change.revive and change.state is A.KILLED
