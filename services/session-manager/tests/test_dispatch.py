import asyncio
import time

import pytest
from lighter_common.domain.application import Application
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.store.sqlite import SqliteStore
from lighter_session_manager.dispatch import Dispatcher

from .conftest import new_session

S = StatementState


async def add_session(store: SqliteStore, **kwargs: object) -> Application:
    return await store.insert_application(new_session(**kwargs))


async def submit(store: SqliteStore, session: Application, code: str) -> Statement:
    return await store.insert_statement(Statement(session_id=session.id, id=-1, code=code))


async def state_of(
    store: SqliteStore, session: Application, statement: Statement
) -> StatementState:
    found = await store.get_statement(session.id, statement.id)
    assert found is not None
    return found.state


async def test_hands_out_the_oldest_waiting_statement_one_at_a_time(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    first = await submit(store, session, "1")
    await submit(store, session, "2")
    dispatcher = Dispatcher(store=store)

    work = await dispatcher.next_work(session, generation=0, kernel_busy=False)
    assert [s.id for s in work.statements] == [first.id]
    claimed = await store.get_statement(session.id, first.id)
    assert claimed is not None
    assert claimed.state is S.RUNNING
    assert claimed.dispatched_to == 0
    assert claimed.started_at is not None
    reloaded = await store.get_application(session.id)
    assert reloaded is not None and reloaded.state is ApplicationState.BUSY

    busy = await dispatcher.next_work(session, generation=0, kernel_busy=True)
    assert not busy


async def test_the_next_statement_goes_out_once_the_result_is_in(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    first = await submit(store, session, "1")
    second = await submit(store, session, "2")
    dispatcher = Dispatcher(store=store)
    await dispatcher.next_work(session, generation=0, kernel_busy=False)
    await store.update_statement(session.id, first.id, {"state": S.AVAILABLE})

    # The kernel's poll began while it still held the first statement.
    work = await dispatcher.next_work(session, generation=0, kernel_busy=True)
    assert [s.id for s in work.statements] == [second.id]


async def test_a_statement_the_kernel_never_received_is_handed_out_again(
    store: SqliteStore,
) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    lost = await submit(store, session, "1")
    await submit(store, session, "2")
    dispatcher = Dispatcher(store=store)
    await dispatcher.next_work(session, generation=0, kernel_busy=False)

    again = await dispatcher.next_work(session, generation=0, kernel_busy=False)
    assert [s.id for s in again.statements] == [lost.id]
    assert await state_of(store, session, lost) is S.RUNNING


async def test_statements_of_an_older_driver_are_not_handed_to_a_new_one(
    store: SqliteStore,
) -> None:
    session = await add_session(store, state=ApplicationState.STARTING, generation=1)
    old = await submit(store, session, "old")
    await store.update_statement(session.id, old.id, {"state": S.RUNNING, "dispatched_to": 0})
    waiting = await submit(store, session, "new")

    work = await Dispatcher(store=store).next_work(session, generation=1, kernel_busy=False)
    assert [s.id for s in work.statements] == [waiting.id]


async def test_cancels_go_to_the_kernel_running_the_statement(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    statement = await submit(store, session, "sleep")
    dispatcher = Dispatcher(store=store)
    await dispatcher.next_work(session, generation=0, kernel_busy=False)
    await store.update_statement(session.id, statement.id, {"state": S.CANCELLING})

    work = await dispatcher.next_work(session, generation=0, kernel_busy=True)
    assert work.cancel == [statement.id]
    assert work.statements == []


async def test_a_cancel_nobody_can_apply_is_settled(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    never_dispatched = await submit(store, session, "a")
    await store.update_statement(session.id, never_dispatched.id, {"state": S.CANCELLING})
    dispatcher = Dispatcher(store=store)

    await dispatcher.next_work(session, generation=0, kernel_busy=False)
    assert await state_of(store, session, never_dispatched) is S.CANCELLED

    lost = await submit(store, session, "b")
    await dispatcher.next_work(session, generation=0, kernel_busy=False)
    await store.update_statement(session.id, lost.id, {"state": S.CANCELLING})
    work = await dispatcher.next_work(session, generation=0, kernel_busy=False)
    assert work.cancel == []
    assert await state_of(store, session, lost) is S.CANCELLED


async def test_the_doorbell_wakes_a_waiting_poll(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    dispatcher = Dispatcher(store=store, recheck_interval=30.0)
    started = time.monotonic()
    poll = asyncio.create_task(
        dispatcher.wait_for_work(session, generation=0, kernel_busy=False, max_wait=20.0)
    )
    await asyncio.sleep(0.2)
    statement = await submit(store, session, "1")
    dispatcher.ring(session.id)
    work = await asyncio.wait_for(poll, 5.0)
    assert [s.id for s in work.statements] == [statement.id]
    assert time.monotonic() - started < 5.0


async def test_a_poll_finds_work_without_the_doorbell(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    dispatcher = Dispatcher(store=store, recheck_interval=0.1)
    poll = asyncio.create_task(
        dispatcher.wait_for_work(session, generation=0, kernel_busy=False, max_wait=20.0)
    )
    await asyncio.sleep(0.2)
    statement = await submit(store, session, "rung on another replica")
    work = await asyncio.wait_for(poll, 5.0)
    assert [s.id for s in work.statements] == [statement.id]


async def test_a_poll_without_work_ends_at_its_deadline(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.STARTING)
    dispatcher = Dispatcher(store=store, recheck_interval=0.1)
    work = await dispatcher.wait_for_work(session, generation=0, kernel_busy=False, max_wait=0.3)
    assert not work
    reloaded = await store.get_application(session.id)
    assert reloaded is not None and reloaded.state is ApplicationState.IDLE


async def test_concurrent_polls_never_hand_out_a_statement_twice(store: SqliteStore) -> None:
    sessions = [await add_session(store, state=ApplicationState.IDLE) for _ in range(3)]
    for session in sessions:
        for n in range(5):
            await submit(store, session, str(n))
    dispatchers = [Dispatcher(store=store) for _ in range(4)]
    handed: list[tuple[str, int]] = []
    for _ in range(5):
        rounds = await asyncio.gather(
            *(d.next_work(s, generation=0, kernel_busy=True) for s in sessions for d in dispatchers)
        )
        for work in rounds:
            handed += [(s.session_id, s.id) for s in work.statements]
        for session in sessions:
            running, _ = await store.list_statements(session.id, states=(S.RUNNING,))
            for statement in running:
                await store.update_statement(session.id, statement.id, {"state": S.AVAILABLE})
    assert len(handed) == len(set(handed)) == 15


async def test_a_statement_handed_out_during_a_long_poll_shows_the_session_busy(
    store: SqliteStore,
) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    first = await submit(store, session, "1")
    dispatcher = Dispatcher(store=store, recheck_interval=30.0)
    await dispatcher.next_work(session, generation=0, kernel_busy=False)
    poll = asyncio.create_task(
        dispatcher.wait_for_work(session, generation=0, kernel_busy=True, max_wait=20.0)
    )
    await asyncio.sleep(0.2)
    await dispatcher.statement_ending(session, first.id)
    idle = await store.get_application(session.id)
    assert idle is not None and idle.state is ApplicationState.IDLE
    await store.update_statement(session.id, first.id, {"state": S.AVAILABLE})

    second = await submit(store, session, "2")
    dispatcher.ring(session.id)
    work = await asyncio.wait_for(poll, 5.0)
    assert [s.id for s in work.statements] == [second.id]
    busy = await store.get_application(session.id)
    assert busy is not None and busy.state is ApplicationState.BUSY


async def test_a_long_poll_of_a_replaced_driver_hands_nothing_out(store: SqliteStore) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    dispatcher = Dispatcher(store=store, recheck_interval=0.1)
    old_poll = asyncio.create_task(
        dispatcher.wait_for_work(session, generation=0, kernel_busy=False, max_wait=1.0)
    )
    await asyncio.sleep(0.2)
    await store.update_application(
        session.id, {"generation": 1, "state": ApplicationState.NOT_STARTED}
    )
    statement = await submit(store, session, "for the new driver")
    dispatcher.ring(session.id)
    assert not await old_poll
    assert await state_of(store, session, statement) is S.WAITING


async def test_a_claim_that_races_a_driver_replacement_is_handed_back(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = await add_session(store, state=ApplicationState.IDLE)
    dispatcher = Dispatcher(store=store)
    statement = await submit(store, session, "1 + 1")
    claim = dispatcher._claim_oldest_waiting

    async def claim_then_replace_the_driver(session_id: str, generation: int) -> Statement | None:
        claimed = await claim(session_id, generation)
        await store.update_application(
            session.id, {"generation": 1, "state": ApplicationState.NOT_STARTED}
        )
        return claimed

    monkeypatch.setattr(dispatcher, "_claim_oldest_waiting", claim_then_replace_the_driver)
    assert not await dispatcher.next_work(session, generation=0, kernel_busy=False)
    assert await state_of(store, session, statement) is S.WAITING


async def test_a_session_shows_idle_before_its_statement_shows_a_result(
    store: SqliteStore,
) -> None:
    """A client that reads the result and then the session never sees it busy."""
    session = await add_session(store, state=ApplicationState.IDLE)
    running = await submit(store, session, "1")
    other = await submit(store, session, "2")
    dispatcher = Dispatcher(store=store)
    await dispatcher.next_work(session, generation=0, kernel_busy=False)

    await store.update_statement(session.id, other.id, {"state": S.RUNNING, "dispatched_to": 0})
    await dispatcher.statement_ending(session, running.id)
    still_busy = await store.get_application(session.id)
    await store.update_statement(session.id, other.id, {"state": S.AVAILABLE})
    await dispatcher.statement_ending(session, running.id)
    idle = await store.get_application(session.id)

    assert still_busy is not None and still_busy.state is ApplicationState.BUSY
    assert idle is not None and idle.state is ApplicationState.IDLE


class EndingDuringTheLook(SqliteStore):
    """The store, where a statement's result comes in while a poll is looking at statements."""

    end_statement: Statement | None = None
    dispatcher: Dispatcher | None = None

    async def find_statements(self, session_id: str, **kwargs: object) -> list[Statement]:
        found = await super().find_statements(session_id, **kwargs)  # type: ignore[arg-type]
        ending, self.end_statement = self.end_statement, None
        if ending is not None and self.dispatcher is not None:
            session = await self.get_application(session_id)
            assert session is not None
            await self.dispatcher.statement_ending(session, ending.id)
            await self.update_statement(session_id, ending.id, {"state": S.AVAILABLE})
        return found


async def test_a_poll_that_looked_before_a_result_does_not_show_the_session_busy_after_it(
    tmp_path: object,
) -> None:
    # A busy kernel's poll read its statement running; the result came in before the poll
    # showed what it read. A client that saw the result must then read the session idle.
    store = await EndingDuringTheLook.open(tmp_path / "db")  # type: ignore[operator]
    try:
        session = await add_session(store, state=ApplicationState.IDLE)
        statement = await submit(store, session, "1")
        dispatcher = Dispatcher(store=store)
        await dispatcher.next_work(session, generation=0, kernel_busy=False)
        store.dispatcher, store.end_statement = dispatcher, statement

        await dispatcher.wait_for_work(session, generation=0, kernel_busy=True, max_wait=0)

        result = await store.get_statement(session.id, statement.id)
        assert result is not None and result.state is S.AVAILABLE
        after = await store.get_application(session.id)
        assert after is not None and after.state is ApplicationState.IDLE
    finally:
        await store.close()


async def test_a_poll_that_looks_while_a_result_is_recorded_does_not_show_the_session_busy(
    store: SqliteStore,
) -> None:
    # The result's handler showed the session idle and has not yet recorded the result when
    # the kernel's next poll reads the session (idle) and its statement (still running).
    session = await add_session(store, state=ApplicationState.IDLE)
    statement = await submit(store, session, "40 + 2")
    dispatcher = Dispatcher(store=store)
    await dispatcher.next_work(session, generation=0, kernel_busy=False)
    await dispatcher.statement_ending(session, statement.id)

    work = await dispatcher.wait_for_work(session, generation=0, kernel_busy=True, max_wait=0)
    await store.update_statement(session.id, statement.id, {"state": S.AVAILABLE})

    assert not work.statements  # ending, so neither held nor lost
    after = await store.get_application(session.id)
    assert after is not None and after.state is ApplicationState.IDLE
