"""Kubernetes benchmark 2: how late Lighter records a driver pod's end, with thousands running.

`pods` driver pods, labelled and annotated as Lighter's spark-submit makes them, are created
on the test API server on kwok's node, which runs them (Running) as a kubelet would. Lighter
(standalone, kubernetes backend) starts with one running batch per pod in its store, as it
would come back after a restart, and follows them through its watch. Then `ended` of them,
`end_rate` a second, are reported Succeeded through the status subresource as their kubelet
would; the delay is (the transition to `success` in Lighter's log) - (that report).
The other pods keep running meanwhile, so Lighter tracks at least `pods - ended` throughout.
"""

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx
from kubernetes_asyncio import client, config
from lighter_common.backends.kubernetes.labels import (
    SPARK_APP_ID_LABEL,
    SPARK_ROLE_LABEL,
    driver_annotations,
    driver_labels,
    driver_pod_name,
)
from lighter_common.backends.kubernetes.pod_state import DRIVER_CONTAINER
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.driver import DriverKey
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.store.sqlite import SqliteStore

from bench.machine import CpuMeter, load_average
from bench.metrics import histogram_delta, scrape
from bench.stats import summary_ms
from tests.harness.kubernetes import KWOK_NODE, KubeCluster
from tests.harness.processes import LighterProcesses

IMAGE = "registry.example.org/spark:4.0.1"
CREATE_CONCURRENCY = 8
READY_TIMEOUT = 600.0
SETTLE_TIMEOUT = 120.0


@dataclass(frozen=True)
class PodStatusOptions:
    pods: int
    ended: int
    end_rate: float  # reports a second


async def measure_pod_status_delay(
    cluster: KubeCluster, work_dir: Path, options: PodStatusOptions
) -> dict[str, Any]:
    namespace = cluster.new_namespace()
    data_dir = work_dir / "status-lighter"
    data_dir.mkdir(parents=True)
    configuration = client.Configuration()
    await config.load_kube_config(str(cluster.kubeconfig), client_configuration=configuration)
    api = client.ApiClient(configuration)
    core = client.CoreV1Api(api)
    apps = [_running_batch(i) for i in range(options.pods)]
    lighter = LighterProcesses(
        mode="standalone", data_dir=data_dir, env=_env(cluster, namespace, data_dir)
    )
    try:
        created_in = await _create_pods(core, namespace, apps)
        await _wait_running(core, namespace, options.pods)
        await _insert(data_dir, apps)
        lighter.start_all()
        figures = await _measure(lighter, core, namespace, apps[: options.ended], options)
    finally:
        lighter.stop_all()
        await api.close()
        cluster.kubectl("delete", "namespace", namespace, "--wait=false")
    delays = await _delays(data_dir, figures.pop("reported_at"))
    return {
        "pods": options.pods,
        "ended": options.ended,
        "end_rate_per_second": options.end_rate,
        "pods_created_in_seconds": round(created_in, 1),
        "observed": len(delays),
        "delay": summary_ms(delays),
        **figures,
        "load_average_after": load_average(),
    }


def _env(cluster: KubeCluster, namespace: str, data_dir: Path) -> dict[str, str]:
    return {
        "LIGHTER_DATA_DIR": str(data_dir),
        "LIGHTER_BACKEND": "kubernetes",
        "LIGHTER_LOG_FORMAT": "text",
        "LIGHTER_KUBERNETES_KUBECONFIG": str(cluster.kubeconfig),
        "LIGHTER_KUBERNETES_NAMESPACE": namespace,
        # Never pulled (kwok runs the pods); the submitter does not start without one.
        "LIGHTER_KUBERNETES_IMAGE": "registry.example.org/spark:4.3.0",
    }


def _running_batch(index: int) -> Application:
    """A batch as Lighter records it once its driver pod runs."""
    now = utcnow()
    app = Application(
        type=ApplicationType.BATCH,
        state=ApplicationState.RUNNING,
        backend="kubernetes",
        app_id=f"spark-{index}",
        submit_params=SubmitParams(file="local:///opt/bench/job.py", name=f"pod-{index}"),
        started_at=now,
        contacted_at=now,
    )
    return app.model_copy(update={"backend_ref": driver_pod_name(DriverKey.of(app))})


