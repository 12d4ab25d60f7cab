"""How the MongoDB store lays out its documents, and its logged collections.

Spark conf keys contain dots ("spark.executor.memory"), which MongoDB discourages in field
names and FerretDB refuses: an application's conf is stored as a list of {key, value} pairs.
Statements are keyed `<session id>/<statement id>`, so their uniqueness rests on `_id`,
which every MongoDB-protocol server enforces atomically.
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from lighter_common.domain.application import Application
from lighter_common.domain.statement import Statement
from lighter_common.domain.transition_record import (
    SubjectKind,
    TransitionRecord,
    record_id,
    statement_subject,
)
from lighter_common.store.fields import document_fields
from lighter_common.store.mongo.busy import busy_retried
from lighter_common.store.mongo.conditional import ConditionalUpdates
from lighter_common.store.mongo.errors import unavailable_when_unreachable

Document = dict[str, Any]
M = TypeVar("M", Application, Statement)


def application_document(app: Application) -> Document:
    document = app.to_document()
    params: Document = dict(app.submit_params.model_dump(by_alias=True))
    params["conf"] = [{"key": k, "value": v} for k, v in params.get("conf", {}).items()]
    return {**document, "submitParams": params}


def application(document: Document | None) -> Application | None:
    if document is None:
        return None
    params = dict(document["submitParams"])
    conf = params.get("conf", [])
    if isinstance(conf, list):
        params["conf"] = {pair["key"]: pair["value"] for pair in conf}
    return Application.from_document({**document, "submitParams": params})


def statement_document(statement: Statement) -> Document:
    return {
        "_id": statement_subject(statement.session_id, statement.id),
        **statement.model_dump(by_alias=True),
    }


def statement(document: Document | None) -> Statement | None:
    if document is None:
        return None
    document.pop("_id", None)
    return Statement.model_validate(document)


_SEQ_CHUNK = 1000


class _LoggedCollection(Generic[M]):
    """Reads, appends and applies transition records for one collection; a server that cannot
    be reached raises StoreUnavailable, as from every method of the store."""

    kind: SubjectKind
    model: type[M]

    def __init__(
        self,
        documents: AsyncCollection[Document],
        records: AsyncCollection[Document],
        conditional: ConditionalUpdates,
    ) -> None:
        self._documents = documents
        self._records = records
        self._conditional = conditional

    @unavailable_when_unreachable
    async def read(self, subject: str) -> M | None:
        return self._decoded(await self._documents.find_one({"_id": subject}))

    def _decoded(self, document: Document | None) -> M | None:
        raise NotImplementedError

    async def read_with_next(self, subject: str) -> tuple[M | None, TransitionRecord | None]:
        current = await self.read(subject)
        if current is None:
            return None, None
        seq: int = getattr(current, "seq")  # noqa: B009 - every logged model has it
        return current, await self.read_record(record_id(subject, seq + 1))

    @unavailable_when_unreachable
    async def read_record(self, record_key: str) -> TransitionRecord | None:
        document = await self._records.find_one({"_id": record_key})
        return None if document is None else TransitionRecord.model_validate(document)

    @unavailable_when_unreachable
    async def append(self, record: TransitionRecord) -> bool:
        try:
            await busy_retried(lambda: self._records.insert_one(record.model_dump(by_alias=True)))
        except DuplicateKeyError:
            return False
        return True

    async def append_and_apply(self, subject: str, record: TransitionRecord) -> bool:
        if not await self.append(record):
            return False
        await self.apply(subject, record)
        return True

    @unavailable_when_unreachable
    async def apply(self, subject: str, record: TransitionRecord) -> None:
        await self._conditional.update(
            self._documents,
            subject,
            {"seq": record.seq - 1},
            {"$set": {**record.changes, "seq": record.seq}},
        )

    def encode(self, changes: Mapping[str, Any]) -> Document:
        return bson_precision(document_fields(self.model, changes, mode="python"))

    @unavailable_when_unreachable
    async def stored_seqs(self, subjects: Collection[str]) -> dict[str, int]:
        # A query per chunk, not a read per document: a server without index push-down
        # (FerretDB) scans the collection once per query.
        ordered = list(subjects)
        found: dict[str, int] = {}
        for start in range(0, len(ordered), _SEQ_CHUNK):
            chunk = ordered[start : start + _SEQ_CHUNK]
            cursor = self._documents.find({"_id": {"$in": chunk}}, {"seq": 1})
            found.update({doc["_id"]: doc.get("seq", 0) async for doc in cursor})
        return found


class LoggedApplications(_LoggedCollection[Application]):
    kind = SubjectKind.APPLICATION
    model = Application

    def _decoded(self, document: Document | None) -> Application | None:
        return application(document)


class LoggedStatements(_LoggedCollection[Statement]):
    kind = SubjectKind.STATEMENT
    model = Statement

    def _decoded(self, document: Document | None) -> Statement | None:
        return statement(document)


def bson_precision(values: Document) -> Document:
    """Datetimes cut to the milliseconds BSON keeps, so a change reads back as it was made."""
    return {key: _milliseconds(value) for key, value in values.items()}


def _milliseconds(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return bson_precision(value)
    if isinstance(value, list):
        return [_milliseconds(item) for item in value]
    return value
