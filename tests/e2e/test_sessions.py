"""Interactive sessions end to end through HTTP, with real Spark: both dialects, cancel,
timeouts, permanent sessions and what bad requests get back."""

import contextlib
import json
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness.lighter import (
    LighterFactory,
    LighterProcesses,
    driver_pids,
    end_all_sessions,
    wait_for_statement,
)

pytestmark = pytest.mark.spark

SPARKMAGIC = {"X-Compatibility-Mode": "sparkmagic"}
CONFIGURED_ID = "configured-permanent"
CONFIGURED_NAME = "configured-permanent-session"
FINISHED_SESSION = {"success", "error", "dead", "killed"}
START_TIMEOUT = 240.0
LONG_SPARK_JOB = (
    "import time\nsc.parallelize(range(600), 600).map(lambda x: time.sleep(1) or x).count()"
)

Json = dict[str, Any]


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    configured = [{"id": CONFIGURED_ID, "submitParams": {"name": CONFIGURED_NAME}}]
    processes = lighter_factory.start(
        "standalone",
        extra={
            "LIGHTER_SESSION_CHECK_INTERVAL": "1",
            "LIGHTER_PERMANENT_SESSIONS": json.dumps(configured),
        },
    )
    yield processes
    end_all_sessions(processes)
    processes.stop_all()


@pytest.fixture(scope="module")
def http(lighter: LighterProcesses) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lighter.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def permanent_id(http: httpx.Client) -> str:
    """A permanent session created with a chosen id, shared by the Lighter dialect tests."""
    session_id = f"notebook-{uuid.uuid4().hex[:8]}"
    response = http.put(
        f"/lighter/api/sessions/{session_id}",
        json={"kind": "pyspark", "name": "chosen-id", "permanent": True},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] == session_id
    assert created["type"] == "PERMANENT_SESSION"
    assert created["kind"] == "pyspark"
    wait_until(http, f"/lighter/api/sessions/{session_id}", is_idle, START_TIMEOUT)
    return session_id


def wait_until(
    http: httpx.Client,
    path: str,
    predicate: Callable[[Json], bool],
    timeout: float,
    headers: dict[str, str] | None = None,
) -> Json:
    deadline = time.monotonic() + timeout
    body: Json = {}
    while time.monotonic() < deadline:
        response = http.get(path, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if predicate(body):
            return body
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting on {path}; last body: {body}")


def is_idle(body: Json) -> bool:
    assert body["state"] not in FINISHED_SESSION, body
    return bool(body["state"] == "idle")


def run_statement(http: httpx.Client, session_path: str, code: str, **extra: str) -> Json:
    response = http.post(f"{session_path}/statements", json={"code": code, **extra})
    assert response.status_code == 201, response.text
    statement_id = response.json()["id"]
    return wait_for_statement(http, session_path, statement_id, timeout=120)


def assert_lighter_error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "path", "errors"}, body
    assert body["path"] == response.request.url.path
    assert body["errors"] and all("message" in e for e in body["errors"])
    for word in words:
        assert word in body["message"], body


def assert_livy_error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"msg"}, body
    for word in words:
        assert word in body["msg"], body


def kernel_pids(session_id: str, generation: int) -> list[int]:
    """The kernel processes (Python, beside the driver's JVM) of one driver of a session."""
    wanted = {f"LIGHTER_SESSION_ID={session_id}", f"LIGHTER_SESSION_GENERATION={generation}"}
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = set((entry / "environ").read_bytes().decode(errors="replace").split("\0"))
        except OSError:
            continue
        if wanted <= environ and "kernel.py" in (entry / "cmdline").read_bytes().decode(
            errors="replace"
        ):
            pids.append(int(entry.name))
    return pids


# The Lighter dialect


