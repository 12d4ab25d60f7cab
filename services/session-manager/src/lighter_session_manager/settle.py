"""Settling the statements a session's driver will never finish.

- The session ended: what was waiting or running is cancelled, saying so in its output.
- A permanent session came back on a new driver: what ran on an older driver failed with
  it; what was waiting stays, to run on the new one.
"""

import logging

from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.statement import Statement, StatementOutput, error_output
from lighter_common.domain.states import UNFINISHED_STATEMENT_STATES, StatementState
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)

_S = StatementState


async def settle_statements(store: Store, session: Application) -> int:
    """Move the statements `session`'s state strands to a final state; returns how many."""
    if session.state.is_finished:
        return await _cancel_all(store, session)
    if session.type is ApplicationType.PERMANENT_SESSION:
        return await _fail_older_generations(store, session)
    return 0


async def _cancel_all(store: Store, session: Application) -> int:
    stranded, _ = await store.list_statements(session.id, states=UNFINISHED_STATEMENT_STATES)
    why = f"the session ended ({session.state.value}) before the statement finished"
    settled = 0
    for statement in stranded:
        output = error_output(statement.id, "SessionEnded", why)
        if await _finish(store, statement, _S.CANCELLED, output):
            settled += 1
    if settled:
        logger.info(
            "statements cancelled: session ended", extra={"session": session.id, "count": settled}
        )
    return settled


async def _fail_older_generations(store: Store, session: Application) -> int:
    in_flight, _ = await store.list_statements(session.id, states=(_S.RUNNING, _S.CANCELLING))
    settled = 0
    for statement in in_flight:
        if statement.dispatched_to is None or statement.dispatched_to >= session.generation:
            continue
        target = _S.CANCELLED if statement.state is _S.CANCELLING else _S.ERROR
        output = error_output(statement.id, "SessionError", "session driver died")
        if await _finish(store, statement, target, output):
            settled += 1
    if settled:
        logger.warning(
            "statements failed: driver died", extra={"session": session.id, "count": settled}
        )
    return settled


async def _finish(
    store: Store, statement: Statement, target: StatementState, output: StatementOutput
) -> bool:
    finished = await store.update_statement(
        statement.session_id,
        statement.id,
        {"state": target, "output": output, "completed_at": utcnow()},
        expected=(statement.state,),
    )
    return finished is not None
