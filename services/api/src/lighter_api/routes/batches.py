"""Lighter dialect: /lighter/api/batches."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from lighter_common.domain.application import ApplicationType
from lighter_common.domain.submit_params import SubmitParams

from lighter_api import applications
from lighter_api.deps import BusDep, SettingsDep, StoreDep
from lighter_api.dialects.lighter import (
    SPARKMAGIC_HEADER,
    SPARKMAGIC_MODE,
    render_application,
    render_log,
    render_page,
)
from lighter_api.dialects.logs import log_page

router = APIRouter(prefix="/lighter/api/batches", tags=["batches"])
BATCH = (ApplicationType.BATCH,)

Offset = Annotated[int, Query(alias="from", ge=0)]
Size = Annotated[int, Query(ge=0, le=10_000)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_batch(
    params: SubmitParams, store: StoreDep, bus: BusDep, settings: SettingsDep
) -> dict[str, Any]:
    app = await applications.submit_batch(store=store, bus=bus, settings=settings, params=params)
    return render_application(app)


@router.get("")
async def list_batches(
    store: StoreDep,
    offset: Offset = 0,
    size: Size = 100,
    state: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads, never mutates
    search: str | None = None,
) -> dict[str, Any]:
    states = applications.parse_states(state)
    apps, total = await applications.list_applications(
        store, types=BATCH, states=states, search=search, offset=offset, limit=size
    )
    return render_page(apps, offset=offset, total=total)


@router.get("/{batch_id}")
async def get_batch(batch_id: str, store: StoreDep) -> dict[str, Any]:
    return render_application(await applications.find_application(store, batch_id, BATCH))


@router.get("/{batch_id}/state")
async def get_batch_state(batch_id: str, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_application(store, batch_id, BATCH)
    return {"id": app.id, "state": app.state.value}


@router.get("/{batch_id}/log")
async def get_batch_log(
    batch_id: str,
    request: Request,
    store: StoreDep,
    offset: Annotated[int | None, Query(alias="from", ge=0)] = None,
    size: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    app = await applications.find_application(store, batch_id, BATCH)
    page = log_page(await store.get_log(app.id), offset, size, default_size=None)
    as_lines = request.headers.get(SPARKMAGIC_HEADER, "").lower() == SPARKMAGIC_MODE
    return render_log(app.id, page, as_lines=as_lines)


@router.delete("/{batch_id}", status_code=status.HTTP_200_OK)
async def delete_batch(batch_id: str, store: StoreDep, bus: BusDep) -> Response:
    app = await applications.find_application(store, batch_id, BATCH)
    await applications.delete_application(store=store, bus=bus, app=app)
    return Response(status_code=status.HTTP_200_OK)