def test_a_session_with_a_chosen_id_runs_python_sql_and_reports_errors(
    http: httpx.Client, permanent_id: str
) -> None:
    path = f"/lighter/api/sessions/{permanent_id}"
    ok = run_statement(http, path, "x = 20\nprint('hello')\nx + 1")
    assert ok["state"] == "available", ok
    assert ok["output"]["status"] == "ok"
    assert ok["output"]["data"]["text/plain"] == "hello\n21"
    assert ok["progress"] == 1.0
    assert ok["createdAt"] is not None

    failed = run_statement(http, path, "undefined_name + 1")
    assert failed["state"] == "error", failed
    output = failed["output"]
    assert output["status"] == "error"
    assert output["ename"] == "NameError"
    assert "undefined_name" in output["evalue"]
    assert isinstance(output["traceback"], list)
    assert any("NameError" in line for line in output["traceback"])

    table = run_statement(http, path, "select 1 as a, 'b' as b", kind="sql")
    assert table["state"] == "available", table
    result = table["output"]["data"]["application/json"]
    assert [f["name"] for f in result["schema"]["fields"]] == ["a", "b"]
    assert result["data"] == [[1, "b"]]

    listed = http.get(f"{path}/statements").json()
    assert listed["total_statements"] == 3
    assert [s["id"] for s in listed["statements"]] == [0, 1, 2]
    assert http.get(f"{path}/state").json() == {"id": permanent_id, "state": "idle"}


def test_a_chosen_id_that_is_taken_is_a_conflict(http: httpx.Client, permanent_id: str) -> None:
    response = http.put(f"/lighter/api/sessions/{permanent_id}", json={"kind": "pyspark"})
    assert_lighter_error(response, 409, permanent_id)


def test_the_sparkmagic_header_shapes_lists_and_logs(http: httpx.Client, permanent_id: str) -> None:
    path = f"/lighter/api/sessions/{permanent_id}"
    plain = http.get("/lighter/api/sessions").json()
    assert permanent_id in [s["id"] for s in plain["applications"]]
    assert plain["total"] >= 2
    sparkmagic = http.get("/lighter/api/sessions", headers=SPARKMAGIC).json()
    assert permanent_id in [s["id"] for s in sparkmagic["sessions"]]
    assert all(s["kind"] in ("pyspark", "shared") for s in sparkmagic["sessions"])

    log_text = http.get(f"{path}/log").json()["log"]
    assert isinstance(log_text, str) and log_text
    log_lines = http.get(f"{path}/log", params={"from": 0}, headers=SPARKMAGIC).json()["log"]
    assert isinstance(log_lines, list) and log_lines
    assert "\n".join(log_lines) == log_text

    view = http.get(path, headers=SPARKMAGIC).json()
    assert view["state"] == "idle"
    assert isinstance(view["log"], list)
    assert view["appId"] and str(view["appId"]).startswith("local-")


def test_cancelling_a_long_spark_job_is_quick_and_the_session_goes_on(
    http: httpx.Client, permanent_id: str
) -> None:
    path = f"/lighter/api/sessions/{permanent_id}"
    response = http.post(f"{path}/statements", json={"code": LONG_SPARK_JOB})
    assert response.status_code == 201, response.text
    statement_id = response.json()["id"]
    wait_until(http, path, lambda s: s["state"] == "busy", timeout=30)
    wait_until(
        http,
        f"{path}/statements/{statement_id}",
        lambda s: s["state"] == "running" and s["progress"] > 0,
        timeout=60,
    )
    asked = time.monotonic()
    cancel = http.post(f"{path}/statements/{statement_id}/cancel")
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["state"] in ("cancelling", "cancelled")
    final = wait_for_statement(http, path, statement_id, timeout=30)
    assert final["state"] == "cancelled", final
    assert time.monotonic() - asked < 15
    wait_until(http, path, is_idle, timeout=15)
    after = run_statement(http, path, "spark.range(10).count()")
    assert after["output"]["data"]["text/plain"] == "10"


