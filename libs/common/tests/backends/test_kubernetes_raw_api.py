"""A create asks for protobuf first and reads the uid from whichever encoding comes back.

The real API server's protobuf answers are read in tests/kubernetes/test_native_submit.py;
here a server that only speaks JSON, as a proxy in front of the API server may.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from kubernetes_asyncio import client
from lighter_common.backends.kubernetes.api_connection import api_client
from lighter_common.backends.kubernetes.raw_api import create

METADATA = {"name": "c", "namespace": "n"}
CONFIG_MAP: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": METADATA}


@pytest.fixture
async def json_only_server() -> AsyncIterator[tuple[str, list[Any]]]:
    seen: list[Any] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers["Accept"], await request.json()))
        created = {**CONFIG_MAP, "metadata": {**METADATA, "uid": "u-1"}}
        return web.json_response(created, status=201)

    app = web.Application()
    app.router.add_post("/api/v1/namespaces/{namespace}/configmaps", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_a_json_answer_gives_the_uid_too(json_only_server: tuple[str, list[Any]]) -> None:
    host, seen = json_only_server
    api = api_client(client.Configuration(host=host))
    try:
        assert await create(api, CONFIG_MAP) == "u-1"
    finally:
        await api.close()
    ((path, accept, body),) = seen
    assert path == "/api/v1/namespaces/n/configmaps"
    assert accept == "application/vnd.kubernetes.protobuf, application/json"
    assert body == CONFIG_MAP
