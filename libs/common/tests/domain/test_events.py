from datetime import UTC, datetime, timedelta

import pytest
from lighter_common.domain.events import EventCursor, EventFilter, EventWindow, render_event
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord

T0 = datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)


def record(
    app: str, seq: int, at: datetime, to_state: str | None = "starting", **fields: object
) -> TransitionRecord:
    subject = str(fields.pop("subject", app))
    return TransitionRecord(
        _id=f"{subject}:{seq}",
        subject=subject,
        kind=fields.pop("kind", SubjectKind.APPLICATION),
        application_id=app,
        seq=seq,
        from_state="not_started",
        to_state=to_state,
        changes={},
        at=at,
        **fields,
    )


def test_a_cursor_survives_its_round_trip_through_last_event_id() -> None:
    cursor = EventCursor(T0, "a-b_c.d/3:7")
    assert EventCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("value", ["", "abc", "12", "_x", "x_1:1", "-5_a:1"])
def test_a_malformed_last_event_id_names_no_cursor(value: str) -> None:
    assert EventCursor.decode(value) is None


def test_events_render_states_reason_and_utc_time() -> None:
    event = render_event(record("a", 1, T0, "error", reason="exit code 1"), "BATCH")
    assert event == {
        "id": "a",
        "type": "BATCH",
        "state": "error",
        "previousState": "not_started",
        "reason": "exit code 1",
        "at": "2026-01-02T03:04:05.123000Z",
    }


def test_statement_events_name_their_session_and_statement() -> None:
    change = record("s", 1, T0, "running", subject="s/4", kind=SubjectKind.STATEMENT)
    event = render_event(change, "SESSION")
    assert (event["id"], event["type"], event["statementId"]) == ("s", "STATEMENT", 4)


def test_filter_by_application_and_type() -> None:
    batch = record("a", 1, T0)
    assert EventFilter().admits(batch, "BATCH")
    assert EventFilter(application_ids={"a"}).admits(batch, "BATCH")
    assert not EventFilter(application_ids={"b"}).admits(batch, "BATCH")
    assert not EventFilter(types={"SESSION"}).admits(batch, "BATCH")
    assert EventFilter(types={"SESSION", "BATCH"}).admits(batch, "BATCH")


def test_a_window_sends_each_record_once_in_the_global_order() -> None:
    window = EventWindow(floor=EventCursor(T0, ""), skew=timedelta(seconds=2))
    first = [record("b", 1, T0 + timedelta(seconds=1)), record("a", 1, T0 + timedelta(seconds=1))]
    assert [r.id for r in window.take(first)] == ["a:1", "b:1"]
    assert window.take(first) == []
    assert window.read_from == T0 + timedelta(seconds=1) - timedelta(seconds=2)


def test_a_record_stamped_behind_the_cursor_by_a_slower_clock_is_still_sent() -> None:
    window = EventWindow(floor=EventCursor(T0, ""), skew=timedelta(seconds=2))
    window.take([record("a", 1, T0 + timedelta(seconds=5))])
    late = record("b", 1, T0 + timedelta(seconds=4))
    assert window.take([record("a", 1, T0 + timedelta(seconds=5)), late]) == [late]


def test_resuming_sends_only_what_follows_the_last_event() -> None:
    sent = record("a", 1, T0)
    window = EventWindow(floor=EventCursor.of(sent), skew=timedelta(seconds=2))
    later = record("a", 2, T0 + timedelta(milliseconds=1))
    assert window.take([record("z", 1, T0 - timedelta(seconds=1)), sent, later]) == [later]


def test_a_record_keeps_its_time_to_the_millisecond_as_every_store_does() -> None:
    first, second = record("a", 1, T0), record("a", 2, T0 + timedelta(microseconds=999))

    assert first.at == second.at == T0
    assert TransitionRecord.model_validate_json(first.model_dump_json(by_alias=True)) == first
