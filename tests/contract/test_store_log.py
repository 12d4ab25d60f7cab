"""The Store contract's log, sweep filters, idempotency keys and unavailability, per adapter."""

from datetime import UTC, datetime, timedelta

import pytest
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord, record_id
from lighter_common.store.base import ApplicationQuery, Store, StoreUnavailable
from lighter_common.store.mongo import MongoStore

A = ApplicationState
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(params=["mongo", "sqlite"])
def store(request: pytest.FixtureRequest) -> Store:
    adapter: Store = request.getfixturevalue(f"{request.param}_store")
    return adapter


def make_app(name: str = "job", **fields: object) -> Application:
    return Application(
        type=ApplicationType.BATCH,
        submit_params=SubmitParams(name=name, file="/jobs/pi.py"),
        created_at=T0,
        **fields,
    )


async def test_every_change_is_logged_in_order_with_its_states_and_reason(store: Store) -> None:
    app = await store.insert_application(make_app())

    await store.update_application(app.id, {"state": A.STARTING}, expected=[A.NOT_STARTED])
    await store.update_application(app.id, {"backend_ref": "driver-1"})
    await store.update_application(
        app.id, {"state": A.ERROR, "state_reason": "exit code 1"}, expected=[A.STARTING]
    )
    refused = await store.update_application(app.id, {"state": A.RUNNING}, expected=[A.STARTING])

    records = await store.transitions(app.id)
    assert refused is None
    assert [(r.seq, r.from_state, r.to_state, r.reason) for r in records] == [
        (1, "not_started", "starting", None),
        (2, "starting", None, None),
        (3, "starting", "error", "exit code 1"),
    ]
    assert all(r.kind is SubjectKind.APPLICATION and r.application_id == app.id for r in records)
    stored = await store.get_application(app.id)
    assert stored is not None and stored.seq == 3 and stored.backend_ref == "driver-1"


async def test_statement_changes_are_logged_under_their_session(store: Store) -> None:
    await store.insert_statement(Statement(session_id="s1", id=-1, code="1 + 1"))
    await store.update_statement(
        "s1", 0, {"state": StatementState.RUNNING}, expected=[StatementState.WAITING]
    )

    records = await store.transitions("s1", kind=SubjectKind.STATEMENT)

    assert [(r.subject, r.from_state, r.to_state) for r in records] == [
        ("s1/0", "waiting", "running")
    ]
    assert await store.transitions("s1") == []


async def crash_after_logging(store: Store, app: Application, changes: dict[str, object]) -> None:
    """Append the next record as a writer would, and die before updating the document."""
    logged = store._logged_applications  # type: ignore[attr-defined]
    seq = app.seq + 1
    record = TransitionRecord(
        _id=record_id(app.id, seq),
        subject=app.id,
        kind=SubjectKind.APPLICATION,
        application_id=app.id,
        seq=seq,
        from_state=app.state.value,
        to_state=str(changes.get("state")) if "state" in changes else None,
        changes=logged.encode(changes),
        at=datetime.now(UTC),
    )
    assert await logged.append(record)


async def test_a_document_behind_its_log_reads_up_to_date(store: Store) -> None:
    app = await store.insert_application(make_app())
    await crash_after_logging(store, app, {"state": A.STARTING, "backend_ref": "driver-1"})

    stored = await store.get_application(app.id)

    assert stored is not None and (stored.state, stored.backend_ref) == (A.STARTING, "driver-1")
    by_livy_id = await store.get_application_by_livy_id(app.livy_id)
    assert by_livy_id == stored


async def test_a_writer_finishes_the_change_a_crash_left_before_deciding(store: Store) -> None:
    app = await store.insert_application(make_app())
    await crash_after_logging(store, app, {"state": A.STARTING})

    claimed_again = await store.update_application(
        app.id, {"state": A.STARTING}, expected=[A.NOT_STARTED]
    )
    running = await store.update_application(app.id, {"state": A.RUNNING}, expected=[A.STARTING])

    assert claimed_again is None  # the logged claim counts: nobody claims twice
    assert running is not None and running.seq == 2


async def test_repair_brings_listed_documents_up_to_date(store: Store) -> None:
    behind = await store.insert_application(make_app("behind"))
    await store.insert_application(make_app("current"))
    await crash_after_logging(store, behind, {"state": A.KILLED})
    since = datetime.now(UTC) - timedelta(minutes=1)

    assert await store.repair(since) == 1
    assert await store.repair(since) == 0

    killed, _ = await store.list_applications(ApplicationQuery(states=[A.KILLED]))
    assert [app.name for app in killed] == ["behind"]


