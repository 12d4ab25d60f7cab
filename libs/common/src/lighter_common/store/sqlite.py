"""The SQLite store of standalone mode.

Each row keeps the whole document as JSON in `doc`; the columns that queries filter and sort
on are generated from it, so they can never disagree with the document.

One connection serves every caller, on the event loop's own thread: a statement on a local
file takes microseconds, less than handing it to a worker thread and back would cost, and
calls run one at a time by construction. The connection is in autocommit mode, so each
statement below is its own transaction. Every write is one statement (compare-and-sets, id allocation, lease upserts),
which makes it atomic without a lock, even when several processes open the same file.
"""

import json
import sqlite3
import time
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel

from lighter_common.domain.application import Application
from lighter_common.domain.errors import Conflict
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.fields import document_fields

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


class SqliteStore:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: Path) -> Self:
        """A store in the database file at `path`, created with its schema when new."""
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            # WAL with NORMAL sync loses no committed data on a process crash, only on power loss.
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA busy_timeout = 5000")
            connection.executescript(_SCHEMA)
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    async def close(self) -> None:
        self._db.close()

    async def ping(self) -> None:
        await self._query("SELECT 1")

    async def _query(self, sql: str, parameters: Iterable[Any] = ()) -> list[Any]:
        """Run one statement and fetch its rows."""
        return self._db.execute(sql, tuple(parameters)).fetchall()

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
        return await self._one_application("SELECT doc FROM applications WHERE id = ?", (app_id,))

    async def get_application_by_livy_id(self, livy_id: int) -> Application | None:
        return await self._one_application(
            "SELECT doc FROM applications WHERE livy_id = ?", (livy_id,)
        )

    async def _one_application(self, sql: str, parameters: tuple[Any, ...]) -> Application | None:
        rows = await self._query(sql, parameters)
        return Application.model_validate_json(rows[0][0]) if rows else None

    async def list_applications(self, query: ApplicationQuery) -> tuple[list[Application], int]:
        return await self.find_applications(query), await self.count_applications(query)

    async def find_applications(self, query: ApplicationQuery) -> list[Application]:
        where, parameters = _application_filter(query)
        direction = "ASC" if query.oldest_first else "DESC"
        rows = await self._query(
            f"SELECT doc FROM applications WHERE {where}"
            f" ORDER BY created_at {direction}, livy_id {direction} LIMIT ? OFFSET ?",
            (*parameters, -1 if query.limit is None else query.limit, query.offset),
        )
        return [Application.model_validate_json(row[0]) for row in rows]

    async def count_applications(self, query: ApplicationQuery) -> int:
        where, parameters = _application_filter(query)
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
        rows = await self._compare_and_set(
            "applications", Application, ("id = ?", [app_id]), changes, expected, only_if
        )
        return Application.model_validate_json(rows[0][0]) if rows else None

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
        rows = await self._query(
            _INSERT_STATEMENT_NEXT_ID,
            (statement.session_id, statement.model_dump_json(by_alias=True), statement.session_id),
        )
        return Statement.model_validate_json(_only(rows)[0])

    async def get_statement(self, session_id: str, statement_id: int) -> Statement | None:
        rows = await self._query(
            "SELECT doc FROM statements WHERE session_id = ? AND id = ?",
            (session_id, statement_id),
        )
        return Statement.model_validate_json(rows[0][0]) if rows else None

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
            where += f" AND state IN ({_marks(states)})"
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
        rows = await self._compare_and_set(
            "statements",
            Statement,
            ("session_id = ? AND id = ?", [session_id, statement_id]),
            changes,
            expected,
            None,
        )
        return Statement.model_validate_json(rows[0][0]) if rows else None

    # Coordination

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> bool:
        now = time.time()
        rows = await self._query(_ACQUIRE_LEASE, (name, owner, now + ttl, now))
        return bool(rows)

    async def _compare_and_set(
        self,
        table: str,
        model: type[BaseModel],
        key: tuple[str, list[Any]],
        changes: Mapping[str, Any],
        expected: Collection[ApplicationState | StatementState] | None,
        only_if: Mapping[str, Any] | None,
    ) -> list[Any]:
        """One UPDATE that sets `changes` where the key, the state and `only_if` match."""
        where, parameters = key
        if expected is not None:
            where += f" AND state IN ({_marks(expected)})" if expected else " AND 0"
            parameters = [*parameters, *(state.value for state in expected)]
        for path, value in _json_paths(model, only_if or {}):
            where += f" AND json_extract(doc, '{path}') IS json_extract(?, '$')"
            parameters.append(value)
        assignments = _json_paths(model, changes)
        if not assignments:
            return await self._query(f"SELECT doc FROM {table} WHERE {where}", parameters)
        setters = ", ".join(f"'{path}', json(?)" for path, _ in assignments)
        return await self._query(
            f"UPDATE {table} SET doc = json_set(doc, {setters}) WHERE {where} RETURNING doc",
            [*(value for _, value in assignments), *parameters],
        )


def _json_paths(model: type[BaseModel], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """JSON paths and JSON-encoded values; paths come from the model's aliases, never input."""
    fields = document_fields(model, values, mode="json")
    return [(f"$.{key}", json.dumps(value)) for key, value in fields.items()]


def _application_filter(query: ApplicationQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    parameters: list[Any] = []
    if query.types:
        clauses.append(f"type IN ({_marks(query.types)})")
        parameters += [t.value for t in query.types]
    if query.states:
        clauses.append(f"state IN ({_marks(query.states)})")
        parameters += [s.value for s in query.states]
    if query.deleted is not None:
        clauses.append("deleted = ?")
        parameters.append(int(query.deleted))
    elif not query.include_deleted:
        clauses.append("deleted = 0")
    if query.backend_ref_missing is not None:
        clauses.append(f"backend_ref IS {'' if query.backend_ref_missing else 'NOT '}NULL")
    if query.created_before is not None:
        clauses.append("created_at < julianday(?)")
        parameters.append(query.created_before.isoformat())
    if query.started_before is not None:
        clauses.append("julianday(json_extract(doc, '$.startedAt')) < julianday(?)")
        parameters.append(query.started_before.isoformat())
    if query.finished_after is not None:
        clauses.append("julianday(json_extract(doc, '$.finishedAt')) > julianday(?)")
        parameters.append(query.finished_after.isoformat())
    if query.kill_requested is not None:
        clauses.append("json_extract(doc, '$.killRequested') = ?")
        parameters.append(int(query.kill_requested))
    if query.search:
        # SQLite's lower() folds ASCII only: other letters match in the same case alone.
        clauses.append("(instr(lower(name), lower(?)) > 0 OR instr(lower(id), lower(?)) > 0)")
        parameters += [query.search, query.search]
    return " AND ".join(clauses) or "1", parameters


def _marks(values: Iterable[object]) -> str:
    return ", ".join("?" for _ in values)


def _only(rows: Iterable[Any]) -> Any:
    (row,) = rows
    return row
