"""`/livy` against a real Apache Livy 0.9.0: the same scripted client, the same answers.

`reference/livy-0.9.0-transcript.json` holds Livy's answers to a scenario (version, empty
lists, a pyspark session with Python, SQL and Scala statements, cancels, completion, error
cases, a batch, deletes). This test replays it against a standalone Lighter on real Spark
and compares, request by request, the status, the Location header, the response's shape
(keys and value types) and the states a client reads. Where Livy had no value (`null`) or
an empty list, any value or list is taken. Every deliberate difference is in DIFFERENCES,
with the reason; any other difference fails the test.
"""

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness.lighter import LighterFactory, LighterProcesses

pytestmark = pytest.mark.spark

TRANSCRIPT = Path(__file__).with_name("reference") / "livy-0.9.0-transcript.json"
POLL_TIMEOUT = 300.0  # a session's first Scala statement starts the Scala compiler
PI = """\
import random
import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("pi").getOrCreate()
n = 20000
inside = spark.sparkContext.parallelize(range(n), 2).filter(
    lambda _: random.random() ** 2 + random.random() ** 2 < 1
).count()
print(f"Pi is roughly {4.0 * inside / n}")
spark.stop()
"""

# What Lighter answers on purpose unlike Livy 0.9.0, by record label: (what, why).
# `what` is `status`, `shape` (of the whole body) or `state` (with the states Lighter may show).
DIFFERENCES: dict[str, list[tuple[str, str]]] = {
    "5.create-session-cobol": [("shape", "a 400 as {msg} naming the kinds, not Jackson's text")],
    "5.no-requested-by-post": [("shape", "a 400 as {msg} naming the kinds, not Jackson's text")],
    "5.create-batch-bogus-field": [("shape", "a 400 as {msg} naming the field")],
    "5.session-not-json": [("shape", "a 400 as {msg}, not Jackson's parser message")],
    "5.get-session-abc": [("status", "400 naming the path parameter: a Livy id is an integer")],
    "3.statement-missing": [("shape", "a 404 as {msg}, Livy's error shape, not a bare string")],
    "3.cancel-missing": [("status", "404 for a statement that does not exist, not 200")],
    "5.statement-no-code": [
        ("status", "400 naming the missing field; Livy throws a 500 (NullPointerException)"),
        ("shape", "a 400 as {msg}, not a Java stack trace"),
    ],
    # An application waits in not_started until the submitter launches it (capacity limits
    # queue it there); Livy has no queue and answers starting.
    "2.create-session": [("state", "not_started|starting")],
    "6.create-batch": [("state", "not_started|starting")],
    "8.create-session-spark": [("state", "not_started|starting")],
    "8.create-session-nokind": [("state", "not_started|starting")],
    # Livy 0.9.0 keeps an application for a batch request it rejected (5.create-batch-
    # nofile): it lists a batch that never runs. Lighter stores nothing for a rejected one.
    "6.batches-paged": [("state", "success|running|starting")],
    "7.batches-final": [("shape", "no leftover batch from a rejected request")],
}
# States that depend on timing alone, on both servers.
TIMING = {
    ("POST", "/sessions/{id}/statements"): {"waiting", "running"},
    ("GET", "/sessions/{id}/statements/{n}", "cancelling"): {"cancelling", "cancelled"},
}


@dataclass
class Replay:
    http: httpx.Client
    pi: Path
    sessions: dict[int, int] = field(default_factory=dict)  # Livy's id -> Lighter's
    batches: dict[int, int] = field(default_factory=dict)
    last_statement: int = -1
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("standalone")
    yield processes
    with httpx.Client(base_url=processes.url, timeout=30) as http:
        for session in http.get("/livy/sessions").json()["sessions"]:
            http.delete(f"/livy/sessions/{session['id']}")
    processes.stop_all()


def shape(value: Any) -> Any:
    """The transcript's shape of a value: keys and value types."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else ["<empty>"]
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str"}[type(value)]


def shape_differences(livy: Any, ours: Any, where: str = "") -> list[str]:
    """Where our shape differs from Livy's; Livy's null or empty list takes anything."""
    if livy == "null" or (livy == ["<empty>"] and isinstance(ours, list)):
        return []
    if isinstance(livy, dict) and isinstance(ours, dict):
        if not livy:
            return []
        found = [f"{where}.{k}: missing" for k in livy if k not in ours]
        found += [f"{where}.{k}: not in Livy's" for k in ours if k not in livy]
        for key in livy.keys() & ours.keys():
            found += shape_differences(livy[key], ours[key], f"{where}.{key}")
        return found
    if isinstance(livy, list) and isinstance(ours, list):
        if ours == ["<empty>"]:
            return []
        return shape_differences(livy[0], ours[0], f"{where}[]")
    return [] if livy == ours else [f"{where or 'body'}: {ours} where Livy has {livy}"]


def our_path(replay: Replay, record: dict[str, Any]) -> str:
    """Livy's path with Lighter's ids, under /livy."""
    path = record.get("actual_path")
    if path is None:  # a poll of the last statement, recorded by template only
        path = record["path"].replace("{n}", str(replay.last_statement))
        path = path.replace("{id}", str(min(replay.sessions)))

    def session(match: re.Match[str]) -> str:
        return f"/sessions/{replay.sessions.get(int(match[1]), int(match[1]))}"

    def batch(match: re.Match[str]) -> str:
        return f"/batches/{replay.batches.get(int(match[1]), int(match[1]))}"

    path = re.sub(r"^/sessions/(\d+)", session, path)
    path = re.sub(r"^/batches/(\d+)", batch, path)
    return "/livy" + path


def send(replay: Replay, record: dict[str, Any]) -> httpx.Response:
    path = our_path(replay, record)
    if record["label"] == "5.session-not-json":
        return replay.http.post(path, content=b"not json", headers={"Content-Type": "x"})
    body = record.get("request")
    if isinstance(body, dict) and body.get("file") == "/data/pi.py":
        body = {**body, "file": str(replay.pi)}
    if record["method"] == "GET":
        return replay.http.get(path)
    if record["method"] == "DELETE":
        return replay.http.delete(path)
    return replay.http.post(path, json=body)


def poll(replay: Replay, record: dict[str, Any]) -> httpx.Response:
    """Ask again until the state is the one Livy's poll ended in."""
    wanted = record["values"].get("state") or record["poll_states"][-1]
    deadline = time.monotonic() + POLL_TIMEOUT
    while True:
        response = send(replay, record)
        if response.status_code == 200 and response.json().get("state") == wanted:
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"{record['label']}: never {wanted}; last: {response.text}")
        time.sleep(0.25)


