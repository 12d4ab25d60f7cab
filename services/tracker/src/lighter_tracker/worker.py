"""The tracker: moves launched applications through their states from what backends report.

Each tick reads every launched, unfinished application, asks the backend for all their
statuses at once and applies the changes by compare-and-set. A process that died while the
tracker was down is settled on its first tick; a `TrackApplication` command makes the next
tick happen at once.
"""

import asyncio
import contextlib
import logging
import time

from lighter_common.backends.base import Backend
from lighter_common.bus.base import Bus
from lighter_common.domain.states import ALIVE_STATES
from lighter_common.messages import TRACKER_QUEUE, Command, TrackApplication
from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store
from prometheus_client import Counter, Gauge, Histogram

from lighter_tracker.logs import LogRefresher
from lighter_tracker.reconcile import reconcile

logger = logging.getLogger(__name__)

TRACKED = Gauge("lighter_tracker_applications", "Launched, unfinished applications tracked")
CHANGES = Counter("lighter_tracker_state_changes_total", "Documents changed by the tracker")
TICK_SECONDS = Histogram("lighter_tracker_tick_seconds", "Duration of one tracking pass")
LOG_REFRESH_SECONDS = 5.0


class Tracker:
    def __init__(self, *, store: Store, bus: Bus, backend: Backend, settings: Settings) -> None:
        self._store = store
        self._bus = bus
        self._backend = backend
        self._settings = settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._logs = LogRefresher(
            store=store,
            backend=backend,
            interval=LOG_REFRESH_SECONDS,
            max_bytes=settings.log_max_bytes,
        )

    async def start(self) -> None:
        await self._bus.consume(TRACKER_QUEUE, self._handle)
        self._task = asyncio.create_task(self._loop(), name="tracker")
        logger.info("tracker started")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _handle(self, command: Command) -> None:
        if isinstance(command, TrackApplication):
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                logger.exception("tracking pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.tracker_interval)
            self._wake.clear()

    async def tick(self) -> int:
        """One pass over every tracked application; returns how many documents changed."""
        started = time.perf_counter()
        apps, _ = await self._store.list_applications(
            ApplicationQuery(
                states=tuple(ALIVE_STATES),
                backend_ref_missing=False,
                include_deleted=True,
                oldest_first=True,
                limit=None,
            )
        )
        TRACKED.set(len(apps))
        if not apps:
            return 0
        statuses = await self._backend.statuses(apps)
        changed = 0
        running = []
        for app in apps:
            status = statuses.get(app.id)
            if status is None:
                continue
            if await reconcile(
                store=self._store,
                bus=self._bus,
                backend=self._backend,
                settings=self._settings,
                app=app,
                status=status,
            ):
                changed += 1
            if not status.phase.ended:
                running.append(app)
        await self._logs.refresh(running)
        CHANGES.inc(changed)
        TICK_SECONDS.observe(time.perf_counter() - started)
        return changed
