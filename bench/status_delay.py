"""Benchmark 2: how late the API shows a batch's end, with thousands of batches running.

Simulated batches are submitted with run times chosen so that batch i ends `run_base + i *
run_step` seconds after the benchmark began, whenever it was submitted: all of them run at
once and their ends spread over a window. Submitting stops when the first end comes; the
figures say how many were submitted by then. The simulated backend's reference,
`sim:<launch epoch ms>:<start s>:<run s>:<outcome>`, read from the store directly, gives the
exact moment each driver ends. From that moment on the benchmark polls
`GET /lighter/api/batches/{id}/state` every `poll_interval` seconds until it says `success`;
the delay is (first answer saying `success`) - (planned end). Polling starts at the planned
end, so the load it adds is the batches due and not yet seen, times the poll rate.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from lighter_common.backends.simulated import (
    RUN_SECONDS_CONF,
    START_SECONDS_CONF,
    SimulatedPlan,
)
from lighter_common.domain.application import ApplicationType
from lighter_common.settings import ServerSettings, Settings, StoreSettings
from lighter_common.store import ApplicationQuery, Store, open_store

from bench.machine import CpuMeter, load_average
from bench.metrics import histogram_delta, scrape
from bench.servers import Lighter
from bench.stats import summary_ms

BATCHES = "/lighter/api/batches"
SUBMIT_CONCURRENCY = 16
POLL_CONCURRENCY = 8
STORE_REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class StatusDelayOptions:
    applications: int
    start_seconds: float  # simulated start time of every batch
    run_base: float  # seconds from the first submission to the first planned end
    run_step: float  # planned ends are this far apart
    poll_interval: float
    give_up_after: float  # a batch not seen `success` this long after its end is "missed"


def settings_for(options: StatusDelayOptions) -> dict[str, str]:
    capacity = str(max(100_000, options.applications * 2))
    return {
        "LIGHTER_BACKEND": "simulated",
        "LIGHTER_MAX_RUNNING_JOBS": capacity,
        "LIGHTER_MAX_STARTING_JOBS": capacity,
    }


async def measure_status_delay(lighter: Lighter, options: StatusDelayOptions) -> dict[str, Any]:
    store = await open_store(_store_settings(lighter))
    try:
        async with httpx.AsyncClient(base_url=lighter.url, timeout=120) as client:
            submit_started = time.monotonic()
            submitted = await _submit(client, options)
            submit_seconds = time.monotonic() - submit_started
            observer = _Observer(client, store, submitted.ids, options)
            tracker_metrics = lighter.metrics_url("tracker")
            metrics_before = await scrape(client, tracker_metrics)
            meter = CpuMeter(lighter.pids)
            meter.start()
            await observer.run()
            cpu = meter.stop()
            metrics_after = await scrape(client, tracker_metrics)
    finally:
        await store.close()
    delays = list(observer.delays.values())
    return {
        "applications": options.applications,
        "submitted": len(submitted.ids),
        "submit_failures": submitted.failures,
        "first_submit_error": submitted.first_error,
        "submitted_in_seconds": round(submit_seconds, 1),
        "running_at_first_end": observer.running_at_first_end,
        "end_window_seconds": round(options.run_step * (options.applications - 1), 1),
        "tracker_interval_seconds": float(lighter.env.get("LIGHTER_TRACKER_INTERVAL", "1")),
        "poll_interval_seconds": options.poll_interval,
        "observed": len(delays),
        "missed": len(submitted.ids) - len(delays) - len(observer.other_ends),
        "ended_otherwise": len(observer.other_ends),
        "delay": summary_ms(delays),
        "poll_requests": observer.requests,
        "poll_latency": summary_ms(observer.poll_latencies),
        "poll_requests_per_second": round(
            observer.requests / max(observer.polling_seconds, 1e-9), 1
        ),
        "tracker_tick": histogram_delta(
            metrics_before, metrics_after, "lighter_tracker_tick_seconds"
        ),
        "cpu_share": cpu,
        "load_average_after": load_average(),
    }


def _store_settings(lighter: Lighter) -> Settings:
    env = lighter.env
    return Settings(
        server=ServerSettings(data_dir=env["LIGHTER_DATA_DIR"]),
        store=StoreSettings(
            mongo_url=env.get("LIGHTER_MONGO_URL"),
            mongo_database=env.get("LIGHTER_MONGO_DATABASE", "lighter"),
        ),
    )


@dataclass
class _Submitted:
    ids: list[str]
    failures: int
    first_error: str | None


async def _submit(client: httpx.AsyncClient, options: StatusDelayOptions) -> _Submitted:
    """Submit in order, each batch planned to end at `first_end + i * run_step` whenever it is
    sent; stop sending when there is no time left before the first end."""
    submitted = _Submitted(ids=[], failures=0, first_error=None)
    first_end = time.time() + options.run_base
    last_send = first_end - options.start_seconds - 1.0
    indexes = iter(range(options.applications))

    async def sender() -> None:
        for index in indexes:
            now = time.time()
            if now > last_send:
                return
            planned_end = first_end + index * options.run_step
            body = {
                "name": f"status-{index}",
                "file": "local:///opt/bench/job.py",
                "conf": {
                    START_SECONDS_CONF: options.start_seconds,
                    RUN_SECONDS_CONF: round(planned_end - now - options.start_seconds, 3),
                },
            }
            try:
                response = await client.post(BATCHES, json=body)
                response.raise_for_status()
            except httpx.HTTPError as error:
                submitted.failures += 1
                submitted.first_error = submitted.first_error or repr(error)
                continue
            submitted.ids.append(response.json()["id"])

    await asyncio.gather(*(sender() for _ in range(SUBMIT_CONCURRENCY)))
    return submitted


class _Observer:
    """Polls each batch from its planned end until the API says it ended (one task a batch,
    so a slow answer about one batch does not hold up the others)."""

    def __init__(
        self, client: httpx.AsyncClient, store: Store, ids: list[str], options: StatusDelayOptions
    ) -> None:
        self._client = client
        self._store = store
        self._options = options
        self._ids = ids
        self._slots = asyncio.Semaphore(POLL_CONCURRENCY)
        self.delays: dict[str, float] = {}
        self.other_ends: dict[str, str] = {}
        self.poll_latencies: list[float] = []
        self.polling_seconds = 0.0
        self.running_at_first_end: int | None = None

    @property
    def requests(self) -> int:
        return len(self.poll_latencies)

    async def run(self) -> None:
        """Watch each batch as soon as its backend reference shows where it ends."""
        started = time.monotonic()
        wanted, watched = set(self._ids), set[str]()
        watchers: list[asyncio.Task[None]] = []
        deadline = started + self._options.run_base + self._options.give_up_after
        while watched != wanted and time.monotonic() < deadline:
            for app_id, end in (await self._read_plans()).items():
                if app_id in wanted and app_id not in watched:
                    watched.add(app_id)
                    watchers.append(asyncio.create_task(self._watch(app_id, end)))
            if watched != wanted:
                await asyncio.sleep(STORE_REFRESH_SECONDS)
        await asyncio.gather(*watchers)
        self.polling_seconds = time.monotonic() - started

    async def _read_plans(self) -> dict[str, float]:
        """Planned ends (epoch seconds) of the batches that have a backend reference."""
        apps, _ = await self._store.list_applications(
            ApplicationQuery(types=(ApplicationType.BATCH,), backend_ref_missing=False, limit=None)
        )
        ends: dict[str, float] = {}
        for app in apps:
            plan = SimulatedPlan.parse(app.backend_ref)
            if plan is not None:
                ends[app.id] = plan.launched_ms / 1000 + plan.start_seconds + plan.run_seconds
        return ends

    async def _watch(self, app_id: str, end: float) -> None:
        await asyncio.sleep(max(0.0, end - time.time()))
        if self.running_at_first_end is None:
            self.running_at_first_end = -1  # being counted
            self.running_at_first_end = await self._count_running()
        while time.time() - end < self._options.give_up_after:
            async with self._slots:
                sent = time.monotonic()
                response = await self._client.get(f"{BATCHES}/{app_id}/state")
                self.poll_latencies.append(time.monotonic() - sent)
            seen_at = time.time()
            state = response.json()["state"] if response.status_code == 200 else None
            if state == "success":
                self.delays[app_id] = seen_at - end
                return
            if state in ("error", "dead", "killed"):
                self.other_ends[app_id] = str(state)
                return
            await asyncio.sleep(self._options.poll_interval)

    async def _count_running(self) -> int:
        response = await self._client.get(BATCHES, params={"state": "running", "size": 0})
        return int(response.json()["total"]) if response.status_code == 200 else -1
