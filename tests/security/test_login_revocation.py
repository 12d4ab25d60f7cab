"""A UI login ends when the user logs out, on every replica, and whenever the users file stops
backing it (user removed, password changed, token revoked); it carries the user's groups as
they are now, not as they were at login. The cookie is Secure when the browser used https,
as a trusted proxy reports it."""

from pathlib import Path

import httpx
from lighter_api.auth import users

from tests.security.conftest import PASSWORDS, AppFactory, basic, client_of

LOGIN = "/lighter/ui/login"
LOGOUT = "/lighter/ui/logout"
BATCHES = "/lighter/api/batches"


async def log_in(client: httpx.AsyncClient, name: str, password: str | None = None) -> str:
    answer = await client.post(
        LOGIN, data={"name": name, "password": password or PASSWORDS[name], "next": "/lighter/ui/"}
    )
    assert answer.status_code == 303, answer.text
    return answer.cookies["lighter_login"]


def with_cookie(cookie: str) -> dict[str, str]:
    return {"Cookie": f"lighter_login={cookie}"}


def edit_users(path: Path, name: str, **changes: object) -> None:
    """Change or (with no changes) remove a user, as `lighter users` would."""
    stored = users.read(path)
    user = stored.find(name)
    assert user is not None
    if changes:
        for field, value in changes.items():
            setattr(user, field, value)
    else:
        stored.users.remove(user)
    users.write(path, stored)


async def test_a_cookie_kept_after_logout_no_longer_works(secure_app: AppFactory) -> None:
    app = secure_app()
    async with client_of(app) as browser:
        cookie = await log_in(browser, "alice")
        before = await browser.get(BATCHES, headers=with_cookie(cookie))
        await browser.post(LOGOUT, headers=with_cookie(cookie))
    async with client_of(app) as thief:
        after = await thief.get(BATCHES, headers=with_cookie(cookie))

    assert before.status_code == 200
    assert after.status_code == 401


async def test_logout_on_one_replica_ends_the_login_on_the_others(secure_app: AppFactory) -> None:
    replica_a = secure_app(session_secret="shared-secret")
    replica_b = secure_app(session_secret="shared-secret")
    async with client_of(replica_a) as a, client_of(replica_b) as b:
        cookie = await log_in(a, "alice")
        before = await b.get(BATCHES, headers=with_cookie(cookie))
        await a.post(LOGOUT, headers=with_cookie(cookie))
        after = await b.get(BATCHES, headers=with_cookie(cookie))

    assert before.status_code == 200
    assert after.status_code == 401


async def test_a_removed_user_is_logged_out(secure_app: AppFactory, users_file: Path) -> None:
    app = secure_app()
    async with client_of(app) as browser:
        cookie = await log_in(browser, "bob")
        edit_users(users_file, "bob")
        after = await browser.get(BATCHES, headers=with_cookie(cookie))

    assert after.status_code == 401


async def test_a_changed_password_ends_the_logins_made_with_the_old_one(
    secure_app: AppFactory, users_file: Path
) -> None:
    app = secure_app()
    async with client_of(app) as browser:
        cookie = await log_in(browser, "bob")
        edit_users(users_file, "bob", password_hash=users.hash_password("new-pw"))
        after = await browser.get(BATCHES, headers=with_cookie(cookie))

    assert after.status_code == 401


async def test_a_revoked_token_ends_the_logins_made_with_it(
    secure_app: AppFactory, users_file: Path
) -> None:
    token = users.add_user(users_file, "bob", groups=[], with_token=True)
    assert token is not None
    app = secure_app()
    async with client_of(app) as browser:
        cookie = await log_in(browser, "bob", token)
        before = await browser.get(BATCHES, headers=with_cookie(cookie))
        edit_users(users_file, "bob", token_hashes=[])
        after = await browser.get(BATCHES, headers=with_cookie(cookie))

    assert before.status_code == 200
    assert after.status_code == 401


async def test_groups_taken_away_after_login_no_longer_apply(
    secure_app: AppFactory, users_file: Path
) -> None:
    app = secure_app()
    async with client_of(app) as browser:
        created = await browser.post(
            BATCHES, json={"file": "s3a://jobs/pi.py"}, auth=basic("alice")
        )
        cookie = await log_in(browser, "carol")  # an auditor, who may view everyone's
        before = await browser.get(BATCHES, headers=with_cookie(cookie))
        edit_users(users_file, "carol", groups=[])
        after = await browser.get(BATCHES, headers=with_cookie(cookie))

    assert created.status_code == 201
    assert [a["id"] for a in before.json()["applications"]] == [created.json()["id"]]
    assert after.status_code == 200 and after.json()["applications"] == []


async def test_the_cookie_is_secure_when_a_trusted_proxy_says_the_browser_used_https(
    secure_app: AppFactory,
) -> None:
    app = secure_app(trusted_proxies="10.0.0.0/8")
    form = {"name": "alice", "password": PASSWORDS["alice"], "next": "/lighter/ui/"}
    https = {"X-Forwarded-Proto": "https"}
    async with client_of(app, client_host="10.1.1.1") as proxy:
        proxied = await proxy.post(LOGIN, data=form, headers=https)
    async with client_of(app, client_host="192.0.2.7") as stranger:
        claimed = await stranger.post(LOGIN, data=form, headers=https)

    assert "secure" in proxied.headers["set-cookie"].lower()
    assert "secure" not in claimed.headers["set-cookie"].lower()
