"""The YARN suites' cluster (tests/harness/yarn_cluster.py), started as soon as they are collected."""

from collections.abc import AsyncIterator

import httpx
import pytest
from lighter_common.backends.yarn.hadoop_conf import read_yarn_addresses
from lighter_common.backends.yarn.resource_manager import ResourceManager

from tests.harness.yarn_cluster import YarnCluster, figures, shared_cluster, start_in_background


def pytest_collection_finish(session: pytest.Session) -> None:
    # The cluster takes 20-40 s to start: it does so while the tests before these run.
    if any(item.get_closest_marker("yarn") for item in session.items):
        start_in_background()
    if any("kerberos_cluster" in getattr(item, "fixturenames", ()) for item in session.items):
        start_in_background(kerberos=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in figures():
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def yarn_cluster() -> YarnCluster:
    return shared_cluster()


@pytest.fixture(scope="session")
def kerberos_cluster() -> YarnCluster:
    """A cluster of its own whose web endpoints ask for SPNEGO, with its KDC."""
    return shared_cluster(kerberos=True)


@pytest.fixture
async def resource_manager(yarn_cluster: YarnCluster) -> AsyncIterator[ResourceManager]:
    addresses = read_yarn_addresses(yarn_cluster.conf_dir)
    async with httpx.AsyncClient(timeout=30) as client:
        yield ResourceManager(
            base_urls=addresses.resource_managers,
            client=client,
            user="lighter-test",
            log_server_url=addresses.log_server,
        )
