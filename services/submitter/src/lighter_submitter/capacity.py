"""The capacity gate: read what is running, apply the domain rule, say why others wait."""

from lighter_common.domain.application import BATCH_TYPES, SESSION_TYPES, Application
from lighter_common.domain.capacity import Admission, CapacityLimits, Occupancy, plan_admission
from lighter_common.domain.states import ALIVE_STATES, ApplicationState
from lighter_common.domain.transitions import WAITING_FOR_LAUNCH
from lighter_common.store.base import ApplicationQuery, Store

PENDING_PAGE = 500


async def read_occupancy(store: Store) -> Occupancy:
    alive = tuple(ALIVE_STATES)
    return Occupancy(
        alive_batches=await store.count_applications(
            ApplicationQuery(types=BATCH_TYPES, states=alive, include_deleted=True)
        ),
        alive_sessions=await store.count_applications(
            ApplicationQuery(types=SESSION_TYPES, states=alive, include_deleted=True)
        ),
        starting=await store.count_applications(
            ApplicationQuery(states=(ApplicationState.STARTING,), include_deleted=True)
        ),
    )


async def pending_applications(store: Store) -> list[Application]:
    apps = await store.find_applications(
        ApplicationQuery(
            states=(ApplicationState.NOT_STARTED,),
            deleted=False,
            oldest_first=True,
            limit=PENDING_PAGE,
        )
    )
    return apps


async def admit(store: Store, limits: CapacityLimits) -> Admission:
    """Which pending applications may launch now; records why the others wait."""
    pending = await pending_applications(store)
    if not pending:
        return Admission(launch=[], waiting={})
    admission = plan_admission(pending, await read_occupancy(store), limits)
    by_id = {app.id: app for app in pending}
    for app_id, reason in admission.waiting.items():
        if by_id[app_id].state_reason != reason:
            await store.update_application(
                app_id, {"state_reason": reason}, expected=WAITING_FOR_LAUNCH
            )
    return admission
