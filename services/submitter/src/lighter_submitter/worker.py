"""The submitter: launches applications within capacity and kills the ones asked for.

One scheduling pass at a time across all replicas (a store lease), woken by commands and by
a periodic sweep that also finds applications whose command was lost.
"""

import asyncio
import logging
import uuid
from datetime import timedelta

from lighter_common.backends.base import Backend
from lighter_common.backends.readiness import check_until_ready
from lighter_common.background import BackgroundTasks
from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.states import ALIVE_STATES, ApplicationState
from lighter_common.domain.transitions import LAUNCHING
from lighter_common.messages import (
    SUBMITTER_QUEUE,
    Command,
    KillApplication,
    LaunchApplication,
)
from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store
from prometheus_client import Counter

from lighter_submitter import capacity
from lighter_submitter.kill import kill
from lighter_submitter.launch import claim, launch

logger = logging.getLogger(__name__)

LAUNCHED = Counter("lighter_submitter_launched_total", "Applications launched")
KILLED = Counter("lighter_submitter_killed_total", "Applications killed on request")
SCHEDULER_LEASE = "submitter.scheduler"
LEASE_SECONDS = 30.0
LEASE_RETRY_SECONDS = 0.05


class Submitter:
    def __init__(self, *, store: Store, bus: Bus, backend: Backend, settings: Settings) -> None:
        self._store = store
        self._bus = bus
        self._backend = backend
        self._settings = settings
        self._replica = f"submitter-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._background = BackgroundTasks()
        self._launches: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self._bus.consume(SUBMITTER_QUEUE, self._handle)
        self._background.start("submitter-schedule", self._schedule_loop)
        self._background.start("submitter-sweep", self._sweep_loop)
        self._background.start("submitter-backend-check", self._check_backend)
        self._wake.set()
        logger.info("submitter started", extra={"replica": self._replica})

    async def _check_backend(self) -> None:
        await check_until_ready(self._backend)

    async def stop(self) -> None:
        await self._background.stop()
        await self.drain()

    async def drain(self) -> None:
        """Wait for the launches in flight, and any they lead to (for tests and shutdown)."""
        while self._launches:
            await asyncio.gather(*self._launches, return_exceptions=True)

    async def _handle(self, command: Command) -> None:
        if isinstance(command, LaunchApplication):
            self._wake.set()
        elif isinstance(command, KillApplication):
            await self._handle_kill(command.app_id)

    async def _handle_kill(self, app_id: str) -> None:
        killed = await kill(
            store=self._store,
            bus=self._bus,
            backend=self._backend,
            settings=self._settings,
            app_id=app_id,
        )
        if killed is not None:
            KILLED.inc()

    async def _schedule_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.schedule_once()
            except Exception:
                logger.exception("scheduling pass failed")
                await asyncio.sleep(1)
                self._wake.set()

    async def schedule_once(self) -> int:
        """Launch what capacity allows now; returns how many launches were started."""
        if not await self._store.acquire_lease(SCHEDULER_LEASE, self._replica, LEASE_SECONDS):
            await asyncio.sleep(LEASE_RETRY_SECONDS)
            self._wake.set()  # another replica is scheduling; look again shortly
            return 0
        try:
            admission = await capacity.admit(self._store, self._settings.limits.capacity)
            claimed = [
                app for app in [await claim(self._store, a) for a in admission.launch] if app
            ]
        finally:
            await self._store.acquire_lease(SCHEDULER_LEASE, self._replica, 0)
        for app in claimed:
            self._spawn_launch(app)
        if len(admission.launch) == capacity.PENDING_PAGE:
            self._wake.set()
        return len(claimed)

    def _spawn_launch(self, app: Application) -> None:
        task = asyncio.create_task(
            launch(
                store=self._store,
                bus=self._bus,
                backend=self._backend,
                settings=self._settings,
                app=app,
            )
        )
        LAUNCHED.inc()
        self._launches.add(task)
        task.add_done_callback(self._launches.discard)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self._settings.loops.sweep_interval)
            try:
                await self.sweep_once()
            except Exception:
                logger.exception("sweep failed")

    async def sweep_once(self) -> None:
        """Pick up what a lost command or a crash left behind."""
        self._wake.set()  # pending applications whose launch command was lost
        await self._relaunch_interrupted()
        await self._repeat_kills()

    async def _relaunch_interrupted(self) -> None:
        """Claimed but never recorded: the submitter died mid-launch. Launch again, once."""
        cutoff = utcnow() - timedelta(seconds=self._settings.loops.launch_timeout)
        stale = await self._store.find_applications(
            ApplicationQuery(
                states=(ApplicationState.STARTING,),
                backend_ref_missing=True,
                started_before=cutoff,
                include_deleted=True,
                limit=None,
            )
        )
        for app in stale:
            # Renewing started_at is itself a compare-and-set: one replica relaunches.
            renewed = await self._store.update_application(
                app.id,
                {"started_at": utcnow()},
                expected=LAUNCHING,
                only_if={"started_at": app.started_at, "backend_ref": None},
            )
            if renewed is not None:
                logger.warning("relaunching an interrupted launch", extra={"app": app.id})
                self._spawn_launch(renewed)

    async def _repeat_kills(self) -> None:
        """Kills asked for whose command was lost; each reads its application afresh."""
        wanted = await self._store.find_applications(
            ApplicationQuery(
                states=(ApplicationState.NOT_STARTED, *ALIVE_STATES),
                kill_requested=True,
                include_deleted=True,
                limit=None,
            )
        )
        for app in wanted:
            await kill(
                store=self._store,
                bus=self._bus,
                backend=self._backend,
                settings=self._settings,
                app_id=app.id,
            )
