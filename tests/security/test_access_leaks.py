"""Issue 15, items 9, 10 and 16: what one user may learn about, or do to, another's sessions.

- The configuration lists only the permanent sessions the caller may view, conf redacted.
- Completion runs code in the session's driver: it takes modify access, as Livy's does.
- `PUT /sessions/<id>` over an id held by an application the caller may not view answers the
  same refusal whoever holds it (another user, a deleted session), never the 409
  "already exists" that confirms a session, which stays for holders the caller may view.
"""

import httpx
import pytest
from fastapi import FastAPI
from lighter_common.store.sqlite import SqliteStore

from tests.security.conftest import AppFactory, basic, client_of

SECRET = "s3cr3t-value"


@pytest.fixture
def api(secure_app: AppFactory) -> FastAPI:
    return secure_app()


async def _permanent(client: httpx.AsyncClient, session_id: str) -> None:
    created = await client.put(
        f"/lighter/api/sessions/{session_id}",
        json={"permanent": True, "conf": {"spark.ssl.keyPassword": SECRET}},
    )
    assert created.status_code == 201, created.text


async def _listed(api: FastAPI, name: str) -> list[str]:
    async with client_of(api, auth=basic(name)) as client:
        answer = await client.get("/lighter/api/configuration")
    assert answer.status_code == 200, answer.text
    assert SECRET not in answer.text
    listed = answer.json()["sessionConfiguration"]["permanentSessions"]
    return sorted(session["id"] for session in listed)


async def test_the_configuration_lists_only_the_permanent_sessions_the_caller_may_view(
    api: FastAPI,
) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        await _permanent(alice, "alices-notebook")
    async with client_of(api, auth=basic("bob")) as bob:
        await _permanent(bob, "bobs-notebook")

    assert await _listed(api, "alice") == ["alices-notebook"]
    assert await _listed(api, "bob") == ["bobs-notebook"]
    assert await _listed(api, "carol") == ["alices-notebook", "bobs-notebook"]  # views all
    assert await _listed(api, "root") == ["alices-notebook", "bobs-notebook"]


async def test_the_configuration_shows_a_permanent_sessions_conf_redacted(api: FastAPI) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        await _permanent(alice, "alices-notebook")
        answer = await alice.get("/lighter/api/configuration")
    listed = answer.json()["sessionConfiguration"]["permanentSessions"]
    assert listed[0]["submitParams"]["conf"] == {"spark.ssl.keyPassword": "[redacted]"}


@pytest.mark.parametrize("dialect", ["lighter", "livy"])
async def test_a_view_only_user_cannot_ask_for_completions_in_anothers_session(
    api: FastAPI, store: SqliteStore, dialect: str
) -> None:
    async with client_of(api, auth=basic("alice")) as alice:
        created = await alice.post("/lighter/api/sessions", json={"kind": "pyspark"})
    session = await store.get_application(created.json()["id"])
    assert session is not None
    ref = session.id if dialect == "lighter" else str(session.livy_id)
    body = {"code": "import o", "kind": "pyspark", "cursor": 8}

    async with client_of(api, auth=basic("carol")) as carol:
        seen = await carol.get(f"/{dialect}/{'api/' if dialect == 'lighter' else ''}sessions/{ref}")
        asked = await carol.post(
            f"/{dialect}/{'api/' if dialect == 'lighter' else ''}sessions/{ref}/completion",
            json=body,
        )
    assert seen.status_code == 200  # carol may view alice's session …
    assert asked.status_code == 403, asked.text  # … but not run code in it
    after = await store.get_application(session.id)
    assert after is not None and after.completion is None

    async with client_of(api, auth=basic("bob")) as bob:
        hidden = await bob.post(
            f"/{dialect}/{'api/' if dialect == 'lighter' else ''}sessions/{ref}/completion",
            json=body,
        )
    assert hidden.status_code == 404  # bob may not even see it


async def _put(api: FastAPI, name: str, session_id: str) -> httpx.Response:
    async with client_of(api, auth=basic(name)) as client:
        return await client.put(f"/lighter/api/sessions/{session_id}", json={"kind": "pyspark"})


async def test_putting_over_anothers_session_id_confirms_nothing(api: FastAPI) -> None:
    assert (await _put(api, "alice", "nb-1")).status_code == 201
    async with client_of(api, auth=basic("alice")) as alice:
        assert (await alice.put("/lighter/api/sessions/nb-2", json={})).status_code == 201
        assert (await alice.delete("/lighter/api/sessions/nb-2")).is_success

    over_alices = await _put(api, "bob", "nb-1")
    over_deleted = await _put(api, "bob", "nb-2")
    assert over_alices.status_code == over_deleted.status_code == 403, over_alices.text
    assert "alice" not in over_alices.text and "exists" not in over_alices.text
    assert over_alices.json()["message"] == over_deleted.json()["message"].replace("nb-2", "nb-1")
    async with client_of(api, auth=basic("alice")) as alice:
        unchanged = await alice.get("/lighter/api/sessions/nb-1")
    assert unchanged.json()["owner"] == "alice"


async def test_putting_over_an_id_the_caller_may_view_is_still_a_conflict(api: FastAPI) -> None:
    assert (await _put(api, "alice", "alices-nb")).status_code == 201
    assert (await _put(api, "alice", "alices-nb")).status_code == 409
    assert (await _put(api, "carol", "alices-nb")).status_code == 409  # carol views all
    assert (await _put(api, "root", "alices-nb")).status_code == 409
