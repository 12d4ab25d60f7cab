from datetime import timedelta

from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.messages import (
    SESSION_MANAGER_QUEUE,
    SUBMITTER_QUEUE,
    Command,
    KillApplication,
    LaunchApplication,
    SessionFinished,
)
from lighter_common.settings import PermanentSessionSpec, Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_session_manager.worker import SessionManager

from .conftest import new_session

S = StatementState
A = ApplicationState


async def collect(bus: MemoryBus, queue: str) -> list[Command]:
    received: list[Command] = []

    async def handler(command: Command) -> None:
        received.append(command)

    await bus.consume(queue, handler)
    return received


async def statements_in(
    store: SqliteStore, session: Application, *states: StatementState
) -> list[Statement]:
    statements = []
    for state in states:
        statement = await store.insert_statement(
            Statement(session_id=session.id, id=-1, code=state.value)
        )
        if state is not S.WAITING:
            changed = await store.update_statement(
                session.id, statement.id, {"state": state, "dispatched_to": 0}
            )
            assert changed is not None
            statement = changed
        statements.append(statement)
    return statements


async def states_of(store: SqliteStore, session: Application) -> list[StatementState]:
    statements, _ = await store.list_statements(session.id)
    return [s.state for s in statements]


async def test_statements_of_a_finished_session_are_cancelled(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    session = await store.insert_application(new_session(A.DEAD))
    await statements_in(store, session, S.AVAILABLE, S.RUNNING, S.CANCELLING, S.WAITING)
    manager = SessionManager(store=store, bus=bus, settings=settings)
    await manager.start()
    await bus.publish(SESSION_MANAGER_QUEUE, SessionFinished(session_id=session.id))
    await bus.drain()
    await manager.stop()

    assert await states_of(store, session) == [S.AVAILABLE, *[S.CANCELLED] * 3]
    statements, _ = await store.list_statements(session.id, states=(S.CANCELLED,))
    output = statements[0].output
    assert output is not None and output.status == "error"
    assert output.evalue is not None and "session ended (dead)" in output.evalue


async def test_a_lost_session_finished_command_is_made_up_for_by_the_sweep(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    ended = new_session(A.DEAD).model_copy(update={"finished_at": utcnow()})
    session = await store.insert_application(ended)
    await statements_in(store, session, S.RUNNING, S.WAITING)
    manager = SessionManager(store=store, bus=bus, settings=settings)

    await manager.run_once()

    assert await states_of(store, session) == [S.CANCELLED, S.CANCELLED]


async def test_a_revived_permanent_session_fails_only_what_ran_on_the_old_driver(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    session = await store.insert_application(
        new_session(A.NOT_STARTED, type=ApplicationType.PERMANENT_SESSION, generation=1)
    )
    await statements_in(store, session, S.AVAILABLE, S.RUNNING, S.WAITING)
    manager = SessionManager(store=store, bus=bus, settings=settings)
    await manager.handle(SessionFinished(session_id=session.id))

    assert await states_of(store, session) == [S.AVAILABLE, S.ERROR, S.WAITING]
    failed = await store.get_statement(session.id, 1)
    assert failed is not None and failed.output is not None
    assert failed.output.evalue == "session driver died"


async def test_inactive_sessions_are_ended_through_the_submitter(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    long_ago = utcnow() - timedelta(hours=3)
    idle = new_session(A.IDLE).model_copy(update={"last_activity_at": long_ago})
    busy = new_session(A.BUSY).model_copy(update={"last_activity_at": long_ago})
    fresh = new_session(A.IDLE).model_copy(update={"last_activity_at": utcnow()})
    forgotten = new_session(A.IDLE, heartbeat_timeout_in_second=60).model_copy(
        update={"last_activity_at": utcnow() - timedelta(minutes=5)}
    )
    permanent = new_session(A.IDLE, type=ApplicationType.PERMANENT_SESSION).model_copy(
        update={"last_activity_at": long_ago}
    )
    for app in (idle, busy, fresh, forgotten, permanent):
        await store.insert_application(app)
    kills = await collect(bus, SUBMITTER_QUEUE)
    manager = SessionManager(store=store, bus=bus, settings=settings)

    ended = await manager.run_once()
    await bus.drain()

    assert sorted(ended) == sorted([idle.id, forgotten.id])
    assert sorted(k.app_id for k in kills if isinstance(k, KillApplication)) == sorted(ended)
    marked = await store.get_application(idle.id)
    assert marked is not None and marked.kill_requested
    assert marked.state_reason == "idle timeout: no activity for 90m"
    assert await manager.run_once() == []  # asked once, not at every pass


async def test_permanent_sessions_are_created_once_and_launched(
    store: SqliteStore, bus: MemoryBus, settings: Settings
) -> None:
    specs = [
        PermanentSessionSpec.model_validate(
            {"id": "shared", "submitParams": {"kind": "sql", "conf": {"spark.x": 1}}}
        )
    ]
    sessions = settings.sessions.model_copy(update={"permanent_sessions": specs})
    configured = settings.model_copy(update={"sessions": sessions})
    launches = await collect(bus, SUBMITTER_QUEUE)
    for _ in range(2):
        manager = SessionManager(store=store, bus=bus, settings=configured)
        await manager.start()
        await manager.stop()
    await bus.drain()

    session = await store.get_application("shared")
    assert session is not None
    assert session.type is ApplicationType.PERMANENT_SESSION
    assert session.kind == "sql"
    assert session.kernel_secret
    assert session.submit_params.permanent
    assert launches == [LaunchApplication(app_id="shared")] * 2
