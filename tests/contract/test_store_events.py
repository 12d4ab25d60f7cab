"""The Store contract's global read of the log (the event stream's source), owner filter and
the counts the capacity gate and the per-user quota take."""

from datetime import UTC, datetime, timedelta

import pytest
from lighter_common.domain.application import (
    BATCH_TYPES,
    SESSION_TYPES,
    Application,
    ApplicationType,
)
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import (
    ALIVE_STATES,
    UNFINISHED_STATES,
    ApplicationState,
    StatementState,
)
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.store.base import ApplicationQuery, Store

A = ApplicationState


@pytest.fixture(params=["mongo", "sqlite"])
def store(request: pytest.FixtureRequest) -> Store:
    adapter: Store = request.getfixturevalue(f"{request.param}_store")
    return adapter


async def new_app(store: Store, name: str) -> Application:
    return await store.insert_application(
        Application(type=ApplicationType.BATCH, submit_params=SubmitParams(name=name, file="/x"))
    )


async def test_records_of_every_application_read_in_one_order(store: Store) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    first, second = await new_app(store, "first"), await new_app(store, "second")
    await store.update_application(first.id, {"state": A.STARTING}, expected=[A.NOT_STARTED])
    await store.update_application(second.id, {"state": A.STARTING}, expected=[A.NOT_STARTED])
    await store.update_application(first.id, {"state": A.RUNNING}, expected=[A.STARTING])
    await store.insert_statement(Statement(session_id=second.id, id=-1, code="1"))
    await store.update_statement(
        second.id, 0, {"state": StatementState.RUNNING}, expected=[StatementState.WAITING]
    )

    records = await store.transitions_since(started, limit=100)

    assert sorted((r.application_id, r.to_state) for r in records) == sorted(
        [
            (first.id, "starting"),
            (second.id, "starting"),
            (first.id, "running"),
            (second.id, "running"),
        ]
    )
    assert [r.seq for r in records if r.subject == first.id] == [1, 2]
    keys = [(r.at, r.id) for r in records]
    assert keys == sorted(keys)
    assert await store.transitions_since(started, limit=100) == records


async def test_a_read_starts_at_a_time_and_stops_at_the_limit(store: Store) -> None:
    app = await new_app(store, "job")
    await store.update_application(app.id, {"state": A.STARTING}, expected=[A.NOT_STARTED])
    await store.update_application(app.id, {"state": A.RUNNING}, expected=[A.STARTING])
    await store.update_application(app.id, {"state": A.SUCCESS}, expected=[A.RUNNING])
    everything = await store.transitions_since(datetime(2000, 1, 1, tzinfo=UTC), limit=100)

    for record in everything:
        later = [other for other in everything if other.at >= record.at]
        assert await store.transitions_since(record.at, limit=100) == later
    assert await store.transitions_since(everything[0].at, limit=2) == everything[:2]
    assert await store.transitions_since(everything[-1].at + timedelta(seconds=1), limit=9) == []


async def test_lists_filter_by_owner(store: Store) -> None:
    params = SubmitParams(name="owned", file="/x")
    mine = await store.insert_application(
        Application(type=ApplicationType.BATCH, submit_params=params, owner="alice")
    )
    await store.insert_application(
        Application(type=ApplicationType.BATCH, submit_params=params, owner="bob")
    )
    await store.insert_application(Application(type=ApplicationType.BATCH, submit_params=params))

    found, total = await store.list_applications(ApplicationQuery(owner="alice"))

    assert [app.id for app in found] == [mine.id] and total == 1


async def test_counts_for_capacity_and_the_per_owner_quota_include_deleted(store: Store) -> None:
    params = SubmitParams(name="counted", file="/x")
    for type, state, owner, deleted in [
        (ApplicationType.BATCH, A.RUNNING, "alice", False),
        (ApplicationType.BATCH, A.STARTING, "alice", True),
        (ApplicationType.BATCH, A.SUCCESS, "alice", False),
        (ApplicationType.SESSION, A.IDLE, "bob", False),
        (ApplicationType.PERMANENT_SESSION, A.BUSY, "alice", False),
        (ApplicationType.BATCH, A.NOT_STARTED, "alice", False),
    ]:
        await store.insert_application(
            Application(type=type, state=state, owner=owner, deleted=deleted, submit_params=params)
        )
    alive, unfinished = tuple(ALIVE_STATES), tuple(UNFINISHED_STATES)
    counts = {
        "alive batches": ApplicationQuery(types=BATCH_TYPES, states=alive, include_deleted=True),
        "alive sessions": ApplicationQuery(types=SESSION_TYPES, states=alive, include_deleted=True),
        "starting": ApplicationQuery(states=(A.STARTING,), include_deleted=True),
        "alice's unfinished": ApplicationQuery(
            states=unfinished, owner="alice", include_deleted=True, limit=None
        ),
        "carol's unfinished": ApplicationQuery(
            states=unfinished, owner="carol", include_deleted=True, limit=None
        ),
    }

    assert {name: await store.count_applications(query) for name, query in counts.items()} == {
        "alive batches": 2,
        "alive sessions": 2,
        "starting": 1,
        "alice's unfinished": 4,
        "carol's unfinished": 0,
    }
