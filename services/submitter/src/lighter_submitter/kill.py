"""Killing an application a client deleted or a timeout ended."""

import logging

from lighter_common.backends.base import Backend
from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application
from lighter_common.domain.states import ApplicationState
from lighter_common.lifecycle import finish_application
from lighter_common.settings import Settings
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)


async def kill(
    *, store: Store, bus: Bus, backend: Backend, settings: Settings, app: Application
) -> None:
    """Stop the driver (if one was launched), then mark the application killed."""
    if app.state.is_finished:
        return
    if app.backend_ref:
        await backend.kill(app)
    reason = app.state_reason if app.state_reason and not app.deleted else None
    await finish_application(
        store=store,
        bus=bus,
        backend=backend,
        app=app,
        state=ApplicationState.KILLED,
        reason=reason or ("deleted by a client" if app.deleted else "killed"),
        max_log_bytes=settings.log_max_bytes,
    )