def test_a_permanent_session_comes_back_under_its_id_when_its_driver_dies(
    http: httpx.Client, permanent_id: str
) -> None:
    path = f"/lighter/api/sessions/{permanent_id}"
    assert run_statement(http, path, "marker = 'first driver'")["state"] == "available"
    before = http.get(path).json()
    pids = driver_pids(permanent_id)
    assert pids, "the driver should be running"
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(http, path, lambda s: s["state"] != "idle", timeout=60)
    revived = wait_until(
        http,
        path,
        lambda s: s["state"] == "idle" and s["appId"] not in (None, before["appId"]),
        timeout=START_TIMEOUT,
    )
    assert revived["id"] == permanent_id
    assert revived["type"] == "PERMANENT_SESSION"
    gone = run_statement(http, path, "marker")
    assert gone["state"] == "error" and gone["output"]["ename"] == "NameError", gone
    assert run_statement(http, path, "1 + 1")["output"]["data"]["text/plain"] == "2"
    # What was left of the first driver learns that it is over, and exits.
    deadline = time.monotonic() + 60
    while kernel_pids(permanent_id, 0) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not kernel_pids(permanent_id, 0), "the first driver's kernel is still running"
    assert kernel_pids(permanent_id, 1), "the second driver's kernel should be running"


# The Livy dialect, on the session created from configuration


@pytest.fixture(scope="module")
def configured_livy_id(http: httpx.Client) -> int:
    listed = http.get("/livy/sessions").json()
    assert set(listed) == {"from", "total", "sessions"}
    matches = [s for s in listed["sessions"] if s["name"] == CONFIGURED_NAME]
    assert len(matches) == 1, listed
    livy_id = matches[0]["id"]
    assert isinstance(livy_id, int)
    wait_until(http, f"/livy/sessions/{livy_id}", is_idle, START_TIMEOUT)
    return int(livy_id)


def test_a_configured_permanent_session_exists_under_its_id(
    http: httpx.Client, configured_livy_id: int
) -> None:
    body = http.get(f"/lighter/api/sessions/{CONFIGURED_ID}").json()
    assert body["type"] == "PERMANENT_SESSION"
    assert body["name"] == CONFIGURED_NAME
    assert body["state"] == "idle"
    configuration = http.get("/lighter/api/configuration").json()
    listed = configuration["sessionConfiguration"]["permanentSessions"]
    configured = [p for p in listed if p["id"] == CONFIGURED_ID]
    assert len(configured) == 1, listed
    assert configured[0]["state"] == "idle"
    assert configured[0]["submitParams"]["name"] == CONFIGURED_NAME


def test_code_that_raised_is_available_on_livy_and_error_on_lighter(
    http: httpx.Client, configured_livy_id: int
) -> None:
    failed = run_statement(http, f"/livy/sessions/{configured_livy_id}", "undefined_name + 1")
    assert failed["state"] == "available", failed
    assert failed["output"]["status"] == "error"
    assert failed["output"]["ename"] == "NameError"
    same = http.get(f"/lighter/api/sessions/{CONFIGURED_ID}/statements/{failed['id']}").json()
    assert same["state"] == "error", same
    assert same["output"] == failed["output"]


