"""Updating one document only if it still holds what the caller saw, cheaply on each server.

MongoDB: one update whose filter is the id and the condition; it is atomic and uses the
`_id` index.

FerretDB v1 finds a document through its SQLite index only when the filter is `{_id}` alone;
any further condition makes it read and decode every document of the collection, for each
update (measured: updates took 42 % of its CPU under the submissions benchmark). There the
document is read by its id, the condition checked here, and the whole document, as read and
with the `$set` applied, written back by id. FerretDB's own conditional update is also a
read, a check and a write, not atomic, so this gives up no guarantee it had.

Writing the whole document is what keeps it sound. Between the check and the write another
writer may have moved the document on; a late write then takes it back to the state this
writer checked, with its change: a state the log reached, never a mix of two. A `$set` by id
would be applied by FerretDB to whatever it reads at that moment, so a late one could stamp
a newer `seq` on a document missing an older change, and the log could no longer tell. A
document taken back is behind its log, and the log's unique keys still decide every race:
`transition_log.catch_up` brings it forward.

Conditions are equalities and `{"$in": [...]}` on top-level fields, and updates a `$set` of
top-level fields, as the store's callers write them; anything else is refused rather than
misread.
"""

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from lighter_common.store.mongo.busy import busy_retried


class ConditionalUpdates:
    def __init__(self, *, filter_by_id_only: bool) -> None:
        self.filters_by_id_only = filter_by_id_only

    @classmethod
    def for_server(cls, build_info: Mapping[str, Any]) -> "ConditionalUpdates":
        """The way that suits the server that answered `buildInfo` so."""
        return cls(filter_by_id_only="ferretdbVersion" in build_info)

    async def update(
        self,
        collection: AsyncCollection[Any],
        document_id: str,
        condition: Mapping[str, Any],
        update: Mapping[str, Any],
    ) -> bool:
        """Apply `update` to the document if it matches `condition`; True when it did."""
        if not self.filters_by_id_only:
            result = await busy_retried(
                lambda: collection.update_one({"_id": document_id, **condition}, dict(update))
            )
            return result.matched_count > 0
        fields = set_fields(update)
        current = await collection.find_one({"_id": document_id})
        if current is None or not matches(current, condition):
            return False
        updated = {**current, **fields}
        result = await busy_retried(lambda: collection.replace_one({"_id": document_id}, updated))
        return result.matched_count > 0


def set_fields(update: Mapping[str, Any]) -> Mapping[str, Any]:
    """The fields `update` sets, when it is a `$set` of top-level fields."""
    if set(update) != {"$set"}:
        raise ValueError(f"only $set is supported, not {sorted(update)}")
    fields: Mapping[str, Any] = update["$set"]
    dotted = sorted(name for name in fields if "." in name)
    if dotted:
        raise ValueError(f"only top-level fields can be set, not {dotted}")
    return fields


def matches(document: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    """Whether `document` holds `condition`, as MongoDB would judge these simple filters."""
    for field, wanted in condition.items():
        value = document.get(field)
        if isinstance(wanted, Mapping):
            if set(wanted) != {"$in"}:
                raise ValueError(f"only equality and $in are supported, not {dict(wanted)}")
            if value not in wanted["$in"]:
                return False
        elif value != wanted:  # a missing field is None, as MongoDB's equality takes it
            return False
    return True
