"""A real Spark batch through the submitter and the tracker, in-process, on the local backend."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lighter_common.backends.local.backend import LocalBackend
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.messages import SUBMITTER_QUEUE, LaunchApplication
from lighter_common.settings import LocalSettings, LoopSettings, ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_submitter.worker import Submitter
from lighter_tracker.worker import Tracker

pytestmark = pytest.mark.spark

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SPARK_TIMEOUT = 300.0


@pytest.fixture
async def lighter(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> AsyncIterator[tuple[SqliteStore, MemoryBus]]:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        local=LocalSettings(spark_master="local[2]"),
        loops=LoopSettings(tracker_interval=0.2),
    )
    backend = LocalBackend(settings)
    workers: list[Submitter | Tracker] = [
        Submitter(store=store, bus=bus, backend=backend, settings=settings),
        Tracker(store=store, bus=bus, backend=backend, settings=settings),
    ]
    for worker in workers:
        await worker.start()
    yield store, bus
    for worker in workers:
        await worker.stop()
    for driver in await backend.drivers():
        await backend.kill(driver.key)


async def test_a_batch_with_the_event_log_off_gets_its_app_id_and_runs_then_succeeds(
    lighter: tuple[SqliteStore, MemoryBus],
) -> None:
    store, bus = lighter
    params = SubmitParams(
        file=str(EXAMPLES / "pi.py"), args=["2"], conf={"spark.eventLog.enabled": False}
    )
    app = await store.insert_application(
        Application(type=ApplicationType.BATCH, submit_params=params)
    )
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=app.id))

    seen: list[Application] = []
    deadline = time.monotonic() + SPARK_TIMEOUT
    while time.monotonic() < deadline:
        current = await store.get_application(app.id)
        assert current is not None
        seen.append(current)
        if current.state.is_finished:
            break
        await asyncio.sleep(0.1)

    states = [doc.state for doc in seen]
    assert states[-1] is ApplicationState.SUCCESS, (seen[-1].state_reason, states[-5:])
    assert ApplicationState.RUNNING in states
    running = next(doc for doc in seen if doc.state is ApplicationState.RUNNING)
    assert running.app_id is not None and running.app_id.startswith("local-")
    assert seen[-1].app_id == running.app_id
    assert "Pi is roughly" in (await store.get_log(app.id) or "")
