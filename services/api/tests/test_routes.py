"""Both dialects' routes through the ASGI app: shapes, 400s naming fields, 404s, sparkmagic."""

from typing import Any

import httpx
import pytest
from lighter_common.domain.states import ApplicationState
from lighter_common.store.sqlite import SqliteStore

SPARKMAGIC = {"X-Compatibility-Mode": "sparkmagic"}
LOG = "\n".join(f"line {i}" for i in range(150))


def lighter_error(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"message", "path", "errors"}
    assert body["path"] == response.request.url.path
    for word in words:
        assert word in body["message"], body
    return body


def livy_error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == {"msg"}
    for word in words:
        assert word in response.json()["msg"]


# Lighter: batches and sessions


async def test_a_lighter_batch_from_creation_to_deletion(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    created = await client.post("/lighter/api/batches", json={"file": "/pi.py", "name": "pi"})
    assert created.status_code == 201
    batch = created.json()
    assert batch["type"] == "BATCH" and batch["state"] == "not_started"
    path = f"/lighter/api/batches/{batch['id']}"
    assert (await client.get(path)).json() == batch
    assert (await client.get(f"{path}/state")).json() == {"id": batch["id"], "state": "not_started"}

    await store.put_log(batch["id"], LOG)
    log = (await client.get(f"{path}/log", params={"from": 10, "size": 2})).json()
    assert log == {"id": batch["id"], "from": 10, "total": 150, "log": "line 10\nline 11"}
    whole = (await client.get(f"{path}/log")).json()
    assert whole["log"] == LOG

    assert (await client.delete(path)).status_code == 200
    lighter_error(await client.get(path), 404, batch["id"])
    saved = await store.get_application(batch["id"])
    assert saved is not None and saved.kill_requested


async def test_lighter_lists_page_filter_and_count_all_matches(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    ids = [
        (
            await client.post("/lighter/api/batches", json={"file": f"/{n}.py", "name": f"job-{n}"})
        ).json()["id"]
        for n in range(5)
    ]
    await store.update_application(ids[0], {"state": ApplicationState.STARTING})
    page = (await client.get("/lighter/api/batches", params={"from": 1, "size": 2})).json()
    assert page["from"] == 1 and page["total"] == 5 and len(page["applications"]) == 2
    starting = (await client.get("/lighter/api/batches", params={"state": "starting"})).json()
    assert [a["id"] for a in starting["applications"]] == [ids[0]]
    several = await client.get("/lighter/api/batches", params=[("state", "starting,not_started")])
    assert several.json()["total"] == 5
    found = (await client.get("/lighter/api/batches", params={"search": "JOB-3"})).json()
    assert [a["name"] for a in found["applications"]] == ["job-3"]
    sessions = (await client.get("/lighter/api/sessions")).json()
    assert sessions == {"from": 0, "total": 0, "applications": []}


@pytest.mark.parametrize(
    "mode", ["sparkmagic", "Sparkmagic", "SPARKMAGIC", " sparkmagic "], ids=repr
)
async def test_the_sparkmagic_header_in_any_case_shapes_sessions_and_logs(
    client: httpx.AsyncClient, store: SqliteStore, mode: str
) -> None:
    headers = {"X-Compatibility-Mode": mode}
    created = await client.post("/lighter/api/sessions", json={"kind": "pyspark"}, headers=headers)
    session_id = created.json()["id"]
    await store.put_log(session_id, LOG)
    listed = (await client.get("/lighter/api/sessions", headers=headers)).json()
    assert set(listed) == {"from", "total", "sessions"}
    shown = (await client.get(f"/lighter/api/sessions/{session_id}", headers=headers)).json()
    assert shown["log"] == LOG.splitlines()[-100:]
    log = (await client.get(f"/lighter/api/sessions/{session_id}/log", headers=headers)).json()
    assert log["log"] == LOG.splitlines()


async def test_without_the_header_sessions_are_applications_and_logs_text(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    session_id = (await client.post("/lighter/api/sessions", json={})).json()["id"]
    await store.put_log(session_id, "a\nb")
    listed = (await client.get("/lighter/api/sessions")).json()
    assert [s["id"] for s in listed["applications"]] == [session_id]
    assert (await client.get(f"/lighter/api/sessions/{session_id}")).json()["log"] == []
    log = (await client.get(f"/lighter/api/sessions/{session_id}/log")).json()
    assert log["log"] == "a\nb"
    batch_list = (await client.get("/lighter/api/batches", headers=SPARKMAGIC)).json()
    assert "applications" in batch_list


async def test_lighter_statements(client: httpx.AsyncClient, store: SqliteStore) -> None:
    await client.put("/lighter/api/sessions/nb", json={"kind": "pyspark"})
    path = "/lighter/api/sessions/nb/statements"
    created = await client.post(path, json={"code": "1 + 1", "kind": "sql"})
    assert created.status_code == 201
    statement = created.json()
    assert statement["id"] == 0 and statement["state"] == "waiting" and statement["createdAt"]
    assert (await client.get(f"{path}/0")).json()["code"] == "1 + 1"
    listed = (await client.get(path)).json()
    assert listed["total"] == listed["total_statements"] == 1
    cancelled = (await client.post(f"{path}/0/cancel")).json()
    assert cancelled["msg"] == "canceled" and cancelled["state"] == "cancelled"

    await store.update_application("nb", {"state": ApplicationState.DEAD})
    lighter_error(await client.post(path, json={"code": "1"}), 400, "dead")


async def test_configuration_lists_the_permanent_sessions(client: httpx.AsyncClient) -> None:
    await client.put("/lighter/api/sessions/shared", json={"permanent": True, "name": "s"})
    await client.post("/lighter/api/sessions", json={})
    configuration = (await client.get("/lighter/api/configuration")).json()
    listed = configuration["sessionConfiguration"]["permanentSessions"]
    assert [(p["id"], p["state"], p["submitParams"]["name"]) for p in listed] == [
        ("shared", "not_started", "s")
    ]


# Livy


async def test_livy_sessions_and_batches_have_integer_ids_and_locations(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    assert (await client.get("/livy/version")).json()["version"].startswith("0.")
    session = await client.post("/livy/sessions", json={"kind": "pyspark", "name": "s"})
    batch = await client.post("/livy/batches", json={"file": "/pi.py"})
    for created, segment in [(session, "sessions"), (batch, "batches")]:
        assert created.status_code == 201
        livy_id = created.json()["id"]
        assert isinstance(livy_id, int)
        assert created.headers["Location"] == f"/livy/{segment}/{livy_id}"
        state = (await client.get(f"/livy/{segment}/{livy_id}/state")).json()
        assert state == {"id": livy_id, "state": "not_started"}
        listed = (await client.get(f"/livy/{segment}")).json()
        assert set(listed) == {"from", "total", "sessions"}
        assert [a["id"] for a in listed["sessions"]] == [livy_id]
    assert "heartbeatTimeoutInSecond" in session.json()
    assert "heartbeatTimeoutInSecond" not in batch.json()

    batch_id = batch.json()["id"]
    app = await store.get_application_by_livy_id(batch_id)
    assert app is not None
    await store.put_log(app.id, LOG)
    shown = (await client.get(f"/livy/batches/{batch_id}")).json()
    assert shown["log"] == LOG.splitlines()[-100:]
    log = (await client.get(f"/livy/batches/{batch_id}/log", params={"size": 3})).json()
    assert log == {"id": batch_id, "from": 147, "total": 150, "log": LOG.splitlines()[-3:]}
    assert (await client.delete(f"/livy/batches/{batch_id}")).json() == {"msg": "deleted"}
    livy_error(await client.get(f"/livy/batches/{batch_id}"), 404, str(batch_id))


async def test_livy_statements(client: httpx.AsyncClient) -> None:
    livy_id = (await client.post("/livy/sessions", json={})).json()["id"]
    path = f"/livy/sessions/{livy_id}/statements"
    created = await client.post(path, json={"code": "2 * 21"})
    assert created.status_code == 201
    assert created.headers["Location"] == f"/livy/sessions/{livy_id}/statements/0"
    assert "createdAt" not in created.json()
    assert (await client.get(path)).json()["total_statements"] == 1
    assert (await client.post(f"{path}/0/cancel")).json() == {"msg": "canceled"}
    assert (await client.get(f"{path}/0")).json()["state"] == "cancelled"


# Bad input and unknown ids


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/lighter/api/batches", {"file": "a.py", "colour": "red"}, ["Unknown field 'colour'"]),
        ("/lighter/api/batches", {"name": "no file"}, ["'file' is required"]),
        ("/lighter/api/batches", {"file": "a.py", "driverMemory": "lots"}, ["driverMemory"]),
        ("/lighter/api/batches", {"file": "a.py", "numExecutors": -1}, ["numExecutors"]),
        ("/lighter/api/sessions", {"kind": "cobol"}, ["cobol", "pyspark"]),
        ("/lighter/api/sessions", {"heartbeatTimeoutInSecond": "soon"}, ["heartbeatTimeout"]),
        ("/lighter/api/sessions", {"ttl": "forever"}, ["ttl", "duration"]),
        ("/lighter/api/sessions", ["kind"], ["Request body"]),
    ],
)
async def test_lighter_bad_input_is_a_400_naming_the_field(
    client: httpx.AsyncClient, store: SqliteStore, path: str, body: object, words: list[str]
) -> None:
    lighter_error(await client.post(path, json=body), 400, *words)
    assert (await client.get(path)).json()["total"] == 0


async def test_malformed_json_and_bad_parameters_are_400s(client: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "application/json"}
    lighter_error(
        await client.post("/lighter/api/batches", content=b"{file:", headers=headers), 400, "JSON"
    )
    livy_error(await client.post("/livy/batches", content=b"{file:", headers=headers), 400, "JSON")
    livy_error(await client.post("/livy/sessions", json={"kind": "cobol"}), 400, "cobol")
    lighter_error(await client.get("/lighter/api/batches", params={"from": -1}), 400, "from")
    lighter_error(
        await client.get("/lighter/api/batches", params={"state": "runing"}), 400, "runing"
    )
    livy_error(await client.get("/livy/sessions/abc"), 400, "Path parameter 'session_id'")
    livy_error(await client.get("/livy/batches/abc"), 400, "Path parameter 'batch_id'")
    await client.put("/lighter/api/sessions/nb", json={})
    statements = "/lighter/api/sessions/nb/statements"
    lighter_error(await client.post(statements, json={"kode": "1"}), 400, "code")
    lighter_error(await client.post(statements, json={"code": "1", "kind": "r"}), 400, "'r'")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/lighter/api/batches/nope"),
        ("GET", "/lighter/api/batches/nope/state"),
        ("GET", "/lighter/api/batches/nope/log"),
        ("DELETE", "/lighter/api/batches/nope"),
        ("GET", "/lighter/api/sessions/nope"),
        ("GET", "/lighter/api/sessions/nope/statements"),
        ("GET", "/lighter/api/sessions/nope/statements/0"),
        ("POST", "/lighter/api/sessions/nope/statements/0/cancel"),
        ("GET", "/lighter/api/no-such-endpoint"),
    ],
)
async def test_lighter_unknown_ids_are_404s(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    lighter_error(await client.request(method, path), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/livy/sessions/99"),
        ("GET", "/livy/sessions/99/state"),
        ("GET", "/livy/sessions/99/log"),
        ("DELETE", "/livy/sessions/99"),
        ("GET", "/livy/sessions/99/statements"),
        ("GET", "/livy/batches/99"),
        ("DELETE", "/livy/batches/99"),
    ],
)
async def test_livy_unknown_ids_are_404s(client: httpx.AsyncClient, method: str, path: str) -> None:
    livy_error(await client.request(method, path), 404, "99")


async def test_a_batch_is_not_found_as_a_session_nor_a_session_as_a_batch(
    client: httpx.AsyncClient,
) -> None:
    batch_id = (await client.post("/lighter/api/batches", json={"file": "/x.py"})).json()["id"]
    lighter_error(await client.get(f"/lighter/api/sessions/{batch_id}"), 404, "Session")
    await client.put("/lighter/api/sessions/nb", json={})
    lighter_error(await client.get("/lighter/api/batches/nb"), 404, "Batch")
    statement = await client.get("/lighter/api/sessions/nb/statements/5")
    lighter_error(statement, 404, "Statement 5")
