"""The tracker against SQLite, the in-process bus and scripted or simulated backends.

Driven by hand: `tick`, `track_one` and `sweep_zombies` stand in for its loop.
"""

from collections.abc import Sequence
from datetime import timedelta

import pytest
from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.backends.simulated import SimulatedBackend
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.driver import (
    DriverKey,
    DriverPhase,
    DriverStatus,
    LiveDriver,
)
from lighter_common.domain.states import ApplicationState
from lighter_common.settings import Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_tracker.logs import LogRefresher
from lighter_tracker.worker import Tracker
from prometheus_client import REGISTRY

from .conftest import new_batch

A = ApplicationState
P = DriverPhase


class ScriptedBackend:
    """Reports whatever status and log a test sets; records kills."""

    name = "scripted"

    def __init__(self) -> None:
        self.status_of: dict[str, DriverStatus] = {}
        self.log = "driver log line\n"
        self.killed: list[DriverKey] = []

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        return LaunchResult(backend_ref=f"scripted-{app.id}")

    async def status(self, app: Application) -> DriverStatus:
        return self.status_of.get(app.id, DriverStatus(P.MISSING, reason="nothing there"))

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        return {app.id: await self.status(app) for app in apps}

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        return self.log[-max_bytes:]

    async def kill(self, driver: DriverKey) -> None:
        self.killed.append(driver)

    async def drivers(self) -> list[LiveDriver]:
        return []

    async def launch_problem(self) -> None:
        return None

    async def close(self) -> None:
        return None


def tracker(store: SqliteStore, bus: MemoryBus, backend: object, settings: Settings) -> Tracker:
    return Tracker(store=store, bus=bus, backend=backend, settings=settings)  # type: ignore[arg-type]


async def stored(store: SqliteStore, app_id: str) -> Application:
    app = await store.get_application(app_id)
    assert app is not None
    return app


def launched(app_type: ApplicationType, state: ApplicationState, **fields: object) -> Application:
    app = new_batch(state, **{"backend_ref": "scripted", "started_at": utcnow(), **fields})
    return app.model_copy(update={"type": app_type})


BATCH, SESSION = ApplicationType.BATCH, ApplicationType.SESSION
ID = "local-1795858196929"


@pytest.mark.parametrize(
    ("app_type", "state", "status", "kill", "expected", "reason"),
    [
        (BATCH, A.STARTING, DriverStatus(P.STARTING), False, A.STARTING, None),
        (BATCH, A.STARTING, DriverStatus(P.RUNNING, spark_app_id=ID), False, A.RUNNING, None),
        (BATCH, A.RUNNING, DriverStatus(P.SUCCEEDED, spark_app_id=ID), False, A.SUCCESS, None),
        (
            BATCH,
            A.RUNNING,
            DriverStatus(P.FAILED, reason="exit code 1"),
            False,
            A.ERROR,
            "exit code 1",
        ),
        (BATCH, A.RUNNING, DriverStatus(P.MISSING, reason="vanished"), False, A.DEAD, "vanished"),
        (BATCH, A.RUNNING, DriverStatus(P.FAILED), True, A.KILLED, None),
        (SESSION, A.STARTING, DriverStatus(P.RUNNING, spark_app_id=ID), False, A.STARTING, None),
        (SESSION, A.IDLE, DriverStatus(P.SUCCEEDED), False, A.DEAD, None),
        (SESSION, A.BUSY, DriverStatus(P.KILLED, reason="killed"), False, A.KILLED, "killed"),
    ],
)
async def test_a_tick_moves_each_application_as_its_driver_says(
    store: SqliteStore,
    bus: MemoryBus,
    settings: Settings,
    app_type: ApplicationType,
    state: ApplicationState,
    status: DriverStatus,
    kill: bool,
    expected: ApplicationState,
    reason: str | None,
) -> None:
    backend = ScriptedBackend()
    app = await store.insert_application(launched(app_type, state, kill_requested=kill))
    backend.status_of[app.id] = status

    changed = await tracker(store, bus, backend, settings).tick()

    after = await stored(store, app.id)
    assert after.state is expected
    assert changed == (0 if expected is state and not status.spark_app_id else 1)
    if expected.is_finished:
        assert after.state_reason == reason
        assert after.finished_at is not None
    if status.spark_app_id:
        assert after.app_id == status.spark_app_id


