from datetime import UTC, datetime, timedelta

import pytest
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverPhase, DriverStatus
from lighter_common.domain.driver_state import launch_timed_out, next_state
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


CLAIMED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TIMEOUT = 120.0


def launched(app_type: ApplicationType, state: A = A.STARTING, **fields: object) -> Application:
    return make(app_type, state).model_copy(update={"started_at": CLAIMED, **fields})


def at(seconds: float) -> datetime:
    return CLAIMED + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("app", "status", "seconds", "expected"),
    [
        (launched(BATCH), DriverStatus(P.STARTING), 119.9, None),
        (launched(BATCH), DriverStatus(P.STARTING), 120.0, A.ERROR),
        (launched(BATCH), DriverStatus(P.RUNNING), 500, A.ERROR),
        (launched(SESSION, A.IDLE), DriverStatus(P.RUNNING), 500, A.DEAD),
        (launched(BATCH), DriverStatus(P.RUNNING, spark_app_id="local-1"), 500, None),
        (launched(BATCH, A.RUNNING, app_id="local-1"), DriverStatus(P.RUNNING), 500, None),
        (launched(BATCH), DriverStatus(P.FAILED), 500, None),  # ended: next_state's to say
        (launched(BATCH, A.SUCCESS), DriverStatus(P.STARTING), 500, None),
        (make(BATCH, A.STARTING), DriverStatus(P.STARTING), 500, None),  # never claimed
    ],
)
def test_a_driver_silent_past_the_launch_timeout_is_ended(
    app: Application, status: DriverStatus, seconds: float, expected: A | None
) -> None:
    change = launch_timed_out(app, status, now=at(seconds), timeout=TIMEOUT)

    assert (change.state if change else None) == expected
    if change is not None:
        assert change.reason is not None and "no Spark application id within 120 s" in change.reason


def test_a_silent_permanent_session_starts_over() -> None:
    app = launched(PERMANENT)

    change = launch_timed_out(app, DriverStatus(P.STARTING), now=at(121), timeout=TIMEOUT)

    assert change is not None and change.revive and change.state is A.NOT_STARTED
