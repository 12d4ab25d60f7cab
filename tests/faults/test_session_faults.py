"""Restarting the session-manager while a statement runs: its result still arrives."""

import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.harness.lighter import (
    LighterFactory,
    LighterProcesses,
    end_all_sessions,
    wait_for,
    wait_for_statement,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("distributed")
    yield processes
    end_all_sessions(processes)
    processes.stop_all()


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

        final = wait_for_statement(http, path, posted["id"], timeout=90)
        assert final["state"] == "available", final
        assert final["output"]["data"]["text/plain"] == "42"
        wait_for(http, path, lambda s: s["state"] == "idle", timeout=30)

        after = http.post(f"{path}/statements", json={"code": "6 * 7"}).json()
        done = wait_for_statement(http, path, after["id"], timeout=60)
        assert done["output"]["data"]["text/plain"] == "42"

        # Restarted again while idle: the session keeps serving statements.
        lighter.kill("session-manager", signal.SIGKILL)
        lighter.start("session-manager")
        again = http.post(f"{path}/statements", json={"code": "'still here'"}).json()
        done = wait_for_statement(http, path, again["id"], timeout=60)
        assert done["output"] == {
            "status": "ok",
            "execution_count": again["id"],
            "data": {"text/plain": "'still here'"},
        }
