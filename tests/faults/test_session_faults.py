"""Restarting the session-manager while a statement runs: its result still arrives."""

import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.harness.lighter import LighterFactory, LighterProcesses, wait_for

pytestmark = pytest.mark.spark

FINISHED_STATEMENT = {"available", "error", "cancelled"}


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("distributed")
    yield processes
    with httpx.Client(base_url=processes.url, timeout=30) as http:
        for session in http.get("/lighter/api/sessions").json()["applications"]:
            http.delete(f"/lighter/api/sessions/{session['id']}")
    apps = str(processes.data_dir / "apps")
    deadline = time.monotonic() + 60
    while _pids(apps) and time.monotonic() < deadline:
        time.sleep(0.5)
    processes.stop_all()


def _pids(pattern: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return found.stdout.split()


def test_a_statement_running_through_a_session_manager_restart_still_ends(
    lighter: LighterProcesses,
) -> None:
    with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as http:
        created = http.post("/sessions", json={"kind": "pyspark"})
        assert created.status_code == 201, created.text
        path = f"/sessions/{created.json()['id']}"
        wait_for(http, path, lambda s: s["state"] == "idle", timeout=240)

        posted = http.post(
            f"{path}/statements", json={"code": "import time\ntime.sleep(20)\n42"}
        ).json()
        statement = f"{path}/statements/{posted['id']}"
        wait_for(http, statement, lambda s: s["state"] == "running", timeout=60)
        lighter.kill("session-manager", signal.SIGKILL)
        time.sleep(3)
        lighter.start("session-manager")

        final: dict[str, Any] = wait_for(
            http, statement, lambda s: s["state"] in FINISHED_STATEMENT, timeout=90
        )
        assert final["state"] == "available", final
        assert final["output"]["data"]["text/plain"] == "42"
        wait_for(http, path, lambda s: s["state"] == "idle", timeout=30)

        after = http.post(f"{path}/statements", json={"code": "6 * 7"}).json()
        done: dict[str, Any] = wait_for(
            http,
            f"{path}/statements/{after['id']}",
            lambda s: s["state"] in FINISHED_STATEMENT,
            timeout=60,
        )
        assert done["output"]["data"]["text/plain"] == "42"

        # Restarted again while idle: the session keeps serving statements.
        lighter.kill("session-manager", signal.SIGKILL)
        lighter.start("session-manager")
        again = http.post(f"{path}/statements", json={"code": "'still here'"}).json()
        done = wait_for(
            http,
            f"{path}/statements/{again['id']}",
            lambda s: s["state"] in FINISHED_STATEMENT,
            timeout=60,
        )
        assert done["output"] == {
            "status": "ok",
            "execution_count": again["id"],
            "data": {"text/plain": "'still here'"},
        }
