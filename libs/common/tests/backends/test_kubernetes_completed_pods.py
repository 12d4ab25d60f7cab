"""When an ended driver pod's time is up: counted from when it ended."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lighter_common.backends.kubernetes.completed_pods import due, ended_at
from lighter_common.backends.kubernetes.pod_state import DRIVER_CONTAINER, Pod
from lighter_common.settings import Settings

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=1)


def ended_pod(finished_at: datetime | None, condition_changed: datetime | None = None) -> Pod:
    terminated: dict[str, Any] = {"exitCode": 0, "reason": "Completed"}
    if finished_at is not None:
        terminated["finishedAt"] = finished_at.isoformat()
    conditions = []
    if condition_changed is not None:
        conditions.append(
            {
                "type": "Ready",
                "status": "False",
                "lastTransitionTime": condition_changed.isoformat(),
            }
        )
    return Pod.model_validate(
        {
            "metadata": {"name": "driver"},
            "status": {
                "phase": "Succeeded",
                "conditions": conditions,
                "containerStatuses": [
                    {"name": DRIVER_CONTAINER, "state": {"terminated": terminated}}
                ],
            },
        }
    )


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        (
            ended_pod(NOW - timedelta(seconds=5), NOW - timedelta(seconds=1)),
            NOW - timedelta(seconds=5),
        ),
        (ended_pod(None, NOW - timedelta(seconds=7)), NOW - timedelta(seconds=7)),
        (ended_pod(None), None),
    ],
)
def test_a_pod_ended_when_its_container_finished_else_when_its_conditions_last_changed(
    pod: Pod, expected: datetime | None
) -> None:
    assert ended_at(pod) == expected


@pytest.mark.parametrize(
    ("ended_seconds_ago", "ttl", "is_due"),
    [(59, 60, False), (60, 60, True), (0, 0, True), (3599, 3600, False)],
)
def test_an_ended_pod_is_due_once_kept_its_time(
    ended_seconds_ago: float, ttl: float, is_due: bool
) -> None:
    pod = ended_pod(NOW - timedelta(seconds=ended_seconds_ago))

    assert due(pod, first_seen_ended=NOW, now=NOW, ttl=ttl) is is_due


def test_a_pod_that_does_not_say_when_it_ended_counts_from_when_it_was_seen_ended() -> None:
    pod = ended_pod(None)

    assert not due(pod, first_seen_ended=NOW - timedelta(seconds=30), now=NOW, ttl=60)
    assert due(pod, first_seen_ended=LONG_AGO, now=NOW, ttl=60)


def test_a_pod_given_up_on_while_it_goes_on_counts_from_when_it_was_seen_so() -> None:
    pending = Pod.model_validate(
        {
            "metadata": {"name": "driver"},
            "status": {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": LONG_AGO}
                ],
            },
        }
    )

    assert not due(pending, first_seen_ended=NOW - timedelta(seconds=30), now=NOW, ttl=60)
    assert due(pending, first_seen_ended=NOW - timedelta(seconds=60), now=NOW, ttl=60)


def test_the_time_to_keep_completed_pods_is_a_duration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIGHTER_KUBERNETES_COMPLETED_POD_TTL", "10m")

    assert Settings().kubernetes.completed_pod_ttl == 600
