"""The SQLite store of standalone mode.

Each row keeps the whole document as JSON in `doc`; the columns that queries filter and sort
on are generated from it, so they can never disagree with the document.

Statements run on threads of their own (store/sqlite/connection.py): writes one at a time on
one connection, reads on a few others, so that a slow statement (a large document, a long
scan, a lock another process holds) never holds up the event loop. Connections are in
autocommit mode, so each statement below is its own transaction. Id allocation and lease upserts are one statement
each, which makes them atomic without a lock, even when several processes open the same
file; changes to applications and statements go through the transition log
(store/transition_log.py), as on every store, whose unique-key insert decides each race.
"""

import json
import sqlite3
import time
from collections.abc import Awaitable, Collection, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from lighter_common.domain.application import Application
from lighter_common.domain.errors import Conflict
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.transition_record import (
    SubjectKind,
    TransitionRecord,
    statement_subject,
)
from lighter_common.store.base import ApplicationQuery, StoreUnavailable
from lighter_common.store.fields import require_activity_fields
from lighter_common.store.logins.sqlite import SqliteLoginRecords
from lighter_common.store.sqlite.connection import SqliteConnection
from lighter_common.store.sqlite.documents import (
    LoggedApplications,
    LoggedStatements,
    application_filter,
    marks,
)
from lighter_common.store.transition_log import (
    LoggedSeq,
    catch_up,
    compare_and_set,
    repair_documents,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    livy_id INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.livyId')) STORED,
    type TEXT GENERATED ALWAYS AS (json_extract(doc, '$.type')) STORED,
    state TEXT GENERATED ALWAYS AS (json_extract(doc, '$.state')) STORED,
    created_at REAL GENERATED ALWAYS AS (julianday(json_extract(doc, '$.createdAt'))) STORED,
    deleted INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.deleted')) STORED,
    backend_ref TEXT GENERATED ALWAYS AS (json_extract(doc, '$.backendRef')) STORED,
    name TEXT GENERATED ALWAYS AS (json_extract(doc, '$.submitParams.name')) STORED
);
CREATE UNIQUE INDEX IF NOT EXISTS applications_livy_id ON applications (livy_id);
CREATE INDEX IF NOT EXISTS applications_state_type_created
    ON applications (state, type, created_at);
