"""What the API does to statements: submit, find, list, cancel."""

from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.errors import InvalidRequest, NotFound
from lighter_common.domain.statement import STATEMENT_KINDS, Statement
from lighter_common.domain.states import StatementState
from lighter_common.domain.transitions import previous_statement_states
from lighter_common.messages import (
    SESSION_MANAGER_QUEUE,
    CancelStatement,
    StatementSubmitted,
)
from lighter_common.store.base import Store

S = StatementState


async def submit_statement(
    *, store: Store, bus: Bus, session: Application, code: str, kind: str | None
) -> Statement:
    if session.state.is_finished:
        raise InvalidRequest(
            f"Session '{session.id}' is {session.state.value}: it takes no more statements"
        )
    if kind is not None and kind not in STATEMENT_KINDS:
        raise InvalidRequest(
            f"Statement kind '{kind}' is not supported; use one of {', '.join(sorted(STATEMENT_KINDS))}"
        )
    statement = await store.insert_statement(
        Statement(session_id=session.id, id=-1, code=code, kind=kind)
    )
    await bus.publish(
        SESSION_MANAGER_QUEUE,
        StatementSubmitted(session_id=session.id, statement_id=statement.id),
    )
    return statement


async def find_statement(store: Store, session: Application, statement_id: int) -> Statement:
    statement = await store.get_statement(session.id, statement_id)
    if statement is None:
        raise NotFound(f"Statement {statement_id} not found in session '{session.id}'")
    return statement


async def cancel_statement(
    *, store: Store, bus: Bus, session: Application, statement_id: int
) -> Statement:
    """Waiting: cancelled at once. Running: cancelling, until the kernel interrupts it."""
    statement = await find_statement(store, session, statement_id)
    if statement.state is S.WAITING:
        cancelled = await store.update_statement(
            session.id,
            statement_id,
            {"state": S.CANCELLED, "completed_at": utcnow()},
            expected=(S.WAITING,),
        )
        if cancelled is not None:
            return cancelled
        statement = await find_statement(store, session, statement_id)
    if statement.state is S.RUNNING:
        cancelling = await store.update_statement(
            session.id,
            statement_id,
            {"state": S.CANCELLING},
            expected=previous_statement_states(S.CANCELLING),
        )
        await bus.publish(
            SESSION_MANAGER_QUEUE,
            CancelStatement(session_id=session.id, statement_id=statement_id),
        )
        return cancelling or await find_statement(store, session, statement_id)
    return statement
