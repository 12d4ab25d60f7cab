"""A RabbitMQ node and a FerretDB of a test's own, to kill with SIGKILL and start again.

The shared servers of the session serve every other test; a fault test that kills a broker
or a database gets its own, on free ports, with its data kept across restarts.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.harness.mongo import HOW_TO_GET_ONE
from tests.harness.processes import ferretdb_executable, free_port

START_TIMEOUT = 90.0
_RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class _PrivateServer:
    """A server process in its own session, so SIGKILL takes all of it at once."""

    name = "server"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> None:
        self._starts += 1
        output = self.directory / f"{self.name}-{self._starts}.log"
        with output.open("wb") as log:
            self._process = subprocess.Popen(
                self._command(),
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.directory,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not port_open(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{self.name} did not start:\n{output.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill9(self) -> None:
        """SIGKILL every process of the server, and wait until its port is closed."""
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self.kill9()


class PrivateFerretDB(_PrivateServer):
    name = "ferretdb"

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def _command(self) -> list[str]:
        executable = ferretdb_executable()
        if executable is None:
            pytest.fail(HOW_TO_GET_ONE)
        data = self.directory / "data"
        data.mkdir(exist_ok=True)
        return [
            str(executable),
            "--handler=sqlite",
            f"--sqlite-url=file:{data}/",
            f"--state-dir={data}",
            f"--listen-addr=127.0.0.1:{self.port}",
            "--debug-addr=127.0.0.1:0",
            "--telemetry=disable",
        ]


class PrivateRabbitMQ(_PrivateServer):
    name = "rabbitmq"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self._dist_port = free_port()
        self._node = f"lighter-test-{self.port}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _command(self) -> list[str]:
        if not Path(_RABBITMQ_SERVER).exists() and shutil.which("rabbitmq-server") is None:
            pytest.fail("RabbitMQ is not installed: apt-get install rabbitmq-server")
        return [_RABBITMQ_SERVER if Path(_RABBITMQ_SERVER).exists() else "rabbitmq-server"]

    def _env(self) -> dict[str, str]:
        plugins = self.directory / "enabled_plugins"
        plugins.write_text("[].\n")
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self._node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self._dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.directory / "advanced.config"),
            "RABBITMQ_PID_FILE": str(self.directory / "rabbitmq.pid"),
        }
