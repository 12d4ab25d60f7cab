"""Batches and a session through Lighter (standalone, all four services in one process) with the yarn
backend, on the test MiniYARNCluster: what a user of the API sees, and what YARN then shows.

The batches and the session are posted together (`batches`): Lighter submits them as its spark-submit bound
allows, and YARN runs them side by side, so the module waits for YARN about once.
"""

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lighter_common.backends.yarn.hadoop_conf import read_yarn_addresses

from tests.harness.lighter import (
    LighterFactory,
    LighterProcesses,
    wait_for,
    wait_for_statement,
)
from tests.harness.yarn_cluster import EXAMPLES, SMALL, YarnCluster

pytestmark = [pytest.mark.yarn, pytest.mark.timeout(1200)]

ENDS_WITHIN = 600.0
FINISHED = {"success", "error", "dead", "killed"}


@pytest.fixture(scope="module")
def lighter(
    yarn_cluster: YarnCluster, lighter_factory: LighterFactory
) -> Iterator[LighterProcesses]:
    processes = yarn_cluster.start_lighter(lighter_factory)
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def client(lighter: LighterProcesses) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def batches(client: httpx.Client) -> dict[str, dict[str, Any]]:
    def submit(main: str, *args: str, **fields: Any) -> dict[str, Any]:
        body = {"name": main, "file": str(EXAMPLES / main), "args": list(args), "conf": SMALL}
        response = client.post("/batches", json={**body, "numExecutors": 1, **fields})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def start_session() -> dict[str, Any]:
        body = {"kind": "pyspark", "conf": SMALL, "numExecutors": 1}
        response = client.post("/sessions", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return {
        "session": start_session(),
        "pi": submit("pi.py"),
        "fail": submit("fail.py"),
        "sleep": submit("sleep.py", "600", queue="other"),
        "no-queue": submit("pi.py", queue="nosuch"),
    }


def finished(client: httpx.Client, batch: dict[str, Any]) -> dict[str, Any]:
    return wait_for(
        client, f"/batches/{batch['id']}", lambda b: b["state"] in FINISHED, ENDS_WITHIN
    )


def test_pi_succeeds_with_its_output_in_the_log(
    client: httpx.Client, batches: dict[str, dict[str, Any]]
) -> None:
    done = finished(client, batches["pi"])

    log = client.get(f"/batches/{done['id']}/log", params={"size": 5000}).json()["log"]
    assert done["state"] == "success", (done, log[-3000:])
    assert done["appId"].startswith("application_")
    assert "Pi is roughly 3." in log


def test_a_failing_batch_is_an_error_with_yarn_s_diagnostics(
    client: httpx.Client, batches: dict[str, dict[str, Any]]
) -> None:
    done = finished(client, batches["fail"])

    assert done["state"] == "error", done
    assert "ValueError: fail.py gives up on purpose" in (done["stateReason"] or ""), done


def yarn_report(cluster: YarnCluster, yarn_id: str) -> dict[str, Any]:
    """The ResourceManager's report of one application, asked directly."""
    rm = read_yarn_addresses(cluster.conf_dir).resource_managers[0]
    report: dict[str, Any] = httpx.get(f"{rm}/ws/v1/cluster/apps/{yarn_id}").json()["app"]
    return report


def test_deleting_a_running_batch_kills_its_yarn_application(
    client: httpx.Client, batches: dict[str, dict[str, Any]], yarn_cluster: YarnCluster
) -> None:
    sleep = batches["sleep"]
    running: dict[str, Any] = wait_for(
        client,
        f"/batches/{sleep['id']}",
        lambda b: b["state"] in FINISHED or bool(b["appInfo"]["sparkUiUrl"]),
        ENDS_WITHIN,
    )
    assert running["state"] == "running", running
    assert running["appId"].startswith("application_")
    assert running["appInfo"]["sparkUiUrl"].startswith("http")

    assert client.delete(f"/batches/{sleep['id']}").status_code in (200, 204)

    deadline = time.monotonic() + 120
    while True:
        app = yarn_report(yarn_cluster, running["appId"])
        if app["state"] in ("KILLED", "FINISHED", "FAILED") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert (app["state"], app["queue"]) == ("KILLED", "root.other"), app


def test_a_queue_that_does_not_exist_is_an_error_naming_it(
    client: httpx.Client, batches: dict[str, dict[str, Any]]
) -> None:
    done = finished(client, batches["no-queue"])

    assert done["state"] in ("error", "dead"), done
    assert "nosuch" in (done["stateReason"] or ""), done


def test_a_pyspark_session_s_driver_runs_in_a_yarn_container_and_answers_python_and_scala(
    client: httpx.Client, batches: dict[str, dict[str, Any]], yarn_cluster: YarnCluster
) -> None:
    path = f"/sessions/{batches['session']['id']}"
    idle: dict[str, Any] = wait_for(
        client, path, lambda s: s["state"] in FINISHED | {"idle"}, ENDS_WITHIN
    )
    assert idle["state"] == "idle", idle
    report = yarn_report(yarn_cluster, idle["appId"])
    assert report["state"] == "RUNNING" and report["applicationType"] == "SPARK", report

    posted = client.post(f"{path}/statements", json={"code": "spark.range(5).count() * 2 + 1"})
    answered = wait_for_statement(client, path, posted.json()["id"], 300)

    assert answered["state"] == "available", answered
    assert answered["output"]["data"]["text/plain"] == "11"

    # Scala in the same driver: the REPL from pyspark's jars, which YARN's container has.
    code = "spark.range(7).count() * 3"
    posted = client.post(f"{path}/statements", json={"code": code, "kind": "spark"})
    scala = wait_for_statement(client, path, posted.json()["id"], 300)

    assert scala["state"] == "available", scala
    assert scala["output"]["status"] == "ok", scala
    assert re.fullmatch(r"res\d+: Long = 21\n", scala["output"]["data"]["text/plain"]), scala
    assert client.delete(path).status_code == 200
