"""State-change events read from the transition log, and the cursor that resumes them.

Every change is a transition record; those that change a state become events. Records are
ordered by `at`, then by id, across applications; an event's id is its record's place in
that order (`<microseconds since the epoch>_<record id>`), which is all a client sends back
in `Last-Event-ID` to resume. Writers on other hosts may stamp `at` a little behind the
order a reader has already passed, so a follower re-reads a short window behind its cursor
and sends each record id once (`EventWindow`).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lighter_common.domain.transition_record import SubjectKind, TransitionRecord

STATEMENT_EVENT_TYPE = "STATEMENT"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, order=True)
class EventCursor:
    """A place in the log's global order: everything up to and including it was sent."""

    at: datetime
    record_id: str

    def encode(self) -> str:
        micros = (self.at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.record_id}"

    @classmethod
    def decode(cls, value: str) -> "EventCursor | None":
        """The cursor a `Last-Event-ID` names, or None when it names none."""
        micros, separator, record_id = value.strip().partition("_")
        if not separator or not record_id or not micros.isdigit():
            return None
        return cls(_EPOCH + timedelta(microseconds=int(micros)), record_id)

    @classmethod
    def of(cls, record: TransitionRecord) -> "EventCursor":
        return cls(record.at, record.id)


def is_event(record: TransitionRecord) -> bool:
    """Only records that change a state are events."""
    return record.to_state is not None


def event_type(record: TransitionRecord, application_type: str) -> str:
    """`BATCH`, `SESSION`, `PERMANENT_SESSION` for applications, `STATEMENT` for statements."""
    return STATEMENT_EVENT_TYPE if record.kind is SubjectKind.STATEMENT else application_type


def render_event(record: TransitionRecord, application_type: str) -> dict[str, Any]:
    """The event's JSON: `{id, type, state, previousState, reason, at}` (+ statementId)."""
    event: dict[str, Any] = {
        "id": record.application_id,
        "type": event_type(record, application_type),
        "state": record.to_state,
        "previousState": record.from_state,
        "reason": record.reason,
        "at": record.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    if record.kind is SubjectKind.STATEMENT:
        event["statementId"] = int(record.subject.rsplit("/", 1)[1])
    return event


@dataclass(frozen=True)
class EventFilter:
    """Which events a client asked for; empty collections mean all."""

    application_ids: Collection[str] = ()
    types: Collection[str] = ()

    def admits(self, record: TransitionRecord, application_type: str) -> bool:
        if self.application_ids and record.application_id not in self.application_ids:
            return False
        return not self.types or event_type(record, application_type) in self.types


@dataclass
class EventWindow:
    """What a follower of the log has sent, so that a re-read window sends nothing twice.

    `floor` is where the client resumed (or started): records ordered at or before it are
    not sent. `cursor` is the latest record sent; reads start `skew` before it.
    """

    floor: EventCursor
    skew: timedelta
    cursor: EventCursor | None = None
    _sent: dict[str, datetime] = field(default_factory=dict)

    @property
    def read_from(self) -> datetime:
        """Where the next read of the log starts."""
        latest = self.cursor or self.floor
        return max(latest.at - self.skew, _EPOCH)

    def take(self, records: Iterable[TransitionRecord]) -> list[TransitionRecord]:
        """The records not sent yet, in the log's order; they count as sent from now on."""
        fresh = sorted(
            (r for r in records if r.id not in self._sent and EventCursor.of(r) > self.floor),
            key=EventCursor.of,
        )
        for record in fresh:
            self._sent[record.id] = record.at
            position = EventCursor.of(record)
            if self.cursor is None or position > self.cursor:
                self.cursor = position
        self._forget_before(self.read_from)
        return fresh

    def _forget_before(self, at: datetime) -> None:
        for record_id in [key for key, sent_at in self._sent.items() if sent_at < at]:
            del self._sent[record_id]
