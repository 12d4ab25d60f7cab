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
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aio_pika
from lighter_common.bus.rabbitmq import DEAD_LETTER_SUFFIX
from lighter_common.messages import SESSION_MANAGER_QUEUE, SUBMITTER_QUEUE, TRACKER_QUEUE
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from bench.machine import find_pids
from tests.harness.processes import (
    LighterProcesses,
    amqp_answers,
    ferretdb_executable,
    running_ferretdb,
)

Mode = Literal["standalone", "distributed"]
Lighter = LighterProcesses
LOCAL_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
START_TIMEOUT_SECONDS = 60.0
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


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
    executable = ferretdb_executable()
    if executable is None:
        raise RuntimeError(
            "No MongoDB-protocol server: set LIGHTER_TEST_MONGO_URL or install FerretDB "
            "(`make services`)."
        )
    with running_ferretdb(executable, directory) as server:
        yield server


def _local_rabbitmq() -> str:
    if amqp_answers(LOCAL_RABBITMQ_URL):
        return LOCAL_RABBITMQ_URL
    executable = shutil.which("rabbitmq-server", path=SBIN_PATH)
    if executable is None:
        raise RuntimeError(
            "No RabbitMQ: set LIGHTER_TEST_RABBITMQ_URL or install rabbitmq-server "
            "(`make services`)."
        )
    subprocess.run([executable, "-detached"], check=True, capture_output=True)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not amqp_answers(LOCAL_RABBITMQ_URL):
        if time.monotonic() > deadline:
            raise RuntimeError("RabbitMQ did not start answering on 127.0.0.1:5672")
        time.sleep(0.25)
    return LOCAL_RABBITMQ_URL


@contextlib.asynccontextmanager
async def running_lighter(
    mode: Mode,
    work_dir: Path,
    settings: Mapping[str, str],
    infra: Infrastructure | None = None,
) -> AsyncIterator[Lighter]:
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
        lighter.start_all()
        yield lighter
    finally:
        lighter.stop_all()
        if "LIGHTER_MONGO_DATABASE" in env:
            _drop_database(env["LIGHTER_MONGO_URL"], env["LIGHTER_MONGO_DATABASE"])
            await _delete_queues(env["LIGHTER_RABBITMQ_URL"], env["LIGHTER_QUEUE_PREFIX"])


async def _delete_queues(url: str, prefix: str) -> None:
    """The run's queues: durable, a broker would keep them after every run."""
    with contextlib.suppress(aio_pika.exceptions.AMQPError, OSError):
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            for queue in (SUBMITTER_QUEUE, TRACKER_QUEUE, SESSION_MANAGER_QUEUE):
                for name in (prefix + queue, prefix + queue + DEAD_LETTER_SUFFIX):
                    await channel.queue_delete(name)


def _drop_database(url: str, database: str) -> None:
    client: MongoClient[dict[str, object]]
    with (
        contextlib.suppress(PyMongoError),
        MongoClient(url, serverSelectionTimeoutMS=2000) as client,
    ):
        client.drop_database(database)