async def test_a_vanished_driver_makes_its_batch_dead_and_its_log_is_kept(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = ScriptedBackend()
    backend.log = "last words of the driver\n"
    app = await store.insert_application(launched(BATCH, A.RUNNING, app_id=ID))
    backend.status_of[app.id] = DriverStatus(P.MISSING, reason="driver process vanished")

    assert await tracker(store, bus, backend, settings).track_one(app.id)

    dead = await stored(store, app.id)
    assert (dead.state, dead.state_reason) == (A.DEAD, "driver process vanished")
    assert await store.get_log(app.id) == "last words of the driver\n"


async def test_a_running_drivers_log_is_copied_by_a_tick(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = ScriptedBackend()
    app = await store.insert_application(launched(BATCH, A.RUNNING, app_id=ID))
    backend.status_of[app.id] = DriverStatus(P.RUNNING, spark_app_id=ID)

    tracking = tracker(store, bus, backend, settings)
    await tracking.tick()
    await tracking.logs_copied()

    assert await store.get_log(app.id) == "driver log line\n"


async def test_the_log_is_refreshed_as_it_grows(store: SqliteStore) -> None:
    backend = ScriptedBackend()
    app = await store.insert_application(launched(BATCH, A.RUNNING, app_id=ID))
    refresher = LogRefresher(store=store, backend=backend, interval=0, max_bytes=1000)

    await refresher.refresh([app])
    backend.log += "a second line\n"
    await refresher.refresh([app])

    assert await store.get_log(app.id) == "driver log line\na second line\n"


class FinishedWhileLogRead(ScriptedBackend):
    """The driver ends, and another service stores its final log, while the refresher reads
    the log of the still-running driver."""

    def __init__(self, store: SqliteStore) -> None:
        super().__init__()
        self.store = store

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        read_while_running = self.log
        if "Pi is roughly" not in self.log:
            self.log += "Pi is roughly 3.14\n"
            await self.store.update_application(app.id, {"state": A.SUCCESS})
            await self.store.put_log(app.id, self.log)
        return read_while_running


async def test_a_log_read_while_running_never_replaces_the_final_one(store: SqliteStore) -> None:
    app = await store.insert_application(launched(BATCH, A.RUNNING, app_id=ID))
    refresher = LogRefresher(
        store=store, backend=FinishedWhileLogRead(store), interval=0, max_bytes=1000
    )

    await refresher.refresh([app])

    assert await store.get_log(app.id) == "driver log line\nPi is roughly 3.14\n"


async def test_a_driver_silent_past_the_launch_timeout_is_ended_and_stopped(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = ScriptedBackend()
    long_ago = utcnow() - timedelta(seconds=settings.loops.launch_timeout + 1)
    silent = await store.insert_application(launched(BATCH, A.STARTING, started_at=long_ago))
    fresh = await store.insert_application(launched(BATCH, A.STARTING))
    for app in (silent, fresh):
        backend.status_of[app.id] = DriverStatus(P.STARTING)

    await tracker(store, bus, backend, settings).tick()

    ended = await stored(store, silent.id)
    assert ended.state is A.ERROR
    assert ended.state_reason == "no Spark application id within 30 s of launch; driver stopped"
    assert backend.killed == [DriverKey.of(silent)]
    assert (await stored(store, fresh.id)).state is A.STARTING


def zombies_stopped() -> float:
    return REGISTRY.get_sample_value("lighter_tracker_zombies_stopped_total") or 0.0


async def test_the_zombie_sweep_stops_exactly_the_unwanted_drivers(
    store: SqliteStore, bus: MemoryBus, settings: Settings, backend: SimulatedBackend
) -> None:
    async def with_driver(app: Application) -> Application:
        await backend.launch(app, LaunchContext())
        return app

    wanted = await store.insert_application(new_batch(A.STARTING))
    finished = await store.insert_application(new_batch(A.SUCCESS))
    deleted = await store.insert_application(new_batch(A.RUNNING, deleted=True))
    moved_on = await store.insert_application(new_batch(A.STARTING, generation=1))
    never_stored = new_batch(A.RUNNING)
    for app in (wanted, finished, deleted, moved_on, never_stored):
        await with_driver(app)
    await with_driver(moved_on.model_copy(update={"generation": 0}))  # its previous driver
    before = zombies_stopped()

    stopped = await tracker(store, bus, backend, settings).sweep_zombies()

    assert stopped == 4
    assert zombies_stopped() - before == 4
    assert {d.key for d in await backend.drivers()} == {
        DriverKey.of(wanted),
        DriverKey.of(moved_on),
    }
    assert await tracker(store, bus, backend, settings).sweep_zombies() == 0


async def test_what_a_starting_driver_waits_for_is_its_reason_until_it_runs(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = ScriptedBackend()
    app = await store.insert_application(launched(BATCH, A.STARTING))
    track = tracker(store, bus, backend, settings)

    backend.status_of[app.id] = DriverStatus(P.STARTING, reason="waiting in queue root.narrow")
    await track.tick()
    waiting = await stored(store, app.id)
    backend.status_of[app.id] = DriverStatus(P.RUNNING, spark_app_id=ID)
    await track.tick()
    running = await stored(store, app.id)

    assert (waiting.state, waiting.state_reason) == (A.STARTING, "waiting in queue root.narrow")
    assert (running.state, running.state_reason) == (A.RUNNING, None)
