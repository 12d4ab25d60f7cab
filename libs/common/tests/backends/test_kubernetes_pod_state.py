"""Driver pod -> driver status, for every state a kubelet or scheduler reports, as a table."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lighter_common.backends.kubernetes.labels import KILLED_ANNOTATION, SPARK_APP_ID_LABEL
from lighter_common.backends.kubernetes.pod_state import (
    DRIVER_CONTAINER,
    Pod,
    PodObservation,
    driver_status,
)
from lighter_common.domain.driver import DriverPhase

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
IMAGE = "registry.example/spark:4.0.1"
PYTHON_FAILURE_LOG = """\
26/01/01 11:59:58 INFO SparkContext: Running Spark version 4.0.1
Traceback (most recent call last):
  File "/opt/app/job.py", line 3, in <module>
ValueError: the input table is empty
26/01/01 11:59:59 INFO ShutdownHookManager: Shutdown hook called
"""


def pod(
    phase: str = "Pending",
    *,
    waiting: tuple[str, str] | None = None,
    terminated: dict[str, Any] | None = None,
    reason: str | None = None,
    message: str | None = None,
    unschedulable_since: datetime | None = None,
    scheduled_since: datetime | None = None,
    annotations: dict[str, str] | None = None,
    deleting: bool = False,
) -> Pod:
    state: dict[str, Any] = {}
    if waiting:
        state["waiting"] = {"reason": waiting[0], "message": waiting[1]}
    if terminated:
        state["terminated"] = terminated
    conditions = []
    if unschedulable_since:
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient memory.",
                "lastTransitionTime": unschedulable_since.isoformat(),
            }
        )
    if scheduled_since:
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastTransitionTime": scheduled_since.isoformat(),
            }
        )
    metadata: dict[str, Any] = {
        "name": "lighter-x-0-abc",
        "labels": {SPARK_APP_ID_LABEL: "spark-1234"},
        "annotations": annotations or {},
    }
    if deleting:
        metadata["deletionTimestamp"] = NOW.isoformat()
    return Pod.model_validate(
        {
            "metadata": metadata,
            "spec": {"containers": [{"name": DRIVER_CONTAINER, "image": IMAGE}]},
            "status": {
                "phase": phase,
                "reason": reason,
                "message": message,
                "conditions": conditions,
                "containerStatuses": [{"name": DRIVER_CONTAINER, "image": IMAGE, "state": state}]
                if state
                else [],
            },
        }
    )


CASES = [
    ("created, not yet scheduled", pod(), False, None, DriverPhase.STARTING, None),
    (
        "container creating",
        pod(waiting=("ContainerCreating", "")),
        False,
        None,
        DriverPhase.STARTING,
        None,
    ),
    (
        "scheduled a while ago, its container still being created",
        pod(waiting=("ContainerCreating", ""), scheduled_since=NOW - timedelta(seconds=60)),
        False,
        None,
        DriverPhase.STARTING,
        None,
    ),
    (
        "scheduled past the start timeout, never started: failed, pointing at the events",
        pod(waiting=("ContainerCreating", ""), scheduled_since=NOW - timedelta(seconds=700)),
        False,
        None,
        DriverPhase.FAILED,
        "the driver pod has not started 700s after it was scheduled (ContainerCreating): see "
        "the pod's events, e.g. for a volume that cannot be mounted",
    ),
    (
        "scheduled past the start timeout, with the kubelet's message",
        pod(
            waiting=("PodInitializing", "init container pending"),
            scheduled_since=NOW - timedelta(seconds=700),
        ),
        False,
        None,
        DriverPhase.FAILED,
        "the driver pod has not started 700s after it was scheduled (PodInitializing): init "
        "container pending",
    ),
    ("running", pod("Running"), False, None, DriverPhase.RUNNING, None),
    (
        "completed",
        pod("Succeeded", terminated={"exitCode": 0, "reason": "Completed"}),
        False,
        None,
        DriverPhase.SUCCEEDED,
        None,
    ),
    (
        "completed, then deleted by the cleanup",
        pod("Succeeded", terminated={"exitCode": 0, "reason": "Completed"}),
        True,
        None,
        DriverPhase.SUCCEEDED,
        None,
    ),
    (
        "error with the exit code and the last error line of the log",
        pod("Failed", terminated={"exitCode": 1, "reason": "Error"}),
        False,
        PYTHON_FAILURE_LOG,
        DriverPhase.FAILED,
        "exit code 1: ValueError: the input table is empty",
    ),
    (
        "error without a log: the exit code and the termination message",
        pod("Failed", terminated={"exitCode": 3, "reason": "Error", "message": "bad conf"}),
        False,
        None,
        DriverPhase.FAILED,
        "exit code 3: bad conf",
    ),
    (
        "container ended in error before the phase moved",
        pod("Running", terminated={"exitCode": 2, "reason": "Error"}),
        False,
        None,
        DriverPhase.FAILED,
        "exit code 2",
    ),
    (
        "OOMKilled",
        pod("Failed", terminated={"exitCode": 137, "reason": "OOMKilled"}),
        False,
        None,
        DriverPhase.FAILED,
        "the driver container was OOMKilled (exit code 137): it needs more memory "
        "(spark.driver.memory, spark.driver.memoryOverhead)",
    ),
    (
        "image pull failure names the image",
        pod(waiting=("ErrImagePull", "manifest unknown")),
        False,
        None,
        DriverPhase.FAILED,
        f"the driver image {IMAGE} could not be pulled (ErrImagePull): manifest unknown",
    ),
    (
        "image pull back-off names the image",
        pod(waiting=("ImagePullBackOff", "Back-off pulling image")),
        False,
        None,
        DriverPhase.FAILED,
        f"the driver image {IMAGE} could not be pulled (ImagePullBackOff): Back-off pulling image",
    ),
    (
        "missing config map or secret",
        pod(waiting=("CreateContainerConfigError", 'secret "db" not found')),
        False,
        None,
        DriverPhase.FAILED,
        'the driver container could not be created (CreateContainerConfigError): secret "db" '
        "not found",
    ),
    (
        "evicted",
        pod("Failed", reason="Evicted", message="The node was low on resource: memory."),
        False,
        None,
        DriverPhase.FAILED,
        "the driver pod was evicted: The node was low on resource: memory.",
    ),
    (
        "unschedulable for a while: still starting, saying why",
        pod(unschedulable_since=NOW - timedelta(seconds=30)),
        False,
        None,
        DriverPhase.STARTING,
        "the driver pod cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.",
    ),
    (
        "unschedulable past the timeout: failed with the scheduler's message",
        pod(unschedulable_since=NOW - timedelta(seconds=600)),
        False,
        None,
        DriverPhase.FAILED,
        "the driver pod cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory. "
        "(for 600s)",
    ),
    (
        "deleted by someone else while running",
        pod("Running"),
        True,
        None,
        DriverPhase.KILLED,
        "the driver pod was deleted outside Lighter",
    ),
    (
        "being deleted by someone else",
        pod("Running", deleting=True),
        False,
        None,
        DriverPhase.KILLED,
        "the driver pod was deleted outside Lighter",
    ),
    (
        "killed through Lighter",
        pod("Running", annotations={KILLED_ANNOTATION: "true"}, deleting=True),
        False,
        None,
        DriverPhase.KILLED,
        "killed",
    ),
    (
        "node lost",
        pod("Unknown", message="node is not ready"),
        False,
        None,
        DriverPhase.RUNNING,
        "the driver's node does not report its state: node is not ready",
    ),
]


@pytest.mark.parametrize(
    ("observed", "deleted", "log_tail", "phase", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_a_driver_pod_maps_to_a_status_with_an_actionable_reason(
    observed: Pod, deleted: bool, log_tail: str | None, phase: DriverPhase, reason: str | None
) -> None:
    status = driver_status(
        PodObservation(observed, deleted=deleted),
        now=NOW,
        unschedulable_timeout=300,
        start_timeout=600,
        log_tail=log_tail,
    )

    assert (status.phase, status.reason) == (phase, reason)
    assert status.spark_app_id == "spark-1234"


def test_a_pod_from_the_api_parses_whatever_else_it_carries() -> None:
    raw = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "resourceVersion": "42", "uid": "u", "labels": {}},
        "spec": {"containers": [{"name": "c", "image": "i", "args": ["x"]}], "nodeName": "n"},
        "status": {"phase": "Running", "hostIP": "10.0.0.1", "startTime": NOW.isoformat()},
    }

    parsed = Pod.model_validate(raw)

    assert (parsed.metadata.resource_version, parsed.spec.node_name) == ("42", "n")
    status = driver_status(
        PodObservation(parsed), now=NOW, unschedulable_timeout=1, start_timeout=1
    )
    assert (status.phase, status.spark_app_id) == (DriverPhase.RUNNING, None)
