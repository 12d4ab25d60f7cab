"""Issue 15, item 11: one user cannot stall the service or fill it with submissions.

- Past LIGHTER_MAX_UNFINISHED_PER_USER unfinished applications of one owner, a submission
  answers 429 with Retry-After in each dialect's error shape; other users are not affected,
  a retry of an accepted request (Idempotency-Key) still gets its application, and the
  owner may submit again once one has finished.
- The SQLite store works off the event loop: while one of its writes is held up (here by a
  lock another connection holds on purpose), `/health` and reads are still answered.
- Large bodies are handled one at a time once they have arrived whole (lighter_api/
  large_bodies.py): a client that stalls mid-body holds up no one.
"""

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from lighter_common.domain.application import Application
from lighter_common.domain.states import ApplicationState
from lighter_common.store.sqlite import SqliteStore

from tests.security.conftest import AppFactory, basic, client_of

BATCH = {"file": "s3a://jobs/pi.py"}
QUOTA = 2


@pytest.fixture
def api(secure_app: AppFactory) -> FastAPI:
    return secure_app(settings={"max_unfinished_per_user": QUOTA})


async def _fill(client: httpx.AsyncClient) -> list[str]:
    ids = []
    for path, body in (("/lighter/api/batches", BATCH), ("/lighter/api/sessions", {})):
        created = await client.post(path, json=body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


async def test_a_user_past_the_quota_gets_429_with_retry_after_in_both_dialects(
    api: FastAPI,
) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        await _fill(alice)
        lighter = await alice.post("/lighter/api/batches", json=BATCH)
        livy = await alice.post("/livy/sessions", json={"kind": "pyspark"})

    assert lighter.status_code == 429, lighter.text
    assert int(lighter.headers["Retry-After"]) > 0
    assert lighter.json()["path"] == "/lighter/api/batches"
    assert "unfinished" in lighter.json()["message"]
    assert livy.status_code == 429, livy.text
    assert int(livy.headers["Retry-After"]) > 0
    assert set(livy.json()) == {"msg"}


async def test_the_quota_is_counted_per_owner(api: FastAPI) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        await _fill(alice)
    async with client_of(api, auth=basic("bob")) as bob:
        created = await bob.post("/livy/batches", json=BATCH)
    assert created.status_code == 201, created.text


async def test_a_put_with_a_chosen_id_is_counted_too(api: FastAPI) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        await _fill(alice)
        put = await alice.put("/lighter/api/sessions/one-more", json={})
    assert put.status_code == 429, put.text


async def test_a_retry_of_an_accepted_submission_still_gets_its_application(
    api: FastAPI,
) -> None:
    key = {"Idempotency-Key": "nightly-2026-12-07"}
    async with client_of(api, auth=basic("alice")) as alice:
        first = await alice.post("/lighter/api/batches", json=BATCH, headers=key)
        second = await alice.post("/lighter/api/sessions", json={})
        retry = await alice.post("/lighter/api/batches", json=BATCH, headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert retry.status_code == 200, retry.text
    assert retry.json()["id"] == first.json()["id"]


async def test_a_finished_application_frees_its_place(api: FastAPI, store: SqliteStore) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        batch_id, _ = await _fill(alice)
        refused = await alice.post("/lighter/api/batches", json=BATCH)
        await store.update_application(batch_id, {"state": ApplicationState.SUCCESS})
        accepted = await alice.post("/lighter/api/batches", json=BATCH)
    assert refused.status_code == 429
    assert accepted.status_code == 201, accepted.text


async def test_a_deleted_application_counts_until_it_has_finished(
    api: FastAPI, store: SqliteStore
) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        batch_id, _ = await _fill(alice)
        deleted = await alice.delete(f"/lighter/api/batches/{batch_id}")
        refused = await alice.post("/lighter/api/batches", json=BATCH)
        await store.update_application(batch_id, {"state": ApplicationState.KILLED})
        accepted = await alice.post("/lighter/api/batches", json=BATCH)
    assert deleted.status_code == 200, deleted.text
    assert refused.status_code == 429, refused.text
    assert accepted.status_code == 201, accepted.text


async def test_a_quota_of_zero_is_no_limit(secure_app: AppFactory) -> None:
    api = secure_app(settings={"max_unfinished_per_user": 0})
    async with client_of(api, auth=basic("alice")) as alice:
        answers = [await alice.post("/lighter/api/batches", json=BATCH) for _ in range(QUOTA + 3)]
    assert {answer.status_code for answer in answers} == {201}


def _paused(
    call: Callable[..., Awaitable[Application]], started: asyncio.Event
) -> Callable[..., Awaitable[Application]]:
    async def pausing(*args: Any, **kwargs: Any) -> Application:
        started.set()
        return await call(*args, **kwargs)

    return pausing


async def test_health_and_reads_answer_while_a_store_write_is_held_up(
    api: FastAPI, store: SqliteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()
    monkeypatch.setattr(store, "insert_application", _paused(store.insert_application, started))
    # Another connection takes the write lock: the store's insert waits for it (busy_timeout).
    blocker = sqlite3.connect(tmp_path / "db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        async with client_of(api, auth=basic("alice")) as alice:
            submission = asyncio.create_task(alice.post("/lighter/api/batches", json=BATCH))
            await started.wait()
            health = await alice.get("/health")
            listing = await alice.get("/livy/batches")
            held_up = not submission.done()
            blocker.execute("ROLLBACK")
            submitted = await submission
    finally:
        blocker.close()

    assert health.status_code == 200, health.text
    assert listing.status_code == 200, listing.text
    assert held_up, "the store's write ran on the event loop: nothing else was answered meanwhile"
    assert submitted.status_code == 201, submitted.text


async def test_a_large_body_still_arriving_holds_up_no_other_request(api: FastAPI) -> None:
    # Large bodies are handled one at a time, but only once they have arrived whole: a client
    # that stalls halfway through its body must not keep the others waiting.
    large = {**BATCH, "name": "x" * 100_000}
    resume = asyncio.Event()

    async def stalling_body() -> AsyncIterator[bytes]:
        text = json.dumps(large).encode()
        yield text[: len(text) // 2]
        await resume.wait()
        yield text[len(text) // 2 :]

    async with client_of(api, auth=basic("alice")) as alice, client_of(api) as anyone:
        stalled = asyncio.create_task(
            alice.post(
                "/lighter/api/batches",
                content=stalling_body(),
                headers={"Content-Type": "application/json"},
            )
        )
        await asyncio.sleep(0)
        # A generous bound, so that a regression fails here instead of hanging the suite.
        other = await asyncio.wait_for(alice.post("/lighter/api/batches", json=large), 60)
        health = await anyone.get("/health")
        waiting = not stalled.done()
        resume.set()
        await stalled

    assert other.status_code in (201, 400, 413), other.text
    assert health.status_code == 200
    assert waiting
