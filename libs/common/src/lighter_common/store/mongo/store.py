"""The MongoDB store, on PyMongo's async client.

Collections: `applications` (Application documents), `statements`, `transitions` (the log
every change goes through, store/transition_log.py), `logs`, `counters` (Livy ids and
per-session statement ids), `idempotencyKeys`, `leases` and `logins` (store/logins/). What
every store does alike is store/logged_store.py's; this adapter runs described queries as
filters (store/mongo/queries.py) and keeps what is MongoDB's own: ids, logs, keys and leases.

Ids come from counters, and unique keys guard them: an insert whose id is taken draws the
next value and tries again. On MongoDB a counter never repeats a value, so this never loops;
it keeps ids unique on MongoDB-protocol servers whose updates are not atomic (FerretDB v1
reads and then writes a document inside findAndModify).

A lost connection, or a server that does not answer within the timeout, raises
StoreUnavailable from every method.
"""

import asyncio
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Self, TypeVar, cast

from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from lighter_common.domain.application import Application
from lighter_common.domain.errors import Conflict
from lighter_common.domain.idempotency import IdempotencyKey
from lighter_common.domain.statement import Statement
from lighter_common.domain.transition_record import SubjectKind, TransitionRecord
from lighter_common.store.logged_store import LoggedStore
from lighter_common.store.logins.mongo import MongoLoginRecords
from lighter_common.store.mongo import documents
from lighter_common.store.mongo.busy import busy_retried
from lighter_common.store.mongo.conditional import ConditionalUpdates
from lighter_common.store.mongo.errors import unavailable, unavailable_when_unreachable
from lighter_common.store.mongo.queries import mongo_filter, mongo_sort
from lighter_common.store.queries import Condition, Query
from lighter_common.store.transition_log import LoggedSeq

Document = documents.Document

_LIVY_COUNTER = "livyId"
# Livy ids are reserved in blocks, so a busy API process pays one counter update per block
# rather than per submission. Ids stay unique (and the unique index guards them); across
# replicas they are not handed out in creation order.
LIVY_ID_BLOCK = 64

M = TypeVar("M", bound=BaseModel)


