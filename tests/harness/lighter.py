"""Lighter itself as the tests see it: real OS processes, reached over HTTP.

`LighterProcesses` runs either one standalone process or the four distributed services
against the real MongoDB-protocol server and RabbitMQ, and can kill and restart any of them.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

DISTRIBUTED_SERVICES = ("api", "submitter", "tracker", "session-manager")
HEALTH_PORT_SETTINGS = {
    "api": "LIGHTER_PORT",
    "submitter": "LIGHTER_SUBMITTER_PORT",
    "tracker": "LIGHTER_TRACKER_PORT",
    "session-manager": "LIGHTER_SESSION_MANAGER_PORT",
    "standalone": "LIGHTER_PORT",
}
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LighterProcesses:
    mode: str  # "standalone" | "distributed"
    data_dir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def services(self) -> tuple[str, ...]:
        return ("standalone",) if self.mode == "standalone" else DISTRIBUTED_SERVICES

    @property
    def url(self) -> str:
        service = "standalone" if self.mode == "standalone" else "api"
        return f"http://127.0.0.1:{self.ports[service]}"

    def start_all(self) -> None:
        for service in self.services:
            self.ports.setdefault(service, free_port())
        for service in self.services:
            self.start(service)

    def _service_env(self, service: str, name: str) -> dict[str, str]:
        env = {**os.environ, **self.env}
        for other, variable in HEALTH_PORT_SETTINGS.items():
            if other in self.ports:
                env[variable] = str(self.ports[other])
        env[HEALTH_PORT_SETTINGS[service]] = str(self.ports[name])
        return env

    def start(self, service: str, *, replica: str | None = None) -> None:
        """Start `service`; with `replica`, one more process of it under that name."""
        name = replica or service
        self.ports.setdefault(name, free_port())
        log = open(self.data_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "lighter_standalone", service],
            env=self._service_env(service, name),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_healthy(name)

    def wait_healthy(self, service: str) -> None:
        url = f"http://127.0.0.1:{self.ports[service]}/health"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            process = self.processes[service]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with {process.returncode}:\n{self.log(service)}"
                )
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{service} did not become healthy:\n{self.log(service)}")

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(service)
        process.send_signal(sig)
        process.wait(timeout=30)

    def restart(self, service: str) -> None:
        self.kill(service, signal.SIGTERM)
        self.start(service)

    def stop_all(self) -> None:
        for service in list(self.processes):
            process = self.processes.pop(service)
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def log(self, service: str) -> str:
        path = self.data_dir / f"{service}.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""


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
            env["LIGHTER_QUEUE_PREFIX"] = f"t{uuid.uuid4().hex[:8]}."
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
