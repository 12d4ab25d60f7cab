"""basic and bearer modes: 401s with WWW-Authenticate, owners, and who sees and changes what."""

import logging
from typing import Any

import pytest
from lighter_api.auth.failures import FAILED_LOGINS
from lighter_api.auth.install import UnsafeAuthSettings
from lighter_api.auth.settings import AuthSettings, startup_problem

from .conftest import basic, bearer, client_of

BATCH = {"file": "/jobs/pi.py", "name": "pi"}


def failures(reason: str) -> float:
    return float(FAILED_LOGINS.labels("basic", reason)._value.get())


async def test_every_api_path_asks_for_credentials_in_its_own_dialect(auth_app: Any) -> None:
    async with client_of(auth_app(mode="basic")) as client:
        lighter = await client.get("/lighter/api/batches")
        livy = await client.get("/livy/sessions")
        metrics = await client.get("/metrics")
        openapi = await client.get("/openapi.json")
        health = await client.get("/health")

    assert lighter.status_code == 401 and lighter.headers["www-authenticate"].startswith("Basic")
    assert set(lighter.json()) == {"message", "path", "errors"}
    assert livy.status_code == 401 and set(livy.json()) == {"msg"}
    assert livy.headers["www-authenticate"] == 'Basic realm="Lighter"'
    for closed in (metrics, openapi):
        assert closed.status_code == 401 and "www-authenticate" in closed.headers
    assert health.status_code == 200


