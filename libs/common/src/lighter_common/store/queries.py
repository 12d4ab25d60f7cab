"""What the stores look up, described once; each adapter compiles a description to its language.

A `Query` names the kind of document by its model, conditions on document keys (as stored:
camelCase, `_id`), an order and a page. The MongoDB adapter compiles it to a filter, a sort and
skip/limit (store/mongo/queries.py); the SQLite adapter to a WHERE clause with parameters,
ORDER BY and LIMIT/OFFSET over its generated columns (store/sqlite/queries.py). Keys are
constants of this module, never input; values always travel as values (parameters).

Only what every server judges alike is described: equality (None meaning a missing or null
field, as MongoDB takes it), membership, null or not, strict and inclusive time bounds, and a
substring in any of a few fields, case-insensitively (ASCII case on SQLite, whose lower() folds
ASCII only). No operator here is missing from FerretDB v1.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from lighter_common.domain.application import Application
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import StatementState
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord
from lighter_common.store.base import ApplicationQuery

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Equals:
    key: str
    value: Any  # None: the field is missing or null


@dataclass(frozen=True)
class OneOf:
    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class IsNull:
    key: str
    null: bool = True  # False: the field holds a value


@dataclass(frozen=True)
class Compare:
    key: str
    operator: Literal["<", "<=", ">", ">="]
    value: datetime


@dataclass(frozen=True)
class Contains:
    keys: tuple[str, ...]  # any of them holds `text`, in any case
    text: str


Condition = Equals | OneOf | IsNull | Compare | Contains


@dataclass(frozen=True)
class Order:
    key: str
    ascending: bool = True


@dataclass(frozen=True)
class Query(Generic[M]):
    """Documents of `model` that hold every condition, in `order`, from `offset`, at most `limit`."""

    model: type[M]
    where: tuple[Condition, ...] = ()
    order: tuple[Order, ...] = ()
    offset: int = 0
    limit: int | None = None

    def unpaged(self) -> "Query[M]":
        """The same matches with no order and no page: what a count reads."""
        return Query(self.model, self.where)


def applications(query: ApplicationQuery) -> Query[Application]:
    """A page of applications, newest first unless `oldest_first`; ties in creation order."""
    where: list[Condition] = []
    if query.types:
        where.append(OneOf("type", tuple(t.value for t in query.types)))
    if query.states:
        where.append(OneOf("state", tuple(s.value for s in query.states)))
    if query.deleted is not None:
        where.append(Equals("deleted", query.deleted))
    elif not query.include_deleted:
        where.append(Equals("deleted", False))
    if query.backend_ref_missing is not None:
        where.append(IsNull("backendRef", query.backend_ref_missing))
    if query.created_before is not None:
        where.append(Compare("createdAt", "<", query.created_before))
    if query.started_before is not None:
        where.append(Compare("startedAt", "<", query.started_before))
    if query.finished_after is not None:
        where.append(Compare("finishedAt", ">", query.finished_after))
    if query.kill_requested is not None:
        where.append(Equals("killRequested", query.kill_requested))
    if query.owner is not None:
        where.append(Equals("owner", query.owner))
    if query.search:
        where.append(Contains(("submitParams.name", "_id"), query.search))
    ascending = query.oldest_first
    return Query(
        Application,
        tuple(where),
        (Order("createdAt", ascending), Order("livyId", ascending)),
        query.offset,
        query.limit,
    )


def application_by_livy_id(livy_id: int) -> Query[Application]:
    return Query(Application, (Equals("livyId", livy_id),), limit=1)


def statements(
    session_id: str, states: tuple[StatementState, ...], offset: int, limit: int | None
) -> Query[Statement]:
    """A page of a session's statements by id, ascending."""
    where: list[Condition] = [Equals("sessionId", session_id)]
    if states:
        where.append(OneOf("state", tuple(state.value for state in states)))
    return Query(Statement, tuple(where), (Order("id"),), offset, limit)


def transitions_of(application_id: str, kind: SubjectKind) -> Query[TransitionRecord]:
    """The records of an application's (or its statements') changes, in no order: sorted by
    `in_log_order` (store/transition_log.py), the same on every server."""
    return Query(
        TransitionRecord, (Equals("applicationId", application_id), Equals("kind", kind.value))
    )


def transitions_since(since: datetime, limit: int) -> Query[TransitionRecord]:
    """The event stream's read: records logged at or after `since`, by time, then id."""
    return Query(
        TransitionRecord,
        (Compare("at", ">=", since),),
        (Order("at"), Order("_id")),
        limit=limit,
    )


def logged_since(since: datetime) -> Query[TransitionRecord]:
    """The records a repair looks at; adapters read only their kind, subject and seq."""
    return Query(TransitionRecord, (Compare("at", ">=", since),))


def logged_before(logged_before: datetime) -> Query[TransitionRecord]:
    return Query(TransitionRecord, (Compare("at", "<", logged_before),))


def idempotency_keys_before(created_before: datetime) -> Query[IdempotencyKey]:
    return Query(IdempotencyKey, (Compare("createdAt", "<", created_before),))


def held_in(states: tuple[str, ...], fields: dict[str, Any]) -> tuple[Condition, ...]:
    """A document's state is one of `states` and each field (a stored key) holds its value."""
    return (OneOf("state", states), *(Equals(key, value) for key, value in fields.items()))
