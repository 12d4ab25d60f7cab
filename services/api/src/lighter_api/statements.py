"""What the API does to statements: submit, find, list, cancel.

The session is named as the dialect names it (`AppRef`: a Lighter or a Livy id).
"""

from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.errors import InvalidRequest, NotFound
from lighter_common.domain.statement import Statement, kind_problem
from lighter_common.domain.states import StatementState
from lighter_common.domain.transitions import previous_statement_states
from lighter_common.messages import (
    SESSION_MANAGER_QUEUE,
    CancelStatement,
    StatementSubmitted,
)
from lighter_common.store.base import Store

from lighter_api import applications
from lighter_api.announce import announce
from lighter_api.applications import SESSIONS, AppRef

S = StatementState


def check_code_for(session: Application, kind: str | None, *, refusal: str) -> None:
    """Raise InvalidRequest unless `session` can take code of `kind` (None: its own)."""
    if session.state.is_finished:
        raise InvalidRequest(f"Session '{session.id}' is {session.state.value}: {refusal}")
    if kind is not None and (problem := kind_problem(kind, of="Statement")) is not None:
        raise InvalidRequest(problem)


async def submit_statement(
    *, store: Store, bus: Bus, session_ref: AppRef, code: str, kind: str | None
) -> Statement:
    session = await applications.find_to_change(store, SESSIONS, session_ref)
    check_code_for(session, kind, refusal="it takes no more statements")
    statement = await store.insert_statement(
        Statement(session_id=session.id, id=-1, code=code, kind=kind)
    )
    # Rings the dispatcher's doorbell; it re-reads the store in any case.
    await announce(
        bus,
        SESSION_MANAGER_QUEUE,
        StatementSubmitted(session_id=session.id, statement_id=statement.id),
    )
    return statement


async def list_statements(
    store: Store, session_ref: AppRef, *, offset: int, limit: int
) -> tuple[list[Statement], int]:
    """The session's statements by id; reading them shows that the session's client is there."""
    session = await applications.look_at(store, SESSIONS, session_ref)
    return await store.list_statements(session.id, offset=offset, limit=limit)


async def find_statement(store: Store, session_ref: AppRef, statement_id: int) -> Statement:
    session = await applications.find(store, SESSIONS, session_ref)
    return await _find(store, session, statement_id)


async def _find(store: Store, session: Application, statement_id: int) -> Statement:
    statement = await store.get_statement(session.id, statement_id)
    if statement is None:
        raise NotFound(f"Statement {statement_id} not found in session '{session.id}'")
    return statement


async def cancel_statement(
    *, store: Store, bus: Bus, session_ref: AppRef, statement_id: int
) -> Statement:
    """Waiting: cancelled at once. Running: cancelling, until the kernel interrupts it."""
    session = await applications.find_to_change(store, SESSIONS, session_ref)
    statement = await _find(store, session, statement_id)
    if statement.state is S.WAITING:
        cancelled = await store.update_statement(
            session.id,
            statement_id,
            {"state": S.CANCELLED, "completed_at": utcnow()},
            expected=previous_statement_states(S.RUNNING),
        )
        if cancelled is not None:
            return cancelled
        statement = await _find(store, session, statement_id)
    if statement.state is S.RUNNING:
        cancelling = await store.update_statement(
            session.id,
            statement_id,
            {"state": S.CANCELLING},
            expected=previous_statement_states(S.CANCELLING),
        )
        # The dispatcher also finds cancelling statements in the store.
        await announce(
            bus,
            SESSION_MANAGER_QUEUE,
            CancelStatement(session_id=session.id, statement_id=statement_id),
        )
        return cancelling or await _find(store, session, statement_id)
    return statement
