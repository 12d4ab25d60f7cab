"""An application's lifecycle as the API shows it: its milestones, and its place in the queue."""

from lighter_common.domain.application import BATCH_TYPES, SESSION_TYPES, Application
from lighter_common.domain.milestones import Lifecycle, lifecycle
from lighter_common.domain.states import ApplicationState
from lighter_common.store.base import ApplicationQuery, Store


async def lifecycle_of(store: Store, app: Application) -> Lifecycle:
    return lifecycle(app, queue_position=await _queue_position(store, app))


async def _queue_position(store: Store, app: Application) -> int | None:
    """1 for the next of its kind to launch: the capacity rule admits oldest first per kind."""
    if app.state is not ApplicationState.NOT_STARTED:
        return None
    query = ApplicationQuery(
        types=SESSION_TYPES if app.type.is_session else BATCH_TYPES,
        states=(ApplicationState.NOT_STARTED,),
        created_before=app.created_at,
    )
    return await store.count_applications(query) + 1
