"""The API with authentication on, over SQLite and an in-process bus, through its ASGI app."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from lighter_api.app import create_app
from lighter_api.auth import users
from lighter_api.auth.settings import AuthSettings
from lighter_common.bus.memory import MemoryBus
from lighter_common.settings import ServerSettings, Settings, SharingSettings
from lighter_common.store.sqlite import SqliteStore

from tests.harness.asgi import client_of
from tests.harness.users import write_users

__all__ = ["client_of"]

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}
GROUPS = {"alice": ["analysts"], "carol": ["auditors"], "dave": ["ops"], "root": []}


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return write_users(tmp_path / "users.json", PASSWORDS, GROUPS)


@pytest.fixture
def tokens(users_file: Path) -> dict[str, str]:
    made = {
        name: users.add_user(users_file, name, groups=[], with_token=True) for name in PASSWORDS
    }
    made["root"] = users.add_user(users_file, "root", groups=[], with_token=True)
    return {name: token for name, token in made.items() if token is not None}


AppFactory = Callable[..., Any]


@pytest.fixture
def auth_app(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path, users_file: Path
) -> Callable[..., FastAPI]:
    def make(host: str = "127.0.0.1", **auth: Any) -> FastAPI:
        defaults = {
            "users_file": users_file,
            "view_groups": "auditors",
            "modify_groups": "ops",
            "superusers": "root",
        }
        settings = AuthSettings(**{**defaults, **auth})
        return create_app(
            store=store,
            bus=bus,
            # The tests' batches name files under /jobs, as an operator would allow them.
            settings=Settings(
                server=ServerSettings(host=host, data_dir=tmp_path),
                sharing=SharingSettings(allowed_local_dirs="/jobs"),
            ),
            auth=settings,
        )

    return make


def basic(name: str, password: str | None = None) -> httpx.BasicAuth:
    return httpx.BasicAuth(name, password if password is not None else PASSWORDS[name])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
