"""Livy dialect routes: /livy — a drop-in Apache Livy endpoint for sparkmagic, pylivy, Airflow.

Sessions and batches answer the same verbs, so one factory builds both routers. The work is
the application service's (`lighter_api.applications`); these routes parse and render.
"""

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from lighter_common.domain.submit_params import SubmitParams

from lighter_api import applications
from lighter_api.applications import BATCHES, SESSIONS, Resource
from lighter_api.deps import BusDep, SettingsDep, StoreDep
from lighter_api.dialects import livy
from lighter_api.dialects.logs import log_page
from lighter_api.routes.params import LogOffset, LogSize, Offset, Size

version_router = APIRouter(prefix=livy.PREFIX, tags=["livy"])


@version_router.get("/version")
async def version() -> dict[str, str]:
    return {"version": livy.LIVY_VERSION}


def application_router(resource: Resource, segment: str) -> APIRouter:
    router = APIRouter(prefix=f"{livy.PREFIX}/{segment}", tags=["livy"])

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def create(
        params: SubmitParams, store: StoreDep, bus: BusDep, settings: SettingsDep
    ) -> JSONResponse:
        app = await applications.submit(
            store=store, bus=bus, settings=settings, resource=resource, params=params
        )
        return JSONResponse(
            livy.render_application(app),
            status_code=status.HTTP_201_CREATED,
            headers={"Location": f"/{segment}/{app.livy_id}"},
        )

    @router.get("")
    async def list_all(store: StoreDep, offset: Offset = 0, size: Size = 100) -> dict[str, Any]:
        apps, total = await applications.list_page(store, resource, offset=offset, limit=size)
        return livy.render_page(apps, offset=offset, total=total)

    @router.get("/{livy_id}")
    async def get(livy_id: int, store: StoreDep) -> dict[str, Any]:
        app = await applications.look_at(store, resource, livy_id)
        text = await applications.read_log(store, app)
        last = log_page(text, None, None, default_size=livy.LOG_LINES)
        return livy.render_application(app, last.lines)

    @router.get("/{livy_id}/state")
    async def get_state(livy_id: int, store: StoreDep) -> dict[str, Any]:
        return livy.render_state(await applications.look_at(store, resource, livy_id))

    @router.get("/{livy_id}/log")
    async def get_log(
        livy_id: int, store: StoreDep, offset: LogOffset = None, size: LogSize = None
    ) -> dict[str, Any]:
        app = await applications.find(store, resource, livy_id)
        text = await applications.read_log(store, app)
        return livy.render_log(app, log_page(text, offset, size, default_size=livy.LOG_LINES))

    @router.delete("/{livy_id}")
    async def delete(livy_id: int, store: StoreDep, bus: BusDep) -> dict[str, str]:
        await applications.delete(store=store, bus=bus, resource=resource, ref=livy_id)
        return {"msg": "deleted"}

    return router


batches = application_router(BATCHES, "batches")
sessions = application_router(SESSIONS, "sessions")
