"""Compare-and-set under real concurrency, for every transition the services make.

On the MongoDB-protocol server the racers share one client, so their requests run at once
on the server (FerretDB's updates are not atomic: the transition log must still give one
winner). On SQLite each racer has its own connection in its own thread, so the racers'
statements interleave as separate processes' would.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lighter_common.domain.application import Application, ApplicationType, utcnow
from lighter_common.domain.errors import Conflict
from lighter_common.domain.statement import Statement, StatementOutput
from lighter_common.domain.states import ALIVE_STATES, ApplicationState, StatementState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.domain.transition_record import SubjectKind
from lighter_common.domain.transitions import previous_states
from lighter_common.store.base import Store
from lighter_common.store.sqlite import SqliteStore

A = ApplicationState
S = StatementState
T = TypeVar("T")
Operation = Callable[[Store], Awaitable[T]]

RACERS = 24
ROUNDS = 8


class Race:
    """Runs operations at the same moment, each as a separate client of one database."""

    def __init__(self, store: Store, sqlite_path: Path | None) -> None:
        self.store = store
        self._sqlite_path = sqlite_path
        self._warm = False

    async def run(self, operations: list[Operation[T]]) -> list[T]:
        if self._sqlite_path is None:
            if not self._warm:
                # One connection per racer first, so the pool does not serialize them.
                await asyncio.gather(*(self.store.get_application("-") for _ in range(RACERS)))
                self._warm = True
            return list(await asyncio.gather(*(operation(self.store) for operation in operations)))
        return await asyncio.to_thread(self._in_threads, operations)

    def _in_threads(self, operations: list[Operation[T]]) -> list[T]:
        path = self._sqlite_path
        assert path is not None
        start = threading.Barrier(len(operations))
        results: list[Any] = [None] * len(operations)
        errors: list[BaseException] = []

        async def one(index: int, operation: Operation[T]) -> None:
            store = await SqliteStore.open(path)
            try:
                start.wait()
                results[index] = await operation(store)
            finally:
                await store.close()

        def thread(index: int, operation: Operation[T]) -> None:
            try:
                asyncio.run(one(index, operation))
            except BaseException as error:
                errors.append(error)

        threads = [
            threading.Thread(target=thread, args=(index, operation))
            for index, operation in enumerate(operations)
        ]
        for started in threads:
            started.start()
        for finished in threads:
            finished.join()
        if errors:
            raise errors[0]
        return results


@pytest.fixture(params=["mongo", "sqlite"])
def race(request: pytest.FixtureRequest, tmp_path: Path) -> Race:
    if request.param == "mongo":
        return Race(request.getfixturevalue("mongo_store"), None)
    sqlite_store: SqliteStore = request.getfixturevalue("sqlite_store")
    return Race(sqlite_store, tmp_path / "lighter.db")  # the file sqlite_store opened


def new_app(state: ApplicationState = A.NOT_STARTED, **fields: Any) -> Application:
    return Application(
        type=ApplicationType.BATCH,
        state=state,
        submit_params=SubmitParams(name="race", file="/jobs/pi.py"),
        **fields,
    )


async def assert_one_winner(store: Store, app_id: str, results: list[Any]) -> Any:
    winners = [result for result in results if result is not None]
    assert len(winners) == 1, f"{len(winners)} writers won one transition"
    assert await store.get_application(app_id) == winners[0]
    records = await store.transitions(app_id)
    assert [record.seq for record in records] == list(range(1, len(records) + 1))
    return winners[0]


async def test_claim_has_one_winner(race: Race) -> None:
    for _ in range(ROUNDS):
        app = await race.store.insert_application(new_app())

        def claim(i: int, app: Application = app) -> Operation[Application | None]:
            return lambda store: store.update_application(
                app.id,
                {"state": A.STARTING, "started_at": utcnow(), "backend_ref": None},
                expected=(A.NOT_STARTED,),
                only_if={"deleted": False},
            )

        results = await race.run([claim(i) for i in range(RACERS)])

        await assert_one_winner(race.store, app.id, results)
        starts = [r for r in await race.store.transitions(app.id) if r.to_state == "starting"]
        assert len(starts) == 1


async def test_recording_a_launch_has_one_winner(race: Race) -> None:
    for _ in range(ROUNDS):
        app = await race.store.insert_application(new_app(A.STARTING))

        def record(i: int, app: Application = app) -> Operation[Application | None]:
            return lambda store: store.update_application(
                app.id,
                {"backend_ref": f"driver-{i}"},
                expected=ALIVE_STATES,
                only_if={"backend_ref": None},
            )

        winner = await assert_one_winner(
            race.store, app.id, await race.run([record(i) for i in range(RACERS)])
        )
        assert winner.backend_ref.startswith("driver-")


async def test_finish_and_kill_race_to_one_final_state(race: Race) -> None:
    for _ in range(ROUNDS):
        app = await race.store.insert_application(new_app(A.RUNNING, backend_ref="driver"))

        def finish(i: int, app: Application = app) -> Operation[Application | None]:
            target = (A.SUCCESS, A.KILLED, A.ERROR, A.DEAD)[i % 4]
            return lambda store: store.update_application(
                app.id,
                {"state": target, "state_reason": f"racer {i}", "finished_at": utcnow()},
                expected=previous_states(target),
            )

        winner = await assert_one_winner(
            race.store, app.id, await race.run([finish(i) for i in range(RACERS)])
        )
        records = await race.store.transitions(app.id)
        assert [(r.from_state, r.to_state) for r in records] == [("running", winner.state.value)]


async def test_kill_request_is_never_lost_to_a_concurrent_change(race: Race) -> None:
    """A delete (unconditional) racing the tracker's changes is applied, whoever goes first."""
    for _ in range(ROUNDS):
        app = await race.store.insert_application(new_app(A.STARTING, backend_ref="driver"))

        def change(i: int, app: Application = app) -> Operation[Application | None]:
            if i == 0:
                return lambda store: store.update_application(
                    app.id, {"deleted": True, "kill_requested": True}
                )
            return lambda store: store.update_application(
                app.id, {"app_id": f"local-{i}", "contacted_at": utcnow()}, expected=ALIVE_STATES
            )

        await race.run([change(i) for i in range(RACERS)])

        stored = await race.store.get_application(app.id)
        assert stored is not None and stored.deleted and stored.kill_requested
        assert len(await race.store.transitions(app.id)) == RACERS


