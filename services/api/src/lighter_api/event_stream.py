"""Following the transition log as Server-Sent Events, from any API replica.

Each stream reads the log (Store.transitions_since) every `events_poll_interval`, sends the
state changes its client may see and asked for, and a comment line when it has been silent
for `events_keep_alive`, so proxies keep the connection open. A client that reconnects with
`Last-Event-ID` resumes after that event; the log is kept, so an hour-old id resumes too.
"""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.events import (
    EventCursor,
    EventFilter,
    EventWindow,
    is_event,
    render_event,
)
from lighter_common.domain.transition_record import TransitionRecord, log_time
from lighter_common.settings import Settings
from lighter_common.store.base import Store, StoreUnavailable

logger = logging.getLogger(__name__)

PAGE_SIZE = 500
RECONNECT_MILLISECONDS = 2000
_MAX_REMEMBERED_APPLICATIONS = 10_000

Visible = Callable[[Application], bool]


async def follow(
    *,
    store: Store,
    settings: Settings,
    wanted: EventFilter,
    visible: Visible,
    resume_after: EventCursor | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    """The stream's text, event by event, until the client goes away."""
    # Records of this very millisecond are newer than the stream: they are sent.
    floor = resume_after or EventCursor(log_time(utcnow()), "")
    window = EventWindow(floor=floor, skew=timedelta(seconds=settings.loops.events_clock_skew))
    applications = _Applications(store)
    yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
    silent_since = time.monotonic()
    stalled = False
    while not await disconnected():
        try:
            since = window.cursor.at if stalled and window.cursor else window.read_from
            page = await store.transitions_since(since, limit=PAGE_SIZE)
            fresh = window.take(page)
            for record in fresh:
                text = await _event_text(record, applications, wanted, visible)
                if text is not None:
                    silent_since = time.monotonic()
                    yield text
        except StoreUnavailable as error:
            logger.warning("event stream waits for the database", extra={"error": str(error)})
            page, fresh = [], []
        # A full page holding nothing new would be read again forever: step past the window.
        stalled = len(page) == PAGE_SIZE and not fresh
        if len(page) == PAGE_SIZE:
            continue
        if time.monotonic() - silent_since >= settings.loops.events_keep_alive:
            silent_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(settings.loops.events_poll_interval)


async def _event_text(
    record: TransitionRecord,
    applications: "_Applications",
    wanted: EventFilter,
    visible: Visible,
) -> str | None:
    if not is_event(record):
        return None
    app = await applications.get(record.application_id)
    if app is None or not visible(app) or not wanted.admits(record, app.type.value):
        return None
    data = json.dumps(render_event(record, app.type.value), separators=(",", ":"))
    return f"id: {EventCursor.of(record).encode()}\ndata: {data}\n\n"


class _Applications:
    """The applications a stream has looked up: their type and owner never change."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, Application | None] = {}

    async def get(self, app_id: str) -> Application | None:
        if app_id not in self._known:
            if len(self._known) >= _MAX_REMEMBERED_APPLICATIONS:
                self._known.clear()
            self._known[app_id] = await self._store.get_application(app_id)
        return self._known[app_id]
