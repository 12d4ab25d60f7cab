"""Completion in both dialects: `POST …/sessions/{id}/completion` `{"code", "kind", "cursor"}`
answers 200 `{"candidates": [...]}`, as Livy does (the work: `lighter_api.completions`)."""

from fastapi import APIRouter

from lighter_api import completions
from lighter_api.deps import BusDep, StoreDep
from lighter_api.dialects import lighter, livy
from lighter_api.routes import inputs

livy_router = APIRouter(prefix=f"{livy.PREFIX}/sessions", tags=["livy"])
lighter_router = APIRouter(prefix=f"{lighter.PREFIX}/sessions", tags=["sessions"])


@livy_router.post("/{session_id}/completion")
async def livy_completion(
    session_id: inputs.LivySessionId, body: inputs.CompletionRequest, store: StoreDep, bus: BusDep
) -> dict[str, list[str]]:
    return await _candidates(session_id, body, store, bus)


@lighter_router.post("/{session_id}/completion")
async def lighter_completion(
    session_id: str, body: inputs.CompletionRequest, store: StoreDep, bus: BusDep
) -> dict[str, list[str]]:
    return await _candidates(session_id, body, store, bus)


async def _candidates(
    session_ref: int | str, body: inputs.CompletionRequest, store: StoreDep, bus: BusDep
) -> dict[str, list[str]]:
    found = await completions.complete(
        store=store,
        bus=bus,
        session_ref=session_ref,
        code=body.code,
        kind=body.kind,
        cursor=body.cursor,
    )
    return {"candidates": found}
