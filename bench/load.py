"""Load generation: processes that each drive concurrent HTTP clients at one endpoint.

Several processes keep the client from being the bottleneck on a small machine; each reports
the CPU it used, so a report can say whether it was.
"""

import asyncio
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import httpx


@dataclass(frozen=True)
class LoadJob:
    url: str  # the endpoint to POST to
    body: dict[str, Any]
    clients: int  # concurrent requests kept in flight by this process
    start_at: float  # epoch seconds: every process begins together
    warmup: float
    duration: float
    worker: int = 0


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, requests done in the window
    accepted: int = 0  # 2xx answers completed within the measured window
    rejected: int = 0  # other answers and transport errors, within the window
    first_error: str | None = None
    cpu_seconds: float = 0.0  # this process, over warmup and window
    wall_seconds: float = 0.0


def run_load(jobs: list[LoadJob]) -> list[LoadResult]:
    """Run each job in its own process; returns when every one has finished."""
    with ProcessPoolExecutor(max_workers=len(jobs), mp_context=get_context("spawn")) as pool:
        return list(pool.map(load_process, jobs))


def load_process(job: LoadJob) -> LoadResult:
    return asyncio.run(_load(job))


async def _load(job: LoadJob) -> LoadResult:
    result = LoadResult()
    limits = httpx.Limits(max_connections=job.clients, max_keepalive_connections=job.clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.sleep(max(0.0, job.start_at - time.time()))
        cpu_started, wall_started = time.process_time(), time.monotonic()
        window_start = wall_started + job.warmup
        window_end = window_start + job.duration

        async def one_client(client_number: int) -> None:
            sent = 0
            while time.monotonic() < window_end:
                sent += 1
                body = {**job.body, "name": f"bench-{job.worker}-{client_number}-{sent}"}
                started = time.monotonic()
                try:
                    response = await client.post(job.url, json=body)
                    ok, error = response.is_success, f"{response.status_code} {response.text[:200]}"
                except httpx.HTTPError as failure:
                    ok, error = False, repr(failure)
                finished = time.monotonic()
                if not window_start <= finished < window_end:
                    continue
                if ok:
                    result.accepted += 1
                    result.latencies.append(finished - started)
                else:
                    result.rejected += 1
                    result.first_error = result.first_error or error

        await asyncio.gather(*(one_client(n) for n in range(job.clients)))
        result.cpu_seconds = time.process_time() - cpu_started
        result.wall_seconds = time.monotonic() - wall_started
    return result
