"""A driver pod, as the API server reports it -> the driver's status, with a reason a person
can act on. Pure: no client, no clock (the caller passes `now`).

`Pod` reads only the fields the mapping needs from the API's JSON; everything else is ignored,
so any API version's pod parses.
"""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from lighter_common.backends.driver_log import last_error_line
from lighter_common.backends.kubernetes.labels import KILLED_ANNOTATION, SPARK_APP_ID_LABEL
from lighter_common.domain.driver import DriverPhase, DriverStatus

DRIVER_CONTAINER = "spark-kubernetes-driver"  # the name Spark gives the driver's container

# Waiting reasons that do not go away by waiting: the pod will never run as it is.
_IMAGE_PULL_FAILURES = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
)
_CONFIG_FAILURES = frozenset({"CreateContainerConfigError", "CreateContainerError"})
_OOM_KILLED = "OOMKilled"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class ObjectMeta(_Model):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    resource_version: str | None = None
    deletion_timestamp: datetime | None = None


class ContainerStateWaiting(_Model):
    reason: str | None = None
    message: str | None = None


class ContainerStateTerminated(_Model):
    exit_code: int = 0
    reason: str | None = None
    message: str | None = None
    finished_at: datetime | None = None


class ContainerState(_Model):
    waiting: ContainerStateWaiting | None = None
    terminated: ContainerStateTerminated | None = None


class ContainerStatus(_Model):
    name: str = ""
    image: str = ""
    state: ContainerState = Field(default_factory=ContainerState)


class PodCondition(_Model):
    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    last_transition_time: datetime | None = None


class PodStatus(_Model):
    phase: str = "Pending"
    reason: str | None = None
    message: str | None = None
    conditions: list[PodCondition] = Field(default_factory=list)
    container_statuses: list[ContainerStatus] = Field(default_factory=list)


class Container(_Model):
    name: str = ""
    image: str = ""


class PodSpec(_Model):
    containers: list[Container] = Field(default_factory=list)
    node_name: str | None = None


class Pod(_Model):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)

    @property
    def spark_app_id(self) -> str | None:
        return self.metadata.labels.get(SPARK_APP_ID_LABEL)

    @property
    def is_terminal(self) -> bool:
        return self.status.phase in ("Succeeded", "Failed")

    def driver_container(self) -> ContainerStatus | None:
        statuses = self.status.container_statuses
        for status in statuses:
            if status.name == DRIVER_CONTAINER:
                return status
        return statuses[0] if statuses else None

    def driver_image(self, container: ContainerStatus | None) -> str:
        if container is not None and container.image:
            return container.image
        for spec in self.spec.containers:
            if spec.name == DRIVER_CONTAINER:
                return spec.image
        return self.spec.containers[0].image if self.spec.containers else "(unknown)"


@dataclass(frozen=True)
class PodObservation:
    """A pod and whether it still exists: a deleted pod is its last state as the watch saw it."""

    pod: Pod
    deleted: bool = False


