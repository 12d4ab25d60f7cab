"""A users file (the API's `LIGHTER_AUTH_USERS_FILE`) with the tests' own users."""

from collections.abc import Mapping, Sequence
from pathlib import Path

from lighter_api.auth import users


def write_users(
    path: Path, passwords: Mapping[str, str], groups: Mapping[str, Sequence[str]]
) -> Path:
    for name, password in passwords.items():
        users.add_user(path, name, groups=list(groups.get(name, [])), password=password)
    return path
