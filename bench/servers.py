"""The processes a benchmark measures: Lighter in either mode, FerretDB and RabbitMQ.

Where the MongoDB-protocol server and the broker come from, first match wins:
`LIGHTER_TEST_MONGO_URL` / `LIGHTER_TEST_RABBITMQ_URL` (servers already running); for MongoDB,
FerretDB started here (`ferretdb` on the PATH or in ~/go/bin) in a temporary directory; for
RabbitMQ, a broker answering on 127.0.0.1:5672, else Debian's `rabbitmq-server -detached`
(left running, as the test harness does, since others may share it).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from bench.machine import find_pids

Mode = Literal["standalone", "distributed"]
DISTRIBUTED_SERVICES = ("api", "submitter", "tracker", "session-manager")
PORT_SETTINGS = {
    "standalone": "LIGHTER_PORT",
    "api": "LIGHTER_PORT",
    "submitter": "LIGHTER_SUBMITTER_PORT",
    "tracker": "LIGHTER_TRACKER_PORT",
    "session-manager": "LIGHTER_SESSION_MANAGER_PORT",
}
LOCAL_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
START_TIMEOUT_SECONDS = 60.0
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Infrastructure:
    """The MongoDB-protocol server and the broker the distributed mode runs against."""

    mongo_url: str
    rabbitmq_url: str
    ferretdb_pid: int | None = None

    @property
    def pids(self) -> dict[str, int]:
        """Processes on this machine whose CPU is worth reporting."""
        pids = {"ferretdb": self.ferretdb_pid} if self.ferretdb_pid else {}
        for number, pid in enumerate(find_pids("beam.smp")):
            pids[f"rabbitmq-{number}" if number else "rabbitmq"] = pid
        return pids


@contextlib.contextmanager
def infrastructure(work_dir: Path) -> Iterator[Infrastructure]:
    rabbitmq_url = os.environ.get("LIGHTER_TEST_RABBITMQ_URL") or _local_rabbitmq()
    mongo_url = os.environ.get("LIGHTER_TEST_MONGO_URL")
    if mongo_url:
        yield Infrastructure(mongo_url, rabbitmq_url)
        return
    with _ferretdb(work_dir / "ferretdb") as (url, pid):
        yield Infrastructure(url, rabbitmq_url, ferretdb_pid=pid)


@contextlib.contextmanager
def _ferretdb(directory: Path) -> Iterator[tuple[str, int]]:
    executable = shutil.which("ferretdb") or str(Path.home() / "go" / "bin" / "ferretdb")
    if not Path(executable).is_file():
        raise RuntimeError(
            "No MongoDB-protocol server: set LIGHTER_TEST_MONGO_URL or install FerretDB "
            "(`make services`)."
        )
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with (directory / "ferretdb.log").open("wb") as log:
        process = subprocess.Popen(
            [
                executable,
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
        _wait_for_port(port, process, "FerretDB")
        yield f"mongodb://127.0.0.1:{port}/", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _local_rabbitmq() -> str:
    if _amqp_answers(LOCAL_RABBITMQ_URL):
        return LOCAL_RABBITMQ_URL
    executable = shutil.which("rabbitmq-server", path=SBIN_PATH)
    if executable is None:
        raise RuntimeError(
            "No RabbitMQ: set LIGHTER_TEST_RABBITMQ_URL or install rabbitmq-server "
            "(`make services`)."
        )
    subprocess.run([executable, "-detached"], check=True, capture_output=True)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _amqp_answers(LOCAL_RABBITMQ_URL):
        if time.monotonic() > deadline:
            raise RuntimeError("RabbitMQ did not start answering on 127.0.0.1:5672")
        time.sleep(0.25)
    return LOCAL_RABBITMQ_URL


def _amqp_answers(url: str) -> bool:
    """True when an AMQP 0-9-1 server answers the protocol header with Connection.Start."""
    host, port = url.split("@")[-1].split("/")[0].split(":")
    with (
        contextlib.suppress(OSError),
        socket.create_connection((host, int(port)), timeout=2) as connection,
    ):
        connection.sendall(b"AMQP\x00\x00\x09\x01")
        return connection.recv(3) == b"\x01\x00\x00"
    return False


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} at start")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port}")


@dataclass
class Lighter:
    """Lighter as OS processes: `standalone`, or the four services of the distributed mode."""

    mode: Mode
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

    def start(self) -> None:
        for service in self.services:
            self.ports[service] = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIGHTER_")}
        env.update(self.env)
        for service in self.services:
            env[PORT_SETTINGS[service]] = str(self.ports[service])
        for service in self.services:
            log = open(self.data_dir / f"{service}.log", "ab")  # noqa: SIM115 - owned by the child
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "lighter_standalone", service],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for service in self.services:
            self._wait_healthy(service)

    def _wait_healthy(self, service: str) -> None:
        url = f"http://127.0.0.1:{self.ports[service]}/health"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            process = self.processes[service]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with {process.returncode}: {self.log(service)}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{service} did not become healthy: {self.log(service)}")

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def log(self, service: str) -> str:
        path = self.data_dir / f"{service}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@contextlib.contextmanager
def running_lighter(
    mode: Mode,
    work_dir: Path,
    settings: Mapping[str, str],
    infra: Infrastructure | None = None,
) -> Iterator[Lighter]:
    """A fresh Lighter: its own data directory, and in distributed mode its own database and
    queue prefix on the shared servers."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"lighter-{mode}-", dir=work_dir))
    env = {"LIGHTER_DATA_DIR": str(data_dir), "LIGHTER_LOG_FORMAT": "text", **settings}
    if mode == "distributed":
        if infra is None:
            raise ValueError("the distributed mode needs MongoDB and RabbitMQ")
        suffix = uuid.uuid4().hex[:10]
        env["LIGHTER_MONGO_URL"] = infra.mongo_url
        env["LIGHTER_MONGO_DATABASE"] = f"lighter_bench_{suffix}"
        env["LIGHTER_RABBITMQ_URL"] = infra.rabbitmq_url
        env["LIGHTER_QUEUE_PREFIX"] = f"bench{suffix}."
    lighter = Lighter(mode=mode, data_dir=data_dir, env=env)
    if mode == "distributed" and infra is not None:
        lighter.neighbours = infra.pids
    try:
        lighter.start()
        yield lighter
    finally:
        lighter.stop()
        if "LIGHTER_MONGO_DATABASE" in env:
            _drop_database(env["LIGHTER_MONGO_URL"], env["LIGHTER_MONGO_DATABASE"])


def _drop_database(url: str, database: str) -> None:
    client: MongoClient[dict[str, object]]
    with (
        contextlib.suppress(PyMongoError),
        MongoClient(url, serverSelectionTimeoutMS=2000) as client,
    ):
        client.drop_database(database)
