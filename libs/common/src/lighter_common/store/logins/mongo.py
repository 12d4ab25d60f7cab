"""Login records in MongoDB's `logins` collection, one document per login under its `_id`."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from lighter_common.store.logins.base import LoginRecord
from lighter_common.store.mongo.errors import unavailable_when_unreachable

Document = dict[str, Any]


class MongoLoginRecords:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._logins = collection

    async def create_indexes(self) -> None:
        await self._logins.create_index("user")
        await self._logins.create_index("expiresAt")

    @unavailable_when_unreachable
    async def add(self, record: LoginRecord) -> None:
        document = {
            "_id": record.id,
            "user": record.user,
            "credential": record.credential,
            "createdAt": record.created_at,
            "expiresAt": record.expires_at,
        }
        await self._logins.replace_one({"_id": record.id}, document, upsert=True)

    @unavailable_when_unreachable
    async def get(self, login_id: str, *, now: datetime) -> LoginRecord | None:
        found = await self._logins.find_one({"_id": login_id, "expiresAt": {"$gt": now}})
        if found is None:
            return None
        return LoginRecord(
            id=str(found["_id"]),
            user=str(found["user"]),
            credential=str(found["credential"]),
            created_at=_utc(found["createdAt"]),
            expires_at=_utc(found["expiresAt"]),
        )

    @unavailable_when_unreachable
    async def remove(self, login_id: str) -> None:
        await self._logins.delete_one({"_id": login_id})

    @unavailable_when_unreachable
    async def remove_user(self, user: str) -> int:
        return (await self._logins.delete_many({"user": user})).deleted_count

    @unavailable_when_unreachable
    async def forget_expired(self, now: datetime) -> int:
        return (await self._logins.delete_many({"expiresAt": {"$lte": now}})).deleted_count


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
