"""The LoginRecords port: the web UI's logins, kept server-side so that every replica can end one.

Contract (every adapter passes tests/contract/test_store_logins.py):
- `add` stores a record under its `id` (a digest of the secret the cookie carries, never the
  secret itself); adding an id that exists replaces the record.
- `get` returns the record while `now` is before its `expires_at`, else None: an expired
  record is as good as absent, whether or not it has been forgotten yet.
- `remove` ends one login (logout); `remove_user` ends every login of a user and returns how
  many it ended; `forget_expired` deletes the records expired at `now`.
- Every method raises StoreUnavailable when the database cannot be reached.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class LoginRecord:
    id: str
    user: str
    # A digest of the stored secret the user logged in with: when the password changes or
    # the token is revoked, the login no longer matches it.
    credential: str
    created_at: datetime
    expires_at: datetime


class LoginRecords(Protocol):
    async def add(self, record: LoginRecord) -> None: ...

    async def get(self, login_id: str, *, now: datetime) -> LoginRecord | None:
        """The record while it has not expired at `now`."""

    async def remove(self, login_id: str) -> None: ...

    async def remove_user(self, user: str) -> int:
        """End every login of `user`; returns how many there were."""

    async def forget_expired(self, now: datetime) -> int: ...
