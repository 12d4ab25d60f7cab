"""Kubernetes benchmark 1: what one spark-submit costs, and how many go through per second.

The Kubernetes backend's own `launch` (pyspark's spark-submit in cluster mode, as the
submitter runs it) against the test API server, where kwok runs the driver pods it makes.
First `sequential` launches one after another: wall time, CPU seconds and peak resident
memory of the spark-submit process tree for each (the first, with cold caches, is reported
apart). Then `total` launches with `concurrency` at once, as the submitter runs up to
LIGHTER_MAX_STARTING_JOBS of them: submissions per second at full capacity, and the time from
claim (a launch's turn) to driver pod created. kubernetes_native.py measures the same for
native submission.
"""

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lighter_common.backends.base import LaunchContext
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams

from bench.launches import launches_at_capacity
from bench.machine import load_average
from bench.process_tree import ProcessTreeMeter
from bench.stats import summary_ms
from tests.harness.kubernetes import KWOK_NODE, KubeCluster

JOB = "local:///opt/spark/examples/src/main/python/pi.py"
IMAGE = "registry.example.org/spark:4.0.1"
MIB = 1024 * 1024

SubmitPath = Literal["native", "spark-submit"]


@dataclass(frozen=True)
class SubmitCostOptions:
    sequential: int
    total: int
    concurrency: int


async def measure_submit_cost(
    cluster: KubeCluster, work_dir: Path, options: SubmitCostOptions
) -> dict[str, Any]:
    namespace = cluster.new_namespace()
    # What this measures, whatever the default.
    backend = submit_backend(cluster, work_dir, namespace, "spark-submit")
    try:
        one_by_one = [await _one(backend) for _ in range(options.sequential)]
        at_capacity = await _many(backend, options.total, options.concurrency)
    finally:
        await backend.close()
        remove_namespace(cluster, namespace)
    cold, warm = one_by_one[0], one_by_one[1:] or one_by_one
    return {
        "cold": cold,
        "warm_runs": len(warm),
        "warm_median": {key: statistics.median(run[key] for run in warm) for key in cold},
        "warm_max": {key: max(run[key] for run in warm) for key in cold},
        "at_capacity": at_capacity,
        "load_average_after": load_average(),
    }


def submit_backend(
    cluster: KubeCluster, work_dir: Path, namespace: str, path: SubmitPath
) -> KubernetesBackend:
    """The backend as the submitter runs it, its driver pods bound to kwok's node."""
    template = work_dir / "driver-template.yaml"
    template.write_text(f"apiVersion: v1\nkind: Pod\nspec:\n  nodeName: {KWOK_NODE}\n")
    return KubernetesBackend(
        cluster.settings(
            namespace,
            work_dir / "submit-data",
            kubernetes_submit=path,
            kubernetes_image=IMAGE,
            kubernetes_driver_pod_template=template,
            kubernetes_submit_timeout=600,
        )
    )


def remove_namespace(cluster: KubeCluster, namespace: str) -> None:
    """Its pods first: with no controller manager a deleted namespace keeps them, and kwok
    would go on running them beside the next measure. One request for them all: a delete
    per pod outlasts kubectl's minute after a few thousand launches."""
    cluster.kubectl("delete", "--raw", f"/api/v1/namespaces/{namespace}/pods")
    cluster.kubectl("delete", "namespace", namespace, "--wait=false")


def batch() -> Application:
    return Application(type=ApplicationType.BATCH, submit_params=SubmitParams(file=JOB))


async def _one(backend: KubernetesBackend) -> dict[str, float]:
    started = time.monotonic()
    with ProcessTreeMeter() as meter:
        await backend.launch(batch(), LaunchContext())
    return {
        "wall_seconds": round(time.monotonic() - started, 2),
        "cpu_seconds": round(meter.cpu_seconds, 2),
        "peak_rss_mib": round(meter.peak_rss_bytes / MIB),
    }


async def _many(backend: KubernetesBackend, total: int, concurrency: int) -> dict[str, Any]:
    with ProcessTreeMeter() as meter:
        # spark-submit that made no pod raises RuntimeError: counted, not fatal
        launches = await launches_at_capacity(backend, batch, total, concurrency, (RuntimeError,))
    return {
        "submissions": total,
        "concurrency": concurrency,
        "failed": len(launches.failures),
        "first_failure": launches.failures[0] if launches.failures else None,
        "wall_seconds": round(launches.wall_seconds, 1),
        "submissions_per_second": round(launches.per_second, 3),
        "claim_to_pod": summary_ms(launches.claim_to_launched),
        "cpu_seconds_per_submission": round(meter.cpu_seconds / total, 2),
        "peak_rss_mib": round(meter.peak_rss_bytes / MIB),
    }
