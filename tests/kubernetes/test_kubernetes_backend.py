"""The Kubernetes backend against a real API server (tests/harness/kubernetes.py).

Pod statuses are written the way a kubelet (or the scheduler) reports them, through the
status subresource, on pods labelled as Lighter's drivers; the backend only watches.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio import client, config
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.kubernetes.labels import (
    SPARK_APP_ID_LABEL,
    SPARK_ROLE_LABEL,
    driver_annotations,
    driver_labels,
    driver_pod_name,
)
from lighter_common.backends.kubernetes.pod_cache import PodCache
from lighter_common.backends.kubernetes.pod_state import DRIVER_CONTAINER
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus
from lighter_common.domain.submit_params import SubmitParams

from tests.harness.kubernetes import (
    KWOK_NODE,
    MANUAL_NODE,
    SUCCEEDS_LABEL,
    KubeCluster,
    shared_cluster,
)

pytestmark = pytest.mark.kubernetes
TIMEOUT = 30.0
IMAGE = "registry.example.org/spark:4.0.1"


@dataclass
class Env:
    cluster: KubeCluster
    namespace: str
    backend: KubernetesBackend

    def app(self) -> Application:
        return Application(
            type=ApplicationType.BATCH, submit_params=SubmitParams(file="local:///job.py")
        )

    def create_driver_pod(
        self, app: Application, node: str | None, labels: dict[str, str] | None = None
    ) -> str:
        """A pod as spark-submit makes it for `app`, bound to `node` (or not scheduled)."""
        key = DriverKey.of(app)
        name = driver_pod_name(key)
        labels = {
            **driver_labels(key),
            SPARK_ROLE_LABEL: "driver",
            SPARK_APP_ID_LABEL: "spark-1",
            **(labels or {}),
        }
        spec: dict[str, Any] = {"containers": [{"name": DRIVER_CONTAINER, "image": IMAGE}]}
        if node:
            spec["nodeName"] = node
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": labels, "annotations": driver_annotations(key)},
            "spec": spec,
        }
        self.cluster.kubectl("apply", "-n", self.namespace, "-f", "-", input=json.dumps(pod))
        return name

    def report(self, pod: str, status: dict[str, Any]) -> None:
        """Write the pod's status as its kubelet would."""
        self.cluster.kubectl(
            "patch",
            "pod",
            pod,
            "-n",
            self.namespace,
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps({"status": status}),
        )


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    cluster = shared_cluster()
    namespace = cluster.new_namespace()
    settings = cluster.settings(
        namespace,
        tmp_path / "data",
        kubernetes_unschedulable_timeout=3,
        kubernetes_start_timeout=3,
    )
    backend = KubernetesBackend(settings)
    yield Env(cluster, namespace, backend)
    await backend.close()
    cluster.kubectl("delete", "pods", "--all", "-n", namespace, "--grace-period=0", "--force")


async def eventually(
    backend: KubernetesBackend, app: Application, check: Callable[[DriverStatus], bool]
) -> DriverStatus:
    deadline = time.monotonic() + TIMEOUT
    status = await backend.status(app)
    while not check(status):
        if time.monotonic() > deadline:
            raise AssertionError(f"{app.id}: last status {status}")
        await asyncio.sleep(0.1)
        status = await backend.status(app)
    return status


def terminated(exit_code: int, reason: str) -> dict[str, Any]:
    state = {"terminated": {"exitCode": exit_code, "reason": reason}}
    return {"containerStatuses": [{"name": DRIVER_CONTAINER, "image": IMAGE, "state": state}]}


def waiting(reason: str, message: str) -> dict[str, Any]:
    state = {"waiting": {"reason": reason, "message": message}}
    return {"containerStatuses": [{"name": DRIVER_CONTAINER, "image": IMAGE, "state": state}]}


