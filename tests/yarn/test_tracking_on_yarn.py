"""Lighter distributed (two trackers, FerretDB, RabbitMQ) on the test MiniYARNCluster: what the
tracking guarantees on a real YARN.

- two tracker replicas follow the same applications, and each change is recorded once;
- a burst of 20 batches is launched in full: spark-submit runs a few at a time (its bound),
  the rest wait their turn, and none fails for the wait;
- across a ResourceManager restart without recovery, which forgets every application, the
  batch that was running ends with a reason, and the trackers go on with the new one.

The restart is last: it ends whatever runs on the cluster at the time.
"""

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lighter_common.backends.yarn.hadoop_conf import read_yarn_addresses
from lighter_common.store.mongo import MongoStore

from tests.harness.lighter import LighterFactory, LighterProcesses, wait_for
from tests.harness.yarn_cluster import EXAMPLES, SMALL, YarnCluster

pytestmark = [pytest.mark.yarn, pytest.mark.timeout(1500)]

ENDS_WITHIN = 600.0
FINISHED = {"success", "error", "dead", "killed"}
BURST = 20


@pytest.fixture(scope="module")
def lighter(
    yarn_cluster: YarnCluster, lighter_factory: LighterFactory
) -> Iterator[LighterProcesses]:
    # The whole burst may start at once: spark-submit's own bound is what queues it.
    processes = yarn_cluster.start_lighter(
        lighter_factory,
        "distributed",
        LIGHTER_MAX_STARTING_JOBS="50",
        LIGHTER_MAX_RUNNING_JOBS="50",
    )
    processes.start("tracker", replica="tracker-2")
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def client(lighter: LighterProcesses) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as client:
        yield client


def submit(client: httpx.Client, main: str, *args: str, **fields: Any) -> str:
    body = {"name": main, "file": str(EXAMPLES / main), "args": list(args), "conf": SMALL}
    response = client.post("/batches", json={"numExecutors": 1, **body, **fields})
    assert response.status_code == 201, response.text
    batch_id: str = response.json()["id"]
    return batch_id


def transitions(lighter: LighterProcesses, app_id: str) -> list[str]:
    async def read() -> list[str]:
        store = await MongoStore.connect(
            lighter.env["LIGHTER_MONGO_URL"], lighter.env["LIGHTER_MONGO_DATABASE"]
        )
        try:
            records = await store.transitions(app_id)
            return [record.to_state for record in records if record.to_state is not None]
        finally:
            await store.close()

    return asyncio.run(read())


def metric(lighter: LighterProcesses, service: str, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{lighter.ports[service]}/metrics", timeout=10).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def yarn_end(cluster: YarnCluster, yarn_id: str) -> str:
    """The state the ResourceManager says an application ended in."""
    rm = read_yarn_addresses(cluster.conf_dir).resource_managers[0]
    deadline = time.monotonic() + 120
    while True:
        state = str(httpx.get(f"{rm}/ws/v1/cluster/apps/{yarn_id}").json()["app"]["state"])
        if state in ("FINISHED", "FAILED", "KILLED") or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def test_two_trackers_record_each_change_of_a_batch_once(
    client: httpx.Client, lighter: LighterProcesses
) -> None:
    batch_id = submit(client, "pi.py")

    done = wait_for(client, f"/batches/{batch_id}", lambda b: b["state"] in FINISHED, ENDS_WITHIN)

    assert done["state"] == "success", done
    assert str(done["appId"]).startswith("application_"), done
    states = transitions(lighter, batch_id)
    assert states.count("running") == 1 and states.count("success") == 1, states
    assert len(states) == len(set(states)), states
    for tracker in ("tracker", "tracker-2"):
        assert metric(lighter, tracker, "lighter_tracker_tick_seconds_count") > 0, tracker


def test_a_burst_of_20_batches_is_launched_in_full_none_failing_for_its_wait(
    client: httpx.Client, yarn_cluster: YarnCluster
) -> None:
    # `narrow` runs one ApplicationMaster at a time: the rest wait in YARN's queue, ACCEPTED.
    started = time.monotonic()
    ids = [submit(client, "sleep.py", "600", queue="narrow") for _ in range(BURST)]
    submitted: dict[str, dict[str, Any]] = {}
    deadline = started + ENDS_WITHIN
    while len(submitted) < BURST:
        assert time.monotonic() < deadline, f"{BURST - len(submitted)} never reached YARN"
        for batch_id in ids:
            batch = client.get(f"/batches/{batch_id}").json()
            assert batch["state"] not in FINISHED, batch
            if (batch["appId"] or "").startswith("application_"):
                submitted[batch_id] = batch
        time.sleep(1)
    all_in_yarn = time.monotonic() - started
    waiting = wait_for(
        client, f"/batches/{ids[-1]}", lambda b: "waiting in queue" in (b["stateReason"] or ""), 120
    )

    for batch_id in ids:
        assert client.delete(f"/batches/{batch_id}").status_code in (200, 204)
    ended = [yarn_end(yarn_cluster, str(batch["appId"])) for batch in submitted.values()]

    print(f"\n{BURST} batches in YARN {all_in_yarn:.0f} s after the first was posted")
    assert len({b["appId"] for b in submitted.values()}) == BURST
    assert waiting["state"] == "starting" and "root.narrow" in str(waiting["stateReason"]), waiting
    assert ended == ["KILLED"] * BURST, ended


def test_a_batch_the_resource_manager_forgets_in_a_restart_ends_with_a_reason(
    client: httpx.Client, yarn_cluster: YarnCluster
) -> None:
    before = submit(client, "sleep.py", "600")
    running = wait_for(
        client, f"/batches/{before}", lambda b: b["state"] in FINISHED | {"running"}, ENDS_WITHIN
    )
    assert running["state"] == "running", running

    yarn_cluster.restart_resource_manager()
    lost = wait_for(client, f"/batches/{before}", lambda b: b["state"] in FINISHED, 120)
    after = submit(client, "pi.py")
    done = wait_for(client, f"/batches/{after}", lambda b: b["state"] in FINISHED, ENDS_WITHIN)

    assert lost["state"] == "dead", lost
    assert f"no longer knows application {running['appId']}" in str(lost["stateReason"]), lost
    assert done["state"] == "success", done
