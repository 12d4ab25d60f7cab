"""A real RabbitMQ broker for the tests (a pytest plugin).

Where the broker comes from, first match wins:
1. `LIGHTER_TEST_RABBITMQ_URL`;
2. a broker already answering at amqp://guest:guest@127.0.0.1:5672/;
3. Debian's `rabbitmq-server -detached`, started here and left running for later sessions
   (other test sessions on the machine may be using it);
4. a `rabbitmq` container through testcontainers, when Docker runs.
Otherwise the session fails, saying how to get one.

`rabbitmq.stop()` / `start()` / `restart()` stop and start the broker's AMQP application
(`rabbitmqctl stop_app` / `start_app`): every connection drops, the listener closes, and
durable queues with their persistent messages come back on start. The Erlang node stays up,
so it is quick. Only fault tests use them, and every client of that broker sees the restart.

Queues are durable, so a local broker keeps every test's queues after the session; with more
queues than it has file handles it no longer starts. Each test names its queues with
`queue_prefix()`, and the session deletes the queues under its prefixes when it ends.
"""

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from urllib.parse import urlsplit

import aio_pika
import pytest

from tests.harness.processes import amqp_answers, docker_runs

LOCAL_URL = "amqp://guest:guest@127.0.0.1:5672/"
CONTAINER_IMAGE = "rabbitmq:3.13"
STARTUP_TIMEOUT = 60.0
HOW_TO_GET_ONE = (
    "No RabbitMQ broker for the tests. Either set LIGHTER_TEST_RABBITMQ_URL=amqp://…, "
    "run one on 127.0.0.1:5672, install Debian's server (`apt-get install rabbitmq-server`; "
    "the tests start it), or run Docker so testcontainers can start a container."
)

Control = Callable[[str], None]

_session_prefixes: set[str] = set()


def queue_prefix(kind: str = "t") -> str:
    """A prefix for the queues of one test; the session deletes those queues when it ends."""
    prefix = f"{kind}{uuid.uuid4().hex[:8]}."
    _session_prefixes.add(prefix)
    return prefix


class RabbitMQServer:
    """A broker the tests reach at `url`, with a way to stop and start its AMQP application."""

    def __init__(self, url: str, control: Control | None) -> None:
        self.url = url
        self._control = control

    async def stop(self) -> None:
        await asyncio.to_thread(self._run, "stop_app")

    async def start(self) -> None:
        await asyncio.to_thread(self._run, "start_app")
        await asyncio.to_thread(_wait_until_answering, self.url, STARTUP_TIMEOUT)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def _run(self, command: str) -> None:
        if self._control is None:
            pytest.fail(
                f"Cannot restart the RabbitMQ at {self.url}: it is neither local (no "
                "rabbitmqctl here) nor a container of this session."
            )
        self._control(command)


_local_broker_urls: set[str] = set()


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[RabbitMQServer]:
    for server in _broker():
        if server._control is _rabbitmqctl:  # a container goes with its queues
            _local_broker_urls.add(server.url)
        yield server


def pytest_sessionfinish() -> None:
    """After every fixture's teardown, so that no Lighter declares its queues again."""
    for url in _local_broker_urls:
        _delete_queues(url, _session_prefixes)


def _broker() -> Iterator[RabbitMQServer]:
    url = os.environ.get("LIGHTER_TEST_RABBITMQ_URL")
    if url:
        if urlsplit(url).scheme == "amqp":
            _wait_until_answering(url, STARTUP_TIMEOUT)
        yield RabbitMQServer(url, _rabbitmqctl if _is_local(url) and _has_rabbitmqctl() else None)
        return
    if amqp_answers(LOCAL_URL):
        yield RabbitMQServer(LOCAL_URL, _rabbitmqctl if _has_rabbitmqctl() else None)
        return
    if shutil.which("rabbitmq-server", path=_SBIN_PATH):
        _start_debian_server()
        yield RabbitMQServer(LOCAL_URL, _rabbitmqctl)
        return
    yield from _container()


@pytest.fixture(scope="session")
def rabbitmq_url(rabbitmq: RabbitMQServer) -> str:
    return rabbitmq.url


_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def _has_rabbitmqctl() -> bool:
    return shutil.which("rabbitmqctl", path=_SBIN_PATH) is not None


def _rabbitmqctl(command: str) -> None:
    executable = shutil.which("rabbitmqctl", path=_SBIN_PATH)
    assert executable is not None
    subprocess.run([executable, command], check=True, capture_output=True, timeout=120)


def _delete_queues(url: str, prefixes: Collection[str]) -> None:
    if not prefixes:
        return
    executable = shutil.which("rabbitmqctl", path=_SBIN_PATH)
    assert executable is not None
    listed = subprocess.run(
        [executable, "-q", "list_queues", "name", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    names = [name for name in listed.stdout.split() if name.startswith(tuple(prefixes))]
    asyncio.run(_delete_by_name(url, names))


async def _delete_by_name(url: str, names: list[str]) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)


def _start_debian_server() -> None:
    executable = shutil.which("rabbitmq-server", path=_SBIN_PATH)
    assert executable is not None
    started = subprocess.run([executable, "-detached"], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"`rabbitmq-server -detached` failed: {started.stderr or started.stdout}")
    _wait_until_answering(LOCAL_URL, STARTUP_TIMEOUT)


def _container() -> Iterator[RabbitMQServer]:
    """The last resort: a container, when Docker runs."""
    if not docker_runs():
        pytest.fail(HOW_TO_GET_ONE)
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(CONTAINER_IMAGE).with_exposed_ports(5672)
    container.start()
    try:
        host = container.get_container_host_ip()
        url = f"amqp://guest:guest@{host}:{container.get_exposed_port(5672)}/"
        _wait_until_answering(url, STARTUP_TIMEOUT)

        def control(command: str) -> None:
            result = container.exec(["rabbitmqctl", command])
            if result.exit_code != 0:
                raise RuntimeError(f"rabbitmqctl {command} failed: {result.output!r}")

        yield RabbitMQServer(url, control)
    finally:
        container.stop()


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _wait_until_answering(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not amqp_answers(url):
        if time.monotonic() > deadline:
            pytest.fail(f"RabbitMQ at {url} did not answer within {timeout:g}s.")
        time.sleep(0.25)
