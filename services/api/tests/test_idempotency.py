"""Submissions are exactly-once from the client's point of view (Idempotency-Key)."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from lighter_api import idempotency
from lighter_common.domain.application import new_application_id, utcnow
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.sqlite import SqliteStore

ROUTES = [
    pytest.param("/lighter/api/batches", {"file": "/jobs/pi.py"}, id="lighter-batches"),
    pytest.param("/lighter/api/sessions", {"kind": "pyspark"}, id="lighter-sessions"),
    pytest.param("/livy/batches", {"file": "/jobs/pi.py"}, id="livy-batches"),
    pytest.param("/livy/sessions", {"kind": "pyspark"}, id="livy-sessions"),
]


async def count_applications(store: SqliteStore) -> int:
    return await store.count_applications(ApplicationQuery(include_deleted=True))


async def submit(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str | None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await client.post(path, json=body, headers=headers)


@pytest.mark.parametrize(("path", "body"), ROUTES)
async def test_a_retry_with_the_same_key_and_body_gets_the_same_application(
    client: httpx.AsyncClient, store: SqliteStore, path: str, body: dict[str, Any]
) -> None:
    first = await submit(client, path, {**body, "name": "n"}, "key-1")
    assert first.status_code == 201, first.text
    retry = await submit(client, path, {"name": "n", **body}, "key-1")
    assert retry.status_code == 200, retry.text
    assert retry.json()["id"] == first.json()["id"]
    assert await count_applications(store) == 1


@pytest.mark.parametrize(("path", "body"), ROUTES)
async def test_the_same_key_with_another_body_is_a_409(
    client: httpx.AsyncClient, store: SqliteStore, path: str, body: dict[str, Any]
) -> None:
    assert (await submit(client, path, {**body, "name": "a"}, "key-2")).status_code == 201
    other = await submit(client, path, {**body, "name": "b"}, "key-2")
    assert other.status_code == 409, other.text
    message = other.json().get("message") or other.json()["msg"]
    assert "Idempotency-Key 'key-2' was already used for a different request" in message
    assert await count_applications(store) == 1


async def test_keys_belong_to_one_route(client: httpx.AsyncClient, store: SqliteStore) -> None:
    batch = await submit(client, "/lighter/api/batches", {"file": "/x.py"}, "shared")
    livy_batch = await submit(client, "/livy/batches", {"file": "/x.py"}, "shared")
    session = await submit(client, "/lighter/api/sessions", {}, "shared")
    assert [r.status_code for r in (batch, livy_batch, session)] == [201, 201, 201]
    assert await count_applications(store) == 3


async def test_without_a_key_each_request_creates_an_application(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    for _ in range(2):
        assert (await submit(client, "/livy/batches", {"file": "/x.py"}, None)).status_code == 201
    assert await count_applications(store) == 2


async def test_racing_retries_create_one_application(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    body = {"file": "/jobs/pi.py"}
    answers = await asyncio.gather(
        *(submit(client, "/lighter/api/batches", body, "racing") for _ in range(12))
    )
    assert sorted(a.status_code for a in answers) == [200] * 11 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await count_applications(store) == 1


async def test_a_retry_saves_the_application_a_dead_request_claimed(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    """The first request claimed the key and died before saving: the retry saves it."""
    # Keys are per caller; without authentication every caller is the anonymous user.
    route, body = "POST /livy/batches as anonymous", {"file": "/jobs/pi.py"}
    claimed_id = new_application_id()
    await store.claim_idempotency_key(
        IdempotencyKey(
            key=f"{route} dead",
            fingerprint=idempotency.fingerprint(route, SubmitParams.model_validate(body)),
            app_id=claimed_id,
            created_at=utcnow(),
        )
    )
    retry = await submit(client, "/livy/batches", body, "dead")
    assert retry.status_code == 201, retry.text
    saved = await store.get_application(claimed_id)
    assert saved is not None and retry.json()["id"] == saved.livy_id
    again = await submit(client, "/livy/batches", body, "dead")
    assert again.status_code == 200 and again.json()["id"] == saved.livy_id


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_a_malformed_key_is_a_400_naming_the_header(
    client: httpx.AsyncClient, store: SqliteStore, key: str
) -> None:
    response = await submit(client, "/lighter/api/batches", {"file": "/x.py"}, key)
    assert response.status_code == 400, response.text
    assert "Idempotency-Key" in response.json()["message"]
    assert await count_applications(store) == 0


async def test_a_bad_body_claims_no_key(client: httpx.AsyncClient) -> None:
    refused = await submit(client, "/lighter/api/batches", {"name": "no file"}, "fix-me")
    assert refused.status_code == 400
    fixed = await submit(client, "/lighter/api/batches", {"file": "/x.py"}, "fix-me")
    assert fixed.status_code == 201


async def test_keys_are_kept_a_day_then_forgotten(store: SqliteStore) -> None:
    now = utcnow()
    for key, age in [("old", timedelta(hours=24, minutes=1)), ("young", timedelta(hours=23))]:
        await store.claim_idempotency_key(
            IdempotencyKey(key=key, fingerprint="f", app_id=key, created_at=now - age)
        )
    assert await idempotency.forget_expired_keys(store) == 1
    fresh = IdempotencyKey(key="old", fingerprint="g", app_id="new", created_at=now)
    assert await store.claim_idempotency_key(fresh) == fresh
    young = IdempotencyKey(key="young", fingerprint="g", app_id="new", created_at=now)
    assert (await store.claim_idempotency_key(young)).app_id == "young"
