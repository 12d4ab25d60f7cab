"""A statement: code sent to a live session, and what came of it."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from lighter_common.domain.application import utcnow
from lighter_common.domain.states import StatementState

# The languages a statement runs in: Python, Scala (`spark`) and SQL.
STATEMENT_KINDS = frozenset({"pyspark", "python", "spark", "sql"})
# A session's kind is the default of its statements' kinds, and every session runs every
# statement kind against the same SparkSession (as Livy's sessions do). `shared` names no
# language of its own: its statements without a kind run as pyspark.
SHARED_KIND = "shared"
KINDS = STATEMENT_KINDS | {SHARED_KIND}
DEFAULT_KIND = SHARED_KIND  # Livy's default for `POST /sessions {}`
SHARED_STATEMENT_KIND = "pyspark"


def kind_problem(kind: str, *, of: Literal["Session", "Statement"]) -> str | None:
    """Why `kind` cannot be the kind of a session or statement (`of`), or None when it can."""
    allowed = KINDS if of == "Session" else STATEMENT_KINDS
    if kind in allowed:
        return None
    return f"{of} kind '{kind}' is not supported; use one of {', '.join(sorted(allowed))}"


def statement_kind(kind: str | None, *, session_kind: str | None) -> str:
    """The language a statement runs in: its own kind, else its session's."""
    chosen = kind or session_kind or DEFAULT_KIND
    return SHARED_STATEMENT_KIND if chosen == SHARED_KIND else chosen


class StatementOutput(BaseModel):
    """Livy's output shape: data by MIME type on success, ename/evalue/traceback on error."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    status: str  # "ok" | "error"
    execution_count: int = 0
    data: dict[str, Any] | None = None
    ename: str | None = None
    evalue: str | None = None
    traceback: list[str] | None = None


def error_output(
    execution_count: int, ename: str, evalue: str, traceback: list[str] | None = None
) -> StatementOutput:
    """The output of a statement that failed, in Livy's error shape."""
    return StatementOutput(
        status="error",
        execution_count=execution_count,
        ename=ename,
        evalue=evalue,
        traceback=traceback or [],
    )


class Statement(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    session_id: str
    id: int
    code: str
    kind: str | None = None
    state: StatementState = StatementState.WAITING
    output: StatementOutput | None = None
    progress: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # Which dispatch handed it to a kernel: a restarted kernel never runs it twice.
    dispatched_to: int | None = None
    seq: int = 0  # changes logged so far (store/transition_log.py)