def driver_status(
    seen: PodObservation,
    *,
    now: datetime,
    unschedulable_timeout: float,
    start_timeout: float,
    log_tail: str | None = None,
) -> DriverStatus:
    """The driver's status from its pod. `log_tail`, when given, names a failure's cause."""
    pod = seen.pod
    found = {"spark_app_id": pod.spark_app_id}
    container = pod.driver_container()
    phase = pod.status.phase
    if phase == "Succeeded":
        return DriverStatus(DriverPhase.SUCCEEDED, **found)
    if phase == "Failed":
        return DriverStatus(DriverPhase.FAILED, reason=_failure(pod, container, log_tail), **found)
    if seen.deleted or pod.metadata.deletion_timestamp is not None:
        return DriverStatus(DriverPhase.KILLED, reason=_deletion(pod), **found)
    if container is not None and container.state.terminated is not None:
        # The container ended and the kubelet has not yet moved the pod's phase.
        terminated = container.state.terminated
        if terminated.exit_code == 0 and terminated.reason != _OOM_KILLED:
            return DriverStatus(DriverPhase.RUNNING, **found)
        return DriverStatus(DriverPhase.FAILED, reason=_failure(pod, container, log_tail), **found)
    waiting = container.state.waiting if container is not None else None
    if waiting is not None and waiting.reason in _IMAGE_PULL_FAILURES:
        image = pod.driver_image(container)
        reason = f"the driver image {image} could not be pulled ({waiting.reason})"
        return DriverStatus(DriverPhase.FAILED, reason=_with(reason, waiting.message), **found)
    if waiting is not None and waiting.reason in _CONFIG_FAILURES:
        reason = f"the driver container could not be created ({waiting.reason})"
        return DriverStatus(DriverPhase.FAILED, reason=_with(reason, waiting.message), **found)
    if phase == "Running":
        return DriverStatus(DriverPhase.RUNNING, **found)
    if phase == "Unknown":
        reason = _with("the driver's node does not report its state", pod.status.message)
        return DriverStatus(DriverPhase.RUNNING, reason=reason, **found)
    unschedulable = _unschedulable(pod)
    if unschedulable is not None:
        waited = _seconds_since(unschedulable.last_transition_time, now)
        reason = _with("the driver pod cannot be scheduled", unschedulable.message)
        if waited >= unschedulable_timeout:
            reason = f"{reason} (for {waited:.0f}s)"
            return DriverStatus(DriverPhase.FAILED, reason=reason, **found)
        return DriverStatus(DriverPhase.STARTING, reason=reason, **found)
    scheduled = _condition(pod, "PodScheduled", "True")
    if scheduled is not None:
        # On a node and still not started: a volume that cannot be mounted (a missing
        # ConfigMap, Secret or claim) keeps it so without a word in the pod's status.
        waited = _seconds_since(scheduled.last_transition_time, now)
        if waited >= start_timeout:
            reason = f"the driver pod has not started {waited:.0f}s after it was scheduled"
            if waiting is not None and waiting.reason:
                reason = f"{reason} ({waiting.reason})"
            message = waiting.message if waiting is not None else None
            cause = message or "see the pod's events, e.g. for a volume that cannot be mounted"
            return DriverStatus(DriverPhase.FAILED, reason=_with(reason, cause), **found)
    return DriverStatus(DriverPhase.STARTING, **found)


def _failure(pod: Pod, container: ContainerStatus | None, log_tail: str | None) -> str:
    if pod.status.reason == "Evicted":
        return _with("the driver pod was evicted", pod.status.message)
    terminated = container.state.terminated if container is not None else None
    if terminated is None:
        return _with(
            f"the driver pod failed ({pod.status.reason or 'no reason given'})",
            pod.status.message,
        )
    if terminated.reason == _OOM_KILLED:
        return (
            f"the driver container was OOMKilled (exit code {terminated.exit_code}): it needs "
            "more memory (spark.driver.memory, spark.driver.memoryOverhead)"
        )
    cause = last_error_line(log_tail or "") or terminated.message
    reason = f"exit code {terminated.exit_code}"
    return f"{reason}: {cause.strip()}" if cause else reason


def _deletion(pod: Pod) -> str:
    if pod.metadata.annotations.get(KILLED_ANNOTATION):
        return "killed"
    return "the driver pod was deleted outside Lighter"


def _unschedulable(pod: Pod) -> PodCondition | None:
    condition = _condition(pod, "PodScheduled", "False")
    return condition if condition is not None and condition.reason == "Unschedulable" else None


def _condition(pod: Pod, kind: str, status: str) -> PodCondition | None:
    for condition in pod.status.conditions:
        if condition.type == kind and condition.status == status:
            return condition
    return None


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return 0.0 if moment is None else max(0.0, (now - moment).total_seconds())


def _with(reason: str, message: str | None) -> str:
    return f"{reason}: {message.strip()}" if message and message.strip() else reason
