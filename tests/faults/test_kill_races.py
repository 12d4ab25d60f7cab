"""No driver outlives its application, whenever during a launch the application is deleted.

The submitter and the tracker run in-process against SQLite and the in-process bus, with the
local backend on a fake Spark home whose drivers are plain sleeping Python scripts, so fifty
launch-and-delete races take seconds.
"""

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.local.backend import LocalBackend
from lighter_common.backends.local.process import session_members
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.messages import SUBMITTER_QUEUE, KillApplication, LaunchApplication
from lighter_common.settings import (
    LimitsSettings,
    LocalSettings,
    LoopSettings,
    ServerSettings,
    Settings,
)
from lighter_common.store.sqlite import SqliteStore
from lighter_submitter.worker import Submitter
from lighter_tracker.worker import Tracker

from tests.harness.fake_spark import fake_spark_home

TRIES = 50
DEADLINE_SECONDS = 90.0


@dataclass
class Services:
    settings: Settings
    store: SqliteStore
    bus: MemoryBus
    backend: LocalBackend


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        local=LocalSettings(spark_home=fake_spark_home(tmp_path / "spark")),
        limits=LimitsSettings(max_running_jobs=TRIES, max_starting_jobs=TRIES),
        loops=LoopSettings(tracker_interval=0.2, sweep_interval=0.5, zombie_interval=0.5),
    )
    store = await SqliteStore.open(tmp_path / "lighter.db")
    bus = MemoryBus()
    backend = LocalBackend(settings, kill_grace_seconds=2)
    workers: list[Submitter | Tracker] = [
        Submitter(store=store, bus=bus, backend=backend, settings=settings),
        Tracker(store=store, bus=bus, backend=backend, settings=settings),
    ]
    for worker in workers:
        await worker.start()
    yield Services(settings, store, bus, backend)
    for worker in workers:
        await worker.stop()
    await bus.close()
    await store.close()
    for driver in await backend.drivers():  # whatever a failed test left running
        await backend.kill(driver.key)


async def submit_then_delete(services: Services, script: Path, delay: float) -> str:
    app = Application(type=ApplicationType.BATCH, submit_params=SubmitParams(file=str(script)))
    await services.store.insert_application(app)
    await services.bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=app.id))
    await asyncio.sleep(delay)  # the moment of the delete, not a wait for anything
    await delete(services, app.id)
    return app.id


async def delete(services: Services, app_id: str) -> None:
    """What DELETE does: mark the application, then ask the submitter to kill it."""
    await services.store.update_application(app_id, {"deleted": True, "kill_requested": True})
    await services.bus.publish(SUBMITTER_QUEUE, KillApplication(app_id=app_id))


def driver_processes(settings: Settings) -> dict[str, list[int]]:
    """Live processes of every driver ever started under the data dir, by directory."""
    alive = {}
    for pid_file in (settings.server.data_dir / "apps").glob("*/pid"):
        members = session_members(int(pid_file.read_text().split()[0]))
        if members:
            alive[pid_file.parent.name] = members
    return alive


async def settle(
    services: Services, ids: list[str]
) -> tuple[dict[str, ApplicationState | None], dict[str, list[int]]]:
    """Poll until every application is finished and no driver process is left, or the deadline.

    Returns the applications' states and the drivers still alive.
    """
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        apps = {app_id: await services.store.get_application(app_id) for app_id in ids}
        states = {app_id: app.state if app else None for app_id, app in apps.items()}
        alive = driver_processes(services.settings)
        settled = all(state and state.is_finished for state in states.values()) and not alive
        if settled or time.monotonic() > deadline:
            return states, alive
        await asyncio.sleep(0.2)


@pytest.fixture
def sleeper(tmp_path: Path) -> Path:
    """A driver that would run for five minutes."""
    script = tmp_path / "sleeper.py"
    script.write_text("import time\nprint('driver up', flush=True)\ntime.sleep(300)\n")
    return script


async def test_deleting_batches_at_random_moments_of_their_launch_leaves_no_driver(
    services: Services, sleeper: Path
) -> None:
    randomness = random.Random(6)

    # Most deletes come early (before or during the launch), some after the driver is up.
    delays = [randomness.uniform(0.0, 3.0) ** 3 / 9 for _ in range(TRIES)]
    ids = await asyncio.gather(*(submit_then_delete(services, sleeper, d) for d in delays))

    states, alive = await settle(services, list(ids))

    assert all(state and state.is_finished for state in states.values()), states
    assert alive == {}, "drivers outlived their applications"
    launched = list((services.settings.server.data_dir / "apps").glob("*/pid"))
    assert launched, "no driver was ever started: the races were not run"


async def test_drivers_of_launches_a_dead_submitter_never_recorded_are_stopped(
    services: Services, sleeper: Path
) -> None:
    randomness = random.Random(3)
    ids = []
    for _ in range(10):
        # A submitter claimed the batch and started its driver, then died before recording it.
        app = Application(
            type=ApplicationType.BATCH,
            state=ApplicationState.STARTING,
            started_at=utcnow(),
            submit_params=SubmitParams(file=str(sleeper)),
        )
        await services.store.insert_application(app)
        await services.backend.launch(app, LaunchContext())
        await asyncio.sleep(randomness.uniform(0.0, 0.3))  # the moment of the delete
        await delete(services, app.id)
        ids.append(app.id)

    states, alive = await settle(services, ids)

    assert set(states.values()) == {ApplicationState.KILLED}
    assert alive == {}, "drivers outlived their applications"
