"""A real local driver process that never reports a Spark application id is ended and stopped."""

import asyncio
import time
from pathlib import Path

from lighter_common.backends.base import LaunchContext
from lighter_common.backends.local.backend import LocalBackend
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.driver import DriverPhase
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import LocalSettings, LoopSettings, ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_tracker.worker import Tracker

from tests.harness.fake_spark import SILENT_CONF, fake_spark_home


async def test_a_driver_silent_past_the_launch_timeout_ends_in_error_and_is_killed(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        local=LocalSettings(spark_home=fake_spark_home(tmp_path / "spark")),
        loops=LoopSettings(launch_timeout=1),
    )
    backend = LocalBackend(settings, kill_grace_seconds=2)
    script = tmp_path / "silent.py"
    script.write_text("import time\ntime.sleep(300)\n")
    key, value = SILENT_CONF.split("=")
    params = SubmitParams(file=str(script), conf={key: value})
    app = Application(
        type=ApplicationType.BATCH,
        state=ApplicationState.STARTING,
        started_at=utcnow(),
        submit_params=params,
    )
    result = await backend.launch(app, LaunchContext())
    app = await store.insert_application(app.model_copy(update={"backend_ref": result.backend_ref}))
    tracker = Tracker(store=store, bus=bus, backend=backend, settings=settings)

    deadline = time.monotonic() + 30
    while (current := await store.get_application(app.id)) and not current.state.is_finished:
        assert time.monotonic() < deadline, "the silent driver was never ended"
        await tracker.tick()
        await asyncio.sleep(0.1)

    assert current is not None and current.state is ApplicationState.ERROR
    assert current.state_reason == "no Spark application id within 1 s of launch; driver stopped"
    assert (await backend.status(app)).phase is DriverPhase.KILLED
    assert await backend.drivers() == []