class MongoStore(LoggedStore):
    def __init__(
        self,
        client: AsyncMongoClient[Document],
        database: str,
        conditional: ConditionalUpdates | None = None,
    ) -> None:
        self._client = client
        self._conditional = conditional or ConditionalUpdates(filter_by_id_only=False)
        db: AsyncDatabase[Document] = client[database]
        self._applications: AsyncCollection[Document] = db["applications"]
        self._statements: AsyncCollection[Document] = db["statements"]
        self._transitions: AsyncCollection[Document] = db["transitions"]
        self._logs: AsyncCollection[Document] = db["logs"]
        self._counters: AsyncCollection[Document] = db["counters"]
        self._idempotency_keys: AsyncCollection[Document] = db["idempotencyKeys"]
        self._leases: AsyncCollection[Document] = db["leases"]
        self._collections: dict[type[BaseModel], AsyncCollection[Document]] = {
            Application: self._applications,
            Statement: self._statements,
            TransitionRecord: self._transitions,
            IdempotencyKey: self._idempotency_keys,
        }
        self._logged_applications = documents.LoggedApplications(
            self._applications, self._transitions, self._conditional
        )
        self._logged_statements = documents.LoggedStatements(
            self._statements, self._transitions, self._conditional
        )
        self._livy_ids = _IdBlock()
        self.logins = MongoLoginRecords(db["logins"])

    @classmethod
    async def connect(cls, url: str, database: str, *, server_timeout: float = 5.0) -> Self:
        """A store on `database` at `url`, with its indexes in place.

        `server_timeout` bounds how long an operation waits for a reachable server.
        """
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            url,
            tz_aware=True,
            tzinfo=UTC,
            serverSelectionTimeoutMS=int(server_timeout * 1000),
            connectTimeoutMS=int(server_timeout * 1000),
        )
        try:
            build_info = await client.admin.command("buildInfo")
            store = cls(client, database, ConditionalUpdates.for_server(build_info))
            await store._create_indexes()
        except ConnectionFailure as error:
            await client.close()
            raise unavailable(error) from error
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
        # The per-user quota counts an owner's unfinished applications on every submission.
        await self._applications.create_index([("owner", ASCENDING), ("state", ASCENDING)])
        await self._statements.create_index(
            [("sessionId", ASCENDING), ("id", ASCENDING)], unique=True
        )
        await self._transitions.create_index([("applicationId", ASCENDING), ("seq", ASCENDING)])
        await self._transitions.create_index("at")
        await self._idempotency_keys.create_index("createdAt")
        await self.logins.create_indexes()

    async def close(self) -> None:
        await self._client.close()

    @unavailable_when_unreachable
    async def ping(self) -> None:
        await self._client.admin.command("ping")

    # Applications

    @unavailable_when_unreachable
    async def insert_application(self, app: Application) -> Application:
        while True:
            document = documents.application_document(app)
            if app.livy_id < 0:
                document["livyId"] = await self._next_livy_id()
            try:
                await busy_retried(functools.partial(self._applications.insert_one, document))
            except DuplicateKeyError:
                if app.livy_id >= 0 or await self._application_exists(app.id):
                    raise Conflict(f"application {app.id} already exists") from None
                continue
            stored = documents.application(document)
            assert stored is not None
            return stored

    async def _application_exists(self, app_id: str) -> bool:
        return await self._applications.find_one({"_id": app_id}, {"_id": True}) is not None

    # Described queries (store/queries.py), compiled to filters

    @unavailable_when_unreachable
    async def _find(self, query: Query[M]) -> list[M]:
        cursor = self._collections[query.model].find(mongo_filter(query.where))
        if query.order:
            cursor = cursor.sort(mongo_sort(query.order))
        if query.offset:
            cursor = cursor.skip(query.offset)
        if query.limit is not None:
            cursor = cursor.limit(query.limit)
        decode = _DECODERS[query.model]
        found = [decode(document) async for document in cursor]
        return [cast(M, model) for model in found if model is not None]

    @unavailable_when_unreachable
    async def _count(self, query: Query[Any]) -> int:
        return await self._collections[query.model].count_documents(mongo_filter(query.where))

    @unavailable_when_unreachable
    async def _logged_seqs(self, query: Query[TransitionRecord]) -> list[LoggedSeq]:
        cursor = self._transitions.find(
            mongo_filter(query.where), {"_id": 0, "kind": 1, "subject": 1, "seq": 1}
        )
        return [
            LoggedSeq(SubjectKind(doc["kind"]), doc["subject"], doc["seq"]) async for doc in cursor
        ]

    @unavailable_when_unreachable
    async def _delete(self, query: Query[Any]) -> int:
        collection = self._collections[query.model]
        result = await busy_retried(lambda: collection.delete_many(mongo_filter(query.where)))
        return result.deleted_count

    @unavailable_when_unreachable
    async def _touch(
        self, app_id: str, values: Mapping[str, Any], where: tuple[Condition, ...]
    ) -> bool:
        return await self._conditional.update(
            self._applications, app_id, mongo_filter(where), {"$set": dict(values)}
        )

    # Logs

    @unavailable_when_unreachable
    async def put_log(self, app_id: str, text: str) -> None:
        await busy_retried(
            lambda: self._logs.replace_one(
                {"_id": app_id}, {"_id": app_id, "text": text}, upsert=True
            )
        )

    @unavailable_when_unreachable
    async def get_log(self, app_id: str) -> str | None:
        document = await self._logs.find_one({"_id": app_id})
        return None if document is None else str(document["text"])

    # Statements

    @unavailable_when_unreachable
    async def insert_statement(self, statement: Statement) -> Statement:
        while True:
            statement_id = await self._next_value(f"statements:{statement.session_id}")
            stored = statement.model_copy(update={"id": statement_id, "seq": 0})
            try:
                document = documents.statement_document(stored)
                await busy_retried(functools.partial(self._statements.insert_one, document))
            except DuplicateKeyError:
                continue
            return stored

    # Idempotency keys

    @unavailable_when_unreachable
    async def claim_idempotency_key(self, claim: IdempotencyKey) -> IdempotencyKey:
        try:
            await busy_retried(
                lambda: self._idempotency_keys.insert_one(claim.model_dump(by_alias=True))
            )
        except DuplicateKeyError:
            holder = await self._idempotency_keys.find_one({"_id": claim.key})
            if holder is None:  # forgotten in between: try again
                return await self.claim_idempotency_key(claim)
            return IdempotencyKey.model_validate(holder)
        return claim

    # Coordination

    @unavailable_when_unreachable
    async def acquire_lease(self, name: str, owner: str, ttl: float) -> bool:
        # update_one rather than findAndModify: FerretDB holds two pooled connections per
        # findAndModify, and the scheduler takes this lease on every pass.
        now = datetime.now(UTC)
        try:
            result = await busy_retried(
                lambda: self._leases.update_one(
                    {"_id": name, "$or": [{"owner": owner}, {"expiresAt": {"$lte": now}}]},
                    {"$set": {"owner": owner, "expiresAt": now + timedelta(seconds=ttl)}},
                    upsert=True,
                )
            )
        except DuplicateKeyError:
            # Held by another owner: the upsert tried to create a second lease of that name.
            return False
        return result.matched_count == 1 or result.upserted_id is not None

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
                document = await busy_retried(
                    lambda: self._counters.find_one_and_update(
                        {"_id": counter},
                        {"$inc": {"next": step}},
                        upsert=True,
                        return_document=ReturnDocument.AFTER,
                    )
                )
            except DuplicateKeyError:
                # Two first uses raced to create the counter; it exists now, so increment it.
                continue
            assert document is not None  # an upsert returning the document after finds one
            return int(document["next"]) - step


_DECODERS: dict[type[BaseModel], Callable[[Document], BaseModel | None]] = {
    Application: documents.application,
    Statement: documents.statement,
    TransitionRecord: TransitionRecord.model_validate,
    IdempotencyKey: IdempotencyKey.model_validate,
}


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