async def test_a_driver_pod_is_followed_from_pending_to_running_to_completed(env: Env) -> None:
    app = env.app()
    pod = env.create_driver_pod(app, MANUAL_NODE)

    starting = await eventually(env.backend, app, lambda s: s.phase is not DriverPhase.MISSING)
    env.report(pod, {"phase": "Running"})
    running = await eventually(env.backend, app, lambda s: s.phase is DriverPhase.RUNNING)
    env.report(pod, {"phase": "Succeeded", **terminated(0, "Completed")})
    done = await eventually(env.backend, app, lambda s: s.phase.ended)

    assert starting.phase is DriverPhase.STARTING
    assert running.spark_app_id == "spark-1"
    assert done.phase is DriverPhase.SUCCEEDED


async def test_a_failed_driver_says_its_exit_code_and_last_error_line(env: Env) -> None:
    app = env.app()
    env.cluster.write_log("INFO starting\nValueError: no such table: sales\nINFO shutdown\n")
    pod = env.create_driver_pod(app, KWOK_NODE)  # kwok runs it, so its log is served
    await eventually(env.backend, app, lambda s: s.phase is DriverPhase.RUNNING)

    env.report(pod, {"phase": "Failed", **terminated(1, "Error")})
    status = await eventually(env.backend, app, lambda s: s.phase.ended)

    assert (status.phase, status.reason) == (
        DriverPhase.FAILED,
        "exit code 1: ValueError: no such table: sales",
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (
            {"phase": "Failed", **terminated(137, "OOMKilled")},
            "the driver container was OOMKilled (exit code 137)",
        ),
        (
            {"phase": "Pending", **waiting("ImagePullBackOff", "Back-off pulling image")},
            f"the driver image {IMAGE} could not be pulled (ImagePullBackOff)",
        ),
        (
            {"phase": "Failed", "reason": "Evicted", "message": "The node was low on memory."},
            "the driver pod was evicted: The node was low on memory.",
        ),
    ],
    ids=["oom-killed", "image-pull", "evicted"],
)
async def test_a_driver_that_cannot_go_on_fails_with_a_reason(
    env: Env, status: dict[str, Any], reason: str
) -> None:
    app = env.app()
    pod = env.create_driver_pod(app, MANUAL_NODE)
    await eventually(env.backend, app, lambda s: s.phase is DriverPhase.STARTING)

    env.report(pod, status)
    seen = await eventually(env.backend, app, lambda s: s.phase.ended)

    assert seen.phase is DriverPhase.FAILED
    assert seen.reason is not None and seen.reason.startswith(reason)


async def test_an_unschedulable_driver_waits_then_fails_with_the_schedulers_message(
    env: Env,
) -> None:
    app = env.app()
    pod = env.create_driver_pod(app, node=None)
    message = "0/2 nodes are available: 2 Insufficient memory."
    condition = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": message,
        "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }

    env.report(pod, {"conditions": [condition]})
    waiting_status = await eventually(env.backend, app, lambda s: s.reason is not None)
    failed = await eventually(env.backend, app, lambda s: s.phase.ended)

    assert waiting_status.phase is DriverPhase.STARTING
    assert message in (waiting_status.reason or "")
    assert failed.phase is DriverPhase.FAILED
    assert message in (failed.reason or "")