def test_livy_statements_lists_logs_and_cancel(http: httpx.Client, configured_livy_id: int) -> None:
    assert http.get("/livy/version").json()["version"].startswith("0.")
    path = f"/livy/sessions/{configured_livy_id}"
    session = http.get(path).json()
    assert session["id"] == configured_livy_id
    assert session["kind"] == "shared"  # configured without a kind: Livy's default
    assert set(session["appInfo"]) >= {"driverLogUrl", "sparkUiUrl"}
    assert isinstance(session["log"], list)
    assert http.get(f"{path}/state").json() == {"id": configured_livy_id, "state": "idle"}

    created = http.post(f"{path}/statements", json={"code": "21 * 2"})
    assert created.status_code == 201, created.text
    statement_id = created.json()["id"]
    assert (
        created.headers["Location"]
        == f"/livy/sessions/{configured_livy_id}/statements/{statement_id}"
    )
    done = wait_for_statement(http, path, statement_id, timeout=60)
    assert done["output"] == {
        "status": "ok",
        "execution_count": statement_id,
        "data": {"text/plain": "42"},
    }
    assert done["started"] > 0 and done["completed"] >= done["started"]

    listed = http.get(f"{path}/statements").json()
    assert set(listed) == {"total_statements", "statements"}
    assert listed["total_statements"] >= 1

    slow = http.post(f"{path}/statements", json={"code": "import time\ntime.sleep(300)"}).json()
    wait_until(
        http, f"{path}/statements/{slow['id']}", lambda s: s["state"] == "running", timeout=30
    )
    cancel = http.post(f"{path}/statements/{slow['id']}/cancel")
    assert cancel.status_code == 200 and cancel.json() == {"msg": "canceled"}
    cancelled = wait_for_statement(http, path, slow["id"], timeout=20)
    assert cancelled["state"] == "cancelled"

    log = http.get(f"{path}/log").json()
    assert set(log) == {"id", "from", "total", "log"}
    assert log["id"] == configured_livy_id
    assert isinstance(log["log"], list) and 0 < len(log["log"]) <= 100
    assert log["total"] >= len(log["log"])
    first = http.get(f"{path}/log", params={"from": 0, "size": 2}).json()
    assert first["from"] == 0 and len(first["log"]) == 2


# Timeouts


def test_the_idle_timeout_ends_a_session_and_it_takes_no_more_statements(
    http: httpx.Client,
) -> None:
    response = http.post(
        "/livy/sessions", json={"kind": "pyspark", "idleTimeout": "2s", "name": "short-lived"}
    )
    assert response.status_code == 201, response.text
    livy_id = response.json()["id"]
    assert response.headers["Location"] == f"/livy/sessions/{livy_id}"
    ended = wait_until(
        http,
        f"/livy/sessions/{livy_id}",
        lambda s: s["state"] in FINISHED_SESSION,
        timeout=60,
    )
    assert ended["state"] in ("killed", "dead"), ended
    lighter_id = next(
        s["id"]
        for s in http.get("/lighter/api/sessions", params={"size": 1000}).json()["applications"]
        if s["name"] == "short-lived"
    )
    view = http.get(f"/lighter/api/sessions/{lighter_id}").json()
    assert "idle timeout" in (view["stateReason"] or ""), view

    assert_livy_error(
        http.post(f"/livy/sessions/{livy_id}/statements", json={"code": "1"}),
        400,
        "no more statements",
    )
    assert_lighter_error(
        http.post(f"/lighter/api/sessions/{lighter_id}/statements", json={"code": "1"}),
        400,
        lighter_id,
    )


def test_a_session_lives_while_its_client_looks_at_it_and_ends_when_it_stops(
    http: httpx.Client,
) -> None:
    # sparkmagic asks for a heartbeat timeout and keeps the session alive by reading it.
    response = http.post(
        "/lighter/api/sessions",
        json={"kind": "pyspark", "heartbeatTimeoutInSecond": 6},
        headers=SPARKMAGIC,
    )
    assert response.status_code == 201, response.text
    session_id = response.json()["id"]
    path = f"/lighter/api/sessions/{session_id}"
    wait_until(http, path, is_idle, START_TIMEOUT, headers=SPARKMAGIC)
    watched_until = time.monotonic() + 15
    body: Json = {}
    while time.monotonic() < watched_until:
        body = http.get(path, headers=SPARKMAGIC).json()
        assert body["state"] == "idle", body
        time.sleep(1)
    left_alone = time.monotonic()
    deadline = left_alone + 60
    while time.monotonic() < deadline:
        # The list is not the session: reading it is no heartbeat.
        listed = http.get("/lighter/api/sessions", params={"size": 10_000}).json()
        body = next(s for s in listed["applications"] if s["id"] == session_id)
        if body["state"] in FINISHED_SESSION:
            break
        time.sleep(1)
    assert body["state"] in ("killed", "dead"), body
    assert time.monotonic() - left_alone > 5
    view = http.get(path).json()
    assert "heartbeat" in (view["stateReason"] or ""), view


