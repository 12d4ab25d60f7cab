"""Handing statements to kernels: the database is the truth, the bus only the doorbell.

A kernel asks for work with a long-poll. A `waiting` statement becomes `running` by a
compare-and-set that records the driver generation it went to, and only when the kernel
holds nothing (no statement of its generation is running or cancelling): one at a time,
oldest first, never twice. A kernel that says it holds nothing while a statement is running
on its generation never received it (the answer was lost), so it is handed out again.

A session's waiting completion request rides along with every answer until the kernel posts
its candidates (the kernel ignores one it already works on).

The doorbell wakes the long-polls of this process at once; a long-poll also looks at the
store every `recheck_interval`, so a doorbell rung on another replica is heard too.
"""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.completion import Completion
from lighter_common.domain.statement import Statement, error_output
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.transitions import (
    previous_statement_states,
    previous_states,
    session_activity_state,
)
from lighter_common.store.base import Store
from prometheus_client import Counter

logger = logging.getLogger(__name__)

DISPATCHED = Counter(
    "lighter_statements_dispatched_total", "Statements handed to kernels", ["redelivered"]
)
_S = StatementState
IN_FLIGHT_STATES = (_S.RUNNING, _S.CANCELLING)


@dataclass
class Work:
    statements: list[Statement] = field(default_factory=list)
    cancel: list[int] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    busy: bool = False  # the kernel holds a statement, or is being handed one
    # The session's change count when this look began: what it shows holds only until then.
    seen_seq: int | None = None
    seen_state: ApplicationState | None = None
    activity_shown: bool = False  # this look already showed the session busy

    def __bool__(self) -> bool:
        return bool(self.statements or self.cancel or self.completions)

    @property
    def activity_to_show(self) -> bool:
        """The session, as this look read it, does not show the kernel's activity yet."""
        return not self.activity_shown and self.seen_state is not session_activity_state(self.busy)


