"""GET /lighter/api/events: every state change the caller may see, as Server-Sent Events."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from lighter_common.domain.application import ApplicationType
from lighter_common.domain.errors import InvalidRequest
from lighter_common.domain.events import STATEMENT_EVENT_TYPE, EventCursor, EventFilter

from lighter_api import event_stream
from lighter_api.auth.context import current_access
from lighter_api.deps import SettingsDep, StoreDep
from lighter_api.dialects import lighter

router = APIRouter(prefix=lighter.PREFIX, tags=["events"])

EVENT_TYPES = (*(t.value for t in ApplicationType), STATEMENT_EVENT_TYPE)


def parse_types(values: list[str]) -> set[str]:
    """`?type=batch,session&type=statement` as event types; unknown names are a 400."""
    types = {name.strip().upper() for value in values for name in value.split(",")} - {""}
    unknown = sorted(types - set(EVENT_TYPES))
    if unknown:
        raise InvalidRequest(
            f"Query parameter 'type': unknown {', '.join(unknown)}; use {', '.join(EVENT_TYPES)}"
        )
    return types


@router.get("/events")
async def events(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    application: Annotated[list[str], Query()] = [],  # noqa: B006 - read, never mutated
    type: Annotated[list[str], Query()] = [],  # noqa: B006
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """State changes the caller may see, as `{id, type, state, previousState, reason, at}`.

    `application` and `type` (BATCH, SESSION, PERMANENT_SESSION, STATEMENT) filter them;
    `Last-Event-ID` resumes after an event already received.
    """
    wanted = EventFilter(application_ids=set(application), types=parse_types(type))
    resume_after = None if last_event_id is None else EventCursor.decode(last_event_id)
    if last_event_id and resume_after is None:
        raise InvalidRequest(f"Header 'Last-Event-ID': '{last_event_id}' names no event")

    access = current_access()
    stream = event_stream.follow(
        store=store,
        settings=settings,
        wanted=wanted,
        visible=access.may_view,
        resume_after=resume_after,
        disconnected=request.is_disconnected,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