async def test_a_driver_scheduled_but_never_started_fails_after_the_start_timeout(
    env: Env,
) -> None:
    app = env.app()
    pod = env.create_driver_pod(app, MANUAL_NODE)
    # What a kubelet reports while a volume cannot be mounted: scheduled, still creating.
    scheduled = {
        "type": "PodScheduled",
        "status": "True",
        "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    env.report(pod, {"conditions": [scheduled], **waiting("ContainerCreating", "")})
    starting = await eventually(env.backend, app, lambda s: s.phase is not DriverPhase.MISSING)
    failed = await eventually(env.backend, app, lambda s: s.phase.ended)

    assert starting.phase is DriverPhase.STARTING
    assert failed.phase is DriverPhase.FAILED
    assert failed.reason is not None
    assert failed.reason.startswith("the driver pod has not started ")
    assert "after it was scheduled (ContainerCreating): see the pod's events" in failed.reason


async def test_a_driver_pod_deleted_outside_lighter_is_killed(env: Env) -> None:
    app = env.app()
    pod = env.create_driver_pod(app, KWOK_NODE)
    await eventually(env.backend, app, lambda s: s.phase is DriverPhase.RUNNING)

    env.cluster.kubectl("delete", "pod", pod, "-n", env.namespace, "--wait=false")
    status = await eventually(env.backend, app, lambda s: s.phase.ended)

    assert (status.phase, status.reason) == (
        DriverPhase.KILLED,
        "the driver pod was deleted outside Lighter",
    )


async def test_kill_deletes_the_driver_pod_and_its_log_is_kept(env: Env) -> None:
    app = env.app()
    env.cluster.write_log("driver says hello\n")
    pod = env.create_driver_pod(app, KWOK_NODE)
    await eventually(env.backend, app, lambda s: s.phase is DriverPhase.RUNNING)
    assert await env.backend.logs(app, 1000) == "driver says hello\n"

    await env.backend.kill(DriverKey.of(app))
    killed = await eventually(env.backend, app, lambda s: s.phase.ended)
    listed = ["get", "pods", "-n", env.namespace, "--field-selector", f"metadata.name={pod}"]
    deleting = env.cluster.kubectl(*listed, "-o", "jsonpath={.items[*].metadata.deletionTimestamp}")
    gone = not env.cluster.kubectl(*listed, "-o", "name")
    # The kubelet's part: the containers stop and the pod goes.
    env.cluster.kubectl(
        "delete",
        "pod",
        pod,
        "-n",
        env.namespace,
        "--grace-period=0",
        "--force",
        "--ignore-not-found",
    )
    env.cluster.write_log("another pod's log\n")

    assert deleting or gone, "the driver pod was not deleted"
    assert (killed.phase, killed.reason) == (DriverPhase.KILLED, "killed")
    assert await env.backend.logs(app, 1000) == "driver says hello\n"
    assert await env.backend.drivers() == []


async def test_a_driver_pod_with_no_log_yet_has_an_empty_log(env: Env) -> None:
    # The pod log API answers an empty body, which the client hands over as None.
    env.cluster.write_log("")
    app = env.app()
    env.create_driver_pod(app, KWOK_NODE)
    await eventually(env.backend, app, lambda s: s.phase is DriverPhase.RUNNING)

    assert await env.backend.logs(app, 4096) == ""


@pytest.fixture
async def reaping(env: Env, tmp_path: Path) -> AsyncIterator[KubernetesBackend]:
    """A backend that deletes ended driver pods a second after they end."""
    settings = env.cluster.settings(
        env.namespace, tmp_path / "reaping", kubernetes_completed_pod_ttl="1s"
    )
    backend = KubernetesBackend(settings)
    yield backend
    await backend.close()


async def test_a_completed_driver_pod_is_deleted_after_its_time_and_its_log_is_kept(
    env: Env, reaping: KubernetesBackend
) -> None:
    app, running = env.app(), env.app()
    env.cluster.write_log("the driver's last words\n")
    pod = env.create_driver_pod(app, KWOK_NODE, labels={SUCCEEDS_LABEL: "succeeded"})
    still_running = env.create_driver_pod(running, KWOK_NODE)
    done = await eventually(reaping, app, lambda s: s.phase.ended)
    listed = ["get", "pods", "-n", env.namespace, "-o", "name"]
    deadline = time.monotonic() + TIMEOUT
    while f"pod/{pod}" in env.cluster.kubectl(*listed).split():
        assert time.monotonic() < deadline, f"{pod} was not deleted"
        await asyncio.sleep(0.2)
    env.cluster.write_log("another pod's log\n")

    assert done.phase is DriverPhase.SUCCEEDED
    assert (await reaping.status(app)).phase is DriverPhase.SUCCEEDED
    assert await reaping.logs(app, 1000) == "the driver's last words\n"
    assert env.cluster.kubectl(*listed).split() == [f"pod/{still_running}"]


async def test_a_driver_pod_given_up_on_is_deleted_after_the_same_time(
    env: Env, reaping: KubernetesBackend
) -> None:
    app, waiting_pod = env.app(), env.app()
    pod = env.create_driver_pod(app, MANUAL_NODE)
    still_starting = env.create_driver_pod(waiting_pod, MANUAL_NODE)
    # The kubelet goes on trying to pull the image; Lighter has failed the driver.
    env.report(pod, {"phase": "Pending", **waiting("ImagePullBackOff", "Back-off pulling")})
    env.report(still_starting, {"phase": "Pending", **waiting("ContainerCreating", "")})
    failed = await eventually(reaping, app, lambda s: s.phase.ended)
    # No kubelet serves the node, so the deleted pod stays, marked for deletion.
    deleting = ["-o", "jsonpath={.metadata.deletionTimestamp}"]
    deadline = time.monotonic() + TIMEOUT
    while not env.cluster.kubectl("get", "pod", pod, "-n", env.namespace, *deleting):
        assert time.monotonic() < deadline, f"{pod} was not deleted"
        await asyncio.sleep(0.2)

    assert failed.phase is DriverPhase.FAILED
    assert not env.cluster.kubectl("get", "pod", still_starting, "-n", env.namespace, *deleting)


async def test_two_trackers_see_the_same_states(env: Env, tmp_path: Path) -> None:
    other = KubernetesBackend(env.cluster.settings(env.namespace, tmp_path / "other"))
    app = env.app()
    try:
        pod = env.create_driver_pod(app, MANUAL_NODE)
        env.report(pod, {"phase": "Failed", **terminated(137, "OOMKilled")})

        first = await eventually(env.backend, app, lambda s: s.phase.ended)
        second = await eventually(other, app, lambda s: s.phase.ended)
    finally:
        await other.close()

    assert first == second


@pytest.fixture
async def core() -> AsyncIterator[client.CoreV1Api]:
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(shared_cluster().kubeconfig), client_configuration=configuration
    )
    api = client.ApiClient(configuration)
    yield client.CoreV1Api(api)
    await api.close()


