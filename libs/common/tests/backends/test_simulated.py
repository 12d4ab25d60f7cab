import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lighter_common.backends import open_backend
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.simulated import SimulatedBackend, SimulatedPlan
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey, DriverPhase
from lighter_common.domain.submit_params import ConfValue, SubmitParams
from lighter_common.settings import ServerSettings, Settings, SimulatedSettings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        server=ServerSettings(data_dir=tmp_path, backend="simulated"),
        simulated=SimulatedSettings(start_seconds=0.2, run_seconds=0.3),
    )


def batch(conf: Mapping[str, ConfValue] | None = None, **fields: object) -> Application:
    params = SubmitParams(file="pi.py", conf=dict(conf or {}))
    return Application(type=ApplicationType.BATCH, submit_params=params, **fields)


async def launched(backend: SimulatedBackend, app: Application) -> Application:
    result = await backend.launch(app, LaunchContext())
    return app.model_copy(update={"backend_ref": result.backend_ref})


def test_open_backend_picks_the_simulated_backend(settings: Settings) -> None:
    assert isinstance(open_backend(settings), SimulatedBackend)


async def test_phases_follow_the_clock(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    app = await launched(backend, batch())

    assert (await backend.status(app)).phase is DriverPhase.STARTING
    await asyncio.sleep(0.3)
    running = await backend.status(app)
    assert running.phase is DriverPhase.RUNNING
    assert running.spark_app_id
    await asyncio.sleep(0.3)
    assert (await backend.status(app)).phase is DriverPhase.SUCCEEDED


async def test_conf_steers_duration_and_outcome(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    conf: dict[str, ConfValue] = {
        "lighter.simulated.runSeconds": 0,
        "lighter.simulated.outcome": "failed",
    }
    app = await launched(backend, batch(conf))

    await asyncio.sleep(0.25)
    status = await backend.status(app)

    assert status.phase is DriverPhase.FAILED
    assert status.reason == "simulated failure"


async def test_unknown_outcome_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="outcome"):
        await SimulatedBackend(settings).launch(
            batch({"lighter.simulated.outcome": "maybe"}), LaunchContext()
        )


async def test_launch_is_idempotent_from_started_at(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    app = batch(started_at=datetime.now(UTC) - timedelta(seconds=10))

    first = await backend.launch(app, LaunchContext())
    second = await SimulatedBackend(settings).launch(app, LaunchContext())

    assert first == second
    plan = SimulatedPlan.parse(first.backend_ref)
    assert plan is not None
    assert app.started_at is not None
    assert plan.launched_ms == int(app.started_at.timestamp() * 1000)
    recorded = app.model_copy(update={"backend_ref": first.backend_ref})
    assert (await backend.status(recorded)).phase is DriverPhase.SUCCEEDED


async def test_each_generation_has_its_own_driver_even_launched_at_the_same_time(
    settings: Settings,
) -> None:
    backend = SimulatedBackend(settings)
    app = batch(started_at=datetime.now(UTC))
    first = await launched(backend, app)
    second = await launched(backend, first.model_copy(update={"generation": 1}))

    assert first.backend_ref != second.backend_ref
    await backend.kill(DriverKey.of(first))
    assert (await backend.status(first)).phase is DriverPhase.KILLED
    assert (await backend.status(second)).phase is not DriverPhase.KILLED
    assert [driver.key for driver in await backend.drivers()] == [DriverKey.of(second)]


async def test_a_launched_application_keeps_its_reference(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    app = await launched(backend, batch())
    await asyncio.sleep(0.01)

    assert (await backend.launch(app, LaunchContext())).backend_ref == app.backend_ref


async def test_kill_is_seen_by_another_instance(settings: Settings) -> None:
    app = await launched(SimulatedBackend(settings), batch())

    await SimulatedBackend(settings).kill(DriverKey.of(app))
    await SimulatedBackend(settings).kill(DriverKey.of(app))

    status = await SimulatedBackend(settings).status(app)
    assert status.phase is DriverPhase.KILLED
    assert (settings.server.data_dir / "simulated-killed" / f"{app.id}@0").exists()


async def test_killing_a_finished_application_changes_nothing(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    app = await launched(backend, batch({"lighter.simulated.runSeconds": 0}))
    await asyncio.sleep(0.25)

    await backend.kill(DriverKey.of(app))

    assert (await backend.status(app)).phase is DriverPhase.SUCCEEDED


async def test_an_application_never_launched_is_missing(settings: Settings) -> None:
    status = await SimulatedBackend(settings).status(batch())

    assert status.phase is DriverPhase.MISSING


async def test_logs_describe_the_plan(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    app = await launched(backend, batch())

    log = await backend.logs(app, 10_000)

    assert log is not None
    assert app.id in log
    assert "phase: starting" in log
    assert await backend.logs(batch(), 10_000) is None


async def test_statuses_of_two_thousand_applications(settings: Settings) -> None:
    backend = SimulatedBackend(settings)
    conf = {"lighter.simulated.startSeconds": 60}
    apps = [await launched(backend, batch(conf)) for _ in range(2000)]
    for app in apps[:100]:
        await backend.kill(DriverKey.of(app))

    started = time.perf_counter()
    statuses = await backend.statuses(apps)
    elapsed = time.perf_counter() - started

    assert len(statuses) == 2000
    phases = [status.phase for status in statuses.values()]
    assert phases.count(DriverPhase.KILLED) == 100
    assert phases.count(DriverPhase.STARTING) == 1900
    # Recorded for the reader; benchmarks, not tests, judge timings.
    print(f"statuses of 2000 simulated applications: {elapsed * 1000:.1f} ms")
