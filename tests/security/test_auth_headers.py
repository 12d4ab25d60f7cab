"""Header mode believes exactly one user header and one groups header from the proxy: a client
cannot add a second header of another name, or a second copy of the proxy's, to choose who it is."""

import pytest
from lighter_api.auth.install import UnsafeAuthSettings

from tests.security.conftest import AppFactory, client_of

BATCH = {"file": "s3a://jobs/pi.py"}


async def test_a_client_cannot_name_itself_in_a_header_the_proxy_does_not_set(
    secure_app: AppFactory,
) -> None:
    # The proxy (oauth2-proxy with --pass-user-headers) sets X-Forwarded-User.
    app = secure_app(mode="header", user_header="X-Forwarded-User")
    headers = {"X-Forwarded-User": "alice", "X-Auth-Request-User": "root"}
    async with client_of(app) as through_proxy:
        created = await through_proxy.post("/lighter/api/batches", json=BATCH, headers=headers)

    assert created.status_code == 201, created.text
    assert created.json()["owner"] == "alice"


async def test_a_client_cannot_add_groups_in_a_header_the_proxy_does_not_set(
    secure_app: AppFactory,
) -> None:
    app = secure_app(mode="header")
    async with client_of(app) as through_proxy:
        await through_proxy.post(
            "/lighter/api/batches", json=BATCH, headers={"X-Auth-Request-User": "alice"}
        )
        # bob has no groups: the proxy sends no groups header; bob adds one naming `auditors`.
        listed = await through_proxy.get(
            "/lighter/api/batches",
            headers={"X-Auth-Request-User": "bob", "X-Forwarded-Groups": "auditors"},
        )

    assert listed.status_code == 200
    assert listed.json()["applications"] == []


async def test_a_user_header_sent_twice_is_refused(secure_app: AppFactory) -> None:
    app = secure_app(mode="header")
    # The client's own copy first, then the proxy's appended one.
    twice = [("X-Auth-Request-User", "root"), ("X-Auth-Request-User", "bob")]
    async with client_of(app) as through_proxy:
        answer = await through_proxy.get("/lighter/api/batches", headers=twice)

    assert answer.status_code == 401


async def test_a_groups_header_sent_twice_is_refused(secure_app: AppFactory) -> None:
    app = secure_app(mode="header")
    headers = [
        ("X-Auth-Request-User", "bob"),
        ("X-Auth-Request-Groups", "auditors"),
        ("X-Auth-Request-Groups", ""),
    ]
    async with client_of(app) as through_proxy:
        answer = await through_proxy.get("/lighter/api/batches", headers=headers)

    assert answer.status_code == 401


async def test_a_list_of_headers_in_the_old_variables_is_refused_one_name_is_kept(
    secure_app: AppFactory,
) -> None:
    for listed in (
        {"user_headers": "X-Auth-Request-User,X-Forwarded-User"},
        {"groups_headers": "A,B"},
    ):
        with pytest.raises(UnsafeAuthSettings, match="HEADER"):
            secure_app(mode="header", **listed)

    app = secure_app(mode="header", user_headers="X-Remote-User")
    headers = {"X-Remote-User": "alice", "X-Auth-Request-User": "root"}
    async with client_of(app) as through_proxy:
        created = await through_proxy.post("/lighter/api/batches", json=BATCH, headers=headers)

    assert created.json()["owner"] == "alice"
