"""Lighter dialect routes: /lighter/api/batches and /lighter/api/sessions.

Both resources answer the same verbs, so one factory builds their routers; sessions add
`PUT /sessions/{id}` (create under a chosen id). The work is the application service's
(`lighter_api.applications`); these routes parse and render.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status
from lighter_common.domain.app_links import LinkTemplates
from lighter_common.domain.application import Application
from lighter_common.domain.submit_params import SubmitParams

from lighter_api import applications
from lighter_api.applications import BATCHES, SESSIONS, Resource
from lighter_api.deps import BusDep, ServicesDep, SettingsDep, StoreDep
from lighter_api.dialects import lighter
from lighter_api.dialects.logs import log_page
from lighter_api.queue_position import lifecycle_of
from lighter_api.routes import inputs


async def _sparkmagic(
    x_compatibility_mode: Annotated[str | None, Header()] = None,
) -> bool:
    return lighter.is_sparkmagic(x_compatibility_mode)


Sparkmagic = Annotated[bool, Depends(_sparkmagic)]
StateFilter = Annotated[list[str], Query(alias="state")]


async def _view(
    store: StoreDep, app: Application, sparkmagic: bool, templates: LinkTemplates
) -> dict[str, Any]:
    life = await lifecycle_of(store, app)
    if not sparkmagic:
        return lighter.render_application(app, lifecycle=life, templates=templates)
    text = await applications.read_log(store, app)
    page = log_page(text, None, None, default_size=lighter.SESSION_LOG_LINES)
    return lighter.render_application(app, log=page.lines, lifecycle=life, templates=templates)


def application_router(resource: Resource, segment: str) -> APIRouter:
    router = APIRouter(prefix=f"{lighter.PREFIX}/{segment}", tags=[segment])
    item = f"/{{{inputs.id_parameter(resource)}}}"
    route = f"POST {router.prefix}"  # idempotency keys belong to one route
    Ref = Annotated[str, Path(alias=inputs.id_parameter(resource))]
    # sparkmagic reads sessions under `sessions`; everything else under `applications`.
    page_key = "sessions" if resource is SESSIONS else "applications"

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def create(
        params: SubmitParams,
        response: Response,
        services: ServicesDep,
        sparkmagic: Sparkmagic,
        key: inputs.IdempotencyKeyHeader = None,
    ) -> dict[str, Any]:
        """201 with the new application; 200 with the same one for a retry (Idempotency-Key)."""
        submitted = await applications.submit_once(
            services=services, resource=resource, params=params, route=route, idempotency_key=key
        )
        if not submitted.created:
            response.status_code = status.HTTP_200_OK
        templates = services.settings.link_templates
        return await _view(services.store, submitted.app, sparkmagic, templates)

    @router.get("")
    async def list_all(
        store: StoreDep,
        settings: SettingsDep,
        sparkmagic: Sparkmagic,
        offset: inputs.Offset = 0,
        size: inputs.Size = 100,
        state: StateFilter = [],  # noqa: B006 - FastAPI reads, never mutates
        search: str | None = None,
    ) -> dict[str, Any]:
        states = lighter.parse_states(state)
        apps, total = await applications.list_page(
            store, resource, states=states, search=search, offset=offset, limit=size
        )
        key = page_key if sparkmagic else "applications"
        return lighter.render_page(
            apps, offset=offset, total=total, key=key, templates=settings.link_templates
        )

    @router.get(item)
    async def get(
        ref: Ref, store: StoreDep, settings: SettingsDep, sparkmagic: Sparkmagic
    ) -> dict[str, Any]:
        # sparkmagic's heartbeat reads the session: heartbeatTimeoutInSecond counts from here.
        app = await applications.look_at(store, resource, ref)
        return await _view(store, app, sparkmagic, settings.link_templates)

    @router.get(f"{item}/state")
    async def get_state(ref: Ref, store: StoreDep) -> dict[str, Any]:
        return lighter.render_state(await applications.look_at(store, resource, ref))

    @router.get(f"{item}/log")
    async def get_log(
        ref: Ref,
        store: StoreDep,
        sparkmagic: Sparkmagic,
        offset: inputs.LogOffset = None,
        size: inputs.LogSize = None,
    ) -> dict[str, Any]:
        app = await applications.find(store, resource, ref)
        page = log_page(await applications.read_log(store, app), offset, size, default_size=None)
        return lighter.render_log(app, page, as_lines=sparkmagic)

    @router.delete(item)
    async def delete(ref: Ref, store: StoreDep, bus: BusDep) -> Response:
        await applications.delete(store=store, bus=bus, resource=resource, ref=ref)
        return Response(status_code=status.HTTP_200_OK)

    return router


batches = application_router(BATCHES, "batches")
sessions = application_router(SESSIONS, "sessions")


@sessions.put("/{session_id}", status_code=status.HTTP_201_CREATED)
async def create_session_with_id(
    session_id: str, params: SubmitParams, services: ServicesDep, sparkmagic: Sparkmagic
) -> dict[str, Any]:
    """Create a session under a chosen id: 409 when it is taken by a session the caller may
    see, 403 when by anything else, so that the answer confirms nothing about it."""
    app = await applications.submit(
        services=services, resource=SESSIONS, params=params, app_id=session_id
    )
    return await _view(services.store, app, sparkmagic, services.settings.link_templates)
