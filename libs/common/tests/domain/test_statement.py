"""Statement kinds, unfinished states and a failed statement's output: one definition each."""

import pytest
from lighter_common.domain.statement import (
    DEFAULT_KIND,
    KINDS,
    STATEMENT_KINDS,
    error_output,
    kind_problem,
    statement_kind,
)
from lighter_common.domain.states import (
    FINISHED_STATEMENT_STATES,
    FINISHED_STATES,
    UNFINISHED_STATEMENT_STATES,
    UNFINISHED_STATES,
    ApplicationState,
    StatementState,
)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_known_kinds_are_accepted(kind: str) -> None:
    assert kind_problem(kind, of="Session") is None


def test_the_default_kind_is_livys_shared() -> None:
    assert DEFAULT_KIND == "shared"
    assert DEFAULT_KIND in KINDS


def test_an_unknown_kind_names_itself_and_the_known_ones() -> None:
    assert kind_problem("cobol", of="Statement") == (
        "Statement kind 'cobol' is not supported; use one of pyspark, python, spark, sql"
    )
    assert kind_problem("sparkr", of="Session") == (
        "Session kind 'sparkr' is not supported; use one of pyspark, python, shared, spark, sql"
    )


def test_shared_is_a_session_kind_only() -> None:
    assert kind_problem("shared", of="Session") is None
    assert kind_problem("shared", of="Statement") is not None
    assert STATEMENT_KINDS < KINDS


@pytest.mark.parametrize(
    ("kind", "session_kind", "runs_as"),
    [
        (None, "shared", "pyspark"),
        (None, "spark", "spark"),
        (None, "sql", "sql"),
        (None, None, "pyspark"),
        ("spark", "shared", "spark"),
        ("sql", "pyspark", "sql"),
        ("pyspark", "spark", "pyspark"),
    ],
)
def test_a_statement_runs_in_its_own_kind_else_its_sessions(
    kind: str | None, session_kind: str | None, runs_as: str
) -> None:
    assert statement_kind(kind, session_kind=session_kind) == runs_as


def test_unfinished_states_are_the_rest() -> None:
    assert frozenset(ApplicationState) == UNFINISHED_STATES | FINISHED_STATES
    assert not UNFINISHED_STATES & FINISHED_STATES
    assert {
        StatementState.WAITING,
        StatementState.RUNNING,
        StatementState.CANCELLING,
    } == UNFINISHED_STATEMENT_STATES
    assert not UNFINISHED_STATEMENT_STATES & FINISHED_STATEMENT_STATES


def test_error_output_is_livys_error_shape() -> None:
    output = error_output(4, "SessionEnded", "the session ended")
    assert output.model_dump(exclude_none=True) == {
        "status": "error",
        "execution_count": 4,
        "ename": "SessionEnded",
        "evalue": "the session ended",
        "traceback": [],
    }
    assert error_output(1, "E", "v", ["line"]).traceback == ["line"]
