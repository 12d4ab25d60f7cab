"""Issue 15, item 13: integers past what the stores hold are a 400, never a 500.

`?from=99999999999999999999` or a Livy id beyond 64 bits once reached the database driver,
which failed (500, and the keep-alive connection reset). Every integer query and path
parameter is bounded where it is read: from, size, Livy ids, statement ids, log from/size.
"""

import httpx
import pytest
from fastapi import FastAPI

from tests.security.conftest import AppFactory, basic, client_of

HUGE = "99999999999999999999"  # past 2**64
JUST_PAST = str(2**63)  # past a signed 64-bit integer
NEGATIVE = "-99999999999999999999"


@pytest.fixture
def api(secure_app: AppFactory) -> FastAPI:
    return secure_app()


async def _session(client: httpx.AsyncClient) -> tuple[str, int]:
    """A session of the caller's: its Lighter id and its Livy id."""
    created = await client.post("/lighter/api/sessions", json={"kind": "pyspark"})
    assert created.status_code == 201, created.text
    livy = await client.get("/livy/sessions")
    return created.json()["id"], livy.json()["sessions"][0]["id"]


def _lighter_paths(session_id: str, number: str) -> list[str]:
    return [
        f"/lighter/api/batches?from={number}",
        f"/lighter/api/sessions?from={number}",
        f"/lighter/api/sessions/{session_id}/statements?from={number}",
        f"/lighter/api/sessions/{session_id}/statements/{number}",
        f"/lighter/api/sessions/{session_id}/log?from={number}",
        f"/lighter/api/sessions/{session_id}/log?size={number}",
    ]


def _livy_paths(livy_id: int, number: str) -> list[str]:
    return [
        f"/livy/batches?from={number}",
        f"/livy/sessions?from={number}",
        f"/livy/batches/{number}",
        f"/livy/sessions/{number}",
        f"/livy/sessions/{number}/state",
        f"/livy/sessions/{number}/log",
        f"/livy/sessions/{number}/statements",
        f"/livy/sessions/{livy_id}/statements?from={number}",
        f"/livy/sessions/{livy_id}/statements/{number}",
        f"/livy/sessions/{livy_id}/log?from={number}",
        f"/livy/sessions/{livy_id}/log?size={number}",
    ]


@pytest.mark.parametrize("number", [HUGE, JUST_PAST, NEGATIVE])
async def test_numbers_past_64_bits_in_lighter_requests_are_a_400(
    api: FastAPI, number: str
) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        session_id, _ = await _session(alice)
        for path in _lighter_paths(session_id, number):
            answer = await alice.get(path)
            assert answer.status_code == 400, (path, answer.status_code, answer.text)
            body = answer.json()
            assert body["path"] == path.split("?")[0], path
            assert body["message"] and body["errors"], path


@pytest.mark.parametrize("number", [HUGE, JUST_PAST, NEGATIVE])
async def test_numbers_past_64_bits_in_livy_requests_are_a_400(api: FastAPI, number: str) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        _, livy_id = await _session(alice)
        for path in _livy_paths(livy_id, number):
            answer = await alice.get(path)
            assert answer.status_code == 400, (path, answer.status_code, answer.text)
            assert set(answer.json()) == {"msg"}, path


async def test_changes_through_huge_livy_ids_are_a_400(api: FastAPI) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        _, livy_id = await _session(alice)
        answers = [
            await alice.delete(f"/livy/batches/{HUGE}"),
            await alice.delete(f"/livy/sessions/{HUGE}"),
            await alice.post(f"/livy/sessions/{HUGE}/statements", json={"code": "1"}),
            await alice.post(f"/livy/sessions/{HUGE}/completion", json={"code": "sp"}),
            await alice.post(f"/livy/sessions/{livy_id}/statements/{HUGE}/cancel"),
        ]
    assert [answer.status_code for answer in answers] == [400] * len(answers)


async def test_the_largest_64_bit_number_is_an_ordinary_miss(api: FastAPI) -> None:
    largest = str(2**63 - 1)
    async with client_of(api, auth=basic("alice")) as alice:
        page = await alice.get(f"/lighter/api/batches?from={largest}")
        missing = await alice.get(f"/livy/batches/{largest}")
    assert page.status_code == 200, page.text
    assert page.json()["applications"] == []
    assert missing.status_code == 404, missing.text
