"""The part of the Store port that is the same on every adapter, written once.

Reads of one document catch up with its log, and changes are compare-and-sets through it
(store/transition_log.py); lists, counts, the log's listings and what is forgotten by age are
queries described once (store/queries.py). An adapter subclasses LoggedStore, gives it its two
logged kinds of document, and runs a described query in its own language (`_find`, `_count`,
`_logged_seqs`, `_delete`, `_touch`), raising StoreUnavailable as the port says; what differs
by technology (inserts and their ids, logs, idempotency keys, leases) stays in the adapter.
"""

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from lighter_common.domain.application import Application
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.domain.transition_record import (
    SubjectKind,
    TransitionRecord,
    statement_subject,
)
from lighter_common.store import queries
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.fields import require_activity_fields
from lighter_common.store.queries import Condition, Query
from lighter_common.store.transition_log import (
    LoggedDocuments,
    LoggedSeq,
    catch_up,
    compare_and_set,
    in_log_order,
    repair_documents,
)

M = TypeVar("M", bound=BaseModel)


class LoggedStore(ABC):
    _logged_applications: LoggedDocuments[Application]
    _logged_statements: LoggedDocuments[Statement]

    @abstractmethod
    async def _find(self, query: Query[M]) -> list[M]:
        """The documents that match, as models."""

    @abstractmethod
    async def _count(self, query: Query[Any]) -> int: ...

    @abstractmethod
    async def _logged_seqs(self, query: Query[TransitionRecord]) -> list[LoggedSeq]:
        """Kind, subject and seq of the matching records, and nothing else of them."""

    @abstractmethod
    async def _delete(self, query: Query[Any]) -> int:
        """Delete what matches; returns how many were."""

    @abstractmethod
    async def _touch(
        self, app_id: str, values: Mapping[str, Any], where: tuple[Condition, ...]
    ) -> bool:
        """Set these stored keys in place when the application holds `where`."""

    # Applications

    async def get_application(self, app_id: str) -> Application | None:
        return await catch_up(self._logged_applications, app_id)

    async def get_application_by_livy_id(self, livy_id: int) -> Application | None:
        found = await self._find(queries.application_by_livy_id(livy_id))
        return await self.get_application(found[0].id) if found else None

    async def list_applications(self, query: ApplicationQuery) -> tuple[list[Application], int]:
        return await self.find_applications(query), await self.count_applications(query)

    async def find_applications(self, query: ApplicationQuery) -> list[Application]:
        return await self._find(queries.applications(query))

    async def count_applications(self, query: ApplicationQuery) -> int:
        return await self._count(queries.applications(query))

    async def update_application(
        self,
        app_id: str,
        changes: Mapping[str, Any],
        *,
        expected: Collection[ApplicationState] | None = None,
        only_if: Mapping[str, Any] | None = None,
    ) -> Application | None:
        return await compare_and_set(
            self._logged_applications,
            app_id,
            changes,
            application_id=app_id,
            expected=expected,
            only_if=only_if,
        )

    async def touch_application(
        self,
        app_id: str,
        stamps: Mapping[str, datetime],
        *,
        expected: Collection[ApplicationState],
        only_if: Mapping[str, Any] | None = None,
    ) -> bool:
        require_activity_fields(stamps)
        encode = self._logged_applications.encode
        states = tuple(state.value for state in expected)
        return await self._touch(
            app_id, encode(stamps), queries.held_in(states, encode(only_if or {}))
        )

    # Statements

    async def get_statement(self, session_id: str, statement_id: int) -> Statement | None:
        return await catch_up(self._logged_statements, statement_subject(session_id, statement_id))

    async def list_statements(
        self,
        session_id: str,
        *,
        states: Collection[StatementState] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[Statement], int]:
        query = queries.statements(session_id, tuple(states), offset, limit)
        return await self._find(query), await self._count(query)

    async def find_statements(
        self, session_id: str, *, states: Collection[StatementState] = (), limit: int | None = None
    ) -> list[Statement]:
        return await self._find(queries.statements(session_id, tuple(states), 0, limit))

    async def update_statement(
        self,
        session_id: str,
        statement_id: int,
        changes: Mapping[str, Any],
        *,
        expected: Collection[StatementState] | None = None,
    ) -> Statement | None:
        return await compare_and_set(
            self._logged_statements,
            statement_subject(session_id, statement_id),
            changes,
            application_id=session_id,
            expected=expected,
            only_if=None,
        )

    # The transition log

    async def transitions(
        self, application_id: str, *, kind: SubjectKind = SubjectKind.APPLICATION
    ) -> list[TransitionRecord]:
        return in_log_order(await self._find(queries.transitions_of(application_id, kind)))

    async def transitions_since(self, since: datetime, *, limit: int) -> list[TransitionRecord]:
        return await self._find(queries.transitions_since(since, limit))

    async def forget_transitions(self, logged_before: datetime) -> int:
        return await self._delete(queries.logged_before(logged_before))

    async def repair(self, since: datetime) -> int:
        logged: dict[SubjectKind, LoggedDocuments[BaseModel]] = {
            SubjectKind.APPLICATION: self._logged_applications,
            SubjectKind.STATEMENT: self._logged_statements,
        }
        return await repair_documents(await self._logged_seqs(queries.logged_since(since)), logged)

    # Idempotency keys

    async def forget_idempotency_keys(self, created_before: datetime) -> int:
        return await self._delete(queries.idempotency_keys_before(created_before))
