"""Benchmark 1: accepted `POST /lighter/api/batches` per second, and their latency.

Concurrent clients (spread over load processes) submit simulated batches for a fixed window
after a warm-up. Capacity limits are raised so nothing throttles admission; the submitted
batches do launch and run (briefly), as they would in production. Afterwards the submitter's
backlog is watched until every batch has left `not_started`.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.load import LoadJob, run_load
from bench.machine import CpuMeter, load_average
from bench.metrics import histogram_delta, scrape
from bench.servers import Lighter
from bench.stats import summary_ms

BATCHES = "/lighter/api/batches"
BATCH_BODY: dict[str, Any] = {
    "file": "local:///opt/bench/job.py",
    "conf": {"lighter.simulated.startSeconds": "0.2", "lighter.simulated.runSeconds": "1"},
}
SETTINGS = {
    "LIGHTER_BACKEND": "simulated",
    "LIGHTER_MAX_RUNNING_JOBS": "100000",
    "LIGHTER_MAX_STARTING_JOBS": "100000",
}
START_DELAY_SECONDS = 3.0  # lets the spawned load processes import and connect


@dataclass(frozen=True)
class SubmissionOptions:
    clients: int
    load_processes: int
    warmup: float
    duration: float
    backlog_timeout: float


async def measure_submissions(lighter: Lighter, options: SubmissionOptions) -> dict[str, Any]:
    per_process = max(1, options.clients // options.load_processes)
    start_at = time.time() + START_DELAY_SECONDS
    jobs = [
        LoadJob(
            url=lighter.url + BATCHES,
            body=BATCH_BODY,
            clients=per_process,
            start_at=start_at,
            warmup=options.warmup,
            duration=options.duration,
            worker=worker,
        )
        for worker in range(options.load_processes)
    ]
    async with httpx.AsyncClient() as client:
        api_metrics = lighter.metrics_url("api")
        metrics_before = await scrape(client, api_metrics)
        meter = CpuMeter(lighter.pids)
        await asyncio.sleep(max(0.0, start_at + options.warmup - time.time()))
        meter.start()
        results = await asyncio.to_thread(run_load, jobs)
        server_cpu = meter.stop()
        load_after = load_average()
        metrics_after = await scrape(client, api_metrics)
        backlog = await _drain_backlog(client, lighter.url, options.backlog_timeout)

    latencies = [value for result in results for value in result.latencies]
    accepted = sum(result.accepted for result in results)
    client_cpu = [
        round(result.cpu_seconds / result.wall_seconds, 2)
        for result in results
        if result.wall_seconds
    ]
    return {
        "clients": per_process * options.load_processes,
        "load_processes": options.load_processes,
        "window_seconds": options.duration,
        "accepted": accepted,
        "accepted_per_second": round(accepted / options.duration, 1),
        "rejected": sum(result.rejected for result in results),
        "first_error": next((r.first_error for r in results if r.first_error), None),
        "latency": summary_ms(latencies),
        "server_side_latency": histogram_delta(
            metrics_before, metrics_after, "lighter_api_request_seconds"
        ),
        "cpu_share": {**server_cpu, **{f"load-{n}": share for n, share in enumerate(client_cpu)}},
        "backlog_after_window": backlog,
        "load_average_after": load_after,
    }


async def _drain_backlog(client: httpx.AsyncClient, url: str, patience: float) -> dict[str, Any]:
    """How many batches still wait in `not_started` when the load stops, and how long the
    submitter takes to launch them all."""
    started = time.monotonic()
    waiting_at_end = await _count(client, url, "not_started")
    waiting = waiting_at_end
    while waiting and time.monotonic() - started < patience:
        await asyncio.sleep(0.5)
        waiting = await _count(client, url, "not_started")
    return {
        "not_started_at_end": waiting_at_end,
        "not_started_after_wait": waiting,
        "seconds_to_drain": round(time.monotonic() - started, 1) if not waiting else None,
    }


async def _count(client: httpx.AsyncClient, url: str, state: str) -> int:
    response = await client.get(f"{url}{BATCHES}", params={"state": state, "size": 0}, timeout=30)
    response.raise_for_status()
    return int(response.json()["total"])
