"""Compare-and-set through a log of transitions: how every store changes a document.

A change to an application or a statement is decided by inserting its transition record
under the unique key `<subject>:<seq + 1>`, where `seq` is the number of changes the
document has seen. Whoever inserts that key owns the change; everyone else lost the race,
looks at the document again and re-checks its condition. Only then is the document brought
up to date, with a write that applies only on top of the change before it.

This asks nothing of a server but an atomic unique-key insert, which MongoDB, SQLite and
FerretDB all give (FerretDB's updates are not atomic under concurrency). A crash, or a
non-atomic write, between the two writes leaves the document behind its log; whoever reads
it next through `catch_up` applies the missing records first.

Everything here is the same on every store: catch-up, compare-and-set, what a change implies,
the order the log is listed in, and the grouping a repair does; an adapter provides only the
reads and writes of `LoggedDocuments`.
"""

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from pydantic import BaseModel

from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.milestones import milestone_changes
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord, record_id
from lighter_common.store.fields import model_value

M = TypeVar("M", bound=BaseModel)
M_co = TypeVar("M_co", bound=BaseModel, covariant=True)


class LoggedDocuments(Protocol[M_co]):
    """What an adapter provides for one kind of logged document."""

    @property
    def kind(self) -> SubjectKind: ...

    async def read(self, subject: str) -> M_co | None:
        """The document as stored (possibly behind its log)."""

    async def read_with_next(self, subject: str) -> tuple[M_co | None, TransitionRecord | None]:
        """`read`, and the record logged right after the document's `seq`, if there is one."""

    async def read_record(self, record_key: str) -> TransitionRecord | None: ...

    async def append(self, record: TransitionRecord) -> bool:
        """Insert `record`; False when its key is taken (another writer won)."""

    async def apply(self, subject: str, record: TransitionRecord) -> None:
        """Set the record's changes and seq, only if the document's seq is `record.seq - 1`."""

    async def append_and_apply(self, subject: str, record: TransitionRecord) -> bool:
        """`append`, then `apply` when the record went in; False when another writer won."""

    def encode(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Model attribute names and values as the document stores them."""

    async def stored_seqs(self, subjects: Collection[str]) -> dict[str, int]:
        """The `seq` each of these documents has as stored (missing ones left out)."""


async def catch_up(documents: LoggedDocuments[M], subject: str) -> M | None:
    """The document with every logged change applied, finishing what a writer left undone."""
    current, record = await documents.read_with_next(subject)
    if current is None or record is None:
        return current
    await documents.apply(subject, record)
    return await _caught_up(documents, subject, merge(current, record))


async def _caught_up(documents: LoggedDocuments[M], subject: str, current: M | None) -> M | None:
    """`current`, as read from the store, with the changes logged after it applied."""
    while current is not None:
        record = await documents.read_record(record_id(subject, _seq(current) + 1))
        if record is None:
            return current
        await documents.apply(subject, record)
        current = merge(current, record)
    return None


async def compare_and_set(
    documents: LoggedDocuments[M],
    subject: str,
    changes: Mapping[str, Any],
    *,
    application_id: str,
    expected: Collection[StrEnum] | None,
    only_if: Mapping[str, Any] | None,
) -> M | None:
    """Apply `changes` when the state is in `expected` and the `only_if` fields hold.

    Returns the changed document, or None when it is missing or the condition failed.
    """
    # The document as stored may be behind its log. Deciding on it is still safe: a record
    # appended on top of a stale `seq` collides with the record already there. Only a refusal
    # or a collision needs the log read, so the usual change costs a read, an insert and a write.
    current: M | None = await documents.read(subject)
    caught_up = False
    while current is not None:
        if not _holds(current, expected, only_if):
            if caught_up:
                return None
        elif not changes:
            if caught_up:
                return current
        else:
            at = utcnow()
            encoded = documents.encode({**changes, **implied(documents.kind, current, changes, at)})
            record = _record(documents.kind, subject, application_id, current, encoded, at)
            if await documents.append_and_apply(subject, record):
                return merge(current, record)
            # Another writer took this sequence number: look at what it did, then decide again.
        current = await _caught_up(documents, subject, current)
        caught_up = True
    return None


def in_log_order(records: Iterable[TransitionRecord]) -> list[TransitionRecord]:
    """Records as `Store.transitions` lists them: by subject, then oldest first."""
    return sorted(records, key=lambda record: (record.subject, record.seq))


def implied(
    kind: SubjectKind, current: BaseModel, changes: Mapping[str, Any], at: datetime
) -> dict[str, Any]:
    """What `changes` to `current` imply besides themselves (model attribute names), recorded
    with them: the milestones an application reaches; nothing, for a statement."""
    if kind is SubjectKind.APPLICATION:
        return milestone_changes(cast(Application, current), changes, at)
    return {}


def merge(current: M, record: TransitionRecord) -> M:
    """`current` with `record` applied, as the store will hold it."""
    document = current.model_dump(by_alias=True)
    return type(current).model_validate({**document, **record.changes, "seq": record.seq})


def _record(
    kind: SubjectKind,
    subject: str,
    application_id: str,
    current: BaseModel,
    changes: dict[str, Any],
    at: datetime,
) -> TransitionRecord:
    seq = _seq(current) + 1
    from_state = _state_value(current)
    to_state = changes.get("state")
    return TransitionRecord(
        _id=record_id(subject, seq),
        subject=subject,
        kind=kind,
        application_id=application_id,
        seq=seq,
        from_state=from_state,
        to_state=None if to_state is None else str(to_state),
        reason=changes.get("stateReason"),
        changes=changes,
        at=at,
    )


def _holds(
    current: BaseModel,
    expected: Collection[StrEnum] | None,
    only_if: Mapping[str, Any] | None,
) -> bool:
    if expected is not None and _state_value(current) not in {s.value for s in expected}:
        return False
    return all(
        getattr(current, name) == model_value(type(current), name, value)
        for name, value in (only_if or {}).items()
    )


def _seq(document: BaseModel) -> int:
    seq: int = getattr(document, "seq")  # noqa: B009 - every logged model has it
    return seq


def _state_value(document: BaseModel) -> str:
    return str(getattr(document, "state"))  # noqa: B009


class LoggedSeq(NamedTuple):
    """How far the log of one document goes: the part of a record repairs need."""

    kind: SubjectKind
    subject: str
    seq: int


async def repair_documents(
    records: Iterable[LoggedSeq], logged: Mapping[SubjectKind, LoggedDocuments[BaseModel]]
) -> int:
    """Bring the documents `records` changed up to date; returns how many were behind."""
    latest: dict[SubjectKind, dict[str, int]] = {}
    for kind, subject, seq in records:
        subjects = latest.setdefault(kind, {})
        subjects[subject] = max(seq, subjects.get(subject, 0))
    repaired = 0
    for kind, subjects in latest.items():
        documents = logged[kind]
        stored = await documents.stored_seqs(subjects.keys())
        for subject, seq in stored.items():
            if seq < subjects[subject]:
                await catch_up(documents, subject)
                repaired += 1
    return repaired
