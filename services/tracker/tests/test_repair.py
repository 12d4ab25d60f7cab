from datetime import UTC, datetime

from lighter_common.domain.states import ApplicationState
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord, record_id
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.sqlite import SqliteStore
from lighter_tracker.repair import LogRepair

from tests.harness.in_process import new_batch


async def test_a_pass_finishes_a_change_whose_writer_died_before_the_document(
    store: SqliteStore,
) -> None:
    app = await store.insert_application(new_batch(ApplicationState.RUNNING))
    logged = store._logged_applications  # a writer that appended the record, then died
    await logged.append(
        TransitionRecord(
            _id=record_id(app.id, 1),
            subject=app.id,
            kind=SubjectKind.APPLICATION,
            application_id=app.id,
            seq=1,
            from_state="running",
            to_state="success",
            changes=logged.encode({"state": ApplicationState.SUCCESS}),
            at=datetime.now(UTC),
        )
    )
    repair = LogRepair(store)

    assert await repair.run_once() == 1
    assert await repair.run_once() == 0
    listed = await store.find_applications(ApplicationQuery(states=[ApplicationState.SUCCESS]))
    assert [found.id for found in listed] == [app.id]