def _pod(app: Application) -> client.V1Pod:
    """The driver pod as Lighter's spark-submit makes it, bound to kwok's node."""
    key = DriverKey.of(app)
    labels = {**driver_labels(key), SPARK_ROLE_LABEL: "driver"}
    labels[SPARK_APP_ID_LABEL] = app.app_id or ""
    return client.V1Pod(
        metadata=client.V1ObjectMeta(
            name=driver_pod_name(key), labels=labels, annotations=driver_annotations(key)
        ),
        spec=client.V1PodSpec(
            node_name=KWOK_NODE, containers=[client.V1Container(name=DRIVER_CONTAINER, image=IMAGE)]
        ),
    )


async def _create_pods(core: client.CoreV1Api, namespace: str, apps: list[Application]) -> float:
    started = time.monotonic()
    queue = iter(apps)

    async def creator() -> None:
        for app in queue:
            await core.create_namespaced_pod(namespace, _pod(app))

    await asyncio.gather(*(creator() for _ in range(CREATE_CONCURRENCY)))
    return time.monotonic() - started


async def _wait_running(core: client.CoreV1Api, namespace: str, count: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        listed = await core.list_namespaced_pod(namespace, field_selector="status.phase=Running")
        if len(listed.items) >= count:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(listed.items)} of {count} pods running")
        await asyncio.sleep(2)


async def _insert(data_dir: Path, apps: list[Application]) -> None:
    store = await SqliteStore.open(data_dir / "lighter.db")
    try:
        for app in apps:
            await store.insert_application(app)
    finally:
        await store.close()


async def _measure(
    lighter: LighterProcesses,
    core: client.CoreV1Api,
    namespace: str,
    ending: list[Application],
    options: PodStatusOptions,
) -> dict[str, Any]:
    metrics_url = lighter.metrics_url("tracker")
    async with httpx.AsyncClient(base_url=lighter.url, timeout=60) as http:
        await _wait_tracking(http, metrics_url, options.pods)
        before = await scrape(http, metrics_url)
        meter = CpuMeter(lighter.pids)
        meter.start()
        reported_at: dict[str, float] = {}
        for app, due in zip(ending, _schedule(options.end_rate), strict=False):
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            reported_at[app.id] = time.time()
            await core.patch_namespaced_pod_status(
                driver_pod_name(DriverKey.of(app)), namespace, _succeeded()
            )
        settled = await _wait_settled(http, len(ending))
        cpu = meter.stop()
        after = await scrape(http, metrics_url)
    return {
        "reported_at": reported_at,
        "all_seen_success": settled,
        "tracker_tick": histogram_delta(before, after, "lighter_tracker_tick_seconds"),
        "cpu_share": cpu,
    }


def _schedule(rate: float) -> Iterator[float]:
    start = time.monotonic()
    index = 0
    while True:
        yield start + index / rate
        index += 1


def _succeeded() -> dict[str, Any]:
    terminated = {"exitCode": 0, "reason": "Completed"}
    container = {"name": DRIVER_CONTAINER, "image": IMAGE, "state": {"terminated": terminated}}
    return {"status": {"phase": "Succeeded", "containerStatuses": [container]}}


async def _wait_tracking(http: httpx.AsyncClient, metrics_url: str, pods: int) -> None:
    """Until the tracker has passed over every application twice."""
    deadline = time.monotonic() + READY_TIMEOUT
    first_ticks: float | None = None
    while time.monotonic() < deadline:
        samples = await scrape(http, metrics_url)
        ticks = samples.get("lighter_tracker_tick_seconds_count", 0.0)
        if samples.get("lighter_tracker_applications") == pods:
            first_ticks = ticks if first_ticks is None else first_ticks
            if ticks >= first_ticks + 2:
                return
        await asyncio.sleep(1)
    raise RuntimeError("the tracker did not take up the applications")


async def _wait_settled(http: httpx.AsyncClient, ended: int) -> bool:
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        response = await http.get("/lighter/api/batches", params={"state": "success", "size": 0})
        if response.status_code == 200 and response.json()["total"] >= ended:
            return True
        await asyncio.sleep(1)
    return False


async def _delays(data_dir: Path, reported_at: dict[str, float]) -> list[float]:
    store = await SqliteStore.open(data_dir / "lighter.db")
    try:
        delays = []
        for app_id, reported in reported_at.items():
            for record in await store.transitions(app_id):
                if record.to_state == ApplicationState.SUCCESS.value:
                    at = record.at if record.at.tzinfo else record.at.replace(tzinfo=UTC)
                    delays.append(at.timestamp() - reported)
        return delays
    finally:
        await store.close()
