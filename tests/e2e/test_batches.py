"""Batches end to end through HTTP, with real Spark, in both run modes."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness.lighter import LighterFactory, LighterProcesses, wait_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FINISHED = {"success", "error", "dead", "killed"}

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module", params=["standalone", "distributed"])
def lighter(
    request: pytest.FixtureRequest, lighter_factory: LighterFactory
) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start(request.param)
    yield processes
    processes.stop_all()


def submit(client: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    response = client.post("/batches", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def finished(body: dict[str, object]) -> bool:
    return body["state"] in FINISHED


def test_pi_succeeds_with_its_output_in_the_log(client: httpx.Client) -> None:
    batch = submit(client, {"name": "pi", "file": str(EXAMPLES / "pi.py"), "args": ["2"]})
    assert batch["state"] == "not_started"
    seen = {batch["state"]}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = client.get(f"/batches/{batch['id']}/state").json()["state"]
        seen.add(state)
        if state in FINISHED:
            break
        time.sleep(0.2)
    final = client.get(f"/batches/{batch['id']}").json()
    assert final["state"] == "success", final
    assert "running" in seen or "starting" in seen
    assert str(final["appId"]).startswith("local-")
    assert final["finishedAt"] is not None
    log = client.get(f"/batches/{batch['id']}/log").json()
    assert "Pi is roughly 3.1" in log["log"]


def test_a_failing_script_ends_in_error_with_its_traceback(client: httpx.Client) -> None:
    batch = submit(client, {"name": "fail", "file": str(EXAMPLES / "fail.py")})
    final = wait_for(client, f"/batches/{batch['id']}", finished, timeout=240)
    assert final["state"] in ("error", "dead"), final
    log = str(client.get(f"/batches/{batch['id']}/log").json()["log"])
    assert "Traceback (most recent call last)" in log
    assert "ValueError" in log


def test_deleting_a_running_job_kills_its_process(
    client: httpx.Client, lighter: LighterProcesses
) -> None:
    batch = submit(client, {"name": "sleeper", "file": str(EXAMPLES / "sleep.py"), "args": ["600"]})
    batch_id = str(batch["id"])
    wait_for(client, f"/batches/{batch_id}", lambda b: b["state"] == "running", timeout=240)
    assert _processes_mentioning(batch_id), "the driver should be running"
    response = client.delete(f"/batches/{batch_id}")
    assert response.status_code == 200
    assert client.get(f"/batches/{batch_id}").status_code == 404
    deadline = time.monotonic() + 30
    while _processes_mentioning(batch_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_mentioning(batch_id), "the driver process is still alive"


def _processes_mentioning(text: str) -> list[str]:
    result = subprocess.run(["pgrep", "-af", text], capture_output=True, text=True, check=False)
    return [line for line in result.stdout.splitlines() if "pgrep" not in line]
