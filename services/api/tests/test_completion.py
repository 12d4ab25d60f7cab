"""Completion through both dialects: the request waits on the session's document for the
kernel's answer (here the test answers as the kernel would, through the store)."""

import asyncio
from typing import Any

import httpx
import pytest
from lighter_common.domain.states import ApplicationState
from lighter_common.store.sqlite import SqliteStore


async def idle_session(
    client: httpx.AsyncClient, store: SqliteStore, body: object
) -> dict[str, Any]:
    created = (await client.post("/livy/sessions", json=body)).json()
    app = await store.get_application_by_livy_id(created["id"])
    assert app is not None
    await store.update_application(app.id, {"state": ApplicationState.IDLE})
    return {"livy": created["id"], "id": app.id}


async def answer_as_the_kernel(
    store: SqliteStore, session_id: str, candidates: list[str]
) -> dict[str, Any]:
    """Wait for the request on the session's document, then post the candidates to it."""
    for _ in range(400):
        app = await store.get_application(session_id)
        assert app is not None
        asked = app.completion
        if asked is not None and asked.candidates is None:
            await store.update_application(
                session_id, {"completion": asked.model_copy(update={"candidates": candidates})}
            )
            return {"code": asked.code, "kind": asked.kind, "cursor": asked.cursor}
        await asyncio.sleep(0.01)
    raise AssertionError("no completion request reached the session")


@pytest.mark.parametrize("dialect", ["livy", "lighter"])
async def test_completion_returns_the_kernels_candidates(
    client: httpx.AsyncClient, store: SqliteStore, dialect: str
) -> None:
    session = await idle_session(client, store, {})
    path = (
        f"/livy/sessions/{session['livy']}/completion"
        if dialect == "livy"
        else f"/lighter/api/sessions/{session['id']}/completion"
    )
    kernel = asyncio.create_task(answer_as_the_kernel(store, session["id"], ["spark"]))
    response = await client.post(path, json={"code": "x = spa", "kind": "pyspark", "cursor": 7})
    assert response.status_code == 200
    assert response.json() == {"candidates": ["spark"]}
    assert await kernel == {"code": "x = spa", "kind": "pyspark", "cursor": 7}


async def test_a_completion_without_kind_or_cursor_completes_the_end_in_the_sessions_kind(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    session = await idle_session(client, store, {"kind": "spark"})
    kernel = asyncio.create_task(answer_as_the_kernel(store, session["id"], ["range"]))
    response = await client.post(
        f"/livy/sessions/{session['livy']}/completion", json={"code": "spark.ra"}
    )
    assert response.json() == {"candidates": ["range"]}
    assert await kernel == {"code": "spark.ra", "kind": "spark", "cursor": 8}


async def test_a_session_without_a_running_kernel_has_no_candidates(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post("/livy/sessions", json={})).json()
    response = await client.post(f"/livy/sessions/{created['id']}/completion", json={"code": "s"})
    assert response.status_code == 200
    assert response.json() == {"candidates": []}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"code": "abc", "cursor": 9}, "cursor"),
        ({"code": "abc", "kind": "sparkr"}, "sparkr"),
        ({"cursor": 1}, "code"),
        ({"code": "a", "colour": 1}, "colour"),
    ],
)
async def test_bad_completion_requests_are_400s_naming_the_problem(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    named: str,
) -> None:
    created = (await client.post("/livy/sessions", json={})).json()
    response = await client.post(f"/livy/sessions/{created['id']}/completion", json=body)
    assert response.status_code == 400
    assert named in response.json()["msg"]


async def test_completion_of_an_unknown_session_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/livy/sessions/999/completion", json={"code": "s"})
    assert response.status_code == 404
