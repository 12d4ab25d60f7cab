"""Livy dialect: /livy — a drop-in Apache Livy endpoint for sparkmagic, pylivy, Airflow."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams

from lighter_api import applications, statements
from lighter_api.deps import BusDep, SettingsDep, StoreDep
from lighter_api.dialects import livy
from lighter_api.dialects.logs import log_page
from lighter_api.dialects.statements import render_statement
from lighter_api.routes.sessions import SESSION_TYPES, StatementRequest

router = APIRouter(prefix="/livy", tags=["livy"])
BATCH = (ApplicationType.BATCH,)

Offset = Annotated[int, Query(alias="from", ge=0)]
Size = Annotated[int, Query(ge=0, le=10_000)]
LogOffset = Annotated[int | None, Query(alias="from", ge=0)]
LogSize = Annotated[int | None, Query(ge=0)]


def _created(body: dict[str, Any], location: str) -> JSONResponse:
    return JSONResponse(body, status_code=status.HTTP_201_CREATED, headers={"Location": location})


async def _last_lines(store: StoreDep, app: Application) -> list[str]:
    return log_page(await store.get_log(app.id), None, None, default_size=livy.LOG_LINES).lines


@router.get("/version")
async def version() -> dict[str, str]:
    return {"version": livy.LIVY_VERSION}


# Sessions


@router.get("/sessions")
async def list_sessions(store: StoreDep, offset: Offset = 0, size: Size = 100) -> dict[str, Any]:
    apps, total = await applications.list_applications(
        store, types=SESSION_TYPES, offset=offset, limit=size
    )
    return {"from": offset, "total": total, "sessions": [livy.render_session(a) for a in apps]}


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
async def create_session(
    params: SubmitParams, store: StoreDep, bus: BusDep, settings: SettingsDep
) -> JSONResponse:
    app = await applications.submit_session(store=store, bus=bus, settings=settings, params=params)
    return _created(livy.render_session(app), f"/sessions/{app.livy_id}")


@router.get("/sessions/{session_id}")
async def get_session(session_id: int, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    await applications.record_heartbeat(store, app)
    return livy.render_session(app, await _last_lines(store, app))


@router.get("/sessions/{session_id}/state")
async def get_session_state(session_id: int, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    await applications.record_heartbeat(store, app)
    return {"id": app.livy_id, "state": app.state.value}


@router.get("/sessions/{session_id}/log")
async def get_session_log(
    session_id: int, store: StoreDep, offset: LogOffset = None, size: LogSize = None
) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    page = log_page(await store.get_log(app.id), offset, size, default_size=livy.LOG_LINES)
    return livy.render_log(app, page)


@router.delete("/sessions/{session_id}")
async def delete_session(session_id: int, store: StoreDep, bus: BusDep) -> dict[str, str]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    await applications.delete_application(store=store, bus=bus, app=app)
    return {"msg": "deleted"}


@router.post("/sessions/{session_id}/statements", status_code=status.HTTP_201_CREATED)
async def create_statement(
    session_id: int, body: StatementRequest, store: StoreDep, bus: BusDep
) -> JSONResponse:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    statement = await statements.submit_statement(
        store=store, bus=bus, session=app, code=body.code, kind=body.kind
    )
    location = f"/sessions/{session_id}/statements/{statement.id}"
    return _created(render_statement(statement), location)


@router.get("/sessions/{session_id}/statements")
async def list_statements(
    session_id: int, store: StoreDep, offset: Offset = 0, size: Size = 1000
) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    await applications.record_heartbeat(store, app)
    found, total = await store.list_statements(app.id, offset=offset, limit=size)
    return {"total_statements": total, "statements": [render_statement(s) for s in found]}


@router.get("/sessions/{session_id}/statements/{statement_id}")
async def get_statement(session_id: int, statement_id: int, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    return render_statement(await statements.find_statement(store, app, statement_id))


@router.post("/sessions/{session_id}/statements/{statement_id}/cancel")
async def cancel_statement(
    session_id: int, statement_id: int, store: StoreDep, bus: BusDep
) -> dict[str, str]:
    app = await applications.find_by_livy_id(store, session_id, SESSION_TYPES)
    await statements.cancel_statement(store=store, bus=bus, session=app, statement_id=statement_id)
    return {"msg": "canceled"}


# Batches


@router.get("/batches")
async def list_batches(store: StoreDep, offset: Offset = 0, size: Size = 100) -> dict[str, Any]:
    apps, total = await applications.list_applications(
        store, types=BATCH, offset=offset, limit=size
    )
    return {"from": offset, "total": total, "sessions": [livy.render_batch(a) for a in apps]}


@router.post("/batches", status_code=status.HTTP_201_CREATED)
async def create_batch(
    params: SubmitParams, store: StoreDep, bus: BusDep, settings: SettingsDep
) -> JSONResponse:
    app = await applications.submit_batch(store=store, bus=bus, settings=settings, params=params)
    return _created(livy.render_batch(app), f"/batches/{app.livy_id}")


@router.get("/batches/{batch_id}")
async def get_batch(batch_id: int, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, batch_id, BATCH)
    return livy.render_batch(app, await _last_lines(store, app))


@router.get("/batches/{batch_id}/state")
async def get_batch_state(batch_id: int, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, batch_id, BATCH)
    return {"id": app.livy_id, "state": app.state.value}


@router.get("/batches/{batch_id}/log")
async def get_batch_log(
    batch_id: int, store: StoreDep, offset: LogOffset = None, size: LogSize = None
) -> dict[str, Any]:
    app = await applications.find_by_livy_id(store, batch_id, BATCH)
    page = log_page(await store.get_log(app.id), offset, size, default_size=livy.LOG_LINES)
    return livy.render_log(app, page)


@router.delete("/batches/{batch_id}")
async def delete_batch(batch_id: int, store: StoreDep, bus: BusDep) -> Response:
    app = await applications.find_by_livy_id(store, batch_id, BATCH)
    await applications.delete_application(store=store, bus=bus, app=app)
    return JSONResponse({"msg": "deleted"})
