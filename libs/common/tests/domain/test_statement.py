"""Statement kinds, unfinished states and a failed statement's output: one definition each."""

import pytest
from lighter_common.domain.statement import DEFAULT_KIND, KINDS, error_output, kind_problem
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


def test_the_default_kind_is_a_kind() -> None:
    assert DEFAULT_KIND in KINDS


def test_an_unknown_kind_names_itself_and_the_known_ones() -> None:
    assert kind_problem("cobol", of="Statement") == (
        "Statement kind 'cobol' is not supported; use one of pyspark, python, sql"
    )


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
