from pathlib import Path

import pytest
from lighter_common.settings import Settings

from tests.harness.in_process import backend, bus, new_batch, simulated_settings, store

__all__ = ["backend", "bus", "new_batch", "store"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return simulated_settings(tmp_path)
