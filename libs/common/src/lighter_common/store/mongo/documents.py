"""How the MongoDB store lays out its documents, and its logged collections.

Spark conf keys contain dots ("spark.executor.memory"), which MongoDB discourages in field
names and FerretDB refuses: an application's conf is stored as a list of {key, value} pairs.
Statements are keyed `<session id>/<statement id>`, so their uniqueness rests on `_id`,
which every MongoDB-protocol server enforces atomically.
"""

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from lighter_common.domain.application import Application
from lighter_common.domain.lifecycle import milestone_changes
from lighter_common.domain.statement import Statement
from lighter_common.domain.transition_record import (
    SubjectKind,
    TransitionRecord,
    statement_subject,
)
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.fields import document_fields
from lighter_common.store.mongo.busy import busy_retried
from lighter_common.store.mongo.conditional import ConditionalUpdates

Document = dict[str, Any]


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


class _LoggedCollection:
    """Reads, appends and applies transition records for one collection."""

    kind: SubjectKind
    model: type[Application] | type[Statement]

    def __init__(
        self,
        documents: AsyncCollection[Document],
        records: AsyncCollection[Document],
        conditional: ConditionalUpdates,
    ) -> None:
        self._documents = documents
        self._records = records
        self._conditional = conditional

    async def read_record(self, record_key: str) -> TransitionRecord | None:
        document = await self._records.find_one({"_id": record_key})
        return None if document is None else TransitionRecord.model_validate(document)

    async def append(self, record: TransitionRecord) -> bool:
        try:
            await busy_retried(lambda: self._records.insert_one(record.model_dump(by_alias=True)))
        except DuplicateKeyError:
            return False
        return True

    async def apply(self, subject: str, record: TransitionRecord) -> None:
        await self._conditional.update(
            self._documents,
            subject,
            {"seq": record.seq - 1},
            {"$set": {**record.changes, "seq": record.seq}},
        )

    def encode(self, changes: Mapping[str, Any]) -> Document:
        return bson_precision(document_fields(self.model, changes, mode="python"))

    def implied(self, current: Any, changes: Mapping[str, Any], at: datetime) -> dict[str, Any]:
        return {}

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


class LoggedApplications(_LoggedCollection):
    kind = SubjectKind.APPLICATION
    model = Application

    async def read(self, subject: str) -> Application | None:
        return application(await self._documents.find_one({"_id": subject}))

    def implied(
        self, current: Application, changes: Mapping[str, Any], at: datetime
    ) -> dict[str, Any]:
        return milestone_changes(current, changes, at)


class LoggedStatements(_LoggedCollection):
    kind = SubjectKind.STATEMENT
    model = Statement

    async def read(self, subject: str) -> Statement | None:
        return statement(await self._documents.find_one({"_id": subject}))


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


def application_filter(query: ApplicationQuery) -> Document:
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
    if query.owner is not None:
        condition["owner"] = query.owner
    if query.search:
        pattern = {"$regex": re.escape(query.search), "$options": "i"}
        condition["$or"] = [{"submitParams.name": pattern}, {"_id": pattern}]
    return condition
