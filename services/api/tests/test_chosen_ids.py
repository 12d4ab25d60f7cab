"""PUT /lighter/api/sessions/{id}: only ids that match the rule are stored."""

import httpx
import pytest
from lighter_common.store.sqlite import SqliteStore

RULE = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"


@pytest.mark.parametrize(
    ("path_id", "shown"),
    [("%2E%2E", ".."), ("%2E", "."), ("-rf", "-rf"), ("x" * 65, "x" * 65), ("a%20b", "a b")],
)
async def test_a_chosen_id_outside_the_rule_is_a_400_naming_the_rule(
    client: httpx.AsyncClient, store: SqliteStore, path_id: str, shown: str
) -> None:
    response = await client.put(f"/lighter/api/sessions/{path_id}", json={"kind": "pyspark"})
    assert response.status_code == 400, response.text
    assert RULE in response.json()["message"]
    assert f"'{shown}'" in response.json()["message"]
    assert await store.get_application(shown) is None


async def test_a_chosen_id_is_used_once(client: httpx.AsyncClient) -> None:
    first = await client.put("/lighter/api/sessions/team.nb_1", json={"name": "first"})
    assert first.status_code == 201, first.text
    assert first.json()["id"] == "team.nb_1"
    again = await client.put("/lighter/api/sessions/team.nb_1", json={"name": "second"})
    assert again.status_code == 409
    assert again.json()["message"] == "Session 'team.nb_1' already exists"
    shown = await client.get("/lighter/api/sessions/team.nb_1")
    assert shown.json()["name"] == "first"
