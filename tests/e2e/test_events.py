"""The event stream and lifecycle timings, in both run modes, from any API replica.

These run on the simulated backend: they are about the log and the stream, not about Spark.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lighter_common.domain.events import EventCursor

from tests.harness.lighter import (
    LighterFactory,
    LighterProcesses,
    simulated_lighter_per_mode,
    wait_for,
)
from tests.harness.sse import Message, collect, messages

FINISHED = {"success", "error", "dead", "killed"}


@pytest.fixture(scope="module", params=["standalone", "distributed"])
def lighter(
    request: pytest.FixtureRequest, lighter_factory: LighterFactory
) -> Iterator[LighterProcesses]:
    yield from simulated_lighter_per_mode(
        request,
        lighter_factory,
        {"LIGHTER_EVENTS_KEEP_ALIVE": "0.5", "LIGHTER_EVENTS_POLL_INTERVAL": "0.2"},
    )


def submit(client: httpx.Client, name: str, run_seconds: str = "0.5") -> str:
    body = {"name": name, "file": "job.py", "conf": {"lighter.simulated.runSeconds": run_seconds}}
    created = client.post("/batches", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def finished(app_id: str) -> "object":
    def holds(events: list[Message]) -> bool:
        return any(
            e.data and e.data["id"] == app_id and e.data["state"] in FINISHED for e in events
        )

    return holds


def test_a_batch_streams_each_state_change_and_resumes_after_the_last_event(
    client: httpx.Client,
) -> None:
    with client.stream("GET", "/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        app_id = submit(client, "streamed")
        events = collect(stream, finished(app_id))  # type: ignore[arg-type]

    mine = [e for e in events if e.data and e.data["id"] == app_id]
    changes = [(e.data["previousState"], e.data["state"]) for e in mine if e.data]
    assert changes == [("not_started", "starting"), ("starting", "running"), ("running", "success")]
    assert all(e.data and e.data["type"] == "BATCH" and e.data["at"] for e in mine)
    assert len({e.id for e in mine}) == len(mine)

    resumed_headers = {"Last-Event-ID": str(mine[0].id)}
    params = {"application": app_id}
    with client.stream("GET", "/events", params=params, headers=resumed_headers) as stream:
        again = collect(stream, finished(app_id))  # type: ignore[arg-type]
    assert [e.id for e in again] == [e.id for e in mine[1:]]


def test_a_last_event_id_from_over_an_hour_ago_still_resumes(client: httpx.Client) -> None:
    app_id = submit(client, "resumed-late")
    wait_for(client, f"/batches/{app_id}", lambda b: b["state"] == "success")
    # A client that lost its connection 61 minutes ago and sends the id it last saw.
    an_hour_ago = EventCursor(datetime.now(UTC) - timedelta(minutes=61), "0").encode()
    resume = {"Last-Event-ID": an_hour_ago}
    with client.stream("GET", "/events", params={"application": app_id}, headers=resume) as late:
        events = collect(late, finished(app_id))  # type: ignore[arg-type]
    assert [e.data["state"] for e in events if e.data] == ["starting", "running", "success"]


def test_streams_filter_by_application_and_type(client: httpx.Client) -> None:
    with (
        client.stream("GET", "/events", params={"type": "session"}) as sessions_only,
        client.stream("GET", "/events", params={"type": "batch"}) as batches,
    ):
        first = submit(client, "first")
        second = submit(client, "second")
        both = collect(batches, lambda e: finished(first)(e) and finished(second)(e))  # type: ignore[operator]
        # The session stream shows nothing of batches: only its keep-alive comments.
        quiet = next(messages(sessions_only))
    assert {e.data["id"] for e in both if e.data} >= {first, second}
    assert quiet.data is None and quiet.comment == "keep-alive"

    resume = {"Last-Event-ID": str(both[0].id)}
    with client.stream("GET", "/events", params={"application": second}, headers=resume) as one:
        only_second = collect(one, finished(second))  # type: ignore[arg-type]
    assert {e.data["id"] for e in only_second if e.data} == {second}


def test_another_api_replica_serves_the_same_stream(lighter_factory: LighterFactory) -> None:
    lighter = lighter_factory.start("distributed", backend="simulated")
    lighter.start("api", replica="api-2")
    other = f"http://127.0.0.1:{lighter.ports['api-2']}/lighter/api"
    with (
        httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as first,
        httpx.Client(base_url=other, timeout=30) as second,
        second.stream("GET", "/events") as stream,
    ):
        app_id = submit(first, "seen-elsewhere")
        events = collect(stream, finished(app_id))  # type: ignore[arg-type]
    lighter.stop_all()
    assert [e.data["state"] for e in events if e.data and e.data["id"] == app_id] == [
        "starting",
        "running",
        "success",
    ]


def test_bad_stream_parameters_are_400s(client: httpx.Client) -> None:
    wrong_type = client.get("/events", params={"type": "job"})
    assert wrong_type.status_code == 400 and "type" in wrong_type.json()["message"]
    wrong_id = client.get("/events", headers={"Last-Event-ID": "yesterday"})
    assert wrong_id.status_code == 400 and "Last-Event-ID" in wrong_id.json()["message"]


def test_a_finished_batch_shows_its_whole_lifecycle(client: httpx.Client) -> None:
    app_id = submit(client, "timed")
    done = wait_for(client, f"/batches/{app_id}", lambda b: b["state"] == "success")
    life = done["lifecycle"]
    assert isinstance(life, dict)
    moments = [life[k] for k in ("submittedAt", "claimedAt", "launchedAt", "runningAt")]
    assert all(moments) and moments == sorted(moments)
    assert life["finishedAt"] >= life["runningAt"]
    assert life["waitingReason"] is None and life["queuePosition"] is None


def test_waiting_batches_show_their_reason_and_place_in_the_queue(
    lighter_factory: LighterFactory,
) -> None:
    lighter = lighter_factory.start(
        "standalone", backend="simulated", extra={"LIGHTER_MAX_RUNNING_JOBS": "0"}
    )
    try:
        with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as client:
            first, second = submit(client, "one"), submit(client, "two")
            waiting = wait_for(
                client, f"/batches/{second}", lambda b: b["lifecycle"]["waitingReason"]
            )
            ahead = client.get(f"/batches/{first}").json()
    finally:
        lighter.stop_all()
    assert "limit is 0" in waiting["lifecycle"]["waitingReason"]  # type: ignore[index]
    assert waiting["lifecycle"]["queuePosition"] == 2  # type: ignore[index]
    assert ahead["lifecycle"]["queuePosition"] == 1
