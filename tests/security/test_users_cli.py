"""An operator can take access away with `lighter users`: remove a user, revoke tokens, take
away every group; a running Lighter applies it to the next request. OIDC without an audience
is refused at start-up unless the operator accepts it in so many words."""

import io
from pathlib import Path

import pytest
from lighter_api.auth import users
from lighter_api.auth.install import UnsafeAuthSettings
from lighter_standalone.cli import main

from tests.security.conftest import AppFactory, basic, client_of

BATCHES = "/lighter/api/batches"


def lighter_users(monkeypatch: pytest.MonkeyPatch, path: Path, *args: str, stdin: str = "") -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    main(["users", "--file", str(path), *args])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_removed_user_can_no_longer_log_in(
    secure_app: AppFactory, users_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = secure_app()
    async with client_of(app) as client:
        before = await client.get(BATCHES, auth=basic("bob"))
        lighter_users(monkeypatch, users_file, "remove", "bob")
        after = await client.get(BATCHES, auth=basic("bob"))

    assert before.status_code == 200
    assert after.status_code == 401
    assert users.read(users_file).find("bob") is None


async def test_revoked_tokens_stop_working(
    secure_app: AppFactory, users_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = users.add_user(users_file, "alice", groups=[], with_token=True)
    leaked = users.add_user(users_file, "alice", groups=[], with_token=True)
    other = users.add_user(users_file, "alice", groups=[], with_token=True)
    assert kept and leaked and other
    app = secure_app(mode="bearer")
    async with client_of(app) as client:
        lighter_users(monkeypatch, users_file, "revoke", "alice", "--token-stdin", stdin=leaked)
        one_revoked = [await client.get(BATCHES, headers=bearer(t)) for t in (kept, leaked)]
        lighter_users(monkeypatch, users_file, "revoke", "alice")
        all_revoked = await client.get(BATCHES, headers=bearer(other))

    assert [a.status_code for a in one_revoked] == [200, 401]
    assert all_revoked.status_code == 401


async def test_a_user_can_be_left_with_no_groups(
    secure_app: AppFactory, users_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = secure_app()
    async with client_of(app) as client:
        await client.post(BATCHES, json={"file": "s3a://jobs/pi.py"}, auth=basic("alice"))
        lighter_users(monkeypatch, users_file, "groups", "carol", "")
        listed = await client.get(BATCHES, auth=basic("carol"))

    found = users.read(users_file).find("carol")
    assert found is not None and found.groups == []
    assert listed.json()["applications"] == []


def test_oidc_without_an_audience_is_refused_at_start_up(secure_app: AppFactory) -> None:
    with pytest.raises(UnsafeAuthSettings, match="AUDIENCE"):
        secure_app(mode="oidc", oidc_issuer="https://idp.example")

    secure_app(mode="oidc", oidc_issuer="https://idp.example", oidc_allow_any_audience=True)
    secure_app(mode="oidc", oidc_issuer="https://idp.example", oidc_audience="lighter")
