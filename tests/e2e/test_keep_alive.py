"""Idle keep-alive connections stay open longer than any client waits between polls.

pylivy sleeps exactly 5.0 s between polls, uvicorn's default keep-alive: a server that closes
the idle socket as the client reuses it answers "Remote end closed connection without
response". Every service's HTTP server must keep the connection (LIGHTER_HTTP_KEEP_ALIVE).
The waits below are the idleness under test, not synchronisation.
"""

import http.client
import json
import time
from collections.abc import Iterator

import pytest

from tests.harness.lighter import LighterFactory, LighterProcesses

OLD_KEEP_ALIVE_SECONDS = 5.0
POLLS = 5


@pytest.fixture(scope="module")
def standalone(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("standalone", backend="simulated")
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def distributed(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("distributed", backend="simulated")
    yield processes
    processes.stop_all()


def _get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def test_every_service_keeps_an_idle_connection_past_the_old_timeout(
    standalone: LighterProcesses, distributed: LighterProcesses
) -> None:
    ports = {f"standalone {name}": port for name, port in standalone.ports.items()}
    ports |= {f"distributed {name}": port for name, port in distributed.ports.items()}
    connections = {
        name: http.client.HTTPConnection("127.0.0.1", port) for name, port in ports.items()
    }
    try:
        for connection in connections.values():
            assert _get(connection, "/health") == 200
        sockets = {name: connection.sock for name, connection in connections.items()}

        time.sleep(OLD_KEEP_ALIVE_SECONDS + 0.5)

        for name, connection in connections.items():
            try:
                status = _get(connection, "/health")
            except (http.client.RemoteDisconnected, ConnectionError) as dropped:
                pytest.fail(f"{name} closed an idle connection after 5.5 s: {dropped!r}")
            assert status == 200, name
            assert connection.sock is sockets[name], f"{name}: the client had to reconnect"
    finally:
        for connection in connections.values():
            connection.close()


def test_a_client_polling_at_the_old_timeout_never_sees_a_dropped_connection(
    standalone: LighterProcesses,
) -> None:
    port = standalone.ports["standalone"]
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request(
        "POST",
        "/livy/batches",
        body=json.dumps({"file": "job.py", "conf": {"lighter.simulated.runSeconds": "600"}}),
        headers={"Content-Type": "application/json"},
    )
    created = connection.getresponse()
    batch = json.loads(created.read())
    assert created.status == 201, batch
    try:
        for poll in range(POLLS):
            time.sleep(OLD_KEEP_ALIVE_SECONDS)  # what pylivy waits between two polls
            try:
                status = _get(connection, f"/livy/batches/{batch['id']}/state")
            except (http.client.RemoteDisconnected, ConnectionError) as dropped:
                pytest.fail(f"poll {poll + 1} of {POLLS} found the connection dropped: {dropped!r}")
            assert status == 200
    finally:
        connection.request("DELETE", f"/livy/batches/{batch['id']}")
        connection.getresponse().read()
        connection.close()
