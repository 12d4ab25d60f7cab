"""Kubernetes calls whose answer stays the server's JSON.

kubernetes_asyncio turns an answer into its model objects, parsing every date with dateutil;
for a pod that costs more CPU than the call itself. Lighter reads the few fields it needs
through its own pydantic models (pod_state.py), so its calls pass `_preload_content=False`
and the answer goes through `json_body`, or `succeeded` when only its status matters. Errors
are the client's usual ApiException.
"""

import json
from collections.abc import Awaitable
from typing import Any, cast

import aiohttp
from kubernetes_asyncio.client.exceptions import ApiException

RAW: dict[str, Any] = {"_preload_content": False}


async def json_body(call: Awaitable[object]) -> dict[str, Any]:
    """The JSON answer of a call made with `**RAW`; ApiException for any status over 299."""
    status, data = await _answer(call)
    body = json.loads(data)
    if not isinstance(body, dict):
        raise ApiException(status=status, reason=f"not a JSON object: {data[:200]!r}")
    return body


async def succeeded(call: Awaitable[object]) -> None:
    """As `json_body`, for a call whose answer is not needed: it is not parsed."""
    await _answer(call)


async def _answer(call: Awaitable[object]) -> tuple[int, bytes]:
    response = cast(aiohttp.ClientResponse, await call)
    async with response:
        data = await response.read()
    if not 200 <= response.status <= 299:
        error = ApiException(status=response.status, reason=response.reason)
        error.body, error.headers = data, response.headers
        raise error
    return response.status, data


async def json_body_or_none(call: Awaitable[object]) -> dict[str, Any] | None:
    """As `json_body`, with None for an object that does not exist (404)."""
    try:
        return await json_body(call)
    except ApiException as error:
        if error.status == 404:
            return None
        raise