class Doorbell:
    """In-process wake-ups of the long-polls waiting on a session."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Event]] = {}

    def ring(self, session_id: str) -> None:
        for event in self._listeners.get(session_id, ()):
            event.set()

    @contextmanager
    def listen(self, session_id: str) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        listeners = self._listeners.setdefault(session_id, set())
        listeners.add(event)
        try:
            yield event
        finally:
            listeners.discard(event)
            if not listeners:
                self._listeners.pop(session_id, None)


class Dispatcher:
    def __init__(self, *, store: Store, recheck_interval: float = 1.0) -> None:
        self._store = store
        self._recheck_interval = recheck_interval
        self.doorbell = Doorbell()

    def ring(self, session_id: str) -> None:
        self.doorbell.ring(session_id)

    async def wait_for_work(
        self, session: Application, *, generation: int, kernel_busy: bool, max_wait: float
    ) -> Work:
        """Statements to run and cancels to apply, as soon as there are any, or none."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        with self.doorbell.listen(session.id) as bell:
            first_look = True
            while True:
                bell.clear()
                work = await self.next_work(session, generation=generation, kernel_busy=kernel_busy)
                if first_look and work.activity_to_show:
                    # Only over the session as this look read it: a statement that ended
                    # meanwhile showed the session idle, and a stale look must not undo that.
                    await self._show_activity(session.id, busy=work.busy, seen_seq=work.seen_seq)
                first_look = False
                remaining = deadline - loop.time()
                if work or remaining <= 0:
                    return work
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        bell.wait(), timeout=min(self._recheck_interval, remaining)
                    )

    async def next_work(self, session: Application, *, generation: int, kernel_busy: bool) -> Work:
        """One look at the store: what this kernel should do now."""
        current = await self._current(session.id, generation)
        if current is None:
            return Work()  # a long-poll outlived its driver; the next poll hears 410
        work = await self._statement_work(
            session, generation=generation, kernel_busy=kernel_busy, ending=current.ending_statement
        )
        work.seen_seq, work.seen_state = current.seq, current.state
        if current.completion is not None and current.completion.waiting(utcnow()):
            work.completions = [current.completion]
        return work

    async def _statement_work(
        self, session: Application, *, generation: int, kernel_busy: bool, ending: int | None
    ) -> Work:
        in_flight = await self._store.find_statements(session.id, states=IN_FLIGHT_STATES)
        held: list[Statement] = []
        for statement in in_flight:
            if ending is not None and statement.id <= ending:
                continue  # its result is being recorded: the kernel no longer holds it
            if statement.dispatched_to == generation:
                held.append(statement)
            elif statement.state is _S.CANCELLING and statement.dispatched_to is None:
                await self._settle_cancel(statement)
        if not kernel_busy:
            held = await self._settle_lost_cancels(held)
        cancel = [s.id for s in held if s.state is _S.CANCELLING]
        if held:
            lost = [s for s in held if s.state is _S.RUNNING] if not kernel_busy else []
            for statement in lost:
                logger.warning(
                    "handing a statement out again: its kernel never received it",
                    extra={"session": session.id, "statement": statement.id},
                )
                DISPATCHED.labels(redelivered="true").inc()
            return Work(statements=lost, cancel=cancel, busy=True)
        claimed = await self._claim_oldest_waiting(session.id, generation)
        if claimed is None:
            return Work()
        if not await self._is_current(session.id, generation):
            # The driver was replaced or the session ended while claiming: this claim reached
            # no driver, so the statement waits again for the current one (or is settled
            # with the session).
            await self._return_claim(claimed)
            return Work()
        await self._show_activity(session.id, busy=True)
        return Work(statements=[claimed], busy=True, activity_shown=True)

    async def _is_current(self, session_id: str, generation: int) -> bool:
        return await self._current(session_id, generation) is not None

    async def _current(self, session_id: str, generation: int) -> Application | None:
        """The session, when `generation` is its live driver."""
        session = await self._store.get_application(session_id)
        if (
            session is None
            or session.generation != generation
            or session.deleted
            or session.state.is_finished
        ):
            return None
        return session

    async def _return_claim(self, statement: Statement) -> None:
        returned = await self._store.update_statement(
            statement.session_id,
            statement.id,
            {"state": _S.WAITING, "dispatched_to": None, "started_at": None},
            expected=previous_statement_states(_S.WAITING),
        )
        if returned is not None:
            self.ring(statement.session_id)

    async def statement_ending(self, session: Application, statement_id: int) -> None:
        """Before a statement's result is recorded: the session shows idle first, unless
        another statement is in flight, so a client that sees the result never then reads
        the session busy (sparkmagic reads the session right after a cell's result).

        The session also records which statement is ending: a poll that reads the session
        after this and the statement before its result is recorded must not count it held
        (and show the session busy again, or hand it out again)."""
        in_flight = await self._store.find_statements(session.id, states=IN_FLIGHT_STATES)
        if all(statement.id == statement_id for statement in in_flight):
            await self._show_activity(session.id, busy=False, ending_statement=statement_id)

    async def _claim_oldest_waiting(self, session_id: str, generation: int) -> Statement | None:
        while True:
            waiting = await self._store.find_statements(session_id, states=(_S.WAITING,), limit=1)
            if not waiting:
                return None
            claimed = await self._store.update_statement(
                session_id,
                waiting[0].id,
                {"state": _S.RUNNING, "dispatched_to": generation, "started_at": utcnow()},
                expected=previous_statement_states(_S.RUNNING),
            )
            if claimed is not None:
                DISPATCHED.labels(redelivered="false").inc()
                logger.info(
                    "statement dispatched",
                    extra={"session": session_id, "statement": claimed.id},
                )
                return claimed
            # Cancelled or claimed elsewhere meanwhile: look at the next one.

    async def _settle_lost_cancels(self, held: list[Statement]) -> list[Statement]:
        """A cancelling statement an idle kernel does not hold will never report: cancel it."""
        kept = []
        for statement in held:
            if statement.state is _S.CANCELLING:
                await self._settle_cancel(statement)
            else:
                kept.append(statement)
        return kept

    async def _settle_cancel(self, statement: Statement) -> None:
        await self._store.update_statement(
            statement.session_id,
            statement.id,
            {
                "state": _S.CANCELLED,
                "completed_at": utcnow(),
                "output": error_output(
                    statement.id,
                    "Cancelled",
                    f"statement {statement.id} was cancelled before it ran",
                ),
            },
            expected=(_S.CANCELLING,),
        )

    async def _show_activity(
        self,
        session_id: str,
        *,
        busy: bool,
        seen_seq: int | None = None,
        ending_statement: int | None = None,
    ) -> None:
        # A compare-and-set that usually matches nothing: the state is already right.
        target = session_activity_state(busy)
        # A statement started or the last one ended: the idle timeout counts from here.
        changes: dict[str, object] = {"state": target, "last_activity_at": utcnow()}
        if ending_statement is not None:
            changes["ending_statement"] = ending_statement
        only_if = None if seen_seq is None else {"seq": seen_seq}
        await self._store.update_application(
            session_id, changes, expected=previous_states(target), only_if=only_if
        )
