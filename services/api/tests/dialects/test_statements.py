"""Statements in both dialects: the same fields; each dialect keeps its own state rule."""

from datetime import UTC, datetime

import pytest
from lighter_api.dialects import lighter, livy
from lighter_common.domain.statement import Statement, StatementOutput, error_output
from lighter_common.domain.states import StatementState

S = StatementState
STARTED = datetime(2021, 10, 11, 8, 12, 43, 507390, tzinfo=UTC)
COMPLETED = datetime(2021, 10, 11, 8, 12, 44, 0, tzinfo=UTC)


def statement(state: StatementState, output: StatementOutput | None = None) -> Statement:
    return Statement(
        session_id="s",
        id=3,
        code="1/0",
        kind="pyspark",
        state=state,
        output=output,
        progress=0.25,
        created_at=STARTED,
        started_at=STARTED,
        completed_at=COMPLETED if state.is_finished else None,
    )


@pytest.mark.parametrize(
    ("state", "on_lighter", "on_livy"),
    [
        (S.WAITING, "waiting", "waiting"),
        (S.RUNNING, "running", "running"),
        (S.AVAILABLE, "available", "available"),
        # Code that raised: Livy's clients wait for `available`, then read output.status.
        (S.ERROR, "error", "available"),
        (S.CANCELLING, "cancelling", "cancelling"),
        (S.CANCELLED, "cancelled", "cancelled"),
    ],
)
def test_each_dialect_shows_its_own_statement_state(
    state: StatementState, on_lighter: str, on_livy: str
) -> None:
    shown = statement(state)
    assert lighter.render_statement(shown)["state"] == on_lighter
    assert livy.render_statement(shown)["state"] == on_livy


def test_code_that_raised_keeps_its_error_output_in_both_dialects() -> None:
    failed = statement(S.ERROR, error_output(3, "ZeroDivisionError", "division by zero", ["tb"]))
    expected = {
        "status": "error",
        "execution_count": 3,
        "ename": "ZeroDivisionError",
        "evalue": "division by zero",
        "traceback": ["tb"],
    }
    assert livy.render_statement(failed)["output"] == expected
    assert lighter.render_statement(failed)["output"] == expected


def test_a_statement_in_livy_shape() -> None:
    ok = statement(S.AVAILABLE, StatementOutput(status="ok", execution_count=3, data={"a": 1}))
    assert livy.render_statement(ok) == {
        "id": 3,
        "code": "1/0",
        "state": "available",
        "output": {"status": "ok", "execution_count": 3, "data": {"a": 1}},
        "progress": 1.0,
        "started": 1633939963507,
        "completed": 1633939964000,
    }


def test_a_statement_cancelled_while_running_shows_livys_empty_ok_output() -> None:
    cancelled = statement(S.CANCELLED, error_output(3, "Cancelled", "statement 3 was cancelled"))
    assert livy.render_statement(cancelled)["output"] == {
        "status": "ok",
        "execution_count": 3,
        "data": {"text/plain": ""},
    }
    assert lighter.render_statement(cancelled)["output"]["ename"] == "Cancelled"
    never_ran = cancelled.model_copy(update={"started_at": None, "output": None})
    assert livy.render_statement(never_ran)["output"] is None


def test_a_sql_result_is_only_its_data_on_livy() -> None:
    data = {"application/json": {"schema": {}, "data": [[1]]}, "text/plain": "+---+"}
    result = statement(S.AVAILABLE, StatementOutput(status="ok", execution_count=3, data=data))
    assert livy.render_statement(result)["output"]["data"] == {
        "application/json": {"schema": {}, "data": [[1]]}
    }
    assert lighter.render_statement(result)["output"]["data"] == data


def test_lighter_adds_the_creation_time() -> None:
    shown = lighter.render_statement(statement(S.RUNNING))
    assert shown["createdAt"] == "2021-10-11T08:12:43.507390"
    assert "createdAt" not in livy.render_statement(statement(S.RUNNING))


@pytest.mark.parametrize(
    ("state", "progress", "completed"),
    [(S.WAITING, 0.25, 0), (S.RUNNING, 0.25, 0), (S.CANCELLED, 1.0, 1633939964000)],
)
def test_progress_is_complete_once_finished_and_unset_times_are_zero(
    state: StatementState, progress: float, completed: int
) -> None:
    shown = livy.render_statement(statement(state))
    assert shown["progress"] == progress
    assert shown["completed"] == completed


def test_statement_lists() -> None:
    items = [statement(S.AVAILABLE), statement(S.ERROR)]
    assert livy.render_statements(items, total=7) == {
        "total_statements": 7,
        "statements": [livy.render_statement(s) for s in items],
    }
    page = lighter.render_statements(items, offset=5, total=7)
    assert page["from"] == 5 and page["total"] == page["total_statements"] == 7
    assert [s["state"] for s in page["statements"]] == ["available", "error"]
