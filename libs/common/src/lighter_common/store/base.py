"""The Store port: applications, statements, logs and counters.

Contract (every adapter passes tests/contract/test_store.py):
- Documents are pydantic models in and out; ids are the application's `_id`.
- `insert_application` assigns a unique `livy_id` (an increasing integer) when it is -1, and
  raises Conflict when the `_id` is taken.
- `update_application` is a compare-and-set: it changes the document only when its state is
  in `expected` (any state when `expected` is None) and, when `only_if` names fields, only
  when those fields hold the given values. It returns the updated document, or None when the
  document is missing or the condition failed. Every change is decided by appending a
  transition record under a unique key (store/transition_log.py), so exactly one of several
  racing writers wins, whatever the server's update semantics; `transitions` lists them.
  `touch_application` writes activity times in place instead: they are not changes.
  Reads of one document never show it behind its log; `repair` finishes documents that a
  crash or a non-atomic write left behind (lists may show them until then).
- `list_applications` filters deleted documents out unless asked, sorts newest first unless
  `oldest_first`, and returns the page together with the count of all matches.
- Statements get ids 0, 1, 2 … per session, never repeated, even under concurrent inserts.
- Logs are a single text per application, replaced whole, capped by the writer.
- Idempotency keys: `claim_idempotency_key` stores the claim unless its key is taken and
  returns whichever record holds the key; exactly one of racing callers gets its own back.
- Every method raises StoreUnavailable when the database cannot be reached.
- Leases let one replica at a time do a job: `acquire_lease` is true for the holder until
  `ttl` passes without renewal.
- `transitions_since` reads the log across applications in a stable order (`at`, then id),
  which any replica can follow: the source of the event stream.
- `logins` holds the web UI's login records (store/logins/base.py).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord
from lighter_common.store.logins.base import LoginRecords


class StoreUnavailable(Exception):
    """The database cannot be reached (or did not answer in time); try again later."""


@dataclass(frozen=True)
class ApplicationQuery:
    types: Collection[ApplicationType] = ()
    states: Collection[ApplicationState] = ()
    search: str | None = None  # substring of the name or id, case-insensitive
    owner: str | None = None  # only this owner's applications
    include_deleted: bool = False
    deleted: bool | None = None  # only deleted (True) / only not deleted (False)
    backend_ref_missing: bool | None = None
    created_before: datetime | None = None
    started_before: datetime | None = None
    finished_after: datetime | None = None
    kill_requested: bool | None = None
    oldest_first: bool = False
    offset: int = 0
    limit: int | None = 100


class Store(Protocol):
    @property
    def logins(self) -> LoginRecords:
        """The web UI's login records, in the same database."""

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the database cannot be reached."""

    # Applications
    async def insert_application(self, app: Application) -> Application: ...

    async def get_application(self, app_id: str) -> Application | None: ...

    async def get_application_by_livy_id(self, livy_id: int) -> Application | None: ...

    async def list_applications(self, query: ApplicationQuery) -> tuple[list[Application], int]: ...

    async def find_applications(self, query: ApplicationQuery) -> list[Application]:
        """`list_applications` without the count, for loops that do not need it."""

    async def count_applications(self, query: ApplicationQuery) -> int: ...

    async def update_application(
        self,
        app_id: str,
        changes: Mapping[str, Any],
        *,
        expected: Collection[ApplicationState] | None = None,
        only_if: Mapping[str, Any] | None = None,
    ) -> Application | None:
        """Compare-and-set. `changes` and `only_if` use the model's attribute names."""

    async def touch_application(
        self,
        app_id: str,
        stamps: Mapping[str, datetime],
        *,
        expected: Collection[ApplicationState],
        only_if: Mapping[str, Any] | None = None,
    ) -> bool:
        """Set activity times (domain ACTIVITY_FIELDS) in place, with no transition record,
        when the state is in `expected` and the `only_if` fields hold; True when it matched.
        Raises ValueError for any other field: changes go through `update_application`."""

    # Logs
    async def put_log(self, app_id: str, text: str) -> None: ...

    async def get_log(self, app_id: str) -> str | None: ...

    # Statements
    async def insert_statement(self, statement: Statement) -> Statement:
        """Store a new statement, giving it the session's next id (its `id` is ignored)."""

    async def get_statement(self, session_id: str, statement_id: int) -> Statement | None: ...

    async def list_statements(
        self,
        session_id: str,
        *,
        states: Collection[StatementState] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[Statement], int]:
        """The session's statements by id ascending, and the count of all matches."""

    async def find_statements(
        self, session_id: str, *, states: Collection[StatementState] = (), limit: int | None = None
    ) -> list[Statement]:
        """`list_statements` without the count."""

    async def update_statement(
        self,
        session_id: str,
        statement_id: int,
        changes: Mapping[str, Any],
        *,
        expected: Collection[StatementState] | None = None,
    ) -> Statement | None:
        """Compare-and-set on the statement's state, as for applications."""

    # The transition log
    async def transitions(
        self, application_id: str, *, kind: SubjectKind = SubjectKind.APPLICATION
    ) -> list[TransitionRecord]:
        """The logged changes of an application (or of its statements), oldest first."""

    async def transitions_since(self, since: datetime, *, limit: int) -> list[TransitionRecord]:
        """Up to `limit` records of every application logged at or after `since`, in one
        global order: by `at`, then by record id. Writers' clocks may differ a little, so a
        reader that follows the log re-reads a short window behind its cursor."""

    async def forget_transitions(self, logged_before: datetime) -> int:
        """Delete the records logged before `logged_before`; returns how many. Documents keep
        every change: a record is needed only while a reader may still follow or repair it."""

    async def repair(self, since: datetime) -> int:
        """Bring up to date every document changed since `since` that is behind its log;
        returns how many were."""

    # Idempotency keys
    async def claim_idempotency_key(self, claim: IdempotencyKey) -> IdempotencyKey: ...

    async def forget_idempotency_keys(self, created_before: datetime) -> int: ...

    # Coordination
    async def acquire_lease(self, name: str, owner: str, ttl: float) -> bool: ...
