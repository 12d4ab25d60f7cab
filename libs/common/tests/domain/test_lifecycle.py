from datetime import UTC, datetime, timedelta

from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.lifecycle import lifecycle
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
A = ApplicationState


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def app(state: ApplicationState, reason: str | None = None) -> Application:
    return Application(
        _id="a",
        type=ApplicationType.BATCH,
        state=state,
        state_reason=reason,
        submit_params=SubmitParams(file="/pi.py"),
        created_at=T0,
    )


def change(
    seq: int, seconds: int, to_state: ApplicationState | None, **changes: object
) -> TransitionRecord:
    return TransitionRecord(
        _id=f"a:{seq}",
        subject="a",
        kind=SubjectKind.APPLICATION,
        application_id="a",
        seq=seq,
        from_state=None,
        to_state=None if to_state is None else to_state.value,
        changes=changes,
        at=at(seconds),
    )


def test_a_waiting_application_shows_why_and_where_it_waits() -> None:
    waiting = app(A.NOT_STARTED, "waiting: 5 jobs running, the limit is 5")
    records = [change(1, 1, None, stateReason="waiting: 5 jobs running, the limit is 5")]

    life = lifecycle(waiting, records, queue_position=3)

    assert life.submitted_at == T0 and life.claimed_at is None
    assert (life.waiting_reason, life.queue_position) == (waiting.state_reason, 3)


def test_a_finished_batch_has_every_moment_of_its_life() -> None:
    records = [
        change(1, 1, A.STARTING),
        change(2, 2, None, backendRef="pid-1"),
        change(3, 4, A.RUNNING),
        change(4, 6, None, appId="app-1"),
        change(5, 9, A.SUCCESS),
    ]

    life = lifecycle(app(A.SUCCESS), list(reversed(records)), queue_position=7)

    assert (life.claimed_at, life.launched_at, life.running_at, life.finished_at) == (
        at(1),
        at(2),
        at(4),
        at(9),
    )
    assert life.waiting_reason is None and life.queue_position is None


def test_killed_before_launch_has_no_launch_or_running_time() -> None:
    life = lifecycle(app(A.KILLED), [change(1, 3, A.KILLED)])
    assert (life.claimed_at, life.running_at, life.finished_at) == (None, None, at(3))


def test_a_revived_permanent_session_shows_its_latest_life() -> None:
    records = [
        change(1, 1, A.STARTING),
        change(2, 2, A.IDLE),
        change(3, 10, A.NOT_STARTED),
        change(4, 12, A.STARTING),
    ]
    life = lifecycle(app(A.STARTING), records)
    assert (life.submitted_at, life.claimed_at, life.running_at) == (at(10), at(12), None)


def test_lifecycle_renders_with_camel_case_keys() -> None:
    shown = lifecycle(app(A.NOT_STARTED), [], queue_position=1).model_dump(by_alias=True)
    assert set(shown) == {
        "submittedAt",
        "claimedAt",
        "launchedAt",
        "runningAt",
        "finishedAt",
        "waitingReason",
        "queuePosition",
    }
