"""The API over a SQLite store and an in-process bus, called through its ASGI app."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from lighter_api.app import create_app
from lighter_common.bus.memory import MemoryBus
from lighter_common.settings import ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore

from tests.harness.in_process import bus, store

__all__ = ["bus", "store"]


@pytest.fixture
def app(store: SqliteStore, bus: MemoryBus, tmp_path: Path) -> FastAPI:
    return create_app(
        store=store, bus=bus, settings=Settings(server=ServerSettings(data_dir=tmp_path))
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lighter") as http:
        yield http