async def test_statement_dispatch_has_one_winner(race: Race) -> None:
    for round_number in range(ROUNDS):
        session = f"session-{round_number}"
        await race.store.insert_statement(Statement(session_id=session, id=-1, code="1 + 1"))

        def claim(i: int, session: str = session) -> Operation[Statement | None]:
            return lambda store: store.update_statement(
                session,
                0,
                {"state": S.RUNNING, "dispatched_to": i, "started_at": utcnow()},
                expected=(S.WAITING,),
            )

        results = await race.run([claim(i) for i in range(RACERS)])

        winners = [result for result in results if result is not None]
        assert len(winners) == 1
        assert await race.store.get_statement(session, 0) == winners[0]
        records = await race.store.transitions(session, kind=SubjectKind.STATEMENT)
        assert [(r.from_state, r.to_state) for r in records] == [("waiting", "running")]


async def test_statement_result_and_cancel_race_to_one_end(race: Race) -> None:
    for round_number in range(ROUNDS):
        session = f"session-{round_number}"
        await race.store.insert_statement(Statement(session_id=session, id=-1, code="x"))
        await race.store.update_statement(session, 0, {"state": S.RUNNING, "dispatched_to": 0})
        output = StatementOutput(status="ok", execution_count=0, data={"text/plain": "2"})

        def end(
            i: int, session: str = session, output: StatementOutput = output
        ) -> Operation[Statement | None]:
            if i % 2:
                return lambda store: store.update_statement(
                    session, 0, {"state": S.CANCELLED}, expected=(S.WAITING, S.RUNNING)
                )
            return lambda store: store.update_statement(
                session, 0, {"state": S.AVAILABLE, "output": output}, expected=(S.RUNNING,)
            )

        results = await race.run([end(i) for i in range(RACERS)])

        winners = [result for result in results if result is not None]
        assert len(winners) == 1
        stored = await race.store.get_statement(session, 0)
        assert stored == winners[0] and stored is not None and stored.state.is_finished


async def test_racing_inserts_with_one_id_have_one_winner(race: Race) -> None:
    app = new_app()

    def insert(i: int) -> Operation[str]:
        async def attempt(store: Store) -> str:
            try:
                await store.insert_application(app)
            except Conflict:
                return "conflict"
            return "inserted"

        return attempt

    results = await race.run([insert(i) for i in range(RACERS)])

    assert results.count("inserted") == 1
