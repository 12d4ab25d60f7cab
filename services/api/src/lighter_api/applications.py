"""What the API does to applications: create, find, list, delete. Dialects render the results."""

from collections.abc import Collection
from datetime import timedelta

from lighter_common.bus.base import Bus
from lighter_common.domain.application import (
    Application,
    ApplicationType,
    new_kernel_secret,
    utcnow,
)
from lighter_common.domain.errors import InvalidRequest, NotFound
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.messages import SUBMITTER_QUEUE, KillApplication, LaunchApplication
from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store

SESSION_KINDS = frozenset({"pyspark", "python", "sql"})
DEFAULT_SESSION_KIND = "pyspark"


async def submit_batch(
    *, store: Store, bus: Bus, settings: Settings, params: SubmitParams
) -> Application:
    if not params.file:
        raise InvalidRequest("Field 'file' is required")
    app = Application(
        type=ApplicationType.BATCH,
        submit_params=params,
        backend=settings.backend,
        owner=params.proxy_user,
    )
    return await _insert_and_announce(store, bus, app)


async def submit_session(
    *,
    store: Store,
    bus: Bus,
    settings: Settings,
    params: SubmitParams,
    session_id: str | None = None,
) -> Application:
    kind = params.kind or DEFAULT_SESSION_KIND
    if kind not in SESSION_KINDS:
        raise InvalidRequest(
            f"Session kind '{kind}' is not supported; use one of {', '.join(sorted(SESSION_KINDS))}"
        )
    app_type = ApplicationType.PERMANENT_SESSION if params.permanent else ApplicationType.SESSION
    now = utcnow()
    app = Application(
        type=app_type,
        submit_params=params.model_copy(update={"kind": kind}),
        kind=kind,
        backend=settings.backend,
        owner=params.proxy_user,
        kernel_secret=new_kernel_secret(),
        created_at=now,
        last_activity_at=now,
        heartbeat_at=now,
    )
    if session_id is not None:
        app = app.model_copy(update={"id": session_id})
    return await _insert_and_announce(store, bus, app)


async def _insert_and_announce(store: Store, bus: Bus, app: Application) -> Application:
    stored = await store.insert_application(app)
    # If this publish is lost, the submitter's sweep still finds the document.
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=stored.id))
    return stored


async def find_application(
    store: Store, app_id: str, types: Collection[ApplicationType]
) -> Application:
    app = await store.get_application(app_id)
    if app is None or app.deleted or app.type not in types:
        noun = "Session" if ApplicationType.SESSION in types else "Batch"
        raise NotFound(f"{noun} '{app_id}' not found")
    return app


async def find_by_livy_id(
    store: Store, livy_id: int, types: Collection[ApplicationType]
) -> Application:
    app = await store.get_application_by_livy_id(livy_id)
    if app is None or app.deleted or app.type not in types:
        noun = "Session" if ApplicationType.SESSION in types else "Batch"
        raise NotFound(f"{noun} {livy_id} not found")
    return app


def parse_states(values: Collection[str]) -> list[ApplicationState]:
    states: list[ApplicationState] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            try:
                states.append(ApplicationState(name))
            except ValueError:
                allowed = ", ".join(s.value for s in ApplicationState)
                raise InvalidRequest(f"'{name}' is not a state; use one of {allowed}") from None
    return states


async def list_applications(
    store: Store,
    *,
    types: Collection[ApplicationType],
    states: Collection[ApplicationState] = (),
    search: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Application], int]:
    query = ApplicationQuery(
        types=types, states=states, search=search or None, offset=offset, limit=limit
    )
    return await store.list_applications(query)


async def delete_application(*, store: Store, bus: Bus, app: Application) -> None:
    """Hide the application at once and have the submitter kill its Spark app."""
    await store.update_application(app.id, {"deleted": True, "kill_requested": True})
    await bus.publish(SUBMITTER_QUEUE, KillApplication(app_id=app.id))


async def record_heartbeat(store: Store, app: Application) -> None:
    """A client looked at the session: it is still wanted (heartbeatTimeoutInSecond).

    Written only for sessions that asked for a heartbeat, and at most a few times per
    timeout, so that clients polling a session do not turn every read into a write.
    """
    timeout = app.submit_params.heartbeat_timeout_in_second or 0
    if timeout <= 0:
        return
    now = utcnow()
    if app.heartbeat_at is not None and now - app.heartbeat_at < _heartbeat_spacing(timeout):
        return
    await store.update_application(app.id, {"heartbeat_at": now})


def _heartbeat_spacing(timeout_seconds: int) -> timedelta:
    return timedelta(seconds=min(max(timeout_seconds / 4, 0.5), 15))
