"""Fixtures for services run in-process: the SQLite store, the in-process bus, the simulated backend.

A service's test conftest imports the fixtures it needs from here.
"""

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

from tests.harness.settings import settings_of


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "db")
    yield opened
    await opened.close()


@pytest.fixture
async def bus() -> AsyncIterator[MemoryBus]:
    memory = MemoryBus()
    yield memory
    await memory.close()


def new_batch(
    state: ApplicationState = ApplicationState.NOT_STARTED, **fields: object
) -> Application:
    params = SubmitParams(file="pi.py")
    return Application(type=ApplicationType.BATCH, state=state, submit_params=params, **fields)


def simulated_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for the simulated backend whose drivers stay `starting` unless a test says."""
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "backend": "simulated",
        "launch_timeout": 30,
        "simulated_start_seconds": 3600,
        **overrides,
    }
    return settings_of(**values)


@pytest.fixture
def backend(settings: Settings) -> SimulatedBackend:
    return SimulatedBackend(settings)