# Bad requests


def test_statements_of_an_unknown_kind_are_refused(
    http: httpx.Client, permanent_id: str, configured_livy_id: int
) -> None:
    response = http.post(
        f"/lighter/api/sessions/{permanent_id}/statements", json={"code": "1", "kind": "cobol"}
    )
    assert_lighter_error(response, 400, "cobol")
    response = http.post(
        f"/livy/sessions/{configured_livy_id}/statements", json={"code": "1", "kind": "cobol"}
    )
    assert_livy_error(response, 400, "cobol")


def test_unknown_kinds_of_session_are_refused(http: httpx.Client) -> None:
    assert_lighter_error(http.post("/lighter/api/sessions", json={"kind": "cobol"}), 400, "cobol")
    assert_livy_error(http.post("/livy/sessions", json={"kind": "cobol"}), 400, "cobol")


def test_unknown_ids_are_not_found(http: httpx.Client, permanent_id: str) -> None:
    assert_lighter_error(http.get("/lighter/api/sessions/no-such-session"), 404, "no-such-session")
    assert_lighter_error(http.delete("/lighter/api/sessions/no-such-session"), 404)
    assert_lighter_error(
        http.post("/lighter/api/sessions/no-such-session/statements", json={"code": "1"}), 404
    )
    assert_lighter_error(http.get(f"/lighter/api/sessions/{permanent_id}/statements/9999"), 404)
    assert_lighter_error(
        http.post(f"/lighter/api/sessions/{permanent_id}/statements/9999/cancel"), 404
    )
    assert_livy_error(http.get("/livy/sessions/987654"), 404, "987654")
    assert_livy_error(http.delete("/livy/sessions/987654"), 404)
    assert_livy_error(http.get("/livy/sessions/987654/statements"), 404)
    assert_livy_error(http.post("/livy/sessions/987654/statements", json={"code": "1"}), 404)
    assert_livy_error(http.get("/livy/batches/987654"), 404)


def test_malformed_bodies_get_a_clear_400(
    http: httpx.Client, permanent_id: str, configured_livy_id: int
) -> None:
    statements = f"/lighter/api/sessions/{permanent_id}/statements"
    not_json = http.post(
        "/lighter/api/sessions",
        content=b"{kind: pyspark",
        headers={"Content-Type": "application/json"},
    )
    assert_lighter_error(not_json, 400, "JSON")
    assert_lighter_error(
        http.post("/lighter/api/sessions", json={"kind": "pyspark", "colour": "red"}), 400, "colour"
    )
    assert_lighter_error(
        http.post("/lighter/api/sessions", json={"heartbeatTimeoutInSecond": "soon"}),
        400,
        "heartbeatTimeoutInSecond",
    )
    assert_lighter_error(http.post(statements, json={"kode": "1"}), 400, "code")
    assert_lighter_error(http.post(statements, json=["1 + 1"]), 400)
    assert_livy_error(
        http.post(
            "/livy/sessions", content=b"not json", headers={"Content-Type": "application/json"}
        ),
        400,
        "JSON",
    )
    assert_livy_error(http.post("/livy/sessions", json={"numExecutors": -1}), 400, "numExecutors")
    assert_livy_error(
        http.post(f"/livy/sessions/{configured_livy_id}/statements", json={"code": 1}), 400, "code"
    )
    assert_livy_error(http.post("/livy/batches", json={"name": "no file"}), 400, "file")
