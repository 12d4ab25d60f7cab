"""YARN benchmarks, on the test MiniYARNCluster (tests/harness/yarn_cluster.py): one
ResourceManager and one NodeManager on this machine, whose 8 GB run 7 small drivers at once
(the default queue's per-user limit for ApplicationMasters).

1. spark_submit: the YARN backend's own launch (spark-submit in cluster mode, which returns once
   the ResourceManager has the application), `sequential` times one after another: wall time,
   CPU seconds and peak resident memory of the spark-submit process tree (the first, with cold
   caches, apart). Then `total` launches all at once, which the backend's bound on spark-submit
   JVMs (LIGHTER_MAX_SPARK_SUBMITS) queues: submissions per second at capacity, and the time from
   a launch's turn to its application in YARN. Every application goes to the `narrow` queue,
   which runs one ApplicationMaster at a time, and is killed once measured, so that drivers do
   not run beside the measure.
2. status_delay: `running` batches whose drivers stay up, submitted through Lighter (standalone,
   yarn backend) and followed by its tracker; once they all run, they are killed one at a time
   through the ResourceManager, not Lighter. The delay is from the ResourceManager's
   `finishedTime` to the batch's end in Lighter (its `finishedAt`).
"""

import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.yarn.app_state import ENDED_STATES
from lighter_common.backends.yarn.backend import YarnBackend
from lighter_common.backends.yarn.hadoop_conf import read_yarn_addresses
from lighter_common.backends.yarn.resource_manager import ResourceManager
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import ServerSettings, Settings, YarnSettings

from bench.launches import launches_at_capacity
from bench.machine import load_average
from bench.process_tree import ProcessTreeMeter
from bench.servers import running_lighter
from bench.stats import summary_ms
from tests.harness.yarn_cluster import YarnCluster

MIB = 1024 * 1024
NARROW_QUEUE = "narrow"
# A driver that starts Spark and stays up, without executors (dynamic allocation asks for none
# until a job runs): what a tracker follows.
STAYING_DRIVER = """\
import sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
time.sleep(float(sys.argv[1]))
spark.stop()
"""
SMALL = {
    "spark.driver.memory": "512m",
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.shuffleTracking.enabled": "true",
    "spark.dynamicAllocation.minExecutors": "0",
    "spark.dynamicAllocation.initialExecutors": "0",
}
RUNNING_WITHIN = 900.0
KILL_EVERY = 2.0


@dataclass(frozen=True)
class YarnBenchOptions:
    sequential: int
    total: int
    running: int


async def measure_submit_cost(
    cluster: YarnCluster, work_dir: Path, options: YarnBenchOptions
) -> dict[str, Any]:
    job = _staying_driver(work_dir)
    settings = _settings(cluster, work_dir / "submit-data")
    backend = YarnBackend(settings)
    launched: list[Application] = []

    def narrow_batch() -> Application:
        app = Application(
            type=ApplicationType.BATCH,
            submit_params=SubmitParams(file=str(job), args=["600"], queue=NARROW_QUEUE, conf=SMALL),
        )
        launched.append(app)
        return app

    try:
        one_by_one = []
        for _ in range(options.sequential):
            one_by_one.append(await _one(backend, narrow_batch()))
            await backend.kill(DriverKey.of(launched[-1]))
        with ProcessTreeMeter() as meter:
            launches = await launches_at_capacity(
                backend, narrow_batch, options.total, options.total, (RuntimeError,)
            )
    finally:
        await asyncio.gather(*(backend.kill(DriverKey.of(app)) for app in launched))
        await backend.close()
    cold, warm = one_by_one[0], one_by_one[1:] or one_by_one
    return {
        "cold": cold,
        "warm_runs": len(warm),
        "warm_median": {key: statistics.median(run[key] for run in warm) for key in cold},
        "warm_max": {key: max(run[key] for run in warm) for key in cold},
        "at_capacity": {
            "submissions": options.total,
            "spark_submits_at_once": settings.limits.spark_submit_slots,
            "failed": len(launches.failures),
            "first_failure": launches.failures[0] if launches.failures else None,
            "wall_seconds": round(launches.wall_seconds, 1),
            "submissions_per_second": round(launches.per_second, 3),
            "turn_to_yarn": summary_ms(launches.claim_to_launched),
            "cpu_seconds_per_submission": round(meter.cpu_seconds / options.total, 2),
            "peak_rss_mib": round(meter.peak_rss_bytes / MIB),
        },
        "load_average_after": load_average(),
    }


