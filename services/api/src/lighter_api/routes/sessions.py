"""Lighter dialect: /lighter/api/sessions and their statements.

With `X-Compatibility-Mode: sparkmagic`, lists use the key `sessions` and logs are lists of
lines: what sparkmagic expects when pointed at /lighter/api.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.errors import Conflict
from lighter_common.domain.submit_params import SubmitParams
from pydantic import BaseModel, ConfigDict

from lighter_api import applications, statements
from lighter_api.deps import BusDep, SettingsDep, StoreDep
from lighter_api.dialects.lighter import (
    SPARKMAGIC_HEADER,
    SPARKMAGIC_MODE,
    render_application,
    render_log,
    render_page,
)
from lighter_api.dialects.logs import log_page
from lighter_api.dialects.statements import render_statement

router = APIRouter(prefix="/lighter/api/sessions", tags=["sessions"])
SESSION_TYPES = (ApplicationType.SESSION, ApplicationType.PERMANENT_SESSION)
SESSION_LOG_LINES = 100


class StatementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    kind: str | None = None


def _sparkmagic(request: Request) -> bool:
    return request.headers.get(SPARKMAGIC_HEADER, "").lower() == SPARKMAGIC_MODE


async def _session_view(store: StoreDep, app: Application, request: Request) -> dict[str, Any]:
    if not _sparkmagic(request):
        return render_application(app)
    page = log_page(await store.get_log(app.id), None, None, default_size=SESSION_LOG_LINES)
    return render_application(app, log=page.lines)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_session(
    params: SubmitParams, request: Request, store: StoreDep, bus: BusDep, settings: SettingsDep
) -> dict[str, Any]:
    app = await applications.submit_session(store=store, bus=bus, settings=settings, params=params)
    return await _session_view(store, app, request)


@router.put("/{session_id}", status_code=status.HTTP_201_CREATED)
async def create_session_with_id(
    session_id: str,
    params: SubmitParams,
    request: Request,
    store: StoreDep,
    bus: BusDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    if await store.get_application(session_id) is not None:
        raise Conflict(f"Session '{session_id}' already exists")
    app = await applications.submit_session(
        store=store, bus=bus, settings=settings, params=params, session_id=session_id
    )
    return await _session_view(store, app, request)


@router.get("")
async def list_sessions(
    request: Request,
    store: StoreDep,
    offset: Annotated[int, Query(alias="from", ge=0)] = 0,
    size: Annotated[int, Query(ge=0, le=10_000)] = 100,
    state: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads, never mutates
    search: str | None = None,
) -> dict[str, Any]:
    states = applications.parse_states(state)
    apps, total = await applications.list_applications(
        store, types=SESSION_TYPES, states=states, search=search, offset=offset, limit=size
    )
    key = "sessions" if _sparkmagic(request) else "applications"
    return render_page(apps, offset=offset, total=total, key=key)


@router.get("/{session_id}")
async def get_session(session_id: str, request: Request, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    # sparkmagic's heartbeat reads the session: heartbeatTimeoutInSecond counts from here.
    await applications.record_heartbeat(store, app)
    return await _session_view(store, app, request)


@router.get("/{session_id}/state")
async def get_session_state(session_id: str, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    await applications.record_heartbeat(store, app)
    return {"id": app.id, "state": app.state.value}


@router.get("/{session_id}/log")
async def get_session_log(
    session_id: str,
    request: Request,
    store: StoreDep,
    offset: Annotated[int | None, Query(alias="from", ge=0)] = None,
    size: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    page = log_page(await store.get_log(app.id), offset, size, default_size=None)
    return render_log(app.id, page, as_lines=_sparkmagic(request))


@router.delete("/{session_id}")
async def delete_session(session_id: str, store: StoreDep, bus: BusDep) -> Response:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    await applications.delete_application(store=store, bus=bus, app=app)
    return Response(status_code=status.HTTP_200_OK)


@router.post("/{session_id}/statements", status_code=status.HTTP_201_CREATED)
async def create_statement(
    session_id: str, body: StatementRequest, store: StoreDep, bus: BusDep
) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    statement = await statements.submit_statement(
        store=store, bus=bus, session=app, code=body.code, kind=body.kind
    )
    return render_statement(statement, lighter=True)


@router.get("/{session_id}/statements")
async def list_statements(
    session_id: str,
    store: StoreDep,
    offset: Annotated[int, Query(alias="from", ge=0)] = 0,
    size: Annotated[int, Query(ge=0, le=10_000)] = 100,
) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    found, total = await store.list_statements(app.id, offset=offset, limit=size)
    shown = [render_statement(s, lighter=True) for s in found]
    return {"from": offset, "total": total, "total_statements": total, "statements": shown}


@router.get("/{session_id}/statements/{statement_id}")
async def get_statement(session_id: str, statement_id: int, store: StoreDep) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    statement = await statements.find_statement(store, app, statement_id)
    return render_statement(statement, lighter=True)


@router.post("/{session_id}/statements/{statement_id}/cancel")
async def cancel_statement(
    session_id: str, statement_id: int, store: StoreDep, bus: BusDep
) -> dict[str, Any]:
    app = await applications.find_application(store, session_id, SESSION_TYPES)
    statement = await statements.cancel_statement(
        store=store, bus=bus, session=app, statement_id=statement_id
    )
    return {"msg": "canceled", **render_statement(statement, lighter=True)}
