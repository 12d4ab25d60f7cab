"""What the API does for completion: candidates for code at a cursor, from the session's kernel.

The request is written on the session's document (`domain/completion.py`) and the
session-manager's doorbell rung; the kernel finds it in its next poll, computes the
candidates in the driver (Python's namespace, the Scala REPL's completer) and posts them back
to the document, where this call waits for them. A session whose kernel is not polling yet,
or that does not answer in time, has no candidates to give: an editor would rather show none
than an error.
"""

import asyncio

from lighter_common.bus.base import Bus
from lighter_common.domain.completion import ANSWERING_STATES, Completion, completion_problem
from lighter_common.domain.errors import InvalidRequest
from lighter_common.domain.statement import statement_kind
from lighter_common.domain.transitions import CONTACT_RECORDABLE
from lighter_common.messages import SESSION_MANAGER_QUEUE, CompletionRequested
from lighter_common.store.base import Store

from lighter_api import applications
from lighter_api.announce import announce
from lighter_api.applications import SESSIONS, AppRef
from lighter_api.statements import check_code_for

ANSWER_TIMEOUT = 20.0  # seconds; a first Scala completion starts the REPL's compiler


async def complete(
    *,
    store: Store,
    bus: Bus,
    session_ref: AppRef,
    code: str,
    kind: str | None,
    cursor: int | None,
) -> list[str]:
    """The candidates the session's kernel offers; raises InvalidRequest on bad input."""
    # Completion runs code in the session's driver, as Livy rules: modify access, not view.
    session = await applications.find_to_change(store, SESSIONS, session_ref)
    await applications.record_heartbeat(store, session)
    check_code_for(session, kind, refusal="it completes no more code")
    cursor = len(code) if cursor is None else cursor
    if (problem := completion_problem(code, cursor)) is not None:
        raise InvalidRequest(problem)
    if session.state not in ANSWERING_STATES:
        return []
    request = Completion(
        code=code, kind=statement_kind(kind, session_kind=session.kind), cursor=cursor
    )
    asked = await store.update_application(
        session.id, {"completion": request}, expected=CONTACT_RECORDABLE
    )
    if asked is None:
        return []
    await announce(bus, SESSION_MANAGER_QUEUE, CompletionRequested(session_id=session.id))
    return await _answer(store, session.id, request.id)


async def _answer(store: Store, session_id: str, request_id: str) -> list[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANSWER_TIMEOUT
    pause = 0.02
    while loop.time() < deadline:
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)
        session = await store.get_application(session_id)
        if session is None or session.state.is_finished:
            return []
        completion = session.completion
        if completion is None or completion.id != request_id:
            return []  # a newer request replaced this one: its caller gets the answer
        if completion.candidates is not None:
            return completion.candidates
    return []