async def test_activity_times_are_written_in_place_without_a_record(store: Store) -> None:
    app = await store.insert_application(make_app(state=A.IDLE, generation=2))
    heard = T0 + timedelta(minutes=5)

    touched = await store.touch_application(
        app.id, {"contacted_at": heard}, expected=[A.IDLE], only_if={"generation": 2}
    )
    wrong_generation = await store.touch_application(
        app.id, {"contacted_at": T0}, expected=[A.IDLE], only_if={"generation": 1}
    )
    wrong_state = await store.touch_application(app.id, {"heartbeat_at": T0}, expected=[A.BUSY])

    stored = await store.get_application(app.id)
    assert (touched, wrong_generation, wrong_state) == (True, False, False)
    assert stored is not None
    assert (stored.contacted_at, stored.heartbeat_at, stored.seq) == (heard, None, 0)
    assert await store.transitions(app.id) == []
    assert (
        await store.touch_application("no-such-id", {"contacted_at": T0}, expected=[A.IDLE])
        is False
    )
    moved = await store.update_application(app.id, {"state": A.BUSY}, expected=[A.IDLE])
    assert moved is not None and moved.contacted_at == heard
    stale = await store.touch_application(
        app.id, {"contacted_at": T0}, expected=[A.BUSY], only_if={"seq": 0}
    )
    assert stale is False  # written over the document as read before the change: refused


async def test_a_change_cannot_be_written_as_an_activity_time(store: Store) -> None:
    app = await store.insert_application(make_app())

    with pytest.raises(ValueError, match="state"):
        await store.touch_application(app.id, {"state": A.DEAD}, expected=[A.NOT_STARTED])  # type: ignore[dict-item]

    stored = await store.get_application(app.id)
    assert stored is not None and stored.state is A.NOT_STARTED


async def test_records_logged_before_a_time_are_forgotten(store: Store) -> None:
    app = await store.insert_application(make_app())
    await store.update_application(app.id, {"state": A.STARTING})
    cut = datetime.now(UTC) + timedelta(seconds=1)

    assert await store.forget_transitions(cut - timedelta(hours=1)) == 0
    assert await store.forget_transitions(cut) == 1

    assert await store.transitions(app.id) == []
    stored = await store.get_application(app.id)
    assert stored is not None and (stored.state, stored.seq) == (A.STARTING, 1)


async def test_sweep_filters(store: Store) -> None:
    old = T0 - timedelta(hours=1)
    await store.insert_application(make_app("started-long-ago", started_at=old))
    await store.insert_application(make_app("started-now", started_at=T0))
    await store.insert_application(make_app("finished-long-ago", finished_at=old))
    await store.insert_application(make_app("finished-now", finished_at=T0))
    await store.insert_application(make_app("kill-wanted", kill_requested=True))

    async def names(query: ApplicationQuery) -> set[str | None]:
        return {app.name for app in await store.find_applications(query)}

    cutoff = T0 - timedelta(minutes=1)
    assert await names(ApplicationQuery(started_before=cutoff)) == {"started-long-ago"}
    assert await names(ApplicationQuery(finished_after=cutoff)) == {"finished-now"}
    assert await names(ApplicationQuery(kill_requested=True)) == {"kill-wanted"}
    assert "kill-wanted" not in await names(ApplicationQuery(kill_requested=False))


async def test_an_idempotency_key_is_held_by_its_first_claim(store: Store) -> None:
    first = IdempotencyKey(_id="batches:k1", fingerprint="f1", app_id="a1", created_at=T0)
    second = IdempotencyKey(_id="batches:k1", fingerprint="f2", app_id="a2", created_at=T0)

    assert await store.claim_idempotency_key(first) == first
    assert await store.claim_idempotency_key(second) == first


async def test_old_idempotency_keys_are_forgotten(store: Store) -> None:
    old = IdempotencyKey(_id="k-old", fingerprint="f", app_id="a1", created_at=T0)
    new = IdempotencyKey(_id="k-new", fingerprint="f", app_id="a2", created_at=T0 + timedelta(1))
    await store.claim_idempotency_key(old)
    await store.claim_idempotency_key(new)

    assert await store.forget_idempotency_keys(T0 + timedelta(hours=1)) == 1

    reclaimed = old.model_copy(update={"app_id": "a3"})
    assert await store.claim_idempotency_key(reclaimed) == reclaimed
    assert (await store.claim_idempotency_key(new.model_copy(update={"app_id": "x"}))) == new


async def test_an_unreachable_database_raises_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable):
        await MongoStore.connect("mongodb://127.0.0.1:9/", "lighter", server_timeout=0.5)
