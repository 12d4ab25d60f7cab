"""Login records in the SQLite store's database file, on the store's own connection.

Each call is one autocommit statement on a primary key or an index, run on the connection's
thread as SqliteStore's are; the table is created by the first call.
"""

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from lighter_common.store.base import StoreUnavailable
from lighter_common.store.logins.base import LoginRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS logins (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logins_user ON logins (user);
CREATE INDEX IF NOT EXISTS logins_expires ON logins (expires_at);
"""


T = TypeVar("T")


class Connection(Protocol):
    """What store/sqlite/connection.py's SqliteConnection offers."""

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T: ...


class SqliteLoginRecords:
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._created = False

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            if not self._created:
                await self._db.run(lambda db: db.executescript(SCHEMA))
                self._created = True
            return await self._db.run(work)
        except sqlite3.OperationalError as error:  # locked for longer than busy_timeout, I/O
            raise StoreUnavailable(f"the database is unavailable: {error}") from error

    async def _rows(self, sql: str, *parameters: Any) -> list[Any]:
        return await self._run(lambda db: db.execute(sql, parameters).fetchall())

    async def _changed(self, sql: str, *parameters: Any) -> int:
        return await self._run(lambda db: db.execute(sql, parameters).rowcount)

    async def add(self, record: LoginRecord) -> None:
        await self._changed(
            "INSERT OR REPLACE INTO logins (id, user, credential, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            record.id,
            record.user,
            record.credential,
            record.created_at.timestamp(),
            record.expires_at.timestamp(),
        )

    async def get(self, login_id: str, *, now: datetime) -> LoginRecord | None:
        rows = await self._rows(
            "SELECT id, user, credential, created_at, expires_at FROM logins "
            "WHERE id = ? AND expires_at > ?",
            login_id,
            now.timestamp(),
        )
        if not rows:
            return None
        row = rows[0]
        return LoginRecord(
            id=row[0],
            user=row[1],
            credential=row[2],
            created_at=datetime.fromtimestamp(row[3], UTC),
            expires_at=datetime.fromtimestamp(row[4], UTC),
        )

    async def remove(self, login_id: str) -> None:
        await self._changed("DELETE FROM logins WHERE id = ?", login_id)

    async def remove_user(self, user: str) -> int:
        return await self._changed("DELETE FROM logins WHERE user = ?", user)

    async def forget_expired(self, now: datetime) -> int:
        return await self._changed("DELETE FROM logins WHERE expires_at <= ?", now.timestamp())
