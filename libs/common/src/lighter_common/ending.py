"""Ending an application the same way from every service: its final state, its log kept, and a
permanent session brought back to life."""

import logging

from lighter_common.backends.base import Backend
from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application, new_kernel_secret, utcnow
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.transitions import previous_states, revival_previous_states
from lighter_common.messages import (
    SESSION_MANAGER_QUEUE,
    SUBMITTER_QUEUE,
    LaunchApplication,
    SessionFinished,
)
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)


async def capture_log(
    store: Store, backend: Backend, app: Application, max_bytes: int
) -> str | None:
    """Copy the driver's log (its last `max_bytes`) into the store; returns it."""
    try:
        text = await backend.logs(app, max_bytes)
    except Exception:
        logger.exception("could not read the driver log", extra={"app": app.id})
        return None
    if text is not None:
        await store.put_log(app.id, text)
    return text


async def finish_application(
    *,
    store: Store,
    bus: Bus,
    backend: Backend,
    app: Application,
    state: ApplicationState,
    reason: str | None,
    max_log_bytes: int,
) -> Application | None:
    """Compare-and-set `app` into the final `state`; None when another writer got there first.

    The winner keeps the driver's log, tells the session-manager about a session, and rings
    the submitter: capacity was freed.
    """
    changes = {"state": state, "state_reason": reason, "finished_at": utcnow()}
    finished = await store.update_application(app.id, changes, expected=previous_states(state))
    if finished is None:
        return None
    logger.info(
        "application finished",
        extra={"app": app.id, "state": state.value, "reason": reason},
    )
    if finished.backend_ref:
        await capture_log(store, backend, finished, max_log_bytes)
    if finished.type.is_session:
        await bus.publish(SESSION_MANAGER_QUEUE, SessionFinished(session_id=finished.id))
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=finished.id))
    return finished


async def revive_session(
    *, store: Store, bus: Bus, backend: Backend, app: Application, reason: str, max_log_bytes: int
) -> Application | None:
    """Bring a permanent session back under the same id, on a new driver generation."""
    if app.backend_ref:
        await capture_log(store, backend, app, max_log_bytes)
    revived = await store.update_application(
        app.id,
        {
            "state": ApplicationState.NOT_STARTED,
            "state_reason": reason,
            "generation": app.generation + 1,
            "backend_ref": None,
            "app_id": None,
            "started_at": None,
            "kernel_secret": new_kernel_secret(),
        },
        expected=revival_previous_states(),
        only_if={"generation": app.generation},
    )
    if revived is None:
        return None
    logger.warning("permanent session restarting", extra={"app": app.id, "reason": reason})
    await bus.publish(SESSION_MANAGER_QUEUE, SessionFinished(session_id=app.id))
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=app.id))
    return revived
