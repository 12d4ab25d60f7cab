"""The MongoDB store, on PyMongo's async client.

Collections: `applications` (Application documents), `statements`, `logs`, `counters` (livy
ids and per-session statement ids) and `leases`.

Ids come from counters, and unique indexes guard them: an insert whose id is taken draws the
next value and tries again. On MongoDB a counter never repeats a value, so this never loops;
it keeps ids unique on MongoDB-protocol servers whose updates are not atomic (FerretDB v1
reads and then writes a document inside findAndModify).
"""

import asyncio
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from lighter_common.domain.application import Application
from lighter_common.domain.errors import Conflict
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState, StatementState
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.fields import document_fields

Document = dict[str, Any]

_LIVY_COUNTER = "livyId"
# Livy ids are reserved in blocks, so a busy API process pays one counter update per block
# rather than per submission. Ids stay unique (and the unique index guards them); across
# replicas they are not handed out in creation order.
LIVY_ID_BLOCK = 64


class MongoStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self._client = client
        db: AsyncDatabase[Document] = client[database]
        self._applications: AsyncCollection[Document] = db["applications"]
        self._statements: AsyncCollection[Document] = db["statements"]
        self._logs: AsyncCollection[Document] = db["logs"]
        self._counters: AsyncCollection[Document] = db["counters"]
        self._leases: AsyncCollection[Document] = db["leases"]
        self._livy_ids = _IdBlock()

    @classmethod
    async def connect(cls, url: str, database: str) -> Self:
        """A store on `database` at `url`, with its indexes in place."""
        client: AsyncMongoClient[Document] = AsyncMongoClient(url, tz_aware=True, tzinfo=UTC)
        store = cls(client, database)
        try:
            await store._create_indexes()
        except BaseException:
            await client.close()
            raise
        return store

    async def _create_indexes(self) -> None:
        await self._applications.create_index("livyId", unique=True)
        await self._applications.create_index(
            [("state", ASCENDING), ("type", ASCENDING), ("createdAt", DESCENDING)]
        )
        await self._applications.create_index([("createdAt", DESCENDING), ("livyId", DESCENDING)])
        await self._statements.create_index(
            [("sessionId", ASCENDING), ("id", ASCENDING)], unique=True
        )

    async def close(self) -> None:
        await self._client.close()

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    # Applications

    async def insert_application(self, app: Application) -> Application:
        while True:
            document = _conf_as_pairs(app.to_document())
            if app.livy_id < 0:
                document["livyId"] = await self._next_livy_id()
            try:
                await self._applications.insert_one(document)
            except DuplicateKeyError:
                if app.livy_id >= 0 or await self._application_exists(app.id):
                    raise Conflict(f"application {app.id} already exists") from None
                continue
            return Application.from_document(_conf_as_mapping(document))

    async def _application_exists(self, app_id: str) -> bool:
        return await self._applications.find_one({"_id": app_id}, {"_id": True}) is not None

    async def get_application(self, app_id: str) -> Application | None:
        return _application(await self._applications.find_one({"_id": app_id}))

    async def get_application_by_livy_id(self, livy_id: int) -> Application | None:
        return _application(await self._applications.find_one({"livyId": livy_id}))

    async def list_applications(self, query: ApplicationQuery) -> tuple[list[Application], int]:
        return await self.find_applications(query), await self.count_applications(query)

    async def find_applications(self, query: ApplicationQuery) -> list[Application]:
        condition = _application_filter(query)
        direction = ASCENDING if query.oldest_first else DESCENDING
        cursor = (
            self._applications.find(condition)
            .sort([("createdAt", direction), ("livyId", direction)])
            .skip(query.offset)
        )
        if query.limit is not None:
            cursor = cursor.limit(query.limit)
        return [Application.from_document(_conf_as_mapping(doc)) async for doc in cursor]

    async def count_applications(self, query: ApplicationQuery) -> int:
        return await self._applications.count_documents(_application_filter(query))

    async def update_application(
        self,
        app_id: str,
        changes: Mapping[str, Any],
        *,
        expected: Collection[ApplicationState] | None = None,
        only_if: Mapping[str, Any] | None = None,
    ) -> Application | None:
        condition: Document = {"_id": app_id}
        if expected is not None:
            condition["state"] = {"$in": [state.value for state in expected]}
        condition.update(document_fields(Application, only_if or {}, mode="python"))
        updated = await self._applications.find_one_and_update(
            condition,
            {"$set": document_fields(Application, changes, mode="python")},
            return_document=ReturnDocument.AFTER,
        )
        return _application(updated)

    # Logs

    async def put_log(self, app_id: str, text: str) -> None:
        await self._logs.replace_one({"_id": app_id}, {"_id": app_id, "text": text}, upsert=True)

    async def get_log(self, app_id: str) -> str | None:
        document = await self._logs.find_one({"_id": app_id})
        return None if document is None else str(document["text"])

    # Statements

    async def insert_statement(self, statement: Statement) -> Statement:
        while True:
            statement_id = await self._next_value(f"statements:{statement.session_id}")
            stored = statement.model_copy(update={"id": statement_id})
            try:
                await self._statements.insert_one(stored.model_dump(by_alias=True))
            except DuplicateKeyError:
                continue
            return stored

    async def get_statement(self, session_id: str, statement_id: int) -> Statement | None:
        return _statement(
            await self._statements.find_one({"sessionId": session_id, "id": statement_id})
        )

    async def list_statements(
        self,
        session_id: str,
        *,
        states: Collection[StatementState] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[Statement], int]:
        condition: Document = {"sessionId": session_id}
        if states:
            condition["state"] = {"$in": [state.value for state in states]}
        cursor = self._statements.find(condition).sort("id", ASCENDING).skip(offset)
        if limit is not None:
            cursor = cursor.limit(limit)
        page = [Statement.model_validate(_without_id(document)) async for document in cursor]
        return page, await self._statements.count_documents(condition)

    async def update_statement(
        self,
        session_id: str,
        statement_id: int,
        changes: Mapping[str, Any],
        *,
        expected: Collection[StatementState] | None = None,
    ) -> Statement | None:
        condition: Document = {"sessionId": session_id, "id": statement_id}
        if expected is not None:
            condition["state"] = {"$in": [state.value for state in expected]}
        # No projection here: FerretDB v1 does not implement one in findAndModify.
        updated = await self._statements.find_one_and_update(
            condition,
            {"$set": document_fields(Statement, changes, mode="python")},
            return_document=ReturnDocument.AFTER,
        )
        return _statement(updated)

    # Coordination

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> bool:
        now = datetime.now(UTC)
        try:
            await self._leases.find_one_and_update(
                {"_id": name, "$or": [{"owner": owner}, {"expiresAt": {"$lte": now}}]},
                {"$set": {"owner": owner, "expiresAt": now + timedelta(seconds=ttl)}},
                upsert=True,
            )
        except DuplicateKeyError:
            # Held by another owner: the upsert tried to create a second lease of that name.
            return False
        return True

    async def _next_livy_id(self) -> int:
        async with self._livy_ids.lock:
            if not self._livy_ids.available:
                end = await self._next_value(_LIVY_COUNTER, LIVY_ID_BLOCK) + LIVY_ID_BLOCK
                self._livy_ids.refill(end - LIVY_ID_BLOCK, end)
            return self._livy_ids.take()

    async def _next_value(self, counter: str, step: int = 1) -> int:
        """The counter's next value, starting at 0 (Livy numbers sessions from 0).

        With `step` > 1 the values [result, result + step) are reserved for the caller.
        """
        while True:
            try:
                document = await self._counters.find_one_and_update(
                    {"_id": counter},
                    {"$inc": {"next": step}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                # Two first uses raced to create the counter; it exists now, so increment it.
                continue
            assert document is not None  # an upsert returning the document after finds one
            return int(document["next"]) - step


class _IdBlock:
    """A range of reserved ids handed out one by one."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self._next = 0
        self._end = 0

    @property
    def available(self) -> bool:
        return self._next < self._end

    def refill(self, start: int, end: int) -> None:
        self._next, self._end = start, end

    def take(self) -> int:
        value = self._next
        self._next += 1
        return value


def _application(document: Document | None) -> Application | None:
    return None if document is None else Application.from_document(_conf_as_mapping(document))


# Spark conf keys contain dots ("spark.executor.memory"), which MongoDB discourages in field
# names and FerretDB refuses: the conf is stored as a list of {key, value} pairs instead.
def _conf_as_pairs(document: Document) -> Document:
    params = dict(document["submitParams"])
    params["conf"] = [{"key": k, "value": v} for k, v in params.get("conf", {}).items()]
    return {**document, "submitParams": params}


def _conf_as_mapping(document: Document) -> Document:
    params = dict(document["submitParams"])
    conf = params.get("conf", [])
    if isinstance(conf, list):
        params["conf"] = {pair["key"]: pair["value"] for pair in conf}
    return {**document, "submitParams": params}


def _statement(document: Document | None) -> Statement | None:
    return None if document is None else Statement.model_validate(_without_id(document))


def _without_id(document: Document) -> Document:
    """A statement document without the `_id` the server gave it (statements are keyed by
    session id and id)."""
    document.pop("_id", None)
    return document


def _application_filter(query: ApplicationQuery) -> Document:
    condition: Document = {}
    if query.types:
        condition["type"] = {"$in": [t.value for t in query.types]}
    if query.states:
        condition["state"] = {"$in": [s.value for s in query.states]}
    if query.deleted is not None:
        condition["deleted"] = query.deleted
    elif not query.include_deleted:
        condition["deleted"] = False
    if query.backend_ref_missing is not None:
        condition["backendRef"] = None if query.backend_ref_missing else {"$ne": None}
    if query.created_before is not None:
        condition["createdAt"] = {"$lt": query.created_before}
    if query.started_before is not None:
        condition["startedAt"] = {"$lt": query.started_before}
    if query.finished_after is not None:
        condition["finishedAt"] = {"$gt": query.finished_after}
    if query.kill_requested is not None:
        condition["killRequested"] = query.kill_requested
    if query.search:
        pattern = {"$regex": re.escape(query.search), "$options": "i"}
        condition["$or"] = [{"submitParams.name": pattern}, {"_id": pattern}]
    return condition
