"""The SQLite store's logged tables, and the one way it runs a statement.

Documents are JSON in a `doc` column; a logged change sets top-level keys with `json_set`,
whose paths come from the models' aliases, never from input.
"""

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from lighter_common.domain.application import Application
from lighter_common.domain.statement import Statement
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord
from lighter_common.store.base import StoreUnavailable
from lighter_common.store.fields import document_fields
from lighter_common.store.sqlite.connection import SqliteConnection

M = TypeVar("M", bound=BaseModel)


async def run(db: SqliteConnection, sql: str, parameters: Iterable[Any] = ()) -> list[Any]:
    """Run one statement and fetch its rows; StoreUnavailable when the database is not there."""
    try:
        return await db.query(sql, parameters)
    except sqlite3.OperationalError as error:  # locked for longer than busy_timeout, I/O
        raise StoreUnavailable(f"the database is unavailable: {error}") from error


_INSERT_RECORD = (
    "INSERT INTO transitions (id, application_id, kind, at, doc) VALUES (?, ?, ?, julianday(?), ?)"
)


def _record_values(record: TransitionRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.application_id,
        record.kind.value,
        record.at.isoformat(),
        record.model_dump_json(by_alias=True),
    )


class _LoggedTable(Generic[M]):
    kind: SubjectKind
    model: type[M]
    _table: str
    _key: str  # the WHERE clause that names one row, with its parameters from `_key_values`
    _subject: str  # the row's log subject, as an SQL expression (transition_record.py)

    def __init__(self, db: SqliteConnection) -> None:
        self._db = db

    def _key_values(self, subject: str) -> list[Any]:
        return [subject]

    async def read_record(self, record_key: str) -> TransitionRecord | None:
        rows = await run(self._db, "SELECT doc FROM transitions WHERE id = ?", (record_key,))
        return TransitionRecord.model_validate_json(rows[0][0]) if rows else None

    async def read_with_next(self, subject: str) -> tuple[M | None, TransitionRecord | None]:
        # One statement: the next record's key is `<subject>:<seq + 1>` (record_id).
        rows = await run(
            self._db,
            f"SELECT {self._table}.doc, t.doc FROM {self._table} LEFT JOIN transitions AS t"
            f" ON t.id = {self._subject} || ':'"
            f" || (COALESCE(json_extract({self._table}.doc, '$.seq'), 0) + 1)"
            f" WHERE {self._key}",
            self._key_values(subject),
        )
        if not rows:
            return None, None
        document, record = rows[0]
        return (
            self.model.model_validate_json(document),
            None if record is None else TransitionRecord.model_validate_json(record),
        )

    async def append(self, record: TransitionRecord) -> bool:
        try:
            await run(self._db, _INSERT_RECORD, _record_values(record))
        except sqlite3.IntegrityError:
            return False
        return True

    async def append_and_apply(self, subject: str, record: TransitionRecord) -> bool:
        # Both statements in one call on the writing thread: a round trip less than two calls.
        inserted, values = _record_values(record), self._applied(subject, record)

        def write(db: sqlite3.Connection) -> bool:
            try:
                db.execute(_INSERT_RECORD, inserted)
            except sqlite3.IntegrityError:
                return False
            db.execute(*values)
            return True

        try:
            return await self._db.run(write)
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"the database is unavailable: {error}") from error

    async def apply(self, subject: str, record: TransitionRecord) -> None:
        await run(self._db, *self._applied(subject, record))

    def _applied(self, subject: str, record: TransitionRecord) -> tuple[str, list[Any]]:
        """The UPDATE that applies `record` over the change before it."""
        values = {**record.changes, "seq": record.seq}
        setters = ", ".join(f"'$.{key}', json(?)" for key in values)
        return (
            f"UPDATE {self._table} SET doc = json_set(doc, {setters})"
            f" WHERE {self._key} AND COALESCE(json_extract(doc, '$.seq'), 0) = ?",
            [
                *(json.dumps(value) for value in values.values()),
                *self._key_values(subject),
                record.seq - 1,
            ],
        )

    def encode(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        return document_fields(self.model, changes, mode="json")

    async def stored_seqs(self, subjects: Collection[str]) -> dict[str, int]:
        # In-process reads cost no round trip: one per document is fine here.
        found = {subject: await self.read(subject) for subject in subjects}
        return {subject: getattr(doc, "seq") for subject, doc in found.items() if doc is not None}  # noqa: B009

    async def read(self, subject: str) -> M | None:
        rows = await run(
            self._db,
            f"SELECT doc FROM {self._table} WHERE {self._key}",
            self._key_values(subject),
        )
        return self.model.model_validate_json(rows[0][0]) if rows else None


class LoggedApplications(_LoggedTable[Application]):
    kind = SubjectKind.APPLICATION
    model = Application
    _table = "applications"
    _key = "applications.id = ?"
    _subject = "applications.id"


class LoggedStatements(_LoggedTable[Statement]):
    kind = SubjectKind.STATEMENT
    model = Statement
    _table = "statements"
    _key = "statements.session_id = ? AND statements.id = ?"
    _subject = "statements.session_id || '/' || statements.id"

    def _key_values(self, subject: str) -> list[Any]:
        session_id, statement_id = subject.rsplit("/", 1)
        return [session_id, int(statement_id)]
