"""The tracker: moves launched applications through their states from what backends report.

Each tick reads every launched, unfinished application, asks the backend for all their
statuses at once and applies the changes by compare-and-set. A process that died while the
tracker was down is settled on its first tick. A `TrackApplication` command has the tracker
look at that one application at once. Every `zombie_interval` seconds a tick also stops the
drivers no application wants (zombies.py) and finishes documents left behind their
transition log (repair.py).
"""

import asyncio
import logging
import time

from lighter_common.backends.base import Backend
from lighter_common.background import BackgroundTasks
from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverStatus
from lighter_common.domain.states import ALIVE_STATES
from lighter_common.messages import TRACKER_QUEUE, Command, TrackApplication
from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store
from prometheus_client import Counter, Gauge, Histogram

from lighter_tracker.logs import LogRefresher
from lighter_tracker.reconcile import reconcile
from lighter_tracker.repair import LogRepair
from lighter_tracker.zombies import stop_zombies

logger = logging.getLogger(__name__)

TRACKED = Gauge("lighter_tracker_applications", "Launched, unfinished applications tracked")
CHANGES = Counter("lighter_tracker_state_changes_total", "Documents changed by the tracker")
TICK_SECONDS = Histogram("lighter_tracker_tick_seconds", "Duration of one tracking pass")
LOG_REFRESH_SECONDS = 5.0
RECONCILE_CONCURRENCY = 16
_LOG_COPY = "tracker-logs"  # the background task copying running drivers' logs


class Tracker:
    def __init__(self, *, store: Store, bus: Bus, backend: Backend, settings: Settings) -> None:
        self._store = store
        self._bus = bus
        self._backend = backend
        self._settings = settings
        self._wake = asyncio.Event()
        self._background = BackgroundTasks()
        self._next_zombie_sweep = 0.0
        self._repair = LogRepair(store, retention=settings.store.transition_log_retention)
        self._logs = LogRefresher(
            store=store,
            backend=backend,
            interval=LOG_REFRESH_SECONDS,
            max_bytes=settings.limits.log_max_bytes,
        )

    async def start(self) -> None:
        await self._bus.consume(TRACKER_QUEUE, self._handle)
        self._background.start("tracker", self._loop)
        logger.info("tracker started")

    async def stop(self) -> None:
        await self._background.stop()

    async def logs_copied(self) -> None:
        """Wait for the running drivers' logs that the last pass began to copy."""
        await self._background.finished(_LOG_COPY)

    async def _handle(self, command: Command) -> None:
        if isinstance(command, TrackApplication):
            await self.track_one(command.app_id)

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.tick()
            except Exception:
                logger.exception("tracking pass failed")
            if started >= self._next_zombie_sweep:
                self._next_zombie_sweep = started + self._settings.loops.zombie_interval
                try:
                    await self.sweep_zombies()
                    await self._repair.run_once()
                except Exception:
                    logger.exception("zombie sweep or log repair failed")
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(self._settings.loops.tracker_interval - elapsed, 0.05))

    async def sweep_zombies(self) -> int:
        """Stop the drivers no application wants; returns how many."""
        return len(await stop_zombies(store=self._store, backend=self._backend))

    async def track_one(self, app_id: str) -> bool:
        """Look at one application now, without waiting for the next pass."""
        app = await self._store.get_application(app_id)
        if app is None or not app.state.is_alive or not app.backend_ref:
            return False
        status = await self._backend.status(app)
        return await self._reconcile(app, status)

    async def _reconcile(self, app: Application, status: DriverStatus) -> bool:
        return await reconcile(
            store=self._store,
            bus=self._bus,
            backend=self._backend,
            settings=self._settings,
            app=app,
            status=status,
        )

    def _copy_logs(self, apps: list[Application]) -> None:
        """Copy running drivers' logs beside the passes, never holding one up: on Kubernetes
        each log is a request (measured: with 2,000 running pods, a pass that waited for them
        took 28 s, and so did every state change)."""
        self._background.start(_LOG_COPY, lambda: self._refresh_logs(apps))

    async def _refresh_logs(self, apps: list[Application]) -> None:
        try:
            await self._logs.refresh(apps)
        except Exception:
            logger.exception("copying running drivers' logs failed")

    async def tick(self) -> int:
        """One pass over every tracked application; returns how many documents changed."""
        started = time.perf_counter()
        apps = await self._store.find_applications(
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
        limit = asyncio.Semaphore(RECONCILE_CONCURRENCY)

        async def reconcile_one(app: Application, status: DriverStatus) -> bool:
            async with limit:
                return await self._reconcile(app, status)

        pairs = [(app, statuses[app.id]) for app in apps if app.id in statuses]
        results = await asyncio.gather(*(reconcile_one(app, status) for app, status in pairs))
        changed = sum(results)
        self._copy_logs([app for app, status in pairs if not status.phase.ended])
        CHANGES.inc(changed)
        TICK_SECONDS.observe(time.perf_counter() - started)
        return changed
