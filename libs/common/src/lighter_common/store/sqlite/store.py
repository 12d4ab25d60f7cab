"""The SQLite store of standalone mode.

Each row keeps the whole document as JSON in `doc` (store/sqlite/schema.py); described queries
(store/queries.py) become SQL over the columns generated from it (store/sqlite/queries.py).

Statements run on threads of their own (store/sqlite/connection.py): writes one at a time on
one connection, reads on a few others, so that a slow statement (a large document, a long
scan, a lock another process holds) never holds up the event loop. Connections are in
autocommit mode, so each statement below is its own transaction. Id allocation and lease
upserts are one statement each, which makes them atomic without a lock, even when several
processes open the same file; changes to applications and statements go through the
transition log (store/transition_log.py), as on every store, whose unique-key insert decides
each race.
"""

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import BaseModel

from lighter_common.domain.application import Application
from lighter_common.domain.errors import Conflict
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord
from lighter_common.store.logged_store import LoggedStore
from lighter_common.store.logins.sqlite import SqliteLoginRecords
from lighter_common.store.queries import Condition, Query
from lighter_common.store.sqlite import queries as sql
from lighter_common.store.sqlite.connection import SqliteConnection
from lighter_common.store.sqlite.documents import LoggedApplications, LoggedStatements, run
from lighter_common.store.sqlite.schema import set_up
from lighter_common.store.transition_log import LoggedSeq

# The next id is read inside the inserting statement itself, so no other write can come
# between reading MAX(...) and using it: the statement is one write transaction.
_INSERT_APPLICATION_NEXT_LIVY_ID = """
INSERT INTO applications (id, doc)
SELECT ?, json_set(?, '$.livyId', next_id)
FROM (SELECT COALESCE(MAX(livy_id), -1) + 1 AS next_id FROM applications)
RETURNING livy_id
"""
_INSERT_STATEMENT_NEXT_ID = """
INSERT INTO statements (session_id, id, doc)
SELECT ?, next_id, json_set(?, '$.id', next_id)
FROM (SELECT COALESCE(MAX(id), -1) + 1 AS next_id FROM statements WHERE session_id = ?)
RETURNING doc
"""
_ACQUIRE_LEASE = """
INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at <= ?
RETURNING owner
"""


M = TypeVar("M", bound=BaseModel)


class SqliteStore(LoggedStore):
    def __init__(self, connection: SqliteConnection) -> None:
        self._db = connection
        self._logged_applications = LoggedApplications(connection)
        self._logged_statements = LoggedStatements(connection)
        self.logins = SqliteLoginRecords(connection)

    @classmethod
    async def open(cls, path: Path) -> Self:
        """A store in the database file at `path`, created with its schema when new (the
        file and its directory private to the server's account)."""
        return cls(await SqliteConnection.open(path, set_up))

    async def close(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self._query("SELECT 1")

    async def _query(self, statement: str, parameters: Iterable[Any] = ()) -> list[Any]:
        return await run(self._db, statement, parameters)

    # Applications

    async def insert_application(self, app: Application) -> Application:
        document = app.model_dump_json(by_alias=True)
        try:
            if app.livy_id < 0:
                rows = await self._query(_INSERT_APPLICATION_NEXT_LIVY_ID, (app.id, document))
                return app.model_copy(update={"livy_id": int(_only(rows)[0])})
            await self._query(
                "INSERT INTO applications (id, doc) VALUES (?, ?)", (app.id, document)
            )
        except sqlite3.IntegrityError:
            raise Conflict(f"application {app.id} already exists") from None
        return app.model_copy()

    # Described queries (store/queries.py), compiled to SQL

    async def _find(self, query: Query[M]) -> list[M]:
        rows = await self._query(*sql.select(query))
        return [query.model.model_validate_json(row[0]) for row in rows]

    async def _count(self, query: Query[Any]) -> int:
        return int(_only(await self._query(*sql.count(query)))[0])

    async def _logged_seqs(self, query: Query[TransitionRecord]) -> list[LoggedSeq]:
        rows = await self._query(*sql.select_keys(query, ("kind", "subject", "seq")))
        return [LoggedSeq(SubjectKind(kind), subject, seq) for kind, subject, seq in rows]

    async def _delete(self, query: Query[Any]) -> int:
        return len(await self._query(*sql.delete(query)))

    async def _touch(
        self, app_id: str, values: Mapping[str, Any], where: tuple[Condition, ...]
    ) -> bool:
        # Paths come from the model's aliases (encode refuses unknown names), never from input.
        setters = ", ".join(f"'$.{key}', json(?)" for key in values)
        condition, parameters = sql.where_clause(sql.APPLICATIONS, where)
        rows = await self._query(
            f"UPDATE applications SET doc = json_set(doc, {setters})"
            f" WHERE id = ? AND {condition} RETURNING id",
            (*(json.dumps(value) for value in values.values()), app_id, *parameters),
        )
        return bool(rows)

    # Logs

    async def put_log(self, app_id: str, text: str) -> None:
        await self._query(
            "INSERT INTO logs (app_id, text) VALUES (?, ?)"
            " ON CONFLICT (app_id) DO UPDATE SET text = excluded.text",
            (app_id, text),
        )

    async def get_log(self, app_id: str) -> str | None:
        rows = await self._query("SELECT text FROM logs WHERE app_id = ?", (app_id,))
        return str(rows[0][0]) if rows else None

    # Statements

    async def insert_statement(self, statement: Statement) -> Statement:
        stored = statement.model_copy(update={"seq": 0})
        rows = await self._query(
            _INSERT_STATEMENT_NEXT_ID,
            (statement.session_id, stored.model_dump_json(by_alias=True), statement.session_id),
        )
        return Statement.model_validate_json(_only(rows)[0])

    # Idempotency keys

    async def claim_idempotency_key(self, claim: IdempotencyKey) -> IdempotencyKey:
        rows = await self._query(
            "INSERT INTO idempotency_keys (key, created_at, doc) VALUES (?, julianday(?), ?)"
            " ON CONFLICT (key) DO NOTHING RETURNING doc",
            (claim.key, claim.created_at.isoformat(), claim.model_dump_json(by_alias=True)),
        )
        if rows:
            return claim
        rows = await self._query("SELECT doc FROM idempotency_keys WHERE key = ?", (claim.key,))
        if not rows:  # forgotten in between: try again
            return await self.claim_idempotency_key(claim)
        return IdempotencyKey.model_validate_json(rows[0][0])

    # Coordination

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> bool:
        now = time.time()
        rows = await self._query(_ACQUIRE_LEASE, (name, owner, now + ttl, now))
        return bool(rows)


def _only(rows: Iterable[Any]) -> Any:
    (row,) = rows
    return row
