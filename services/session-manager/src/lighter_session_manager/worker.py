"""The session-manager: statements to kernels, settled statements, timeouts, permanent sessions.

Commands ring the dispatcher's doorbell (a statement submitted or cancelled) or settle the
statements of a session that ended or came back on a new driver. A loop ends inactive
sessions, and settles the statements of sessions that ended lately, in case their command
was lost; one replica at a time runs it, under a store lease.
"""

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

from lighter_common.background import BackgroundTasks
from lighter_common.bus.base import Bus
from lighter_common.domain.application import SESSION_TYPES, utcnow
from lighter_common.domain.states import FINISHED_STATES
from lighter_common.messages import (
    SESSION_MANAGER_QUEUE,
    CancelStatement,
    Command,
    CompletionRequested,
    SessionFinished,
    StatementSubmitted,
)
from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store

from lighter_session_manager.dispatch import Dispatcher
from lighter_session_manager.permanent import ensure_permanent_sessions
from lighter_session_manager.settle import settle_statements
from lighter_session_manager.timeouts import end_expired_sessions

logger = logging.getLogger(__name__)

TIMEOUTS_LEASE = "session-manager.timeouts"
SETTLE_LOOKBACK = timedelta(minutes=10)


class SessionManager:
    def __init__(self, *, store: Store, bus: Bus, settings: Settings) -> None:
        self._store = store
        self._bus = bus
        self._settings = settings
        self._replica = f"session-manager-{uuid.uuid4().hex[:8]}"
        self.dispatcher = Dispatcher(store=store)
        self._background = BackgroundTasks()

    async def start(self) -> None:
        await ensure_permanent_sessions(
            store=self._store,
            bus=self._bus,
            specs=self._settings.sessions.permanent_sessions,
            backend=self._settings.server.backend,
        )
        await self._bus.consume(SESSION_MANAGER_QUEUE, self.handle)
        self._background.start("session-timeouts", self._timeouts_loop)
        logger.info("session-manager started", extra={"replica": self._replica})

    async def stop(self) -> None:
        await self._background.stop()

    async def handle(self, command: Command) -> None:
        if isinstance(command, StatementSubmitted | CancelStatement | CompletionRequested):
            self._handle_statement_change(command.session_id)
        elif isinstance(command, SessionFinished):
            await self._handle_session_finished(command.session_id)

    def _handle_statement_change(self, session_id: str) -> None:
        self.dispatcher.ring(session_id)

    async def _handle_session_finished(self, session_id: str) -> None:
        session = await self._store.get_application(session_id)
        if session is None:
            return
        await settle_statements(self._store, session)
        self.dispatcher.ring(session_id)

    async def _timeouts_loop(self) -> None:
        while True:
            await asyncio.sleep(self._settings.sessions.session_check_interval)
            try:
                await self.run_once()
            except Exception:
                logger.exception("session timeout pass failed")

    async def run_once(self) -> list[str]:
        """One timeout pass, when this replica holds the lease; returns the sessions ended."""
        lease_seconds = max(3 * self._settings.sessions.session_check_interval, 10.0)
        if not await self._store.acquire_lease(TIMEOUTS_LEASE, self._replica, lease_seconds):
            return []
        now = utcnow()
        ended = await end_expired_sessions(
            store=self._store,
            bus=self._bus,
            now=now,
            default_idle_timeout=self._settings.sessions.session_timeout_interval,
        )
        await self._settle_recently_finished(now)
        return ended

    async def _settle_recently_finished(self, now: datetime) -> None:
        """Settle statements of sessions whose SessionFinished command was lost."""
        finished = await self._store.find_applications(
            ApplicationQuery(
                types=SESSION_TYPES,
                states=tuple(FINISHED_STATES),
                finished_after=now - SETTLE_LOOKBACK,
                include_deleted=True,
                limit=None,
            )
        )
        for session in finished:
            await settle_statements(self._store, session)