def allowed_states(record: dict[str, Any], livy_state: str) -> set[str]:
    for what, why in DIFFERENCES.get(record["label"], []):
        if what == "state":
            return set(why.split("|"))
    timing = TIMING.get((record["method"], record["path"])) or TIMING.get(
        (record["method"], record["path"], livy_state)
    )
    return timing if timing and livy_state in timing else {livy_state}


def compare(replay: Replay, record: dict[str, Any], response: httpx.Response) -> None:
    label = record["label"]
    deliberate = {what for what, _ in DIFFERENCES.get(label, [])}
    problems = replay.problems
    if response.status_code != record["status"] and "status" not in deliberate:
        problems.append(f"{label}: status {response.status_code}, Livy {record['status']}")
    if record.get("headers") is None:
        return  # a poll recorded by its states only
    livy_type = record["headers"].get("Content-Type", "").split(";")[0]
    ours_type = response.headers.get("content-type", "").split(";")[0]
    if livy_type != ours_type:
        problems.append(f"{label}: Content-Type {ours_type}, Livy {livy_type}")
    if "Location" in record["headers"]:
        expected = our_path(replay, {"actual_path": record["headers"]["Location"]})
        if response.headers.get("location") != expected:
            problems.append(f"{label}: Location {response.headers.get('location')}, not {expected}")
    body = response.json()
    if "shape" not in deliberate:
        problems += [f"{label}: {d}" for d in shape_differences(record["shape"], shape(body))]
    values = record["values"]
    state = body.get("state") if isinstance(body, dict) else None
    if "state" in values and state not in allowed_states(record, values["state"]):
        problems.append(f"{label}: state {state}, Livy {values['state']}")
    if "sessions[].state" in values and "state" not in deliberate and "shape" not in deliberate:
        states = [item["state"] for item in body["sessions"]]
        if states != values["sessions[].state"]:
            problems.append(f"{label}: states {states}, Livy {values['sessions[].state']}")
    if "statements[].state" in values:
        states = [item["state"] for item in body["statements"]]
        if states != values["statements[].state"]:
            problems.append(f"{label}: states {states}, Livy {values['statements[].state']}")
    for key in ("output.status", "output.ename", "output.data.keys", "kind"):
        if key in values and (ours := read(body, key)) != values[key]:
            problems.append(f"{label}: {key} {ours!r}, Livy {values[key]!r}")


def read(body: dict[str, Any], key: str) -> Any:
    output = body.get("output") or {}
    if key == "output.data.keys":
        return sorted(output.get("data") or {})
    if key.startswith("output."):
        return output.get(key.removeprefix("output."))
    return body.get(key)


def remember(replay: Replay, record: dict[str, Any], response: httpx.Response) -> None:
    """Map Livy's ids to ours from what creation answered."""
    if response.status_code != 201:
        return
    created = response.json()
    livy_location = record["headers"]["Location"]
    livy_id = int(livy_location.rsplit("/", 1)[1])
    if record["path"] == "/sessions":
        replay.sessions[livy_id] = created["id"]
    elif record["path"] == "/batches":
        replay.batches[livy_id] = created["id"]
    else:
        replay.last_statement = created["id"]


def test_livy_clients_get_what_livy_0_9_0_answers(
    lighter: LighterProcesses, tmp_path: Path
) -> None:
    transcript = json.loads(TRANSCRIPT.read_text())
    pi = tmp_path / "pi.py"
    pi.write_text(PI)
    with httpx.Client(base_url=lighter.url, timeout=60) as http:
        replay = Replay(http=http, pi=pi)
        for record in transcript["records"]:
            polled = "poll_states" in record
            response = poll(replay, record) if polled else send(replay, record)
            remember(replay, record, response)
            compare(replay, record, response)
    assert not replay.problems, "differences from Livy 0.9.0:\n" + "\n".join(replay.problems)
    print(f"{len(transcript['records'])} requests answered as Livy 0.9.0 answers them, except:")
    for label, differences in DIFFERENCES.items():
        for what, why in differences:
            print(f"  {label}: {what}: {why}")
