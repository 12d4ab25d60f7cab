"""The security suite: the API as a hostile user meets it, over SQLite and an in-process bus.

`secure_app(**auth)` builds the API with authentication on (basic, by default) and the users
of `PASSWORDS`; `settings=` overrides Lighter's own settings. Tests call it through
`client_of`, an httpx client on the ASGI app whose client address can be chosen.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from lighter_api.app import create_app
from lighter_api.auth.settings import AuthSettings
from lighter_common.bus.memory import MemoryBus
from lighter_common.store.sqlite import SqliteStore

from tests.harness.asgi import client_of
from tests.harness.in_process import bus, store
from tests.harness.settings import settings_of
from tests.harness.users import write_users

__all__ = ["bus", "client_of", "store"]

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "root": "root-pw"}
GROUPS = {"alice": ["analysts"], "carol": ["auditors"]}


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return write_users(tmp_path / "users.json", PASSWORDS, GROUPS)


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def secure_app(store: SqliteStore, bus: MemoryBus, tmp_path: Path, users_file: Path) -> AppFactory:
    def make(*, settings: dict[str, Any] | None = None, **auth: Any) -> FastAPI:
        auth_defaults: dict[str, Any] = {
            "mode": "basic",
            "users_file": users_file,
            "view_groups": "auditors",
            "superusers": "root",
        }
        lighter = settings_of(**{"data_dir": tmp_path / "data", **(settings or {})})
        return create_app(
            store=store, bus=bus, settings=lighter, auth=AuthSettings(**{**auth_defaults, **auth})
        )

    return make


def basic(name: str, password: str | None = None) -> httpx.BasicAuth:
    return httpx.BasicAuth(name, password if password is not None else PASSWORDS[name])
