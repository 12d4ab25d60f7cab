from datetime import UTC, datetime, timedelta
from typing import Any

from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.milestones import lifecycle, milestone_changes
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
A = ApplicationState


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def app(state: ApplicationState = A.NOT_STARTED, reason: str | None = None) -> Application:
    return Application(
        _id="a",
        type=ApplicationType.BATCH,
        state=state,
        state_reason=reason,
        submit_params=SubmitParams(file="/pi.py"),
        created_at=T0,
    )


def live(application: Application, *steps: tuple[int, dict[str, Any]]) -> Application:
    """`application` after each change at its second, with the milestones the store records."""
    for seconds, changes in steps:
        implied = milestone_changes(application, changes, at(seconds))
        application = application.model_copy(update={**changes, **implied})
    return application


def test_a_waiting_application_shows_why_and_where_it_waits() -> None:
    reason = "waiting: 5 jobs running, the limit is 5"
    waiting = live(app(), (1, {"state_reason": reason}))

    life = lifecycle(waiting, queue_position=3)

    assert life.submitted_at == T0 and life.claimed_at is None
    assert (life.waiting_reason, life.queue_position) == (reason, 3)


def test_a_finished_batch_has_every_moment_of_its_life() -> None:
    done = live(
        app(),
        (1, {"state": A.STARTING}),
        (2, {"backend_ref": "pid-1"}),
        (4, {"state": A.RUNNING}),
        (6, {"app_id": "app-1", "backend_ref": "pid-1"}),
        (7, {"state": A.BUSY}),
        (9, {"state": A.SUCCESS, "finished_at": at(9)}),
    )

    life = lifecycle(done, queue_position=7)

    assert (life.claimed_at, life.launched_at, life.running_at, life.finished_at) == (
        at(1),
        at(2),
        at(4),
        at(9),
    )
    assert life.waiting_reason is None and life.queue_position is None


def test_a_change_that_reaches_no_milestone_records_none() -> None:
    running = live(app(), (1, {"state": A.STARTING}), (2, {"state": A.RUNNING}))

    assert milestone_changes(running, {"app_id": "app-1"}, at(3)) == {}
    assert milestone_changes(running, {"state": A.RUNNING}, at(3)) == {}


def test_killed_before_launch_has_no_launch_or_running_time() -> None:
    life = lifecycle(live(app(), (3, {"state": A.KILLED, "finished_at": at(3)})))
    assert (life.claimed_at, life.running_at, life.finished_at) == (None, None, at(3))


def test_a_revived_permanent_session_shows_its_latest_life() -> None:
    revived = live(
        app(),
        (1, {"state": A.STARTING}),
        (2, {"state": A.IDLE, "backend_ref": "pod-1"}),
        (10, {"state": A.NOT_STARTED, "backend_ref": None}),
        (12, {"state": A.STARTING}),
    )
    life = lifecycle(revived)
    assert (life.submitted_at, life.claimed_at, life.launched_at, life.running_at) == (
        at(10),
        at(12),
        None,
        None,
    )


def test_lifecycle_renders_with_camel_case_keys() -> None:
    shown = lifecycle(app(A.NOT_STARTED), queue_position=1).model_dump(by_alias=True)
    assert set(shown) == {
        "submittedAt",
        "claimedAt",
        "launchedAt",
        "runningAt",
        "finishedAt",
        "waitingReason",
        "queuePosition",
    }
