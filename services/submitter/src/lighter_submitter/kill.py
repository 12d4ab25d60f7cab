"""Killing an application a client deleted or a timeout ended."""

import logging

from lighter_common.backends.base import Backend
from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey
from lighter_common.domain.states import ApplicationState
from lighter_common.ending import finish_application
from lighter_common.settings import Settings
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)


async def kill(
    *, store: Store, bus: Bus, backend: Backend, settings: Settings, app_id: str
) -> Application | None:
    """Mark the application killed, then stop its driver; the document as it was found.

    The document is read here, never taken from a message or a listing, so the kill acts on
    what is true now. Marking first (a compare-and-set) means a launch that ends after it
    cannot record its driver and stops the driver itself; the backend kill after it stops a
    driver launched before. The backend is always asked: its kill is idempotent and finds
    the driver from the application id and generation, even with no reference recorded.
    """
    app = await store.get_application(app_id)
    if app is None:
        return None
    if not app.state.is_finished:
        reason = app.state_reason if app.state_reason and not app.deleted else None
        await finish_application(
            store=store,
            bus=bus,
            backend=backend,
            app=app,
            state=ApplicationState.KILLED,
            reason=reason or ("deleted by a client" if app.deleted else "killed"),
            max_log_bytes=settings.limits.log_max_bytes,
        )
    await backend.kill(DriverKey.of(app))
    return app
