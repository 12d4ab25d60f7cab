from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lighter_common.backends.simulated import SimulatedBackend
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import Settings
from lighter_common.store.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "lighter.db")
    yield opened
    await opened.close()


@pytest.fixture
async def bus() -> AsyncIterator[MemoryBus]:
    memory = MemoryBus()
    yield memory
    await memory.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        backend="simulated",
        launch_timeout=30,
        simulated_start_seconds=3600,  # drivers stay `starting` unless a test says otherwise
    )


@pytest.fixture
def backend(settings: Settings) -> SimulatedBackend:
    return SimulatedBackend(settings)


def new_batch(
    state: ApplicationState = ApplicationState.NOT_STARTED, **fields: object
) -> Application:
    return Application(
        type=ApplicationType.BATCH, state=state, submit_params=SubmitParams(file="pi.py"), **fields
    )
