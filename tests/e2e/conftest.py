"""Fixtures the end-to-end suites share; each module starts its own `lighter`."""

from collections.abc import Iterator

import httpx
import pytest

from tests.harness.lighter import LighterProcesses


@pytest.fixture
def client(lighter: LighterProcesses) -> Iterator[httpx.Client]:
    """The Lighter API of the module's `lighter`."""
    with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as client:
        yield client