CREATE INDEX IF NOT EXISTS applications_created ON applications (created_at, livy_id);
CREATE TABLE IF NOT EXISTS statements (
    session_id TEXT NOT NULL,
    id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    state TEXT GENERATED ALWAYS AS (json_extract(doc, '$.state')) STORED,
    PRIMARY KEY (session_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transitions (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS transitions_application ON transitions (application_id, kind);
CREATE INDEX IF NOT EXISTS transitions_at ON transitions (at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    app_id TEXT PRIMARY KEY,
    text TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""

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


T = TypeVar("T")


class SqliteStore:
    def __init__(self, connection: SqliteConnection) -> None:
        self._db = connection
        self._logged_applications = LoggedApplications(connection)
        self._logged_statements = LoggedStatements(connection)
        self.logins = SqliteLoginRecords(connection)

    @classmethod
    async def open(cls, path: Path) -> Self:
        """A store in the database file at `path`, created with its schema when new (the
        file and its directory private to the server's account)."""
        return cls(await SqliteConnection.open(path, _set_up))

    async def close(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self._query("SELECT 1")

    async def _query(self, sql: str, parameters: Iterable[Any] = ()) -> list[Any]:
        """Run one statement and fetch its rows."""
        try:
            return await self._db.query(sql, parameters)
        except sqlite3.OperationalError as error:  # locked for longer than busy_timeout, I/O
            raise StoreUnavailable(f"the database is unavailable: {error}") from error

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

    async def get_application(self, app_id: str) -> Application | None:
        return await catch_up(self._logged_applications, app_id)

    async def get_application_by_livy_id(self, livy_id: int) -> Application | None:
        rows = await self._query("SELECT id FROM applications WHERE livy_id = ?", (livy_id,))
        return await self.get_application(rows[0][0]) if rows else None

    async def list_applications(self, query: ApplicationQuery) -> tuple[list[Application], int]:
        return await self.find_applications(query), await self.count_applications(query)

    async def find_applications(self, query: ApplicationQuery) -> list[Application]:
        where, parameters = application_filter(query)
        direction = "ASC" if query.oldest_first else "DESC"
        rows = await self._query(
            f"SELECT doc FROM applications WHERE {where}"
            f" ORDER BY created_at {direction}, livy_id {direction} LIMIT ? OFFSET ?",
            (*parameters, -1 if query.limit is None else query.limit, query.offset),
        )
        return [Application.model_validate_json(row[0]) for row in rows]

    async def count_applications(self, query: ApplicationQuery) -> int:
        where, parameters = application_filter(query)
        rows = await self._query(f"SELECT COUNT(*) FROM applications WHERE {where}", parameters)
        return int(_only(rows)[0])

    async def update_application(
        self,
        app_id: str,
        changes: Mapping[str, Any],
        *,
        expected: Collection[ApplicationState] | None = None,
        only_if: Mapping[str, Any] | None = None,
    ) -> Application | None:
        return await self._logged(
            compare_and_set(
                self._logged_applications,
                app_id,
                changes,
                application_id=app_id,
                expected=expected,
                only_if=only_if,
            )
        )

    async def touch_application(
        self,
        app_id: str,
        stamps: Mapping[str, datetime],
        *,
        expected: Collection[ApplicationState],
        only_if: Mapping[str, Any] | None = None,
    ) -> bool:
        require_activity_fields(stamps)
        encode = self._logged_applications.encode
        values, conditions = encode(stamps), encode(only_if or {})
        setters = ", ".join(f"'$.{key}', json(?)" for key in values)
        # Paths come from the model's aliases (encode refuses unknown names), never from input.
        checks = "".join(f" AND json_extract(doc, '$.{key}') IS ?" for key in conditions)
        rows = await self._query(
            f"UPDATE applications SET doc = json_set(doc, {setters})"
            f" WHERE id = ? AND state IN ({marks(expected)}){checks} RETURNING id",
            (
                *(json.dumps(value) for value in values.values()),
                app_id,
                *(state.value for state in expected),
                *conditions.values(),
            ),
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

    async def get_statement(self, session_id: str, statement_id: int) -> Statement | None:
        return await self._logged(
            catch_up(self._logged_statements, statement_subject(session_id, statement_id))
        )

    async def list_statements(
        self,
        session_id: str,
        *,
        states: Collection[StatementState] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[Statement], int]:
        where, parameters = "session_id = ?", [session_id]
        if states:
            where += f" AND state IN ({marks(states)})"
            parameters += [state.value for state in states]
        rows = await self._query(
            f"SELECT doc FROM statements WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
            (*parameters, -1 if limit is None else limit, offset),
        )
        count = await self._query(f"SELECT COUNT(*) FROM statements WHERE {where}", parameters)
        return [Statement.model_validate_json(row[0]) for row in rows], int(_only(count)[0])

    async def update_statement(
        self,
        session_id: str,
        statement_id: int,
        changes: Mapping[str, Any],
        *,
        expected: Collection[StatementState] | None = None,
    ) -> Statement | None:
        return await self._logged(
            compare_and_set(
                self._logged_statements,
                statement_subject(session_id, statement_id),
                changes,
                application_id=session_id,
                expected=expected,
                only_if=None,
            )
        )

    # The transition log

    async def transitions(
        self, application_id: str, *, kind: SubjectKind = SubjectKind.APPLICATION
    ) -> list[TransitionRecord]:
        rows = await self._query(
            "SELECT doc FROM transitions WHERE application_id = ? AND kind = ?",
            (application_id, kind.value),
        )
        records = [TransitionRecord.model_validate_json(row[0]) for row in rows]
        return sorted(records, key=lambda record: (record.subject, record.seq))

    async def transitions_since(self, since: datetime, *, limit: int) -> list[TransitionRecord]:
        rows = await self._query(
            "SELECT doc FROM transitions WHERE at >= julianday(?) ORDER BY at, id LIMIT ?",
            (since.isoformat(), limit),
        )
        # julianday counts whole milliseconds, as a record's time does: the order is exact.
        return [TransitionRecord.model_validate_json(row[0]) for row in rows]

    async def forget_transitions(self, logged_before: datetime) -> int:
        rows = await self._query(
            "DELETE FROM transitions WHERE at < julianday(?) RETURNING id",
            (logged_before.isoformat(),),
        )
        return len(rows)

    async def repair(self, since: datetime) -> int:
        rows = await self._query(
            "SELECT kind, json_extract(doc, '$.subject'), json_extract(doc, '$.seq')"
            " FROM transitions WHERE at >= julianday(?)",
            (since.isoformat(),),
        )
        return await repair_documents(
            (LoggedSeq(SubjectKind(kind), subject, seq) for kind, subject, seq in rows),
            {
                SubjectKind.APPLICATION: self._logged_applications,
                SubjectKind.STATEMENT: self._logged_statements,
            },
        )

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

    async def forget_idempotency_keys(self, created_before: datetime) -> int:
        rows = await self._query(
            "DELETE FROM idempotency_keys WHERE created_at < julianday(?) RETURNING key",
            (created_before.isoformat(),),
        )
        return len(rows)

    # Coordination

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> bool:
        now = time.time()
        rows = await self._query(_ACQUIRE_LEASE, (name, owner, now + ttl, now))
        return bool(rows)

    async def _logged(self, operation: Awaitable[T]) -> T:
        """Run a transition-log operation, translating the database's failures."""
        try:
            return await operation
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"the database is unavailable: {error}") from error


def _set_up(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    # WAL with NORMAL sync loses no committed data on a process crash, only on power loss.
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.executescript(_SCHEMA)
    _add_owner_column(connection)


def _add_owner_column(connection: sqlite3.Connection) -> None:
    """The owner as an indexed column, for the per-user quota's count and owners' lists; added
    here rather than in _SCHEMA so that files made before it get it too."""
    columns = {row[1] for row in connection.execute("PRAGMA table_xinfo(applications)")}
    if "owner" not in columns:
        try:
            connection.execute(
                "ALTER TABLE applications ADD COLUMN owner TEXT"
                " GENERATED ALWAYS AS (json_extract(doc, '$.owner')) VIRTUAL"
            )
        except sqlite3.OperationalError as error:  # another process added it meanwhile
            if "duplicate column" not in str(error):
                raise
    connection.execute(
        "CREATE INDEX IF NOT EXISTS applications_owner_state ON applications (owner, state)"
    )


def _only(rows: Iterable[Any]) -> Any:
    (row,) = rows
    return row
