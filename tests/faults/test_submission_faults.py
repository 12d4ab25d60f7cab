"""Exactly-once submission from the client's side, while the API, the broker and the database
are killed with SIGKILL under a client that retries with idempotency keys."""

import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.harness.lighter import LighterProcesses, base_env, free_port, wait_for
from tests.harness.private_servers import PrivateFerretDB, PrivateRabbitMQ

KEYS = 30
CLIENT_DEADLINE = 300.0
FINISHED = {"success", "error", "dead", "killed"}


class RetryingClient(threading.Thread):
    """Submits one batch per key, retrying each until the API answers 200 or 201."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.keys = [f"key-{n}-{uuid.uuid4().hex[:6]}" for n in range(KEYS)]
        self.ids: dict[str, str] = {}
        self.answers: list[int] = []
        self.failure: str | None = None

    def run(self) -> None:
        deadline = time.monotonic() + CLIENT_DEADLINE
        with httpx.Client(base_url=self.url, timeout=10) as client:
            for key in self.keys:
                body = {"name": key, "file": "job.py", "args": [key]}
                while key not in self.ids:
                    if time.monotonic() > deadline:
                        self.failure = f"gave up on {key} after {len(self.ids)} keys"
                        return
                    try:
                        response = client.post(
                            "/lighter/api/batches", json=body, headers={"Idempotency-Key": key}
                        )
                    except httpx.TransportError:
                        time.sleep(0.2)
                        continue
                    self.answers.append(response.status_code)
                    if response.status_code in (200, 201):
                        self.ids[key] = response.json()["id"]
                        self._repeat(client, key, body)
                    elif response.status_code in (502, 503, 504):
                        time.sleep(0.2)
                    else:
                        self.failure = f"{key}: {response.status_code} {response.text}"
                        return
                if self.failure:
                    return
                time.sleep(0.05)

    def _repeat(self, client: httpx.Client, key: str, body: Mapping[str, object]) -> None:
        """Send it again, as a client whose answer was lost would: same application, 200."""
        try:
            response = client.post(
                "/lighter/api/batches", json=body, headers={"Idempotency-Key": key}
            )
        except httpx.TransportError:
            return  # the API is down this moment; the retries above cover that case
        if response.status_code in (502, 503, 504):
            return
        if response.status_code != 200 or response.json()["id"] != self.ids[key]:
            self.failure = f"repeat of {key}: {response.status_code} {response.text}"

    def wait_for_keys(self, count: int) -> None:
        deadline = time.monotonic() + CLIENT_DEADLINE
        while len(self.ids) < count and self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def private_servers(tmp_path: Path) -> Iterator[tuple[PrivateFerretDB, PrivateRabbitMQ]]:
    database = PrivateFerretDB(tmp_path / "ferretdb")
    broker = PrivateRabbitMQ(tmp_path / "rabbitmq")
    for server in (database, broker):
        server.directory.mkdir()
        server.start()
    yield database, broker
    for server in (database, broker):
        server.stop()


def test_killing_api_broker_and_database_while_clients_retry_creates_each_batch_once(
    private_servers: tuple[PrivateFerretDB, PrivateRabbitMQ], tmp_path: Path
) -> None:
    database, broker = private_servers
    env = base_env(tmp_path / "lighter", "simulated")
    env.update(
        {
            "LIGHTER_MONGO_URL": database.url,
            "LIGHTER_MONGO_DATABASE": "lighter",
            "LIGHTER_MONGO_TIMEOUT": "2",
            "LIGHTER_RABBITMQ_URL": broker.url,
        }
    )
    (tmp_path / "lighter").mkdir()
    lighter = LighterProcesses(mode="distributed", data_dir=tmp_path / "lighter", env=env)
    lighter.ports["api"] = free_port()
    lighter.start_all()
    client = RetryingClient(lighter.url)
    try:
        client.start()
        client.wait_for_keys(5)
        lighter.kill("api")
        lighter.start("api")
        client.wait_for_keys(12)
        broker.kill9()
        time.sleep(1)  # submissions go on against a dead broker for a moment
        broker.start()
        client.wait_for_keys(20)
        database.kill9()
        time.sleep(1)  # and against a dead database
        database.start()
        client.join(CLIENT_DEADLINE)

        assert client.failure is None, client.failure
        assert len(client.ids) == KEYS
        assert len(set(client.ids.values())) == KEYS
        with MongoClient[dict[str, Any]](database.url) as mongo:
            stored = list(mongo["lighter"]["applications"].find({}, {"_id": 1}))
        assert sorted(doc["_id"] for doc in stored) == sorted(client.ids.values())
        with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as http:
            for app_id in client.ids.values():
                final = wait_for(
                    http, f"/batches/{app_id}", lambda b: b["state"] in FINISHED, timeout=120
                )
                assert final["state"] == "success", final
    finally:
        lighter.stop_all()
