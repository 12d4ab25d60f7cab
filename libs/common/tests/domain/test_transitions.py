import pytest
from lighter_common.domain.errors import InvalidTransition
from lighter_common.domain.states import FINISHED_STATES, ApplicationState, StatementState
from lighter_common.domain.transitions import (
    CONTACT_RECORDABLE,
    DRIVER_FACTS_RECORDABLE,
    LAUNCHING,
    TIMEOUT_KILL_REQUESTABLE,
    WAITING_FOR_LAUNCH,
    can_transition,
    can_transition_statement,
    check_transition,
    previous_states,
    session_activity_state,
)

A = ApplicationState
S = StatementState


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        # applications
        (A.NOT_STARTED, A.STARTING, True),
        (A.STARTING, A.RUNNING, True),
        (A.RUNNING, A.SUCCESS, True),
        (A.STARTING, A.IDLE, True),
        (A.IDLE, A.BUSY, True),
        (A.BUSY, A.IDLE, True),
        (A.NOT_STARTED, A.KILLED, True),
        (A.NOT_STARTED, A.RUNNING, False),
        (A.NOT_STARTED, A.SUCCESS, False),
        (A.RUNNING, A.STARTING, False),
        (A.RUNNING, A.IDLE, False),
        (A.IDLE, A.RUNNING, False),
        (A.RUNNING, A.DEAD, True),
        (A.SHUTTING_DOWN, A.KILLED, True),
        # statements
        (S.WAITING, S.RUNNING, True),
        (S.RUNNING, S.AVAILABLE, True),
        (S.RUNNING, S.CANCELLING, True),
        (S.CANCELLING, S.CANCELLED, True),
        (S.WAITING, S.CANCELLED, True),
        (S.AVAILABLE, S.RUNNING, False),
        (S.CANCELLED, S.AVAILABLE, False),
        (S.ERROR, S.CANCELLED, False),
    ],
)
def test_transitions(current: A | S, target: A | S, allowed: bool) -> None:
    if isinstance(current, A):
        assert can_transition(current, A(target)) is allowed
    else:
        assert can_transition_statement(current, S(target)) is allowed


@pytest.mark.parametrize("finished", sorted(FINISHED_STATES))
@pytest.mark.parametrize("target", list(A))
def test_finished_states_never_change(finished: A, target: A) -> None:
    assert not can_transition(finished, target)


def test_check_transition_names_both_states() -> None:
    with pytest.raises(InvalidTransition, match="success to running"):
        check_transition(A.SUCCESS, A.RUNNING)


def test_nothing_moves_back_to_not_started() -> None:
    assert previous_states(A.NOT_STARTED) == frozenset()


def test_session_activity_state() -> None:
    assert session_activity_state(busy=True) is A.BUSY
    assert session_activity_state(busy=False) is A.IDLE


def test_changes_that_keep_the_state_never_touch_an_ended_application() -> None:
    named = [
        WAITING_FOR_LAUNCH,
        LAUNCHING,
        DRIVER_FACTS_RECORDABLE,
        TIMEOUT_KILL_REQUESTABLE,
        CONTACT_RECORDABLE,
    ]
    for states in named:
        assert states and not states & FINISHED_STATES


def test_driver_facts_wait_for_a_driver() -> None:
    assert A.NOT_STARTED not in DRIVER_FACTS_RECORDABLE
    assert {A.NOT_STARTED} == WAITING_FOR_LAUNCH
