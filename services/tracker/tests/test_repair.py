from datetime import UTC, datetime, timedelta

from lighter_common.domain.states import ApplicationState
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord, record_id
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.sqlite import SqliteStore
from lighter_tracker.repair import LogRepair

from tests.harness.in_process import new_batch

DAY = 24 * 3600.0


def first_change(
    store: SqliteStore,
    app_id: str,
    before: ApplicationState,
    after: ApplicationState,
    *,
    at: datetime | None = None,
) -> TransitionRecord:
    """The record of an application's first change, as a writer logs it."""
    return TransitionRecord(
        _id=record_id(app_id, 1),
        subject=app_id,
        kind=SubjectKind.APPLICATION,
        application_id=app_id,
        seq=1,
        from_state=before.value,
        to_state=after.value,
        changes=store._logged_applications.encode({"state": after}),
        at=at or datetime.now(UTC),
    )


async def test_a_pass_finishes_a_change_whose_writer_died_before_the_document(
    store: SqliteStore,
) -> None:
    app = await store.insert_application(new_batch(ApplicationState.RUNNING))
    # A writer that appended the record, then died.
    await store._logged_applications.append(
        first_change(store, app.id, ApplicationState.RUNNING, ApplicationState.SUCCESS)
    )
    repair = LogRepair(store, retention=3600)

    assert await repair.run_once() == 1
    assert await repair.run_once() == 0
    listed = await store.find_applications(ApplicationQuery(states=[ApplicationState.SUCCESS]))
    assert [found.id for found in listed] == [app.id]


async def test_records_older_than_the_retention_are_forgotten_and_documents_kept(
    store: SqliteStore,
) -> None:
    old = await store.insert_application(new_batch(ApplicationState.NOT_STARTED))
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    record = first_change(
        store, old.id, ApplicationState.NOT_STARTED, ApplicationState.STARTING, at=two_days_ago
    )
    await store._logged_applications.append(record)
    await store._logged_applications.apply(old.id, record)
    new = await store.insert_application(new_batch(ApplicationState.NOT_STARTED))
    await store.update_application(new.id, {"state": ApplicationState.STARTING})

    await LogRepair(store, retention=DAY, forget_every=0).run_once()

    assert await store.transitions(old.id) == []
    assert len(await store.transitions(new.id)) == 1
    kept = await store.get_application(old.id)
    assert kept is not None and (kept.state, kept.seq) == (ApplicationState.STARTING, 1)
    moved = await store.update_application(old.id, {"state": ApplicationState.RUNNING})
    assert moved is not None and moved.seq == 2
