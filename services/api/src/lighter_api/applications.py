"""What the API does to applications: submit, find, list, delete. Dialects parse and render.

An application is named by a Lighter id (a string) or by a Livy id (an integer): an `AppRef`.
A `Resource` says which kinds of application a route serves (batches or sessions).
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from lighter_common.bus.base import Bus
from lighter_common.domain.application import (
    BATCH_TYPES,
    SESSION_TYPES,
    Application,
    ApplicationType,
    application_id_problem,
    new_application_id,
    new_kernel_secret,
    utcnow,
)
from lighter_common.domain.errors import Conflict, Forbidden, InvalidRequest, NotFound
from lighter_common.domain.quota import check_unfinished_quota
from lighter_common.domain.statement import DEFAULT_KIND, kind_problem
from lighter_common.domain.states import UNFINISHED_STATES, ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.domain.transitions import CONTACT_RECORDABLE
from lighter_common.messages import SUBMITTER_QUEUE, KillApplication, LaunchApplication
from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store

from lighter_api import idempotency
from lighter_api.announce import announce
from lighter_api.auth.context import current_access
from lighter_api.deps import Services

AppRef = str | int


@dataclass(frozen=True)
class Resource:
    noun: str
    types: tuple[ApplicationType, ...]


BATCHES = Resource("Batch", BATCH_TYPES)
SESSIONS = Resource("Session", SESSION_TYPES)


def new_application(
    resource: Resource, params: SubmitParams, *, settings: Settings, app_id: str | None = None
) -> Application:
    """The document a submission creates (not stored yet); raises InvalidRequest on bad input."""
    if app_id is not None and (problem := application_id_problem(app_id)) is not None:
        raise InvalidRequest(problem)
    app_id = app_id or new_application_id()
    access = current_access()
    owner = access.owner_of_new(params.proxy_user)
    lifted = settings.sharing.conf_policy_exempts_superusers and access.is_superuser
    policy = settings.submission_policy(local_paths_open=access.principal.anonymous)
    if problems := policy.problems(params, conf_lifted=lifted):
        raise InvalidRequest("; ".join(problems))
    if resource is BATCHES:
        if not params.file:
            raise InvalidRequest("Field 'file' is required")
        return Application(
            id=app_id,
            type=ApplicationType.BATCH,
            submit_params=params,
            backend=settings.server.backend,
            owner=owner,
            conf_policy_lifted=lifted,
        )
    kind = params.kind or DEFAULT_KIND
    if (problem := kind_problem(kind, of="Session")) is not None:
        raise InvalidRequest(problem)
    now = utcnow()
    return Application(
        id=app_id,
        type=ApplicationType.PERMANENT_SESSION if params.permanent else ApplicationType.SESSION,
        submit_params=params.model_copy(update={"kind": kind}),
        kind=kind,
        backend=settings.server.backend,
        owner=owner,
        conf_policy_lifted=lifted,
        kernel_secret=new_kernel_secret(),
        created_at=now,
        last_activity_at=now,
        heartbeat_at=now,
    )


async def insert_and_announce(
    store: Store, bus: Bus, app: Application, *, quota: int
) -> Application:
    """Store the application, then ask the submitter to launch it.

    Raises QuotaExceeded when its owner holds `quota` unfinished applications already, and
    Conflict when the id is taken. Once stored, the application is accepted: a launch
    command the bus does not take is left to the submitter's sweep.
    """
    await _check_quota(store, app, quota)
    stored = await store.insert_application(app)
    await announce(bus, SUBMITTER_QUEUE, LaunchApplication(app_id=stored.id))
    return stored


async def _check_quota(store: Store, app: Application, quota: int) -> None:
    # Without authentication the one trusted user names any owner (proxyUser): nothing to count.
    if quota <= 0 or app.owner is None or current_access().principal.anonymous:
        return
    # Approximate under races: requests of one owner that count at once may all pass.
    unfinished = ApplicationQuery(
        states=UNFINISHED_STATES, owner=app.owner, include_deleted=True, limit=None
    )
    check_unfinished_quota(app.owner, await store.count_applications(unfinished), quota)


@dataclass(frozen=True)
class Submitted:
    app: Application
    created: bool  # False: a retry, answered with what an earlier request created


async def submit(
    *, services: Services, resource: Resource, params: SubmitParams, app_id: str
) -> Application:
    """Create an application under a chosen id.

    A taken id is a Conflict when the caller may see the application holding it, else
    Forbidden, the same for every holder they may not see, so that it confirms nothing about it.
    """
    app = new_application(resource, params, settings=services.settings, app_id=app_id)
    try:
        quota = services.settings.limits.max_unfinished_per_user
        return await insert_and_announce(services.store, services.bus, app, quota=quota)
    except Conflict:
        pass
    try:
        await find(services.store, resource, app.id)
    except NotFound:
        # Taken by an application the caller may not see (another user's, a deleted one, one
        # of another type): one answer for all, which says neither whose nor what it is.
        raise Forbidden(f"{resource.noun} id '{app.id}' is not available: choose another") from None
    raise Conflict(f"{resource.noun} '{app.id}' already exists")


async def submit_once(
    *,
    services: Services,
    resource: Resource,
    params: SubmitParams,
    route: str,
    idempotency_key: str | None,
) -> Submitted:
    """Create an application; with a key, a retry of the same request gets the same one."""
    store, bus, settings = services.store, services.bus, services.settings
    quota = settings.limits.max_unfinished_per_user
    app = new_application(resource, params, settings=settings)
    if idempotency_key is None:
        return Submitted(await insert_and_announce(store, bus, app, quota=quota), created=True)
    # Keys are the caller's own: another user's key of the same name is another key.
    caller = current_access().principal.name
    held_id = await idempotency.claim(
        store, route=f"{route} as {caller}", key=idempotency_key, params=params, app_id=app.id
    )
    if held_id != app.id:
        existing = await store.get_application(held_id)
        if existing is not None:
            return Submitted(existing, created=False)
        # The request that claimed the key died before saving its application: save it now,
        # under the id it claimed.
        app = new_application(resource, params, settings=settings, app_id=held_id)
    try:
        return Submitted(await insert_and_announce(store, bus, app, quota=quota), created=True)
    except Conflict:
        saved = await store.get_application(app.id)  # by a request with the same key
        if saved is None:
            raise
        return Submitted(saved, created=False)


async def find(store: Store, resource: Resource, ref: AppRef) -> Application:
    if isinstance(ref, int):
        app = await store.get_application_by_livy_id(ref)
    else:
        app = await store.get_application(ref)
    # Another user's application answers as one that does not exist.
    hidden = app is not None and not current_access().may_view(app)
    if app is None or app.deleted or app.type not in resource.types or hidden:
        shown = ref if isinstance(ref, int) else f"'{ref}'"
        raise NotFound(f"{resource.noun} {shown} not found")
    return app


async def find_to_change(store: Store, resource: Resource, ref: AppRef) -> Application:
    """`find`, for a caller who changes the application: Forbidden without modify access."""
    app = await find(store, resource, ref)
    if not current_access().may_modify(app):
        raise Forbidden(f"{resource.noun} {app.id} may be changed only by its owner, {app.owner}")
    return app


async def look_at(store: Store, resource: Resource, ref: AppRef) -> Application:
    """Find the application for a client that reads it: a session's client is still there."""
    app = await find(store, resource, ref)
    if app.type.is_session:
        await record_heartbeat(store, app)
    return app


