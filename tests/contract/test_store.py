"""The Store contract (lighter_common/store/base.py), run against every adapter."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lighter_common.domain.application import AppInfo, Application, ApplicationType
from lighter_common.domain.errors import Conflict
from lighter_common.domain.statement import Statement, StatementOutput
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.store.base import ApplicationQuery, Store

A = ApplicationState
S = StatementState
T0 = datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)

RACERS = 20


@pytest.fixture(params=["mongo", "sqlite"])
def store(request: pytest.FixtureRequest) -> Store:
    adapter: Store = request.getfixturevalue(f"{request.param}_store")
    return adapter


def make_app(
    name: str | None = "job",
    *,
    type: ApplicationType = ApplicationType.BATCH,
    state: ApplicationState = A.NOT_STARTED,
    created_at: datetime = T0,
    **fields: object,
) -> Application:
    return Application(
        type=type,
        state=state,
        created_at=created_at,
        submit_params=SubmitParams(name=name, file="/jobs/pi.py"),
        **fields,
    )


def make_statement(session_id: str, code: str = "1 + 1") -> Statement:
    return Statement(session_id=session_id, id=-1, code=code, created_at=T0)


async def insert_apps(store: Store, count: int, **fields: Any) -> list[Application]:
    return [
        await store.insert_application(
            make_app(f"app-{i}", created_at=T0 + timedelta(seconds=i), **fields)
        )
        for i in range(count)
    ]


async def ids(store: Store, query: ApplicationQuery) -> list[str]:
    page, _ = await store.list_applications(query)
    return [app.name or "" for app in page]


# Applications


async def test_inserted_application_reads_back_by_id_and_livy_id(store: Store) -> None:
    app = make_app(owner="ana")

    stored = await store.insert_application(app)

    assert stored.id == app.id
    assert stored.livy_id >= 0
    assert await store.get_application(app.id) == stored
    assert await store.get_application_by_livy_id(stored.livy_id) == stored
    assert stored.created_at == T0
    assert stored.created_at.tzinfo is not None
    assert stored.owner == "ana"


async def test_missing_application_is_none(store: Store) -> None:
    assert await store.get_application("no-such-id") is None
    assert await store.get_application_by_livy_id(424242) is None


async def test_livy_ids_are_unique_and_increasing(store: Store) -> None:
    sequential = [await store.insert_application(make_app()) for _ in range(5)]
    await warm_up(store)
    concurrent = await asyncio.gather(*(store.insert_application(make_app()) for _ in range(20)))

    livy_ids = [app.livy_id for app in sequential]
    assert livy_ids == sorted(livy_ids)
    assert len(set(livy_ids)) == len(livy_ids)
    all_ids = livy_ids + [app.livy_id for app in concurrent]
    assert len(set(all_ids)) == 25
    assert min(app.livy_id for app in concurrent) > max(livy_ids)


async def test_duplicate_id_is_a_conflict(store: Store) -> None:
    first = await store.insert_application(make_app("first"))

    with pytest.raises(Conflict):
        await store.insert_application(make_app("second", id=first.id))

    assert (await store.get_application(first.id)) == first


async def test_list_filters_by_type_state_and_search(store: Store) -> None:
    await store.insert_application(make_app("Nightly ETL (v1.2)", state=A.RUNNING))
    await store.insert_application(make_app("nightly report", state=A.SUCCESS))
    session = await store.insert_application(
        make_app("notebook", type=ApplicationType.SESSION, state=A.IDLE)
    )

    assert await ids(store, ApplicationQuery(types=[ApplicationType.SESSION])) == ["notebook"]
    assert sorted(await ids(store, ApplicationQuery(states=[A.RUNNING, A.IDLE]))) == [
        "Nightly ETL (v1.2)",
        "notebook",
    ]
    assert sorted(await ids(store, ApplicationQuery(search="NIGHTLY"))) == [
        "Nightly ETL (v1.2)",
        "nightly report",
    ]
    # The user's text is matched literally, never as a pattern.
    assert await ids(store, ApplicationQuery(search="etl (v1.2")) == ["Nightly ETL (v1.2)"]
    assert await ids(store, ApplicationQuery(search=".*")) == []
    assert await ids(store, ApplicationQuery(search=session.id[:8].upper())) == ["notebook"]
    both = ApplicationQuery(types=[ApplicationType.BATCH], states=[A.SUCCESS], search="night")
    assert await ids(store, both) == ["nightly report"]


async def test_list_pages_with_the_total_of_all_matches(store: Store) -> None:
    await insert_apps(store, 7)

    page, total = await store.list_applications(ApplicationQuery(offset=2, limit=3))
    assert [app.name for app in page] == ["app-4", "app-3", "app-2"]
    assert total == 7

    page, total = await store.list_applications(ApplicationQuery(offset=10, limit=3))
    assert (page, total) == ([], 7)
    assert await store.count_applications(ApplicationQuery(limit=1)) == 7


async def test_list_orders_newest_or_oldest_first(store: Store) -> None:
    await insert_apps(store, 3)

    assert await ids(store, ApplicationQuery()) == ["app-2", "app-1", "app-0"]
    assert await ids(store, ApplicationQuery(oldest_first=True)) == ["app-0", "app-1", "app-2"]


async def test_same_creation_time_keeps_insertion_order(store: Store) -> None:
    for name in ("a", "b", "c"):
        await store.insert_application(make_app(name))

    assert await ids(store, ApplicationQuery(oldest_first=True)) == ["a", "b", "c"]


async def test_deleted_applications_are_hidden_unless_asked(store: Store) -> None:
    kept, gone = await insert_apps(store, 2)
    await store.update_application(gone.id, {"deleted": True})

    assert await ids(store, ApplicationQuery()) == [kept.name]
    assert sorted(await ids(store, ApplicationQuery(include_deleted=True))) == ["app-0", "app-1"]
    assert await ids(store, ApplicationQuery(deleted=True)) == [gone.name]
    assert await store.count_applications(ApplicationQuery()) == 1


async def test_list_filters_by_backend_ref_and_creation_time(store: Store) -> None:
    launched, waiting = await insert_apps(store, 2)
    await store.update_application(launched.id, {"backend_ref": "pid-42"})

    assert await ids(store, ApplicationQuery(backend_ref_missing=True)) == [waiting.name]
    assert await ids(store, ApplicationQuery(backend_ref_missing=False)) == [launched.name]
    before = ApplicationQuery(created_before=T0 + timedelta(milliseconds=500))
    assert await ids(store, before) == [launched.name]


async def test_compare_and_set_moves_an_expected_state(store: Store) -> None:
    app = await store.insert_application(make_app())
    info = AppInfo(driver_log_url="http://logs/1", spark_ui_url=None)
    started = datetime(2026, 1, 2, 3, 5, tzinfo=UTC)

    updated = await store.update_application(
        app.id,
        {"state": A.STARTING, "app_info": info, "started_at": started, "backend_ref": "pid-1"},
        expected=[A.NOT_STARTED],
    )

    assert updated is not None
    assert (updated.state, updated.app_info, updated.started_at) == (A.STARTING, info, started)
    assert updated.backend_ref == "pid-1"
    assert updated.livy_id == app.livy_id
    assert await store.get_application(app.id) == updated


async def test_compare_and_set_accepts_plain_values(store: Store) -> None:
    app = await store.insert_application(make_app())

    updated = await store.update_application(
        app.id, {"state": "starting", "app_info": {"spark_ui_url": "http://ui"}}
    )

    assert updated is not None
    assert updated.state is A.STARTING
    assert updated.app_info.spark_ui_url == "http://ui"


async def test_compare_and_set_refuses_a_wrong_state(store: Store) -> None:
    app = await store.insert_application(make_app(state=A.RUNNING))

    assert await store.update_application(app.id, {"state": A.IDLE}, expected=[A.STARTING]) is None
    assert await store.update_application(app.id, {"state": A.IDLE}, expected=[]) is None
    assert await store.get_application(app.id) == app


async def test_compare_and_set_checks_only_if_fields(store: Store) -> None:
    app = await store.insert_application(make_app(backend_ref="pod-a", generation=3))

    refused = await store.update_application(
        app.id, {"state": A.KILLED}, only_if={"backend_ref": "pod-b"}
    )
    assert refused is None
    assert (
        await store.update_application(app.id, {"state": A.KILLED}, only_if={"generation": 2})
        is None
    )

    moved = await store.update_application(
        app.id,
        {"state": A.KILLED, "backend_ref": None},
        expected=[A.NOT_STARTED],
        only_if={"backend_ref": "pod-a", "generation": 3, "kill_requested": False},
    )
    assert moved is not None
    assert (moved.state, moved.backend_ref) == (A.KILLED, None)
    assert (
        await store.update_application(app.id, {"generation": 4}, only_if={"backend_ref": None})
        is not None
    )


async def test_compare_and_set_on_a_missing_application_is_none(store: Store) -> None:
    assert await store.update_application("no-such-id", {"state": A.DEAD}) is None


async def warm_up(store: Store) -> None:
    """Open a connection per racer first: a fresh client opens its first connections a couple
    at a time, which alone can serialize the racers."""
    await asyncio.gather(*(store.get_application("warm-up") for _ in range(RACERS)))


# Statements


async def test_statements_are_numbered_from_zero_per_session(store: Store) -> None:
    first = await store.insert_statement(make_statement("s1", "a = 1"))
    second = await store.insert_statement(make_statement("s1", "a + 1"))
    other = await store.insert_statement(make_statement("s2"))

    assert (first.id, second.id, other.id) == (0, 1, 0)
    assert await store.get_statement("s1", 1) == second
    assert await store.get_statement("s1", 2) is None


async def test_concurrent_statements_get_distinct_consecutive_ids(store: Store) -> None:
    await warm_up(store)
    stored = await asyncio.gather(
        *(store.insert_statement(make_statement("s1", f"x = {i}")) for i in range(50))
    )

    assert sorted(statement.id for statement in stored) == list(range(50))
    listed, total = await store.list_statements("s1")
    assert [statement.id for statement in listed] == list(range(50))
    assert total == 50
    assert {statement.code for statement in listed} == {f"x = {i}" for i in range(50)}


async def test_statements_list_by_state_with_paging(store: Store) -> None:
    for _ in range(4):
        await store.insert_statement(make_statement("s1"))
    await store.update_statement("s1", 1, {"state": S.RUNNING})
    await store.update_statement("s1", 3, {"state": S.RUNNING})

    running, total = await store.list_statements("s1", states=[S.RUNNING])
    assert ([s.id for s in running], total) == ([1, 3], 2)
    page, total = await store.list_statements("s1", offset=1, limit=2)
    assert ([s.id for s in page], total) == ([1, 2], 4)


async def test_statement_compare_and_set(store: Store) -> None:
    await store.insert_statement(make_statement("s1"))
    output = StatementOutput(status="ok", execution_count=0, data={"text/plain": "2"})
    done = datetime(2026, 1, 2, 3, 6, tzinfo=UTC)

    assert (
        await store.update_statement("s1", 0, {"state": S.AVAILABLE}, expected=[S.CANCELLING])
        is None
    )
    updated = await store.update_statement(
        "s1",
        0,
        {"state": S.AVAILABLE, "output": output, "progress": 1.0, "completed_at": done},
        expected=[S.WAITING, S.RUNNING],
    )

    assert updated is not None
    assert (updated.state, updated.output, updated.completed_at) == (S.AVAILABLE, output, done)
    assert await store.get_statement("s1", 0) == updated
    assert await store.update_statement("s1", 9, {"state": S.RUNNING}) is None


# Logs


async def test_logs_are_stored_and_replaced_whole(store: Store) -> None:
    assert await store.get_log("app-1") is None

    await store.put_log("app-1", "line 1\nline 2")
    assert await store.get_log("app-1") == "line 1\nline 2"

    big = "".join(f"{i:08d} driver says something\n" for i in range(2 * 1024 * 1024 // 32))
    await store.put_log("app-1", big)
    assert await store.get_log("app-1") == big
    await store.put_log("app-1", "")
    assert await store.get_log("app-1") == ""


# Leases


async def test_lease_holder_renews_and_others_wait_for_the_ttl(store: Store) -> None:
    assert await store.acquire_lease("scheduler", "replica-a", ttl=0.5)
    assert await store.acquire_lease("scheduler", "replica-a", ttl=0.5)
    assert not await store.acquire_lease("scheduler", "replica-b", ttl=0.5)
    assert await store.acquire_lease("other-job", "replica-b", ttl=0.5)

    await asyncio.sleep(0.7)

    assert await store.acquire_lease("scheduler", "replica-b", ttl=30)
    assert not await store.acquire_lease("scheduler", "replica-a", ttl=30)


async def test_lease_released_with_a_zero_ttl(store: Store) -> None:
    assert await store.acquire_lease("scheduler", "replica-a", ttl=30)
    assert await store.acquire_lease("scheduler", "replica-a", ttl=0)

    assert await store.acquire_lease("scheduler", "replica-b", ttl=30)


async def test_spark_conf_with_dotted_keys_round_trips(store: Store) -> None:
    conf = {"spark.executor.memory": "2g", "spark.eventLog.enabled": True, "spark.x.n": 3}
    app = Application(
        type=ApplicationType.BATCH, submit_params=SubmitParams(file="a.py", conf=conf)
    )
    await store.insert_application(app)
    stored = await store.get_application(app.id)
    assert stored is not None and stored.submit_params.conf == conf
    listed, _ = await store.list_applications(ApplicationQuery())
    assert listed[0].submit_params.conf == conf
    moved = await store.update_application(app.id, {"state": ApplicationState.STARTING})
    assert moved is not None and moved.submit_params.conf == conf
