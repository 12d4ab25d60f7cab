"""Lighter itself as the tests see it: real OS processes, reached over HTTP.

`LighterProcesses` (tests/harness/processes.py) runs either one standalone process or the
four distributed services against the real MongoDB-protocol server and RabbitMQ, and can
kill and restart any of them; `lighter_factory` gives each test module its own.
"""

import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from lighter_common.domain.states import FINISHED_STATEMENT_STATES

from tests.harness.processes import LighterProcesses, free_port
from tests.harness.rabbitmq import queue_prefix

__all__ = [
    "LighterFactory",
    "LighterProcesses",
    "base_env",
    "driver_pids",
    "end_all_sessions",
    "free_port",
    "wait_for",
    "wait_for_statement",
]

FINISHED_STATEMENT = frozenset(state.value for state in FINISHED_STATEMENT_STATES)


def base_env(
    data_dir: Path, backend: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {
        "LIGHTER_DATA_DIR": str(data_dir),
        "LIGHTER_BACKEND": backend,
        "LIGHTER_SPARK_MASTER": "local[1]",
        "LIGHTER_TRACKER_INTERVAL": "0.5",
        "LIGHTER_SWEEP_INTERVAL": "2",
        "LIGHTER_LAUNCH_TIMEOUT": "90",  # a JVM on a loaded 2-core machine can take a while
        "LIGHTER_LOG_FORMAT": "text",
        "LIGHTER_SIMULATED_START_SECONDS": "0.3",
        "LIGHTER_SIMULATED_RUN_SECONDS": "1",
    }
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def lighter_factory(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator["LighterFactory"]:
    factory = LighterFactory(tmp_path_factory, request)
    yield factory
    factory.stop_all()


def simulated_lighter_per_mode(
    request: pytest.FixtureRequest, factory: "LighterFactory", extra: Mapping[str, str]
) -> Iterator[LighterProcesses]:
    """For a fixture parametrized over the modes: Lighter on the simulated backend."""
    processes = factory.start(request.param, backend="simulated", extra=extra)
    yield processes
    processes.stop_all()


class LighterFactory:
    """Starts Lighter in either mode; distributed mode gets its own database and queues."""

    def __init__(self, tmp: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
        self._tmp = tmp
        self._request = request
        self._started: list[LighterProcesses] = []

    def start(
        self, mode: str, *, backend: str = "local", extra: Mapping[str, str] | None = None
    ) -> LighterProcesses:
        data_dir = self._tmp.mktemp(f"lighter-{mode}")
        env = base_env(data_dir, backend, extra)
        if mode == "distributed":
            env["LIGHTER_MONGO_URL"] = self._request.getfixturevalue("mongo_url")
            env["LIGHTER_MONGO_DATABASE"] = f"lighter_{uuid.uuid4().hex[:10]}"
            env["LIGHTER_RABBITMQ_URL"] = self._request.getfixturevalue("rabbitmq_url")
            env["LIGHTER_QUEUE_PREFIX"] = queue_prefix()
        lighter = LighterProcesses(mode=mode, data_dir=data_dir, env=env)
        self._started.append(lighter)
        lighter.start_all()
        return lighter

    def stop_all(self) -> None:
        for lighter in self._started:
            lighter.stop_all()


def wait_for(
    client: httpx.Client, path: str, predicate: "object", timeout: float = 180.0
) -> dict[str, object]:
    """Poll GET `path` until `predicate(json)` holds; fail with the last body."""
    deadline = time.monotonic() + timeout
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        body = client.get(path).json()
        if predicate(body):  # type: ignore[operator]
            return body
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting on {path}; last body: {body}")


def wait_for_statement(
    client: httpx.Client, session_path: str, statement_id: object, timeout: float
) -> dict[str, Any]:
    """Poll a session's statement until it has finished (either dialect); its last body."""
    return wait_for(
        client,
        f"{session_path}/statements/{statement_id}",
        lambda s: s["state"] in FINISHED_STATEMENT,
        timeout,
    )


def end_all_sessions(lighter: LighterProcesses) -> None:
    """Delete every session, so that no driver outlives the Lighter that started it."""
    with httpx.Client(base_url=lighter.url, timeout=30) as http:
        listed = http.get("/lighter/api/sessions", params={"size": 10_000}).json()
        for session in listed["applications"]:
            http.delete(f"/lighter/api/sessions/{session['id']}")
    apps = str(lighter.data_dir / "apps")
    deadline = time.monotonic() + 60
    while driver_pids(apps) and time.monotonic() < deadline:
        time.sleep(0.5)


def driver_pids(pattern: str) -> list[int]:
    """Processes whose command line contains `pattern` (an application's id or directory)."""
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]