async def read_log(store: Store, app: Application) -> str | None:
    return await store.get_log(app.id)


async def list_page(
    store: Store,
    resource: Resource,
    *,
    states: Collection[ApplicationState] = (),
    search: str | None = None,
    owner: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Application], int]:
    """A page of the applications the caller may see (of `owner`, when named)."""
    visible_owner = current_access().owner_filter
    if owner is not None and visible_owner is not None and owner != visible_owner:
        return [], 0
    query = ApplicationQuery(
        types=resource.types,
        states=states,
        search=search or None,
        owner=visible_owner or owner,
        offset=offset,
        limit=limit,
    )
    return await store.list_applications(query)


async def permanent_sessions(store: Store) -> list[Application]:
    """The permanent sessions the caller may see, configured or created through the API."""
    query = ApplicationQuery(
        types=(ApplicationType.PERMANENT_SESSION,),
        owner=current_access().owner_filter,
        oldest_first=True,
        limit=None,
    )
    return await store.find_applications(query)


async def delete(*, store: Store, bus: Bus, resource: Resource, ref: AppRef) -> Application:
    """Hide the application at once and have the submitter kill its Spark app.

    The document says kill_requested: a kill command the bus does not take is repeated by
    the submitter's sweep.
    """
    app = await find_to_change(store, resource, ref)
    await store.update_application(app.id, {"deleted": True, "kill_requested": True})
    await announce(bus, SUBMITTER_QUEUE, KillApplication(app_id=app.id))
    return app


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
    # Only over the document as read: a change made meanwhile wins, and the next read stamps.
    await store.touch_application(
        app.id, {"heartbeat_at": now}, expected=CONTACT_RECORDABLE, only_if={"seq": app.seq}
    )


def _heartbeat_spacing(timeout_seconds: int) -> timedelta:
    return timedelta(seconds=min(max(timeout_seconds / 4, 0.5), 15))
