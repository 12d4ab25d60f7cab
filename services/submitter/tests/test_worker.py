"""The submitter against SQLite, the in-process bus and the simulated backend.

Driven by hand: `schedule_once`, `sweep_once` and `drain` stand in for its loops.
"""

import asyncio
from datetime import timedelta

import pytest
from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.backends.simulated import SimulatedBackend
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.driver import DriverKey, DriverPhase
from lighter_common.domain.states import ApplicationState
from lighter_common.settings import Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_submitter.kill import kill
from lighter_submitter.launch import launch_context
from lighter_submitter.worker import Submitter

from .conftest import new_batch

A = ApplicationState


class CountingBackend(SimulatedBackend):
    """The simulated backend, counting launches and optionally holding them until released."""

    def __init__(self, settings: Settings, *, fail_with: str | None = None) -> None:
        super().__init__(settings)
        self.launches: list[str] = []
        self.release = asyncio.Event()
        self.release.set()
        self._fail_with = fail_with

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        self.launches.append(app.id)
        await self.release.wait()
        if self._fail_with:
            raise RuntimeError(self._fail_with)
        return await super().launch(app, context)


def submitter(
    store: SqliteStore, bus: MemoryBus, backend: SimulatedBackend, settings: Settings
) -> Submitter:
    return Submitter(store=store, bus=bus, backend=backend, settings=settings)


async def stored(store: SqliteStore, app_id: str) -> Application:
    app = await store.get_application(app_id)
    assert app is not None
    return app


async def test_beyond_capacity_an_application_waits_and_says_why(
    store: SqliteStore, bus: MemoryBus, settings: Settings, backend: SimulatedBackend
) -> None:
    first = await store.insert_application(new_batch())
    second = await store.insert_application(new_batch())
    worker = submitter(store, bus, backend, settings)

    assert await worker.schedule_once() == 1
    await worker.drain()

    launched, waiting = await stored(store, first.id), await stored(store, second.id)
    assert launched.state is A.STARTING and launched.backend_ref
    assert waiting.state is A.NOT_STARTED
    assert waiting.state_reason == "waiting: 1 jobs running, the limit is 1"


async def test_two_replicas_claim_each_application_once(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    limits = settings.limits.model_copy(update={"max_running_jobs": 10, "max_starting_jobs": 10})
    settings = settings.model_copy(update={"limits": limits})
    backend = CountingBackend(settings)
    apps = [await store.insert_application(new_batch()) for _ in range(6)]
    replicas = [submitter(store, bus, backend, settings) for _ in range(2)]

    claimed = await asyncio.gather(*(replica.schedule_once() for replica in replicas))
    claimed += await asyncio.gather(*(replica.schedule_once() for replica in replicas))
    for replica in replicas:
        await replica.drain()

    assert sum(claimed) == 6
    assert sorted(backend.launches) == sorted(app.id for app in apps)


async def test_a_failed_launch_ends_in_error_with_its_reason(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = CountingBackend(settings, fail_with="spark-submit not found")
    app = await store.insert_application(new_batch())
    worker = submitter(store, bus, backend, settings)

    await worker.schedule_once()
    await worker.drain()

    failed = await stored(store, app.id)
    assert failed.state is A.ERROR
    assert failed.state_reason == "launch failed: spark-submit not found"
    assert failed.finished_at is not None


async def test_killing_an_application_not_started_launches_nothing(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = CountingBackend(settings)
    app = await store.insert_application(new_batch())
    await store.update_application(app.id, {"deleted": True, "kill_requested": True})

    await kill(store=store, bus=bus, backend=backend, settings=settings, app_id=app.id)
    worker = submitter(store, bus, backend, settings)
    await worker.schedule_once()
    await worker.drain()

    killed = await stored(store, app.id)
    assert (killed.state, killed.state_reason) == (A.KILLED, "deleted by a client")
    assert backend.launches == []


async def test_a_kill_that_races_a_launch_still_stops_the_driver(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = CountingBackend(settings)
    backend.release.clear()  # the launch is under way when the kill comes
    app = await store.insert_application(new_batch())
    worker = submitter(store, bus, backend, settings)
    await worker.schedule_once()
    assert (await stored(store, app.id)).state is A.STARTING

    await kill(store=store, bus=bus, backend=backend, settings=settings, app_id=app.id)
    backend.release.set()
    await worker.drain()

    killed = await stored(store, app.id)
    assert killed.state is A.KILLED and killed.backend_ref is None
    assert await backend.drivers() == []
    assert (await backend.status(killed)).phase is DriverPhase.KILLED


async def launched_batch(worker: Submitter, store: SqliteStore) -> Application:
    app = await store.insert_application(new_batch())
    await worker.schedule_once()
    await worker.drain()
    return await stored(store, app.id)


async def test_killing_a_running_application_stops_its_driver(
    store: SqliteStore, bus: MemoryBus, settings: Settings, backend: SimulatedBackend
) -> None:
    app = await launched_batch(submitter(store, bus, backend, settings), store)
    running = await store.update_application(app.id, {"state": A.RUNNING})
    assert running is not None and [d.key for d in await backend.drivers()] == [
        DriverKey.of(running)
    ]

    await kill(store=store, bus=bus, backend=backend, settings=settings, app_id=app.id)

    killed = await stored(store, app.id)
    assert (killed.state, killed.state_reason) == (A.KILLED, "killed")
    assert await backend.drivers() == []


async def test_the_sweep_relaunches_an_interrupted_launch_once(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    backend = CountingBackend(settings)
    long_ago = utcnow() - timedelta(seconds=settings.loops.launch_timeout + 1)
    interrupted = await store.insert_application(new_batch(A.STARTING, started_at=long_ago))
    recent = await store.insert_application(new_batch(A.STARTING, started_at=utcnow()))
    replicas = [submitter(store, bus, backend, settings) for _ in range(2)]

    await asyncio.gather(*(replica.sweep_once() for replica in replicas))
    for replica in replicas:
        await replica.drain()

    assert backend.launches == [interrupted.id]
    assert (await stored(store, interrupted.id)).backend_ref is not None
    assert (await stored(store, recent.id)).backend_ref is None


async def test_the_sweep_repeats_a_lost_kill(
    store: SqliteStore, bus: MemoryBus, settings: Settings, backend: SimulatedBackend
) -> None:
    worker = submitter(store, bus, backend, settings)
    app = await launched_batch(worker, store)
    # A timeout asked for the kill; its command never arrived.
    await store.update_application(
        app.id, {"kill_requested": True, "state_reason": "timed out"}, expected=(A.STARTING,)
    )

    await worker.sweep_once()

    killed = await stored(store, app.id)
    assert (killed.state, killed.state_reason) == (A.KILLED, "timed out")
    assert await backend.drivers() == []


def test_a_session_driver_gets_the_kernels_variables_and_tuning(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIGHTER_SQL_MAX_ROWS", "10")
    monkeypatch.setenv("LIGHTER_MONGO_URL", "mongodb://secret@db/")
    session = new_batch().model_copy(
        update={"type": ApplicationType.SESSION, "kernel_secret": "k", "kind": "pyspark"}
    )

    env = launch_context(session, settings).env or {}

    assert env["LIGHTER_SESSION_ID"] == session.id
    assert env["LIGHTER_KERNEL_SECRET"] == "k"
    assert env["LIGHTER_SQL_MAX_ROWS"] == "10"
    assert "LIGHTER_MONGO_URL" not in env
    assert launch_context(new_batch(), settings).env is None