async def test_wrong_and_malformed_credentials_are_401_counted_and_logged_without_the_secret(
    auth_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    wrong_before, malformed_before = failures("wrong"), failures("malformed")
    caplog.set_level(logging.WARNING, logger="lighter_api.auth")
    async with client_of(auth_app(mode="basic")) as client:
        wrong = await client.get("/lighter/api/batches", auth=basic("alice", "guess-1234"))
        unknown = await client.get("/lighter/api/batches", auth=basic("nobody", "guess-1234"))
        garbled = await client.get(
            "/lighter/api/batches", headers={"Authorization": "Basic !!not-base64!!"}
        )
        other_scheme = await client.get("/lighter/api/batches", headers=bearer("abc"))
        scraped = (await client.get("/metrics", auth=basic("alice"))).text

    for response in (wrong, unknown, garbled, other_scheme):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == 'Basic realm="Lighter"'
    assert failures("wrong") == wrong_before + 2
    assert failures("malformed") == malformed_before + 2
    # The same count, as Prometheus scrapes it.
    wrong_line = (
        f'lighter_api_failed_logins_total{{mode="basic",reason="wrong"}} {wrong_before + 2}'
    )
    assert wrong_line in scraped.splitlines()
    assert "guess-1234" not in caplog.text
    assert any(getattr(r, "user", None) == "alice" for r in caplog.records)


async def test_owners_see_and_change_their_own_and_others_get_404(auth_app: Any) -> None:
    async with client_of(auth_app(mode="basic")) as client:
        created = await client.post("/lighter/api/batches", json=BATCH, auth=basic("alice"))
        assert created.status_code == 201, created.text
        batch = created.json()
        assert batch["owner"] == "alice"
        path = f"/lighter/api/batches/{batch['id']}"
        livy_path = f"/livy/batches/{(await client.get('/livy/batches', auth=basic('alice'))).json()['sessions'][0]['id']}"

        assert (await client.get(path, auth=basic("alice"))).status_code == 200
        for response in (
            await client.get(path, auth=basic("bob")),
            await client.get(f"{path}/log", auth=basic("bob")),
            await client.delete(path, auth=basic("bob")),
            await client.get(livy_path, auth=basic("bob")),
        ):
            assert response.status_code == 404, response.text
        bobs = (await client.get("/lighter/api/batches", auth=basic("bob"))).json()
        assert bobs["total"] == 0 and bobs["applications"] == []

        # A view group sees everything and changes nothing; a modify group changes it.
        carols = (await client.get("/lighter/api/batches", auth=basic("carol"))).json()
        assert [a["id"] for a in carols["applications"]] == [batch["id"]]
        refused = await client.delete(path, auth=basic("carol"))
        assert refused.status_code == 403 and "owner, alice" in refused.json()["message"]
        assert (await client.delete(path, auth=basic("dave"))).status_code == 200


async def test_proxy_user_must_be_the_caller_unless_a_superuser(
    auth_app: Any, tokens: dict[str, str]
) -> None:
    async with client_of(auth_app(mode="basic")) as client:
        as_bob = {**BATCH, "proxyUser": "bob"}
        refused = await client.post("/lighter/api/batches", json=as_bob, auth=basic("alice"))
        livy_refused = await client.post("/livy/batches", json=as_bob, auth=basic("alice"))
        own = await client.post(
            "/lighter/api/batches", json={**BATCH, "proxyUser": "alice"}, auth=basic("alice")
        )
        # A token works as the password of HTTP Basic too.
        root = await client.post("/livy/batches", json=as_bob, auth=basic("root", tokens["root"]))

    assert refused.status_code == 403 and "LIGHTER_AUTH_SUPERUSERS" in refused.json()["message"]
    assert livy_refused.status_code == 403 and "proxyUser 'bob'" in livy_refused.json()["msg"]
    assert own.status_code == 201
    assert root.status_code == 201
    assert (root.json()["owner"], root.json()["proxyUser"]) == ("root", "bob")


async def test_bearer_mode_takes_tokens_only(auth_app: Any, tokens: dict[str, str]) -> None:
    async with client_of(auth_app(mode="bearer")) as client:
        good = await client.post(
            "/lighter/api/batches", json=BATCH, headers=bearer(tokens["alice"])
        )
        wrong = await client.get("/lighter/api/batches", headers=bearer(tokens["alice"] + "x"))
        password = await client.get("/lighter/api/batches", auth=basic("alice"))

    assert good.status_code == 201 and good.json()["owner"] == "alice"
    for response in (wrong, password):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="Lighter"'


async def test_allowed_users_limit_who_may_use_lighter(auth_app: Any) -> None:
    async with client_of(auth_app(mode="basic", allowed_users="alice")) as client:
        assert (await client.get("/livy/batches", auth=basic("alice"))).status_code == 200
        refused = await client.get("/livy/batches", auth=basic("bob"))
        health = await client.get("/health")
    assert refused.status_code == 403 and "bob" in refused.json()["msg"]
    assert health.status_code == 200


async def test_metrics_and_docs_open_when_configured(auth_app: Any) -> None:
    async with client_of(auth_app(mode="basic", open_metrics=True, open_docs=True)) as client:
        assert (await client.get("/metrics")).status_code == 200
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/lighter/api/batches")).status_code == 401


def test_no_authentication_is_refused_on_a_reachable_address_unless_accepted(
    auth_app: Any,
) -> None:
    problem = startup_problem(AuthSettings(), "0.0.0.0")
    assert problem is not None and "LIGHTER_AUTH_ALLOW_ANONYMOUS=true" in problem
    assert startup_problem(AuthSettings(allow_anonymous=True), "0.0.0.0") is None
    for loopback in ("127.0.0.1", "::1", "localhost"):
        assert startup_problem(AuthSettings(), loopback) is None
    assert "USERS_FILE" in str(startup_problem(AuthSettings(mode="basic"), "127.0.0.1"))
    with pytest.raises(UnsafeAuthSettings, match="LIGHTER_AUTH_ALLOW_ANONYMOUS"):
        auth_app(host="0.0.0.0", mode="none")
    assert auth_app(host="0.0.0.0", mode="none", allow_anonymous=True) is not None


async def test_idempotency_keys_are_each_callers_own(auth_app: Any) -> None:
    body = {"file": "/jobs/pi.py"}
    key = {"Idempotency-Key": "nightly-2026-11-28"}
    async with client_of(auth_app(mode="basic")) as client:
        alices = await client.post(
            "/lighter/api/batches", json=body, headers=key, auth=basic("alice")
        )
        bobs = await client.post("/lighter/api/batches", json=body, headers=key, auth=basic("bob"))
        alices_retry = await client.post(
            "/lighter/api/batches", json=body, headers=key, auth=basic("alice")
        )

    assert (alices.status_code, bobs.status_code, alices_retry.status_code) == (201, 201, 200)
    assert bobs.json()["id"] != alices.json()["id"] == alices_retry.json()["id"]
    assert bobs.json()["owner"] == "bob"
