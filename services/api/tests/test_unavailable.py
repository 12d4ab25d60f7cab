"""What the API answers when the bus or the database fails under it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from lighter_api.announce import UNANNOUNCED
from lighter_api.app import create_app
from lighter_common.bus.base import BusError
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.states import StatementState
from lighter_common.messages import Command
from lighter_common.settings import ServerSettings, Settings
from lighter_common.store.base import Store, StoreUnavailable
from lighter_common.store.sqlite import SqliteStore


class RefusingBus(MemoryBus):
    """A broker that takes nothing (refused, or its connection dropped)."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def publish(self, queue: str, command: Command) -> None:
        raise self.error


class UnreachableStore:
    """A database that cannot be reached: every call raises StoreUnavailable."""

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def unreachable(*args: object, **kwargs: object) -> Any:
            raise StoreUnavailable("connection refused")

        return unreachable


@pytest.fixture(params=[BusError("broker refused"), ConnectionResetError("gone")])
async def refusing_client(
    request: pytest.FixtureRequest, store: SqliteStore, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    bus = RefusingBus(request.param)
    app = create_app(
        store=store, bus=bus, settings=Settings(server=ServerSettings(data_dir=tmp_path))
    )
    async with _client(app) as http:
        yield http
    await bus.close()


@pytest.fixture
async def unreachable_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    store = cast(Store, UnreachableStore())
    app = create_app(
        store=store, bus=MemoryBus(), settings=Settings(server=ServerSettings(data_dir=tmp_path))
    )
    async with _client(app) as http:
        yield http


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lighter")


def unannounced(command: str) -> float:
    return UNANNOUNCED.labels(command)._value.get()  # type: ignore[no-any-return]


async def test_a_saved_batch_is_a_201_when_the_bus_refuses_its_launch(
    refusing_client: httpx.AsyncClient, store: SqliteStore
) -> None:
    before = unannounced("LaunchApplication")
    created = await refusing_client.post("/lighter/api/batches", json={"file": "/x.py"})
    assert created.status_code == 201, created.text
    assert await store.get_application(created.json()["id"]) is not None
    livy = await refusing_client.post("/livy/sessions", json={"kind": "pyspark"})
    assert livy.status_code == 201, livy.text
    assert await store.get_application_by_livy_id(livy.json()["id"]) is not None
    assert unannounced("LaunchApplication") == before + 2


async def test_a_delete_is_recorded_when_the_bus_refuses_the_kill(
    refusing_client: httpx.AsyncClient, store: SqliteStore
) -> None:
    app_id = (await refusing_client.post("/lighter/api/batches", json={"file": "/x"})).json()["id"]
    deleted = await refusing_client.delete(f"/lighter/api/batches/{app_id}")
    assert deleted.status_code == 200, deleted.text
    saved = await store.get_application(app_id)
    assert saved is not None and saved.deleted and saved.kill_requested


async def test_a_statement_is_recorded_when_the_bus_refuses_it(
    refusing_client: httpx.AsyncClient, store: SqliteStore
) -> None:
    await refusing_client.put("/lighter/api/sessions/nb", json={})
    created = await refusing_client.post("/lighter/api/sessions/nb/statements", json={"code": "1"})
    assert created.status_code == 201, created.text
    saved = await store.get_statement("nb", created.json()["id"])
    assert saved is not None and saved.state is StatementState.WAITING


UNREACHABLE = "The database cannot be reached right now; try again shortly"


@pytest.mark.parametrize(
    ("method", "path", "body", "shown"),
    [
        ("POST", "/lighter/api/batches", {"file": "/x.py"}, "lighter"),
        ("GET", "/lighter/api/batches", None, "lighter"),
        ("GET", "/lighter/api/sessions/nb/statements", None, "lighter"),
        ("DELETE", "/lighter/api/sessions/nb", None, "lighter"),
        ("GET", "/lighter/api/configuration", None, "lighter"),
        ("POST", "/livy/sessions", {"kind": "pyspark"}, "livy"),
        ("GET", "/livy/batches/3", None, "livy"),
        ("POST", "/livy/sessions/3/statements", {"code": "1"}, "livy"),
    ],
)
async def test_an_unreachable_database_is_a_503_to_retry_in_each_dialects_shape(
    unreachable_client: httpx.AsyncClient, method: str, path: str, body: object, shown: str
) -> None:
    response = await unreachable_client.request(method, path, json=body)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    expected = (
        {"msg": UNREACHABLE}
        if shown == "livy"
        else {
            "message": UNREACHABLE,
            "path": path,
            "errors": [{"message": UNREACHABLE, "details": {}}],
        }
    )
    assert response.json() == expected


async def test_a_submission_with_a_key_is_a_503_too(
    unreachable_client: httpx.AsyncClient,
) -> None:
    response = await unreachable_client.post(
        "/livy/batches", json={"file": "/x.py"}, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 503