async def measure_status_delay(
    cluster: YarnCluster, work_dir: Path, options: YarnBenchOptions
) -> dict[str, Any]:
    job = _staying_driver(work_dir)
    settings = {**cluster.lighter_env(), "LIGHTER_BACKEND": "yarn"}
    settings |= {"LIGHTER_ALLOWED_LOCAL_DIRS": str(work_dir)}
    settings |= {"LIGHTER_LAUNCH_TIMEOUT": "900", "LIGHTER_MAX_RUNNING_JOBS": "50"}
    settings |= {"LIGHTER_MAX_STARTING_JOBS": "50", "LIGHTER_LOG_LEVEL": "INFO"}
    addresses = read_yarn_addresses(cluster.conf_dir)
    async with (
        running_lighter("standalone", work_dir, settings) as lighter,
        httpx.AsyncClient(base_url=lighter.url + "/lighter/api", timeout=30) as api,
        httpx.AsyncClient(timeout=30) as http,
    ):
        rm = ResourceManager(base_urls=addresses.resource_managers, client=http)
        started = time.monotonic()
        ids = [await _post(api, job) for _ in range(options.running)]
        running = await _until_running(api, ids)
        all_running_after = time.monotonic() - started
        delays = []
        for batch_id, yarn_id in running.items():
            await rm.kill(yarn_id)
            finished_ms = await _finished_time(rm, yarn_id)
            ended = await _ended(api, batch_id)
            delays.append(_seconds(ended["finishedAt"]) - finished_ms / 1000)
            await asyncio.sleep(KILL_EVERY)
        for batch_id in ids:
            await api.delete(f"/batches/{batch_id}")
    return {
        "batches": options.running,
        "running_at_once": len(running),
        "all_running_after_seconds": round(all_running_after, 1),
        "end_to_lighter": summary_ms(delays),
        "load_average_after": load_average(),
    }


def _settings(cluster: YarnCluster, data_dir: Path) -> Settings:
    env = cluster.lighter_env()
    return Settings(
        server=ServerSettings(data_dir=data_dir, backend="yarn"),
        yarn=YarnSettings(
            hadoop_conf_dir=Path(env["HADOOP_CONF_DIR"]),
            user=env["LIGHTER_YARN_USER"],
            jars=env.get("LIGHTER_YARN_JARS"),
            archive=env.get("LIGHTER_YARN_ARCHIVE"),
            python=env.get("LIGHTER_YARN_PYTHON"),
        ),
    )


def _staying_driver(work_dir: Path) -> Path:
    job = work_dir / "staying_driver.py"
    work_dir.mkdir(parents=True, exist_ok=True)
    job.write_text(STAYING_DRIVER)
    return job


async def _one(backend: YarnBackend, app: Application) -> dict[str, float]:
    started = time.monotonic()
    with ProcessTreeMeter() as meter:
        await backend.launch(app, LaunchContext())
    return {
        "wall_seconds": round(time.monotonic() - started, 2),
        "cpu_seconds": round(meter.cpu_seconds, 2),
        "peak_rss_mib": round(meter.peak_rss_bytes / MIB),
    }


async def _post(api: httpx.AsyncClient, job: Path) -> str:
    body = {"name": "bench-yarn", "file": str(job), "args": ["3600"], "conf": SMALL}
    answer = await api.post("/batches", json=body)
    answer.raise_for_status()
    batch_id: str = answer.json()["id"]
    return batch_id


async def _until_running(api: httpx.AsyncClient, ids: list[str]) -> dict[str, str]:
    """Each batch's YARN id once every one runs (or the time is up: those that do)."""
    deadline = time.monotonic() + RUNNING_WITHIN
    running: dict[str, str] = {}
    while len(running) < len(ids) and time.monotonic() < deadline:
        for batch_id in ids:
            batch = (await api.get(f"/batches/{batch_id}")).json()
            if batch["state"] in ("error", "dead", "killed", "success"):
                raise RuntimeError(f"batch {batch_id} ended before it was measured: {batch}")
            if batch["state"] == "running":
                running[batch_id] = batch["appId"]
        await asyncio.sleep(1)
    return running


async def _finished_time(rm: ResourceManager, yarn_id: str) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        app = await rm.application(yarn_id)
        if app is not None and app.state in ENDED_STATES and app.finished_time:
            return app.finished_time
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{yarn_id} did not end within 120 s of its kill")


async def _ended(api: httpx.AsyncClient, batch_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        batch: dict[str, Any] = (await api.get(f"/batches/{batch_id}")).json()
        if batch["finishedAt"]:
            return batch
        await asyncio.sleep(0.02)
    raise RuntimeError(f"Lighter did not see batch {batch_id} end within 120 s")


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()
