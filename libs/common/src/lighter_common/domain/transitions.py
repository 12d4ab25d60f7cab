"""Which state changes are allowed: the one rule every state change goes through.

Stores apply a change as a compare-and-set on the previous states returned here, so a
message delivered twice, or handled by two replicas, cannot move a document backwards.
"""

from collections.abc import Iterable

from lighter_common.domain.errors import InvalidTransition
from lighter_common.domain.states import (
    ALIVE_STATES,
    UNFINISHED_STATES,
    ApplicationState,
    StatementState,
)

_A = ApplicationState

_APPLICATION_PREVIOUS: dict[ApplicationState, frozenset[ApplicationState]] = {
    _A.NOT_STARTED: frozenset(),
    _A.STARTING: frozenset({_A.NOT_STARTED}),
    _A.RUNNING: frozenset({_A.STARTING}),
    _A.IDLE: frozenset({_A.STARTING, _A.BUSY}),
    _A.BUSY: frozenset({_A.STARTING, _A.IDLE}),
    _A.SHUTTING_DOWN: ALIVE_STATES - {_A.SHUTTING_DOWN},
    _A.SUCCESS: ALIVE_STATES,
    _A.ERROR: UNFINISHED_STATES,
    _A.DEAD: UNFINISHED_STATES,
    _A.KILLED: UNFINISHED_STATES,
}

_S = StatementState
_STATEMENT_PREVIOUS: dict[StatementState, frozenset[StatementState]] = {
    # A claim that reached no driver (it was replaced meanwhile) is handed back.
    _S.WAITING: frozenset({_S.RUNNING}),
    _S.RUNNING: frozenset({_S.WAITING}),
    _S.AVAILABLE: frozenset({_S.WAITING, _S.RUNNING}),
    _S.ERROR: frozenset({_S.WAITING, _S.RUNNING, _S.CANCELLING}),
    _S.CANCELLING: frozenset({_S.WAITING, _S.RUNNING}),
    _S.CANCELLED: frozenset({_S.WAITING, _S.RUNNING, _S.CANCELLING}),
}


# Changes that keep the state, named after what they do: the states an application may be
# in for each (the compare-and-set's `expected`).
#: Why an application waits for capacity is written only while it still waits.
WAITING_FOR_LAUNCH: frozenset[ApplicationState] = frozenset({_A.NOT_STARTED})
#: A launch interrupted by a restart is renewed (by one replica) only while still starting.
LAUNCHING: frozenset[ApplicationState] = frozenset({_A.STARTING})
#: What a driver's launch or tracking finds out (where it runs, its Spark id, when it was seen)
#: is recorded only while the application is alive.
DRIVER_FACTS_RECORDABLE: frozenset[ApplicationState] = ALIVE_STATES
#: A session past its idle or total timeout is marked for a kill only while alive.
TIMEOUT_KILL_REQUESTABLE: frozenset[ApplicationState] = ALIVE_STATES
#: A client's or a kernel's contact (heartbeats, completion requests and answers, a driver's
#: poll) is recorded on any application that has not ended.
CONTACT_RECORDABLE: frozenset[ApplicationState] = UNFINISHED_STATES


def previous_states(target: ApplicationState) -> frozenset[ApplicationState]:
    """The states an application may be in to move to `target`."""
    return _APPLICATION_PREVIOUS[target]


def revival_previous_states() -> frozenset[ApplicationState]:
    """A permanent session whose driver ended goes back to not_started from these states."""
    return ALIVE_STATES


def can_transition(current: ApplicationState, target: ApplicationState) -> bool:
    """True when an application in `current` may move to `target`."""
    return current in _APPLICATION_PREVIOUS[target]


def check_transition(current: ApplicationState, target: ApplicationState) -> None:
    """Raise InvalidTransition unless `current` may move to `target`."""
    if not can_transition(current, target):
        raise InvalidTransition(f"application cannot go from {current} to {target}")


def previous_statement_states(target: StatementState) -> frozenset[StatementState]:
    """The states a statement may be in to move to `target`."""
    return _STATEMENT_PREVIOUS[target]


def can_transition_statement(current: StatementState, target: StatementState) -> bool:
    """True when a statement in `current` may move to `target`."""
    return current in _STATEMENT_PREVIOUS[target]


def session_activity_state(busy: bool) -> ApplicationState:
    """The state a live session shows: busy while a statement executes, else idle."""
    return _A.BUSY if busy else _A.IDLE


def state_names(states: Iterable[ApplicationState]) -> list[str]:
    return sorted(s.value for s in states)
