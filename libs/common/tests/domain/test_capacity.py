from datetime import UTC, datetime, timedelta

from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.capacity import CapacityLimits, Occupancy, plan_admission
from lighter_common.domain.submit_params import SubmitParams

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def app(n: int, app_type: ApplicationType = ApplicationType.BATCH) -> Application:
    return Application(
        id=f"app-{n}",
        type=app_type,
        submit_params=SubmitParams(file="job.py"),
        created_at=T0 + timedelta(seconds=n),
    )


LIMITS = CapacityLimits(max_running_jobs=3, max_starting_jobs=2, max_running_sessions=1)
EMPTY = Occupancy(alive_batches=0, alive_sessions=0, starting=0)


def test_admits_oldest_first_up_to_the_starting_limit() -> None:
    admission = plan_admission([app(3), app(1), app(2)], EMPTY, LIMITS)
    assert [a.id for a in admission.launch] == ["app-1", "app-2"]
    assert "2 applications starting" in admission.waiting["app-3"]


def test_running_limit_holds_batches_and_says_why() -> None:
    busy = Occupancy(alive_batches=3, alive_sessions=0, starting=0)
    admission = plan_admission([app(1)], busy, LIMITS)
    assert admission.launch == []
    assert admission.waiting["app-1"] == "waiting: 3 jobs running, the limit is 3"


def test_sessions_have_their_own_limit() -> None:
    occupancy = Occupancy(alive_batches=3, alive_sessions=0, starting=0)
    pending = [app(1), app(2, ApplicationType.SESSION), app(3, ApplicationType.SESSION)]
    admission = plan_admission(pending, occupancy, LIMITS)
    assert [a.id for a in admission.launch] == ["app-2"]
    assert "sessions running" in admission.waiting["app-3"]
    assert "jobs running" in admission.waiting["app-1"]


def test_order_is_kept_once_one_waits() -> None:
    limits = CapacityLimits(max_running_jobs=1, max_starting_jobs=10, max_running_sessions=5)
    admission = plan_admission([app(1), app(2), app(3)], EMPTY, limits)
    assert [a.id for a in admission.launch] == ["app-1"]
    assert set(admission.waiting) == {"app-2", "app-3"}


def test_nothing_pending_nothing_launched() -> None:
    admission = plan_admission([], EMPTY, LIMITS)
    assert admission.launch == [] and admission.waiting == {}
