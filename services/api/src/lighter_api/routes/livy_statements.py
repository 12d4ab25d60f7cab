"""Livy dialect routes: /livy/sessions/{id}/statements."""

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from lighter_api import statements
from lighter_api.deps import BusDep, StoreDep
from lighter_api.dialects import livy
from lighter_api.routes import inputs

router = APIRouter(prefix=f"{livy.PREFIX}/sessions/{{session_id}}/statements", tags=["livy"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_statement(
    session_id: inputs.LivySessionId, body: inputs.StatementRequest, store: StoreDep, bus: BusDep
) -> JSONResponse:
    created = await statements.submit_statement(
        store=store, bus=bus, session_ref=session_id, code=body.code, kind=body.kind
    )
    return JSONResponse(
        livy.render_statement(created),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"{livy.location('sessions', session_id)}/statements/{created.id}"},
    )


@router.get("")
async def list_statements(
    session_id: inputs.LivySessionId,
    store: StoreDep,
    offset: inputs.Offset = 0,
    size: inputs.Size = 1000,
) -> dict[str, Any]:
    found, total = await statements.list_statements(store, session_id, offset=offset, limit=size)
    return livy.render_statements(found, total=total)


@router.get("/{statement_id}")
async def get_statement(
    session_id: inputs.LivySessionId, statement_id: inputs.StatementId, store: StoreDep
) -> dict[str, Any]:
    return livy.render_statement(await statements.find_statement(store, session_id, statement_id))


@router.post("/{statement_id}/cancel")
async def cancel_statement(
    session_id: inputs.LivySessionId, statement_id: inputs.StatementId, store: StoreDep, bus: BusDep
) -> dict[str, str]:
    await statements.cancel_statement(
        store=store, bus=bus, session_ref=session_id, statement_id=statement_id
    )
    return {"msg": "canceled"}
