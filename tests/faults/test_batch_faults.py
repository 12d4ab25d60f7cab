"""Killing and restarting services mid-flight loses nothing and runs nothing twice."""

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lighter_common.store.mongo import MongoStore

from tests.harness.lighter import LighterFactory, LighterProcesses, wait_for
from tests.harness.rabbitmq import RabbitMQServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FINISHED = {"success", "error", "dead", "killed"}


def _client(lighter: LighterProcesses) -> httpx.Client:
    return httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30)


def _submit(client: httpx.Client, body: dict[str, object]) -> str:
    response = client.post("/batches", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def spark_cluster(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    lighter = lighter_factory.start("distributed", extra={"LIGHTER_MAX_RUNNING_JOBS": "2"})
    yield lighter
    lighter.stop_all()


@pytest.mark.spark
def test_killing_the_submitter_mid_flight_loses_nothing_and_runs_nothing_twice(
    spark_cluster: LighterProcesses,
) -> None:
    with _client(spark_cluster) as client:
        ids = [
            _submit(client, {"name": f"pi-{n}", "file": str(EXAMPLES / "pi.py"), "args": ["1"]})
            for n in range(5)
        ]
        wait_for(client, f"/batches/{ids[0]}", lambda b: b["state"] != "not_started", timeout=60)
        spark_cluster.kill("submitter", signal.SIGKILL)
        time.sleep(1)
        spark_cluster.start("submitter")
        for batch_id in ids:
            final = wait_for(
                client, f"/batches/{batch_id}", lambda b: b["state"] in FINISHED, timeout=400
            )
            assert final["state"] == "success", final
            log = str(client.get(f"/batches/{batch_id}/log").json()["log"])
            assert log.count("Pi is roughly") == 1, (
                f"{batch_id} ran {log.count('Pi is roughly')} times"
            )
        launched = [p.name for p in (spark_cluster.data_dir / "apps").iterdir()]
        for batch_id in ids:
            assert sum(name.startswith(batch_id) for name in launched) == 1


@pytest.mark.spark
def test_restarting_the_tracker_while_jobs_run_settles_their_states(
    spark_cluster: LighterProcesses,
) -> None:
    with _client(spark_cluster) as client:
        ok = _submit(client, {"name": "short", "file": str(EXAMPLES / "sleep.py"), "args": ["4"]})
        bad = _submit(client, {"name": "bad", "file": str(EXAMPLES / "fail.py")})
        wait_for(client, f"/batches/{ok}", lambda b: b["state"] == "running", timeout=240)
        spark_cluster.kill("tracker", signal.SIGKILL)
        # Both drivers end while nobody tracks them.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _driver_alive(ok) | _driver_alive(bad):
            time.sleep(1)
        spark_cluster.start("tracker")
        assert (
            wait_for(client, f"/batches/{ok}", lambda b: b["state"] in FINISHED, timeout=60)[
                "state"
            ]
            == "success"
        )
        failed = wait_for(client, f"/batches/{bad}", lambda b: b["state"] in FINISHED, timeout=60)
        assert failed["state"] == "error", failed
        assert "ValueError" in str(client.get(f"/batches/{bad}/log").json()["log"])


def _driver_alive(app_id: str) -> bool:
    result = subprocess.run(["pgrep", "-f", app_id], capture_output=True, check=False)
    return result.returncode == 0


def test_services_reconnect_after_a_rabbitmq_restart(
    lighter_factory: LighterFactory, rabbitmq: RabbitMQServer
) -> None:
    lighter = lighter_factory.start("distributed", backend="simulated")
    try:
        with _client(lighter) as client:
            before = _submit(client, {"name": "before", "file": "job.py"})
            wait_for(client, f"/batches/{before}", lambda b: b["state"] == "success", timeout=60)
            asyncio.run(rabbitmq.restart())
            after = _submit(client, {"name": "after", "file": "job.py"})
            wait_for(client, f"/batches/{after}", lambda b: b["state"] == "success", timeout=120)
            for service in ("api", "submitter", "tracker", "session-manager"):
                port = lighter.ports[service]
                wait_for(
                    httpx.Client(base_url=f"http://127.0.0.1:{port}"),
                    "/health",
                    lambda b: b["status"] == "ok",
                    timeout=60,
                )
    finally:
        lighter.stop_all()


def test_two_submitter_replicas_claim_each_batch_once(lighter_factory: LighterFactory) -> None:
    lighter = lighter_factory.start("distributed", backend="simulated")
    lighter.start("submitter", replica="submitter-2")
    try:
        with _client(lighter) as client:
            ids = [_submit(client, {"name": f"twin-{n}", "file": "job.py"}) for n in range(30)]
            for batch_id in ids:
                final = wait_for(
                    client, f"/batches/{batch_id}", lambda b: b["state"] in FINISHED, timeout=120
                )
                assert final["state"] == "success", final
        claims = asyncio.run(_claims(lighter, ids))
        assert claims == dict.fromkeys(ids, 1)
        launched = sum(
            _metric(lighter, replica, "lighter_submitter_launched_total")
            for replica in ("submitter", "submitter-2")
        )
        assert launched == len(ids)
    finally:
        lighter.stop_all()


async def _claims(lighter: LighterProcesses, ids: list[str]) -> dict[str, int]:
    """How many times each application was moved to `starting`, from the transition log."""
    store = await MongoStore.connect(
        lighter.env["LIGHTER_MONGO_URL"], lighter.env["LIGHTER_MONGO_DATABASE"]
    )
    try:
        return {
            app_id: sum(r.to_state == "starting" for r in await store.transitions(app_id))
            for app_id in ids
        }
    finally:
        await store.close()


def _metric(lighter: LighterProcesses, service: str, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{lighter.ports[service]}/metrics", timeout=10).text
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")]
    return sum(values)
