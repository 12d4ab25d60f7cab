"""Lighter dialect routes: /lighter/api/sessions/{id}/statements."""

from typing import Any

from fastapi import APIRouter, status

from lighter_api import statements
from lighter_api.deps import BusDep, StoreDep
from lighter_api.dialects import lighter
from lighter_api.routes import inputs

router = APIRouter(prefix=f"{lighter.PREFIX}/sessions/{{session_id}}/statements", tags=["sessions"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_statement(
    session_id: str, body: inputs.StatementRequest, store: StoreDep, bus: BusDep
) -> dict[str, Any]:
    created = await statements.submit_statement(
        store=store, bus=bus, session_ref=session_id, code=body.code, kind=body.kind
    )
    return lighter.render_statement(created)


@router.get("")
async def list_statements(
    session_id: str, store: StoreDep, offset: inputs.Offset = 0, size: inputs.Size = 100
) -> dict[str, Any]:
    found, total = await statements.list_statements(store, session_id, offset=offset, limit=size)
    return lighter.render_statements(found, offset=offset, total=total)


@router.get("/{statement_id}")
async def get_statement(
    session_id: str, statement_id: inputs.StatementId, store: StoreDep
) -> dict[str, Any]:
    return lighter.render_statement(
        await statements.find_statement(store, session_id, statement_id)
    )


@router.post("/{statement_id}/cancel")
async def cancel_statement(
    session_id: str, statement_id: inputs.StatementId, store: StoreDep, bus: BusDep
) -> dict[str, Any]:
    cancelled = await statements.cancel_statement(
        store=store, bus=bus, session_ref=session_id, statement_id=statement_id
    )
    return {"msg": "canceled", **lighter.render_statement(cancelled)}
