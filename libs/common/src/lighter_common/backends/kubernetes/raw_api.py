"""Kubernetes calls whose answer Lighter reads itself, not through the client's models.

kubernetes_asyncio turns an answer into its model objects, parsing every date with dateutil;
for a pod that costs more CPU than the call itself. Lighter reads the few fields it needs
through its own pydantic models (pod_state.py), so its calls pass `_preload_content=False`
and the answer goes through `json_body`, or `succeeded` when only its status matters.

`create` asks for its answer in protobuf (protobuf_answer.py), as client-go does: the API
server encodes that at a fraction of JSON's cost, and a launch reads one field of it. JSON
is accepted too, for whatever sits between Lighter and the API server. Errors are the
client's usual ApiException, whose body is the API server's JSON `Status` in every case;
`error_text` puts one in words.
"""

import json
from collections.abc import Awaitable
from typing import Any, cast

import aiohttp
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from lighter_common.backends.kubernetes.api_connection import JsonBody
from lighter_common.backends.kubernetes.protobuf_answer import (
    MAGIC,
    PROTOBUF,
    NotProtobuf,
    object_uid,
    status_as_json,
)

RAW: dict[str, Any] = {"_preload_content": False}
_PROTOBUF_OR_JSON = f"{PROTOBUF}, application/json"

_COLLECTIONS = {
    "Pod": "/api/v1/namespaces/{namespace}/pods",
    "ConfigMap": "/api/v1/namespaces/{namespace}/configmaps",
    "Service": "/api/v1/namespaces/{namespace}/services",
    "Secret": "/api/v1/namespaces/{namespace}/secrets",
    "NetworkPolicy": "/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies",
}


async def create(api: client.ApiClient, body: dict[str, Any]) -> str:
    """Creates `body` in its namespace; the created object's uid."""
    data = await _post(api, body)
    if data.startswith(MAGIC):
        return object_uid(data)
    return str(json.loads(data)["metadata"]["uid"])


async def create_dry_run(api: client.ApiClient, body: dict[str, Any]) -> None:
    """Asks the API server whether it would create `body` (authorization, admission,
    validation) without creating it; ApiException with its reason when not."""
    await _post(api, body, dry_run=True)


async def _post(api: client.ApiClient, body: dict[str, Any], *, dry_run: bool = False) -> bytes:
    kind = body["kind"]
    if kind not in _COLLECTIONS:
        raise ValueError(f"no way to create a {kind}")
    call = api.call_api(
        _COLLECTIONS[kind],
        "POST",
        path_params={"namespace": body["metadata"]["namespace"]},
        query_params=[("dryRun", "All")] if dry_run else [],
        header_params={"Accept": _PROTOBUF_OR_JSON, "Content-Type": "application/json"},
        body=JsonBody(body),
        auth_settings=["BearerToken"],
        _preload_content=False,
    )
    _, data = await _answer(call)
    return data


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
        error.body, error.headers = _readable(data, response.content_type), response.headers
        raise error
    return response.status, data


def _readable(data: bytes, content_type: str) -> bytes:
    """An error's body, JSON even when it was asked for in protobuf."""
    if content_type == PROTOBUF:
        try:
            return json.dumps(status_as_json(data)).encode()
        except NotProtobuf:
            pass
    return data


async def json_body_or_none(call: Awaitable[object]) -> dict[str, Any] | None:
    """As `json_body`, with None for an object that does not exist (404)."""
    try:
        return await json_body(call)
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def error_text(error: BaseException) -> str:
    """An error in words for a reason or a log line: for the API server's refusals, the
    message of the Status it answered with (not the HTTP headers `str` of one shows)."""
    if not isinstance(error, ApiException):
        return str(error)
    answer = f"{error.status} {error.reason}" if error.status else str(error.reason or "")
    message = None
    if error.body:
        try:
            status = json.loads(error.body)
        except (ValueError, TypeError):
            status = None
        if isinstance(status, dict) and isinstance(status.get("message"), str):
            message = status["message"]
    return f"{answer}: {message}" if message else answer or type(error).__name__