async def wait_for_phase(cache: PodCache, key: DriverKey, phase: str) -> None:
    deadline = time.monotonic() + 60
    while (seen := cache.find(key)) is None or seen.pod.status.phase != phase:
        assert time.monotonic() < deadline, f"never saw {phase}: {seen}"
        await asyncio.sleep(0.1)


async def test_the_watch_goes_on_across_an_api_server_restart_and_a_410(
    env: Env, core: client.CoreV1Api
) -> None:
    cache = PodCache(core, env.namespace)
    cache.start()
    try:
        await cache.synced()
        app = env.app()
        pod = env.create_driver_pod(app, MANUAL_NODE)
        env.report(pod, {"phase": "Running"})
        await wait_for_phase(cache, DriverKey.of(app), "Running")

        env.cluster.restart_api_server()
        env.report(pod, {"phase": "Failed", **terminated(1, "Error")})
        await wait_for_phase(cache, DriverKey.of(app), "Failed")
        lists_after_restart = cache.lists

        cache.version = "1"  # far older than the server keeps: the next resume gets 410 Gone
        env.cluster.restart_api_server()
        later = env.app()
        other = env.create_driver_pod(later, MANUAL_NODE)
        env.report(other, {"phase": "Succeeded", **terminated(0, "Completed")})
        await wait_for_phase(cache, DriverKey.of(later), "Succeeded")
    finally:
        await cache.stop()

    assert lists_after_restart >= 1
    assert cache.lists > lists_after_restart
