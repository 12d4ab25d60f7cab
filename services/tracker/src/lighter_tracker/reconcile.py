"""Bringing one application's document in line with what its backend reports."""

import logging
from typing import Any

from lighter_common.backends.base import Backend
from lighter_common.bus.base import Bus
from lighter_common.domain.application import AppInfo, Application, utcnow
from lighter_common.domain.driver import DriverKey, DriverStatus
from lighter_common.domain.driver_state import (
    StateChange,
    launch_timed_out,
    next_state,
    starting_reason,
)
from lighter_common.domain.driver_urls import safe_url
from lighter_common.domain.spark_app_ids import safe_app_id
from lighter_common.domain.transitions import DRIVER_FACTS_RECORDABLE, previous_states
from lighter_common.ending import finish_application, revive_session
from lighter_common.settings import Settings
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)


def discovered_fields(app: Application, status: DriverStatus) -> dict[str, Any]:
    """What the backend learned about the driver that the document does not have yet."""
    changes: dict[str, Any] = {}
    # A backend may read these from the driver's log, which the user's code writes.
    app_id = safe_app_id(status.spark_app_id)
    if app_id and app_id != app.app_id:
        changes["app_id"] = app_id
    ui_url = safe_url(status.spark_ui_url)
    if ui_url and ui_url != app.app_info.spark_ui_url:
        changes["app_info"] = AppInfo(
            driver_log_url=app.app_info.driver_log_url, spark_ui_url=ui_url
        )
    if (waiting := starting_reason(app, status)) is not None:
        changes["state_reason"] = waiting
    return changes


async def reconcile(
    *,
    store: Store,
    bus: Bus,
    backend: Backend,
    settings: Settings,
    app: Application,
    status: DriverStatus,
) -> bool:
    """Apply `status` to `app`; True when the document changed."""
    timed_out = launch_timed_out(app, status, now=utcnow(), timeout=settings.loops.launch_timeout)
    if timed_out is not None:
        # End the application first (one replica wins), then its silent driver.
        if (
            await _end(
                store=store, bus=bus, backend=backend, settings=settings, app=app, change=timed_out
            )
            is None
        ):
            return False
        logger.warning("stopping a driver that never reported its id", extra={"app": app.id})
        await backend.kill(DriverKey.of(app))
        return True
    discovered = discovered_fields(app, status)
    change = next_state(app, status)
    if change is None:
        if not discovered:
            return False
        discovered["contacted_at"] = utcnow()
        return (
            await store.update_application(app.id, discovered, expected=DRIVER_FACTS_RECORDABLE)
            is not None
        )
    if change.revive or change.state.is_finished:
        if discovered and not change.revive:
            await store.update_application(app.id, discovered, expected=DRIVER_FACTS_RECORDABLE)
            app = app.model_copy(update=discovered)
        ended = await _end(
            store=store, bus=bus, backend=backend, settings=settings, app=app, change=change
        )
        return ended is not None
    # Past `starting`, what it waited for is over.
    changes = {"state": change.state, "state_reason": change.reason, "contacted_at": utcnow()}
    changes.update(discovered)
    moved = await store.update_application(app.id, changes, expected=previous_states(change.state))
    return moved is not None


async def _end(
    *,
    store: Store,
    bus: Bus,
    backend: Backend,
    settings: Settings,
    app: Application,
    change: StateChange,
) -> Application | None:
    """Finish the application, or start a permanent session over; None if another got there."""
    if change.revive:
        return await revive_session(
            store=store,
            bus=bus,
            backend=backend,
            app=app,
            reason=change.reason or "driver ended",
            max_log_bytes=settings.limits.log_max_bytes,
        )
    return await finish_application(
        store=store,
        bus=bus,
        backend=backend,
        app=app,
        state=change.state,
        reason=change.reason,
        max_log_bytes=settings.limits.log_max_bytes,
    )
