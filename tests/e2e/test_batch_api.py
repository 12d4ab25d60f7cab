"""The batch API's contract: listing, paging, filtering and refusing bad input.

These run on the simulated backend: they are about the HTTP contract, not about Spark.
"""

import io
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from tests.harness.lighter import (
    LighterFactory,
    LighterProcesses,
    simulated_lighter_per_mode,
    wait_for,
)
from tests.harness.seed import SEED_BATCH


@pytest.fixture(scope="module", params=["standalone", "distributed"])
def lighter(
    request: pytest.FixtureRequest, lighter_factory: LighterFactory
) -> Iterator[LighterProcesses]:
    yield from simulated_lighter_per_mode(
        request,
        lighter_factory,
        {
            "LIGHTER_MAX_RUNNING_JOBS": "1000",
            "LIGHTER_MAX_STARTING_JOBS": "1000",
            "LIGHTER_MAX_BODY_BYTES": "65536",
        },
    )


def test_list_pages_and_filters_over_50_batches(client: httpx.Client) -> None:
    ids = []
    for n in range(50):
        body = {
            "name": f"listing-{'even' if n % 2 == 0 else 'odd'}-{n}",
            "file": "job.py",
            "conf": {"lighter.simulated.runSeconds": "600" if n < 10 else "0"},
        }
        response = client.post("/batches", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    everything = client.get("/batches", params={"search": "listing-", "size": 100}).json()
    assert everything["total"] == 50
    assert [a["id"] for a in everything["applications"]] == list(reversed(ids))

    pages = [
        client.get("/batches", params={"search": "listing-", "from": start, "size": 20}).json()
        for start in (0, 20, 40)
    ]
    assert [len(p["applications"]) for p in pages] == [20, 20, 10]
    assert all(p["total"] == 50 for p in pages)
    paged_ids = [a["id"] for p in pages for a in p["applications"]]
    assert paged_ids == list(reversed(ids))
    assert pages[1]["from"] == 20

    odd = client.get("/batches", params={"search": "LISTING-ODD", "size": 5}).json()
    assert odd["total"] == 25 and len(odd["applications"]) == 5

    wait_for(
        client,
        "/batches?search=listing-&state=success&size=1",
        lambda b: b["total"] == 40,
        timeout=60,
    )
    running = client.get("/batches", params={"search": "listing-", "state": "running"}).json()
    assert running["total"] == 10
    assert {a["state"] for a in running["applications"]} == {"running"}


def test_seed_request_is_accepted(client: httpx.Client) -> None:
    response = client.post("/batches", json={**SEED_BATCH, "file": "job.py"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["submitParams"]["conf"] == {"spark.eventLog.enabled": True}
    assert created["type"] == "BATCH"
    assert created["createdAt"] and "+" not in created["createdAt"]


def test_secret_conf_values_are_redacted(client: httpx.Client) -> None:
    body = {
        "file": "job.py",
        "conf": {"spark.hadoop.fs.s3a.secret.key": "s3cr3t", "spark.executor.memory": "1g"},
    }
    created = client.post("/batches", json=body).json()
    shown = client.get(f"/batches/{created['id']}").json()["submitParams"]["conf"]
    assert shown == {"spark.hadoop.fs.s3a.secret.key": "[redacted]", "spark.executor.memory": "1g"}
    assert "s3cr3t" not in client.get("/batches").text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"file": "a.py",', "Malformed JSON"),
        ("[1, 2]", "dictionary"),
        ('{"name": "x"}', "file"),
        ('{"file": "a.py", "numExecutors": "many"}', "numExecutors"),
        ('{"file": "a.py", "numExecutors": -2}', "numExecutors"),
        ('{"file": "a.py", "driverMemory": "-1g"}', "driverMemory"),
        ('{"file": "a.py", "unknownField": 1}', "unknownField"),
        ('{"file": "a.py", "args": [{"a": 1}]}', "args"),
    ],
)
def test_bad_input_is_a_400_that_names_the_problem(
    client: httpx.Client, body: str, expected: str
) -> None:
    response = client.post("/batches", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()
    assert expected in error["message"], error
    assert error["path"] == "/lighter/api/batches"
    assert error["errors"]


def test_an_oversized_body_is_a_413(client: httpx.Client) -> None:
    body = {"file": "a.py", "args": ["x" * 70_000]}
    response = client.post("/batches", json=body)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["message"]


def test_unknown_ids_and_states(client: httpx.Client) -> None:
    assert client.get("/batches/nope").status_code == 404
    assert "not found" in client.get("/batches/nope").json()["message"]
    assert client.get("/batches/nope/log").status_code == 404
    assert client.delete("/batches/nope").status_code == 404
    response = client.get("/batches", params={"state": "sleeping"})
    assert response.status_code == 400
    assert "'sleeping' is not a state" in response.json()["message"]
    assert client.get("/batches", params={"size": -1}).status_code == 400


def test_configuration_health_metrics_and_openapi(
    client: httpx.Client, lighter: LighterProcesses
) -> None:
    configuration = client.get("/configuration").json()
    assert configuration["sessionConfiguration"]["timeoutMinutes"] == 90
    assert "sparkHistoryServerUrl" in configuration
    root = httpx.get(lighter.url + "/health").json()
    assert root["status"] == "ok"
    assert "lighter_api_requests_total" in httpx.get(lighter.url + "/metrics").text
    assert "/lighter/api/batches" in httpx.get(lighter.url + "/openapi.json").json()["paths"]


def test_a_batch_over_capacity_waits_and_says_why(lighter_factory: LighterFactory) -> None:
    lighter = lighter_factory.start(
        "standalone",
        backend="simulated",
        extra={"LIGHTER_MAX_RUNNING_JOBS": "1", "LIGHTER_SIMULATED_RUN_SECONDS": "600"},
    )
    try:
        with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as client:
            first = client.post("/batches", json={"file": "a.py"}).json()
            second = client.post("/batches", json={"file": "b.py"}).json()
            wait_for(
                client, f"/batches/{first['id']}", lambda b: b["state"] == "running", timeout=30
            )
            waiting = wait_for(
                client,
                f"/batches/{second['id']}",
                lambda b: b["stateReason"] is not None,
                timeout=30,
            )
            assert waiting["state"] == "not_started"
            assert waiting["stateReason"] == "waiting: 1 jobs running, the limit is 1"
            assert client.delete(f"/batches/{first['id']}").status_code == 200
            started = wait_for(
                client, f"/batches/{second['id']}", lambda b: b["state"] == "running", timeout=30
            )
            assert started["stateReason"] is None
    finally:
        lighter.stop_all()


def test_the_kernel_is_served_for_spark_images(lighter: LighterProcesses) -> None:
    response = httpx.get(lighter.url + "/lighter/jobs/kernel.py")
    assert response.status_code == 200
    compile(response.text, "kernel.py", "exec")
    assert "lighter_kernel" in response.text
    archive = httpx.get(lighter.url + "/lighter/jobs/lighter-kernel.zip")
    assert archive.status_code == 200
    config = zipfile.ZipFile(io.BytesIO(archive.content)).read("lighter_kernel/config.py")
    assert b"LIGHTER_KERNEL_URL" in config
