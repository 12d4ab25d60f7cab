"""The zombie sweep: stop every driver no application wants any more.

A driver outlives its application when a kill was lost between marking the application and
stopping the driver, when a launch finished after its application ended, or when a permanent
session moved on to a new generation. The backend lists what it has alive; whatever the
store says is missing, finished, deleted or of an older generation is stopped and logged.
"""

import logging

from lighter_common.backends.base import Backend
from lighter_common.domain.driver import LiveDriver, zombie_reason
from lighter_common.domain.states import UNFINISHED_STATES
from lighter_common.store.base import ApplicationQuery, Store
from prometheus_client import Counter

logger = logging.getLogger(__name__)

ZOMBIES_STOPPED = Counter(
    "lighter_tracker_zombies_stopped_total", "Drivers stopped because no application wanted them"
)


async def stop_zombies(*, store: Store, backend: Backend) -> list[LiveDriver]:
    """One sweep; returns the drivers it stopped."""
    drivers = await backend.drivers()
    if not drivers:
        return []
    # One query for the applications that may want a driver; only the others are read one by
    # one (to say why), and read afresh, so one that started after the query is judged right.
    unfinished = await store.find_applications(
        ApplicationQuery(states=tuple(UNFINISHED_STATES), include_deleted=True, limit=None)
    )
    by_id = {app.id: app for app in unfinished}
    stopped = []
    for driver in drivers:
        app = by_id.get(driver.key.app_id) or await store.get_application(driver.key.app_id)
        reason = zombie_reason(app, driver.key)
        if reason is None:
            continue
        logger.warning(
            "stopping a zombie driver: %s",
            reason,
            extra={
                "app": driver.key.app_id,
                "generation": driver.key.generation,
                "ref": driver.ref,
            },
        )
        await backend.kill(driver.key)
        ZOMBIES_STOPPED.inc()
        stopped.append(driver)
    return stopped
