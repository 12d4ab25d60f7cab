"""Livy dialect routes: /livy — a drop-in Apache Livy endpoint for sparkmagic, pylivy, Airflow.

Sessions and batches answer the same verbs, so one factory builds both routers. The work is
the application service's (`lighter_api.applications`); these routes parse and render.
"""

from typing import Annotated, Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from lighter_common.domain.submit_params import SubmitParams

from lighter_api import applications
from lighter_api.applications import BATCHES, SESSIONS, Resource
from lighter_api.deps import BusDep, ServicesDep, SettingsDep, StoreDep
from lighter_api.dialects import livy
from lighter_api.dialects.logs import log_page
from lighter_api.routes import inputs

version_router = APIRouter(prefix=livy.PREFIX, tags=["livy"])


@version_router.get("/version")
async def version() -> dict[str, str]:
    return livy.render_version()


def application_router(resource: Resource, segment: str) -> APIRouter:
    router = APIRouter(prefix=f"{livy.PREFIX}/{segment}", tags=["livy"])
    item = f"/{{{inputs.id_parameter(resource)}}}"
    route = f"POST {router.prefix}"  # idempotency keys belong to one route
    Ref = Annotated[int, inputs.livy_id(resource)]

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def create(
        params: SubmitParams, services: ServicesDep, key: inputs.IdempotencyKeyHeader = None
    ) -> JSONResponse:
        """201 with the new application; 200 with the same one for a retry (Idempotency-Key)."""
        submitted = await applications.submit_once(
            services=services, resource=resource, params=params, route=route, idempotency_key=key
        )
        app = submitted.app
        return JSONResponse(
            livy.render_application(app, templates=services.settings.link_templates),
            status_code=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK,
            headers={"Location": livy.location(segment, app.livy_id)},
        )

    @router.get("")
    async def list_all(
        store: StoreDep, settings: SettingsDep, offset: inputs.Offset = 0, size: inputs.Size = 100
    ) -> dict[str, Any]:
        apps, total = await applications.list_page(store, resource, offset=offset, limit=size)
        return livy.render_page(apps, offset=offset, total=total, templates=settings.link_templates)

    @router.get(item)
    async def get(ref: Ref, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
        app = await applications.look_at(store, resource, ref)
        text = await applications.read_log(store, app)
        last = log_page(text, None, None, default_size=livy.LOG_LINES)
        return livy.render_application(app, last.lines, settings.link_templates)

    @router.get(f"{item}/state")
    async def get_state(ref: Ref, store: StoreDep) -> dict[str, Any]:
        return livy.render_state(await applications.look_at(store, resource, ref))

    @router.get(f"{item}/log")
    async def get_log(
        ref: Ref, store: StoreDep, offset: inputs.LogOffset = None, size: inputs.LogSize = None
    ) -> dict[str, Any]:
        app = await applications.find(store, resource, ref)
        text = await applications.read_log(store, app)
        return livy.render_log(app, log_page(text, offset, size, default_size=livy.LOG_LINES))

    @router.delete(item)
    async def delete(ref: Ref, store: StoreDep, bus: BusDep) -> dict[str, str]:
        await applications.delete(store=store, bus=bus, resource=resource, ref=ref)
        return {"msg": "deleted"}

    return router


batches = application_router(BATCHES, "batches")
sessions = application_router(SESSIONS, "sessions")
