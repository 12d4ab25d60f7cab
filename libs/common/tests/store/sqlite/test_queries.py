"""Described queries as SQLite statements: SQL text over generated columns, values as parameters."""

from datetime import UTC, datetime
from typing import Any

import pytest
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.transition_record import SubjectKind
from lighter_common.store import queries as q
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.sqlite import queries as sql

T = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("condition", "clause", "parameters"),
    [
        (q.Equals("owner", "alice"), "owner = ?", ["alice"]),
        (q.Equals("deleted", False), "deleted = ?", [0]),
        (q.Equals("backendRef", None), "backend_ref IS NULL", []),
        (q.Equals("killRequested", True), "json_extract(doc, '$.killRequested') = ?", [1]),
        (q.OneOf("state", ("idle", "busy")), "state IN (?, ?)", ["idle", "busy"]),
        (q.IsNull("backendRef", null=False), "backend_ref IS NOT NULL", []),
        (q.Compare("createdAt", "<", T), "created_at < julianday(?)", [T.isoformat()]),
        (
            q.Compare("startedAt", "<", T),
            "julianday(json_extract(doc, '$.startedAt')) < julianday(?)",
            [T.isoformat()],
        ),
        (
            q.Contains(("submitParams.name", "_id"), "Etl"),
            "(instr(lower(name), lower(?)) > 0 OR instr(lower(id), lower(?)) > 0)",
            ["Etl", "Etl"],
        ),
    ],
)
def test_a_condition_compiles_to_a_clause_and_its_parameters(
    condition: q.Condition, clause: str, parameters: list[Any]
) -> None:
    assert sql.where_clause(sql.APPLICATIONS, [condition]) == (clause, parameters)


def test_no_condition_matches_everything() -> None:
    assert sql.where_clause(sql.APPLICATIONS, []) == ("1", [])


def test_an_application_page_and_its_count() -> None:
    query = q.applications(
        ApplicationQuery(states=[ApplicationState.NOT_STARTED], oldest_first=True, limit=10)
    )

    assert sql.select(query) == (
        "SELECT doc FROM applications WHERE state IN (?) AND deleted = ?"
        " ORDER BY created_at ASC, livy_id ASC LIMIT ? OFFSET ?",
        ["not_started", 0, 10, 0],
    )
    assert sql.count(query) == (
        "SELECT COUNT(*) FROM applications WHERE state IN (?) AND deleted = ?",
        ["not_started", 0],
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            q.statements("s1", (StatementState.WAITING,), 0, None),
            (
                "SELECT doc FROM statements WHERE session_id = ? AND state IN (?) ORDER BY id ASC",
                ["s1", "waiting"],
            ),
        ),
        (
            q.transitions_of("a1", SubjectKind.STATEMENT),
            (
                "SELECT doc FROM transitions WHERE application_id = ? AND kind = ?",
                ["a1", "statement"],
            ),
        ),
        (
            q.transitions_since(T, 50),
            (
                "SELECT doc FROM transitions WHERE at >= julianday(?)"
                " ORDER BY at ASC, id ASC LIMIT ? OFFSET ?",
                [T.isoformat(), 50, 0],
            ),
        ),
        (
            q.application_by_livy_id(7),
            ("SELECT doc FROM applications WHERE livy_id = ? LIMIT ? OFFSET ?", [7, 1, 0]),
        ),
    ],
)
def test_the_stores_reads_compile_to_sql(query: q.Query[Any], expected: Any) -> None:
    assert sql.select(query) == expected


def test_forgetting_by_age_deletes_with_a_row_for_each() -> None:
    assert sql.delete(q.logged_before(T)) == (
        "DELETE FROM transitions WHERE at < julianday(?) RETURNING 1",
        [T.isoformat()],
    )
    assert sql.delete(q.idempotency_keys_before(T)) == (
        "DELETE FROM idempotency_keys WHERE created_at < julianday(?) RETURNING 1",
        [T.isoformat()],
    )


def test_a_repair_reads_only_kind_subject_and_seq() -> None:
    assert sql.select_keys(q.logged_since(T), ("kind", "subject", "seq")) == (
        "SELECT kind, json_extract(doc, '$.subject'), json_extract(doc, '$.seq')"
        " FROM transitions WHERE at >= julianday(?)",
        [T.isoformat()],
    )
