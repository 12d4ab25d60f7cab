from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.completion import Completion
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.kernel import (
    KERNEL_ARCHIVE_ROUTE,
    KERNEL_FILE_ROUTE,
    KERNEL_PATH,
    kernel_archive,
)
from lighter_common.settings import Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_session_manager.dispatch import Dispatcher
from lighter_session_manager.kernel_endpoint import kernel_router

from .conftest import new_session

S = StatementState


@pytest.fixture
async def client(store: SqliteStore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    sessions = settings.sessions.model_copy(update={"kernel_poll_timeout": 0.3})
    fast = settings.model_copy(update={"sessions": sessions})
    app.include_router(
        kernel_router(store=store, dispatcher=Dispatcher(store=store), settings=fast)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kernel") as http:
        yield http


@pytest.fixture
async def session(store: SqliteStore) -> Application:
    return await store.insert_application(new_session(ApplicationState.STARTING))


def auth(session: Application) -> dict[str, str]:
    return {"Authorization": f"Bearer {session.kernel_secret}"}


async def poll(client: httpx.AsyncClient, session: Application, **body: object) -> httpx.Response:
    return await client.post(
        f"/kernel/sessions/{session.id}/poll",
        json={"generation": session.generation, "busy": False, **body},
        headers=auth(session),
    )


async def test_the_first_poll_reports_the_driver_and_makes_the_session_idle(
    client: httpx.AsyncClient, session: Application, store: SqliteStore
) -> None:
    response = await poll(client, session, appId="local-1", sparkUiUrl="http://driver:4040")
    assert response.status_code == 200
    assert response.json() == {"statements": [], "cancel": [], "completions": []}
    reloaded = await store.get_application(session.id)
    assert reloaded is not None
    assert reloaded.state is ApplicationState.IDLE
    assert reloaded.app_id == "local-1"
    assert reloaded.app_info.spark_ui_url == "http://driver:4040"
    assert reloaded.contacted_at is not None


async def test_a_wrong_secret_is_refused(client: httpx.AsyncClient, session: Application) -> None:
    for header in ({"Authorization": "Bearer nope"}, {}, {"Authorization": "Basic x"}):
        response = await client.post(
            f"/kernel/sessions/{session.id}/poll", json={"generation": 0}, headers=header
        )
        assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        lambda _: {},
        lambda _: {"Authorization": "Bearer nope"},
        lambda _: {"Authorization": "x"},
        auth,
    ],
    ids=["no secret", "a wrong secret", "no scheme", "another session's secret"],
)
async def test_an_unknown_session_answers_401_whatever_the_secret(
    client: httpx.AsyncClient,
    session: Application,
    headers: Callable[[Application], dict[str, str]],
) -> None:
    for path in ("poll", "statements/1/progress", "statements/1/result"):
        response = await client.post(
            f"/kernel/sessions/missing/{path}",
            json={"generation": 0, "progress": 0.5, "state": "available"},
            headers=headers(session),
        )
        assert response.status_code == 401, (path, response.text)
        assert "missing" not in response.text


async def test_a_batch_answers_401_like_an_unknown_session(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    batch = await store.insert_application(new_session(type=ApplicationType.BATCH))
    response = await client.post(
        f"/kernel/sessions/{batch.id}/poll", json={"generation": 0}, headers=auth(batch)
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"state": ApplicationState.DEAD},
        {"state": ApplicationState.KILLED},
        {"deleted": True},
        {"generation": 1},
    ],
)
async def test_a_finished_session_or_an_older_driver_is_gone(
    client: httpx.AsyncClient, session: Application, store: SqliteStore, changes: dict[str, object]
) -> None:
    await store.update_application(session.id, changes)
    assert (await poll(client, session)).status_code == 410


async def test_statements_go_out_and_results_come_back(
    client: httpx.AsyncClient, session: Application, store: SqliteStore
) -> None:
    await poll(client, session)
    statement = await store.insert_statement(
        Statement(session_id=session.id, id=-1, code="1+1", kind="pyspark")
    )
    reply = (await poll(client, session)).json()
    assert reply["statements"] == [{"id": statement.id, "code": "1+1", "kind": "pyspark"}]
    busy = await store.get_application(session.id)
    assert busy is not None and busy.state is ApplicationState.BUSY

    base = f"/kernel/sessions/{session.id}/statements/{statement.id}"
    progress = await client.post(
        f"{base}/progress", json={"generation": 0, "progress": 0.5}, headers=auth(session)
    )
    assert progress.status_code == 200
    output = {"status": "ok", "execution_count": 0, "data": {"text/plain": "2"}}
    result = {"generation": 0, "state": "available", "output": output}
    for _ in range(2):  # a repeated post changes nothing
        response = await client.post(f"{base}/result", json=result, headers=auth(session))
        assert response.status_code == 200
        assert response.json() == {"state": "available"}

    recorded = await store.get_statement(session.id, statement.id)
    assert recorded is not None
    assert recorded.state is S.AVAILABLE
    assert recorded.output is not None and recorded.output.data == {"text/plain": "2"}
    assert recorded.progress == 1.0
    assert recorded.completed_at is not None
    idle = await store.get_application(session.id)
    assert idle is not None and idle.state is ApplicationState.IDLE
    assert idle.last_activity_at is not None


