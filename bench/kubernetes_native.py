"""Kubernetes benchmark 3: native submission, the driver's objects created without a JVM.

The Kubernetes backend's own `launch` with LIGHTER_KUBERNETES_SUBMIT=native, as the submitter
calls it once it has claimed an application, against the same test API server and with the
same driver pod template as the spark-submit measure (kubernetes_submit.py), in the same run.
First one launch with cold caches, then `sequential` one after another (claim to driver pod
created, without contention), then `total` with `concurrency` at once, as the submitter runs
up to LIGHTER_MAX_STARTING_JOBS launches: submissions per second and claim to pod p50/p99.

The launching process is this one: its CPU time (every thread, and any child it reaps, which
a fallback to spark-submit would be) and its resident memory over the launches at capacity.
The API server, etcd and kwok share the machine's cores; their CPU is reported beside.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes_asyncio.client.exceptions import ApiException
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from prometheus_client import REGISTRY

from bench.kubernetes_submit import (
    MIB,
    SubmitPath,
    batch,
    remove_namespace,
    submit_backend,
)
from bench.launches import launches_at_capacity
from bench.machine import CpuMeter, load_average
from bench.process_tree import OwnProcessMeter
from bench.stats import summary_ms
from tests.harness.kubernetes import KubeCluster

CLUSTER_PROCESSES = ("kube-apiserver", "etcd", "kwok")


@dataclass(frozen=True)
class NativeSubmitOptions:
    sequential: int
    total: int
    concurrency: int


async def measure_native_submit(
    cluster: KubeCluster, work_dir: Path, options: NativeSubmitOptions
) -> dict[str, Any]:
    namespace = cluster.new_namespace()
    backend = submit_backend(cluster, work_dir, namespace, "native")
    before = _submissions()
    try:
        cold = await _launch(backend)
        one_by_one = [await _launch(backend) for _ in range(options.sequential)]
        at_capacity = await _many(backend, cluster, options.total, options.concurrency)
    finally:
        await backend.close()
        remove_namespace(cluster, namespace)
    after = _submissions()
    return {
        "cold_ms": round(cold * 1000, 2),
        "one_by_one": summary_ms(one_by_one),
        "at_capacity": at_capacity,
        # A launch the native path could not build went through spark-submit: says if any did.
        "paths_taken": {path: after[path] - before[path] for path in after},
        "load_average_after": load_average(),
    }


async def _launch(backend: KubernetesBackend) -> float:
    """Seconds from the claim to the driver pod created (launch returns once it exists)."""
    started = time.monotonic()
    await backend.launch(batch(), LaunchContext())
    return time.monotonic() - started


async def _many(
    backend: KubernetesBackend, cluster: KubeCluster, total: int, concurrency: int
) -> dict[str, Any]:
    cluster_cpu = CpuMeter(_cluster_pids(cluster))
    cluster_cpu.start()
    with OwnProcessMeter() as meter:
        launches = await launches_at_capacity(
            backend, batch, total, concurrency, (RuntimeError, ApiException)
        )
    wall = launches.wall_seconds
    return {
        "submissions": total,
        "concurrency": concurrency,
        "failed": len(launches.failures),
        "first_failure": launches.failures[0] if launches.failures else None,
        "wall_seconds": round(wall, 2),
        "submissions_per_second": round(launches.per_second, 1),
        "claim_to_pod": summary_ms(launches.claim_to_launched),
        "cpu_seconds_per_submission": round(meter.cpu_seconds / total, 4),
        "cpu_share": {"submitting process": round(meter.cpu_seconds / wall, 2)},
        "start_rss_mib": round(meter.start_rss_bytes / MIB),
        "peak_rss_mib": round(meter.peak_rss_bytes / MIB),
        "test_cluster_cpu_share": cluster_cpu.stop(),
    }


def _cluster_pids(cluster: KubeCluster) -> dict[str, int]:
    """The test API server's processes, from the pid files its script writes."""
    if cluster.state_dir is None:
        return {}
    pids = {}
    for name in CLUSTER_PROCESSES:
        pid_file = cluster.state_dir / f"{name}.pid"
        if pid_file.exists():
            pids[name] = int(pid_file.read_text().strip())
    return pids


def _submissions() -> dict[SubmitPath, float]:
    """This process's count of driver submissions by the path they took."""
    paths: tuple[SubmitPath, ...] = ("native", "spark-submit")
    return {
        path: REGISTRY.get_sample_value("lighter_kubernetes_submissions_total", {"path": path})
        or 0.0
        for path in paths
    }
