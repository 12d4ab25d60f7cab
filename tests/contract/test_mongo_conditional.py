"""Conditional updates, both ways (one filtered update, or read by id then write by id),
against the test server: the same answers for the conditions the store writes."""

import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from lighter_common.store.mongo.conditional import ConditionalUpdates
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


@pytest.fixture
async def collection(mongo_url: str) -> AsyncIterator[AsyncCollection[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
    database = f"lighter_test_{uuid.uuid4().hex[:12]}"
    try:
        documents = client[database]["documents"]
        await documents.insert_one({"_id": "a", "seq": 3, "state": "running", "note": None})
        yield documents
    finally:
        await client.drop_database(database)
        await client.close()


@pytest.fixture(params=[False, True], ids=["filtered-update", "read-then-write-by-id"])
def updates(request: pytest.FixtureRequest) -> ConditionalUpdates:
    return ConditionalUpdates(filter_by_id_only=request.param)


@pytest.mark.parametrize(
    ("condition", "applies"),
    [
        ({"seq": 3}, True),
        ({"seq": 2}, False),
        ({"state": {"$in": ["starting", "running"]}, "seq": 3}, True),
        ({"state": {"$in": ["dead"]}}, False),
        ({"note": None}, True),
        ({"missing": None}, True),
        ({"missing": 0}, False),
    ],
)
async def test_an_update_applies_only_where_its_condition_holds(
    collection: AsyncCollection[Document],
    updates: ConditionalUpdates,
    condition: dict[str, Any],
    applies: bool,
) -> None:
    done = await updates.update(collection, "a", condition, {"$set": {"touched": True}})

    assert done is applies
    assert ((await collection.find_one({"_id": "a"})) or {}).get("touched") is (applies or None)


async def test_a_missing_document_is_not_updated(
    collection: AsyncCollection[Document], updates: ConditionalUpdates
) -> None:
    assert not await updates.update(collection, "b", {"seq": 0}, {"$set": {"seq": 1}})
    assert await collection.count_documents({}) == 1


async def test_an_operator_it_cannot_judge_is_refused(
    collection: AsyncCollection[Document],
) -> None:
    with pytest.raises(ValueError, match=r"\$gt"):
        await ConditionalUpdates(filter_by_id_only=True).update(
            collection, "a", {"seq": {"$gt": 1}}, {"$set": {"seq": 9}}
        )


async def test_an_update_it_cannot_apply_whole_is_refused(
    collection: AsyncCollection[Document],
) -> None:
    updates = ConditionalUpdates(filter_by_id_only=True)
    with pytest.raises(ValueError, match=r"\$inc"):
        await updates.update(collection, "a", {"seq": 3}, {"$inc": {"seq": 1}})
    with pytest.raises(ValueError, match=r"app\.id"):
        await updates.update(collection, "a", {"seq": 3}, {"$set": {"app.id": "x"}})


class ChangedAfterEachRead:
    """The collection, with another writer's change landing right after each read."""

    def __init__(self, collection: AsyncCollection[Document], change: Document) -> None:
        self._collection = collection
        self._change = change

    async def find_one(self, query: Document) -> Document | None:
        found = await self._collection.find_one(query)
        await self._collection.update_one(query, self._change)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


async def test_a_late_write_stores_the_state_it_checked_never_a_mix(
    collection: AsyncCollection[Document],
) -> None:
    """The write lands after another writer's: the document is then the one checked with the
    update applied, behind the other change (which its log restores), not a blend of both."""
    raced = ChangedAfterEachRead(collection, {"$set": {"seq": 4, "note": "newer"}})
    updates = ConditionalUpdates(filter_by_id_only=True)

    done = await updates.update(
        cast(AsyncCollection[Document], raced), "a", {"seq": 3}, {"$set": {"seq": 4, "x": 1}}
    )

    assert done
    stored = await collection.find_one({"_id": "a"})
    assert stored == {"_id": "a", "seq": 4, "state": "running", "note": None, "x": 1}


def test_the_way_follows_the_server() -> None:
    ferretdb = ConditionalUpdates.for_server({"version": "7.0.42", "ferretdbVersion": "v1.24.2"})
    mongodb = ConditionalUpdates.for_server({"version": "7.0.14"})

    assert ferretdb.filters_by_id_only and not mongodb.filters_by_id_only