async def test_a_result_for_a_statement_not_handed_to_this_driver_is_refused(
    client: httpx.AsyncClient, session: Application, store: SqliteStore
) -> None:
    statement = await store.insert_statement(Statement(session_id=session.id, id=-1, code="x"))
    response = await client.post(
        f"/kernel/sessions/{session.id}/statements/{statement.id}/result",
        json={"generation": 0, "state": "available", "output": None},
        headers=auth(session),
    )
    assert response.status_code == 409
    assert await store.get_statement(session.id, statement.id) == statement


async def test_a_statement_completing_while_cancelled_stays_cancelled(
    client: httpx.AsyncClient, session: Application, store: SqliteStore
) -> None:
    statement = await store.insert_statement(Statement(session_id=session.id, id=-1, code="x"))
    await poll(client, session)
    await store.update_statement(session.id, statement.id, {"state": S.CANCELLING})
    assert (await poll(client, session, busy=True)).json()["cancel"] == [statement.id]
    output = {"status": "ok", "execution_count": 0, "data": {"text/plain": ""}}
    response = await client.post(
        f"/kernel/sessions/{session.id}/statements/{statement.id}/result",
        json={"generation": 0, "state": "available", "output": output},
        headers=auth(session),
    )
    assert response.json() == {"state": "cancelled"}


async def test_a_completion_request_goes_out_in_a_poll_and_its_answer_is_recorded(
    client: httpx.AsyncClient, session: Application, store: SqliteStore
) -> None:
    await poll(client, session)
    asked = Completion(code="spark.ra", kind="spark", cursor=8)
    await store.update_application(session.id, {"completion": asked})
    reply = (await poll(client, session)).json()
    assert reply["completions"] == [
        {"id": asked.id, "code": "spark.ra", "kind": "spark", "cursor": 8}
    ]
    path = f"/kernel/sessions/{session.id}/completions/{asked.id}"
    body = {"generation": session.generation, "candidates": ["range"]}
    answered = await client.post(path, json=body, headers=auth(session))
    assert answered.json() == {"state": "answered"}
    stored = await store.get_application(session.id)
    assert stored is not None and stored.completion is not None
    assert stored.completion.candidates == ["range"]
    # Answered: no longer handed out; a repeated answer changes nothing.
    assert (await poll(client, session)).json()["completions"] == []
    again = await client.post(path, json=body, headers=auth(session))
    assert again.json() == {"state": "ignored"}


async def test_an_answer_to_a_replaced_completion_request_is_ignored(
    client: httpx.AsyncClient, session: Application, store: SqliteStore
) -> None:
    await poll(client, session)
    old, new = (
        Completion(code="a", kind="pyspark", cursor=1),
        Completion(code="ab", kind="pyspark", cursor=2),
    )
    await store.update_application(session.id, {"completion": new})
    path = f"/kernel/sessions/{session.id}/completions/{old.id}"
    body = {"generation": session.generation, "candidates": ["abs"]}
    assert (await client.post(path, json=body, headers=auth(session))).json() == {
        "state": "ignored"
    }
    stored = await store.get_application(session.id)
    assert stored is not None and stored.completion == new


async def test_statements_go_out_in_the_language_they_run_in(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    shared = await store.insert_application(
        new_session(ApplicationState.STARTING).model_copy(update={"kind": "shared"})
    )
    await poll(client, shared)
    await store.insert_statement(Statement(session_id=shared.id, id=-1, code="1+1"))
    reply = (await poll(client, shared)).json()
    assert [s["kind"] for s in reply["statements"]] == ["pyspark"]


async def test_drivers_fetch_the_kernel_itself_without_a_secret(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(KERNEL_FILE_ROUTE)
    assert response.status_code == 200
    assert response.content == KERNEL_PATH.read_bytes()

    archive = await client.get(KERNEL_ARCHIVE_ROUTE)
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    assert archive.content == kernel_archive()
