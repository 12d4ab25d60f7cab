"""Lighter and the servers it needs as OS processes, for the tests and the benchmarks alike.

Nothing here imports pytest: `python -m bench` runs it too. Failures raise RuntimeError with
the process's own words (the tail of its log).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

DISTRIBUTED_SERVICES = ("api", "submitter", "tracker", "session-manager")
PORT_SETTINGS = {
    "standalone": "LIGHTER_PORT",
    "api": "LIGHTER_PORT",
    "submitter": "LIGHTER_SUBMITTER_PORT",
    "tracker": "LIGHTER_TRACKER_PORT",
    "session-manager": "LIGHTER_SESSION_MANAGER_PORT",
}
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{what} exited with code {process.returncode} at start:\n{tail(log)}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port}:\n{tail(log)}")


def tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else ""


def ferretdb_executable() -> Path | None:
    on_path = shutil.which("ferretdb")
    if on_path is not None:
        return Path(on_path)
    installed = Path.home() / "go" / "bin" / "ferretdb"
    return installed if installed.is_file() else None


@contextlib.contextmanager
def running_ferretdb(executable: Path, directory: Path) -> Iterator[tuple[str, int]]:
    """FerretDB v1 (SQLite backend) in `directory` on a free port: its URL and pid."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    output = directory / "ferretdb.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [
                str(executable),
                "--handler=sqlite",
                f"--sqlite-url=file:{directory}/",
                f"--state-dir={directory}",
                f"--listen-addr=127.0.0.1:{port}",
                "--debug-addr=127.0.0.1:0",
                "--telemetry=disable",
                "--log-level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, "FerretDB", output)
        yield f"mongodb://127.0.0.1:{port}/", process.pid
    finally:
        stop(process)


def amqp_answers(url: str) -> bool:
    """True when an AMQP 0-9-1 server answers the protocol header with Connection.Start."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 5672)
    with (
        contextlib.suppress(OSError),
        socket.create_connection(address, timeout=2) as connection,
    ):
        connection.sendall(b"AMQP\x00\x00\x09\x01")
        # A method frame (type 1) on channel 0 opens the server's Connection.Start.
        return connection.recv(3) == b"\x01\x00\x00"
    return False


def docker_runs() -> bool:
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        return False
    return True


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class LighterProcesses:
    """Lighter as OS processes: `standalone`, or the four services of the distributed mode.

    Each service may be killed, restarted or given replicas. Services see only the LIGHTER_*
    variables of `env`, never the caller's own.
    """

    mode: str  # "standalone" | "distributed"
    data_dir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    neighbours: dict[str, int] = field(default_factory=dict)  # servers it uses, by pid

    @property
    def services(self) -> tuple[str, ...]:
        return ("standalone",) if self.mode == "standalone" else DISTRIBUTED_SERVICES

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports[self.services[0]]}"

    @property
    def pids(self) -> dict[str, int]:
        """Its own processes and the servers it uses, whose CPU a benchmark reports."""
        own = {service: process.pid for service, process in self.processes.items()}
        return {**own, **self.neighbours}

    def metrics_url(self, service: str) -> str:
        """Where `service` (api, submitter, tracker, session-manager) answers /metrics."""
        if self.mode == "standalone":
            return f"{self.url}/metrics"
        return f"http://127.0.0.1:{self.ports[service]}/metrics"

    def start_all(self) -> None:
        for service in self.services:
            self.ports.setdefault(service, free_port())
        for service in self.services:
            self.start(service)

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

    def _service_env(self, service: str, name: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIGHTER_")}
        env.update(self.env)
        for other, variable in PORT_SETTINGS.items():
            if other in self.ports:
                env[variable] = str(self.ports[other])
        env[PORT_SETTINGS[service]] = str(self.ports[name])
        return env

    def wait_healthy(self, service: str) -> None:
        url = f"http://127.0.0.1:{self.ports[service]}/health"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            process = self.processes[service]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with {process.returncode}:\n{self.log(service)}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
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
            stop(self.processes.pop(service))

    def log(self, service: str) -> str:
        return tail(self.data_dir / f"{service}.log", 6000)
