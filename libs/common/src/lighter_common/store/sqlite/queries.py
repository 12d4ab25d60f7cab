"""A described query (store/queries.py) as SQLite asks it: SQL text and its parameters.

Each kind of document has a table whose `doc` column holds it as JSON; the keys queries use
most are generated columns (store/sqlite/schema.py), any other key is read with json_extract.
A time is compared as a Julian day number: a generated time column holds one already, a
document's time is converted, and so is the parameter. A Julian day keeps whole milliseconds,
as a transition record's time does, so the log's order is exact. Column names and JSON paths
come from the tables below and the query module's constants, never from input.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from lighter_common.domain.application import Application
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.transition_record import TransitionRecord
from lighter_common.store import queries as q


@dataclass(frozen=True)
class Table:
    name: str
    columns: Mapping[str, str]  # document key -> the column holding it (times as Julian days)

    def column(self, key: str, value: Any = None) -> str:
        column = self.columns.get(key)
        if column is not None:
            return column
        extracted = f"json_extract(doc, '$.{key}')"
        return f"julianday({extracted})" if isinstance(value, datetime) else extracted


APPLICATIONS = Table(
    "applications",
    {
        "_id": "id",
        "livyId": "livy_id",
        "type": "type",
        "state": "state",
        "createdAt": "created_at",
        "deleted": "deleted",
        "backendRef": "backend_ref",
        "submitParams.name": "name",
        "owner": "owner",
    },
)
STATEMENTS = Table("statements", {"sessionId": "session_id", "id": "id", "state": "state"})
TRANSITIONS = Table(
    "transitions", {"_id": "id", "applicationId": "application_id", "kind": "kind", "at": "at"}
)
IDEMPOTENCY_KEYS = Table("idempotency_keys", {"_id": "key", "createdAt": "created_at"})
TABLES: Mapping[type[BaseModel], Table] = {
    Application: APPLICATIONS,
    Statement: STATEMENTS,
    TransitionRecord: TRANSITIONS,
    IdempotencyKey: IDEMPOTENCY_KEYS,
}

_DIRECTIONS = {True: "ASC", False: "DESC"}


def select(query: q.Query[Any], columns: Iterable[str] = ("doc",)) -> tuple[str, list[Any]]:
    """The matching rows' `columns`, in the query's order and page."""
    table = TABLES[query.model]
    where, parameters = where_clause(table, query.where)
    sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {where}"
    if query.order:
        sql += " ORDER BY " + ", ".join(_ordering(table, item) for item in query.order)
    if query.limit is not None or query.offset:
        sql += " LIMIT ? OFFSET ?"
        parameters += [-1 if query.limit is None else query.limit, query.offset]
    return sql, parameters


def select_keys(query: q.Query[Any], keys: Iterable[str]) -> tuple[str, list[Any]]:
    """The matching rows' values of these document keys."""
    table = TABLES[query.model]
    return select(query, [table.column(key) for key in keys])


def count(query: q.Query[Any]) -> tuple[str, list[Any]]:
    return select(query.unpaged(), ["COUNT(*)"])


def delete(query: q.Query[Any]) -> tuple[str, list[Any]]:
    """Delete the matching rows, returning a row for each."""
    table = TABLES[query.model]
    where, parameters = where_clause(table, query.where)
    return f"DELETE FROM {table.name} WHERE {where} RETURNING 1", parameters


def where_clause(table: Table, where: Iterable[q.Condition]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    parameters: list[Any] = []
    for condition in where:
        clause, values = _clause(table, condition)
        clauses.append(clause)
        parameters += values
    return " AND ".join(clauses) or "1", parameters


def marks(values: Iterable[object]) -> str:
    return ", ".join("?" for _ in values)


def _clause(table: Table, condition: q.Condition) -> tuple[str, list[Any]]:
    match condition:
        case q.Equals(key, None):
            return f"{table.column(key)} IS NULL", []
        case q.Equals(key, value):
            return f"{table.column(key, value)} = {_mark(value)}", [_parameter(value)]
        case q.OneOf(key, values):
            return f"{table.column(key)} IN ({marks(values)})", [_parameter(v) for v in values]
        case q.IsNull(key, null):
            return f"{table.column(key)} IS {'' if null else 'NOT '}NULL", []
        case q.Compare(key, operator, value):
            return f"{table.column(key, value)} {operator} julianday(?)", [_parameter(value)]
        case q.Contains(keys, text):
            found = [f"instr(lower({table.column(key)}), lower(?)) > 0" for key in keys]
            return f"({' OR '.join(found)})", [text for _ in keys]
    raise TypeError(f"not a condition: {condition!r}")


def _ordering(table: Table, item: q.Order) -> str:
    return f"{table.column(item.key)} {_DIRECTIONS[item.ascending]}"


def _mark(value: Any) -> str:
    return "julianday(?)" if isinstance(value, datetime) else "?"


def _parameter(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
