"""Benchmark 3: a statement's round trip through a live session, on real Spark (local mode).

A session is started (`POST /lighter/api/sessions` until `idle`); then `1+1` is posted again
and again and its statement polled every few milliseconds until `available`. The statement
document's own times split each round trip:
- queued: POST sent → `started` (the session-manager handed it to the kernel);
- kernel: `started` → `completed` (the kernel received it, ran it, posted the result back);
- seen: `completed` → the poll that showed `available`.
Service overhead is estimated as round trip - kernel span; the kernel span itself still holds
two HTTP hops (long-poll reply and result post) besides running the code.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.machine import CpuMeter, load_average
from bench.servers import Lighter
from bench.stats import summary_ms

SESSIONS = "/lighter/api/sessions"
CODE = "1+1"
FINISHED_STATEMENT_STATES = ("available", "error", "cancelled")
FAILED_SESSION_STATES = ("error", "dead", "killed", "success")


@dataclass(frozen=True)
class StatementOptions:
    statements: int  # per session
    concurrent_sessions: int
    poll_interval: float
    session_start_timeout: float


SETTINGS = {
    "LIGHTER_BACKEND": "local",
    "LIGHTER_SPARK_MASTER": "local[1]",
    "LIGHTER_MAX_RUNNING_SESSIONS": "16",
}


@dataclass
class RoundTrip:
    total: float
    queued: float
    kernel: float
    seen: float
    correct: bool


async def measure_statements(lighter: Lighter, options: StatementOptions) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=lighter.url, timeout=60) as client:
        one_start, (session,) = await _start_sessions(client, 1, options)
        one = await _loops(client, [session], options, lighter)
        more_start, sessions = await _start_sessions(client, options.concurrent_sessions, options)
        many = await _loops(client, sessions, options, lighter)
        for session_id in [session, *sessions]:
            await client.delete(f"{SESSIONS}/{session_id}")
    return {
        "statement": CODE,
        "poll_interval_ms": round(options.poll_interval * 1000, 1),
        "session_start": {"one_session_seconds": one_start, "concurrent_seconds": more_start},
        "one_session": one,
        f"{options.concurrent_sessions}_sessions": many,
    }


async def _start_sessions(
    client: httpx.AsyncClient, count: int, options: StatementOptions
) -> tuple[list[float], list[str]]:
    results = await asyncio.gather(*(_start_session(client, n, options) for n in range(count)))
    return [seconds for seconds, _ in results], [session for _, session in results]


async def _start_session(
    client: httpx.AsyncClient, number: int, options: StatementOptions
) -> tuple[float, str]:
    started = time.monotonic()
    response = await client.post(SESSIONS, json={"kind": "pyspark", "name": f"bench-{number}"})
    response.raise_for_status()
    session_id = str(response.json()["id"])
    while time.monotonic() - started < options.session_start_timeout:
        state = (await client.get(f"{SESSIONS}/{session_id}/state")).json()["state"]
        if state == "idle":
            return round(time.monotonic() - started, 2), session_id
        if state in FAILED_SESSION_STATES:
            log = (await client.get(f"{SESSIONS}/{session_id}/log")).json().get("log", "")
            raise RuntimeError(f"session {session_id} ended {state} at start: {str(log)[-2000:]}")
        await asyncio.sleep(0.1)
    raise RuntimeError(f"session {session_id} was not idle after {options.session_start_timeout}s")


async def _loops(
    client: httpx.AsyncClient, sessions: list[str], options: StatementOptions, lighter: Lighter
) -> dict[str, Any]:
    meter = CpuMeter(lighter.pids)
    meter.start()
    started = time.monotonic()
    loops = await asyncio.gather(*(_loop(client, s, options) for s in sessions))
    elapsed = time.monotonic() - started
    trips = [trip for loop in loops for trip in loop]
    totals = [trip.total for trip in trips]
    kernels = [trip.kernel for trip in trips]
    overheads = [trip.total - trip.kernel for trip in trips]
    return {
        "sessions": len(sessions),
        "statements": len(trips),
        "wrong_results": sum(not trip.correct for trip in trips),
        "statements_per_second": round(len(trips) / elapsed, 1),
        "round_trip": summary_ms(totals),
        "queued": summary_ms([trip.queued for trip in trips]),
        "kernel_span": summary_ms(kernels),
        "seen_after_completed": summary_ms([trip.seen for trip in trips]),
        "service_overhead": summary_ms(overheads),
        "cpu_share": meter.stop(),
        "load_average_after": load_average(),
    }


async def _loop(
    client: httpx.AsyncClient, session_id: str, options: StatementOptions
) -> list[RoundTrip]:
    trips = []
    for _ in range(options.statements):
        trips.append(await _round_trip(client, session_id, options.poll_interval))
    return trips


async def _round_trip(client: httpx.AsyncClient, session_id: str, poll: float) -> RoundTrip:
    sent_at, sent = time.time(), time.monotonic()
    response = await client.post(f"{SESSIONS}/{session_id}/statements", json={"code": CODE})
    response.raise_for_status()
    statement_url = f"{SESSIONS}/{session_id}/statements/{response.json()['id']}"
    body: dict[str, Any] = response.json()
    while body["state"] not in FINISHED_STATEMENT_STATES:
        await asyncio.sleep(poll)
        body = (await client.get(statement_url)).json()
    seen_at, total = time.time(), time.monotonic() - sent
    started, completed = body["started"] / 1000, body["completed"] / 1000
    output = body.get("output") or {}
    return RoundTrip(
        total=total,
        queued=max(0.0, started - sent_at),
        kernel=max(0.0, completed - started),
        seen=max(0.0, seen_at - completed),
        correct=(output.get("data") or {}).get("text/plain") == "2",
    )
