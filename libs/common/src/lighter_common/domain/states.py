"""The states of applications and statements, as they appear on the wire."""

from enum import StrEnum


class ApplicationState(StrEnum):
    NOT_STARTED = "not_started"
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    RUNNING = "running"
    SHUTTING_DOWN = "shutting_down"
    SUCCESS = "success"
    ERROR = "error"
    DEAD = "dead"
    KILLED = "killed"

    @property
    def is_finished(self) -> bool:
        return self in FINISHED_STATES

    @property
    def is_alive(self) -> bool:
        """Launched and not finished: a backend process is (or should be) behind it."""
        return self in ALIVE_STATES


FINISHED_STATES: frozenset[ApplicationState] = frozenset(
    {
        ApplicationState.SUCCESS,
        ApplicationState.ERROR,
        ApplicationState.DEAD,
        ApplicationState.KILLED,
    }
)
UNFINISHED_STATES: frozenset[ApplicationState] = frozenset(ApplicationState) - FINISHED_STATES
ALIVE_STATES: frozenset[ApplicationState] = frozenset(
    {
        ApplicationState.STARTING,
        ApplicationState.IDLE,
        ApplicationState.BUSY,
        ApplicationState.RUNNING,
        ApplicationState.SHUTTING_DOWN,
    }
)


class StatementState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    AVAILABLE = "available"
    ERROR = "error"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in FINISHED_STATEMENT_STATES


FINISHED_STATEMENT_STATES: frozenset[StatementState] = frozenset(
    {StatementState.AVAILABLE, StatementState.ERROR, StatementState.CANCELLED}
)
UNFINISHED_STATEMENT_STATES: frozenset[StatementState] = (
    frozenset(StatementState) - FINISHED_STATEMENT_STATES
)
