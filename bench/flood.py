"""Benchmark: `/health` while one user floods the API with large submissions (issue 15, item 11).

A flooding process keeps a few clients sending ~1 MB batch bodies, just under the body
limit, each client listing the batches now and then, as the attack in the issue did;
meanwhile this process asks `/health` in a loop and times every answer. Two shapes of body,
one after the other on the same Lighter: `many_args`, the issue's 200,000 short `args` (which
bounded fields refuse with a 400 once parsed), and `long_args`, a few dozen arguments of
16,000 characters each (accepted and stored: 1 MB documents written and listed). The goal:
`/health` p99 under 100 ms. A few seconds of `/health` alone come first, as the baseline.
"""

import asyncio
import json
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import httpx

from bench.machine import CpuMeter, load_average
from bench.servers import Lighter
from bench.stats import summary_ms

BATCHES = "/lighter/api/batches"
SETTINGS = {
    "LIGHTER_BACKEND": "simulated",
    "LIGHTER_MAX_RUNNING_JOBS": "100000",
    "LIGHTER_MAX_STARTING_JOBS": "100000",
}
HEALTH_GOAL_P99_MS = 100.0
PROBE_PAUSE_SECONDS = 0.02
LIST_EVERY = 4  # each flooding client lists the batches after every this many submissions


SHAPES = {"many_args": (200_000, 2), "long_args": (60, 16_000)}  # args, characters each


@dataclass(frozen=True)
class FloodOptions:
    clients: int  # concurrent flooding requests
    baseline: float  # seconds of /health alone
    duration: float  # seconds of /health under each shape of flood


@dataclass
class FloodResult:
    submissions: Counter[str] = field(default_factory=Counter)  # status -> count
    lists: Counter[str] = field(default_factory=Counter)
    submission_seconds: list[float] = field(default_factory=list)
    list_seconds: list[float] = field(default_factory=list)
    body_bytes: int = 0


def flood_body(args: int, chars: int) -> bytes:
    """A batch submission of `args` arguments of `chars` characters each."""
    body: dict[str, Any] = {
        "file": "local:///opt/bench/job.py",
        "args": ["a" * chars] * args,
        "conf": {"lighter.simulated.startSeconds": "0.2", "lighter.simulated.runSeconds": "1"},
    }
    return json.dumps(body, separators=(",", ":")).encode()


async def measure_flood(lighter: Lighter, options: FloodOptions) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as client:
        health = f"{lighter.url}/health"
        baseline = await _probe(client, health, time.monotonic() + options.baseline)
        figures = {
            shape: await _measure_shape(lighter, client, options, *SHAPES[shape])
            for shape in SHAPES
        }
    return {"health_alone": summary_ms(baseline.seconds), **figures}


async def _measure_shape(
    lighter: Lighter, client: httpx.AsyncClient, options: FloodOptions, args: int, chars: int
) -> dict[str, Any]:
    health = f"{lighter.url}/health"
    meter = CpuMeter(lighter.pids)
    meter.start()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        flood = asyncio.wrap_future(
            pool.submit(flood_process, lighter.url, options.clients, args, chars, options.duration)
        )
        await asyncio.sleep(1.0)  # the flooding process imports and connects
        flooded = await _probe(client, health, time.monotonic() + options.duration)
        result = await flood
    server_cpu = meter.stop()
    under_flood = summary_ms(flooded.seconds)
    p99 = float(under_flood.get("p99_ms", float("inf")))
    return {
        "flood_clients": options.clients,
        "args_per_submission": args,
        "chars_per_arg": chars,
        "body_bytes": result.body_bytes,
        "health_under_flood": under_flood,
        "health_failures": flooded.failures,
        "goal_p99_ms": HEALTH_GOAL_P99_MS,
        "goal_met": p99 < HEALTH_GOAL_P99_MS and not flooded.failures,
        "submissions_by_status": dict(result.submissions),
        "submission_latency": summary_ms(result.submission_seconds),
        "lists_by_status": dict(result.lists),
        "list_latency": summary_ms(result.list_seconds),
        "cpu_share": server_cpu,
        "load_average_after": load_average(),
    }


@dataclass
class _Probes:
    seconds: list[float] = field(default_factory=list)
    failures: int = 0


async def _probe(client: httpx.AsyncClient, url: str, until: float) -> _Probes:
    probes = _Probes()
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            answer = await client.get(url)
            ok = answer.status_code == 200
        except httpx.HTTPError:
            ok = False
        probes.seconds.append(time.monotonic() - started)
        probes.failures += not ok
        await asyncio.sleep(PROBE_PAUSE_SECONDS)
    return probes


def flood_process(url: str, clients: int, args: int, chars: int, duration: float) -> FloodResult:
    return asyncio.run(_flood(url, clients, args, chars, duration))


async def _flood(url: str, clients: int, args: int, chars: int, duration: float) -> FloodResult:
    result = FloodResult()
    body = flood_body(args, chars)
    result.body_bytes = len(body)
    headers = {"Content-Type": "application/json"}
    ends = time.monotonic() + duration

    async def one_client(client: httpx.AsyncClient) -> None:
        sent = 0
        while time.monotonic() < ends:
            sent += 1
            started = time.monotonic()
            status = await _status(client.post(url + BATCHES, content=body, headers=headers))
            result.submissions[status] += 1
            result.submission_seconds.append(time.monotonic() - started)
            if sent % LIST_EVERY == 0:
                started = time.monotonic()
                status = await _status(client.get(url + BATCHES, params={"size": 20}))
                result.lists[status] += 1
                result.list_seconds.append(time.monotonic() - started)

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(one_client(client) for _ in range(clients)))
    return result


async def _status(request: Any) -> str:
    try:
        response: httpx.Response = await request
    except httpx.HTTPError as failure:
        return type(failure).__name__
    return str(response.status_code)
