"""The UI's pages through the ASGI app: links under LIGHTER_PUBLIC_URL's path, the login
redirect and cookie, redaction, another user's page, and every asset served locally."""

import re
from pathlib import Path

import httpx
from lighter_api.app import create_app
from lighter_api.auth import users
from lighter_api.auth.settings import AuthSettings
from lighter_common.bus.memory import MemoryBus
from lighter_common.settings import ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore

PREFIX = "/teams/data/lighter"


def client_for(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://lighter")


async def test_pages_link_assets_and_events_under_the_public_prefix(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path, public_url=f"https://example.org{PREFIX}/")
    )
    app = create_app(store=store, bus=bus, settings=settings, auth=AuthSettings())
    async with client_for(app) as client:
        root = await client.get("/")
        created = await client.post(
            "/lighter/api/batches",
            json={"file": "/pi.py", "name": "pi", "conf": {"spark.ssl.keyPassword": "hunter2"}},
        )
        batch_id = created.json()["id"]
        listing = await client.get("/lighter/ui/")
        page = await client.get(f"/lighter/ui/batches/{batch_id}")
        missing = await client.get("/lighter/ui/batches/no-such-batch")
        assets = [
            await client.get(path.removeprefix(PREFIX))
            for path in re.findall(r'(?:src|href)="([^"]+/static/[^"]+)"', listing.text)
        ]

    assert root.status_code == 307 and root.headers["location"] == f"{PREFIX}/lighter/ui/"
    links = re.findall(r'(?:src|href|data-[a-z]+)="(/[^"]*)"', listing.text + page.text)
    assert links and all(link.startswith(PREFIX) for link in links), links
    assert f'data-events="{PREFIX}/lighter/api/events?application={batch_id}"' in page.text
    assert "[redacted]" in page.text and "hunter2" not in page.text
    assert missing.status_code == 404 and "no-such-batch" in missing.text
    assert len(assets) == 3 and all(a.status_code == 200 for a in assets)
    assert "http://" not in listing.text.replace("http://lighter", "")


async def test_the_login_form_sets_a_cookie_that_the_pages_and_api_accept(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    users_file = tmp_path / "users.json"
    users.add_user(users_file, "ada", groups=[], password="pw-of-ada")
    users.add_user(users_file, "bob", groups=[], password="pw-of-bob")
    auth = AuthSettings(mode="basic", users_file=users_file)
    app = create_app(
        store=store, bus=bus, settings=Settings(server=ServerSettings(data_dir=tmp_path)), auth=auth
    )
    async with client_for(app) as client:
        redirected = await client.get("/lighter/ui/sessions?state=idle")
        refused = await client.post(
            "/lighter/ui/login", data={"name": "ada", "password": "nope", "next": "/x"}
        )
        logged_in = await client.post(
            "/lighter/ui/login",
            data={"name": "ada", "password": "pw-of-ada", "next": "https://evil.example/"},
        )
        listing = await client.get("/lighter/ui/batches")
        without_ui_header = await client.post(
            "/lighter/api/batches", json={"file": "s3a://jobs/a.py"}
        )
        with_ui_header = await client.post(
            "/lighter/api/batches", json={"file": "s3a://jobs/a.py"}, headers={"X-Lighter-UI": "1"}
        )
        bobs = await client.post(
            "/lighter/api/batches", json={"file": "s3a://jobs/b.py"}, auth=("bob", "pw-of-bob")
        )
        bobs_page = await client.get(f"/lighter/ui/batches/{bobs.json()['id']}")
        logged_out = await client.post("/lighter/ui/logout")
        client.cookies.clear()
        after = await client.get("/lighter/ui/batches")

    assert redirected.status_code == 303
    assert (
        redirected.headers["location"]
        == "/lighter/ui/login?next=/lighter/ui/sessions%3Fstate%3Didle"
    )
    assert refused.status_code == 401 and "Wrong user name or password" in refused.text
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/lighter/ui/"
    cookie = logged_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert listing.status_code == 200 and 'id="user">ada<' in listing.text
    assert without_ui_header.status_code == 401
    assert with_ui_header.status_code == 201 and with_ui_header.json()["owner"] == "ada"
    assert bobs_page.status_code == 404
    assert logged_out.status_code == 303
    assert after.status_code == 303


async def test_the_listing_and_its_rows_fragment_filter_and_page_alike(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    app = create_app(
        store=store, bus=bus, settings=Settings(server=ServerSettings(data_dir=tmp_path))
    )
    async with client_for(app) as client:
        for name in ("alpha-1", "alpha-2", "beta-1"):
            created = await client.post(
                "/lighter/api/batches", json={"file": "/a.py", "name": name}
            )
            assert created.status_code == 201, created.text
        query = {"search": "alpha", "state": "not_started", "from": "1"}
        listing = await client.get("/lighter/ui/batches", params=query)
        fragment = await client.get("/lighter/ui/fragments/batches/rows", params=query)
        refused = await client.get("/lighter/ui/fragments/batches/rows", params={"from": "-1"})

    for response in (listing, fragment):
        assert response.status_code == 200
        assert "alpha-1" in response.text  # the older of the two, on the second row
        assert "alpha-2" not in response.text and "beta-1" not in response.text
    assert 'value="alpha"' in listing.text
    assert refused.status_code == 400
