"""Described queries as MongoDB filters and sorts: what each condition compiles to."""

from datetime import UTC, datetime
from typing import Any

import pytest
from lighter_common.domain.application import ApplicationType
from lighter_common.domain.states import ApplicationState
from lighter_common.store import queries as q
from lighter_common.store.base import ApplicationQuery
from lighter_common.store.mongo.queries import mongo_filter, mongo_sort
from pymongo import ASCENDING, DESCENDING

T = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ((), {}),
        ((q.Equals("owner", "alice"),), {"owner": "alice"}),
        ((q.Equals("backendRef", None),), {"backendRef": None}),
        ((q.OneOf("state", ("idle", "busy")),), {"state": {"$in": ["idle", "busy"]}}),
        ((q.IsNull("backendRef"),), {"backendRef": None}),
        ((q.IsNull("backendRef", null=False),), {"backendRef": {"$ne": None}}),
        ((q.Compare("at", ">=", T),), {"at": {"$gte": T}}),
        ((q.Compare("createdAt", "<", T),), {"createdAt": {"$lt": T}}),
        (
            (q.Contains(("submitParams.name", "_id"), "a.b"),),
            {
                "$or": [
                    {"submitParams.name": {"$regex": r"a\.b", "$options": "i"}},
                    {"_id": {"$regex": r"a\.b", "$options": "i"}},
                ]
            },
        ),
        (
            (q.Compare("at", ">", T), q.Compare("at", "<", T)),
            {"$and": [{"at": {"$gt": T}}, {"at": {"$lt": T}}]},
        ),
    ],
)
def test_conditions_compile_to_one_filter(where: tuple[q.Condition, ...], expected: Any) -> None:
    assert mongo_filter(where) == expected


def test_an_application_page_compiles_to_its_filter_and_sort() -> None:
    query = q.applications(
        ApplicationQuery(
            types=[ApplicationType.BATCH],
            states=[ApplicationState.RUNNING],
            owner="alice",
            oldest_first=True,
            offset=5,
            limit=10,
        )
    )

    assert mongo_filter(query.where) == {
        "type": {"$in": ["BATCH"]},
        "state": {"$in": ["running"]},
        "deleted": False,
        "owner": "alice",
    }
    assert mongo_sort(query.order) == [("createdAt", ASCENDING), ("livyId", ASCENDING)]
    assert (query.offset, query.limit) == (5, 10)
    newest_first = q.applications(ApplicationQuery())
    assert mongo_sort(newest_first.order) == [("createdAt", DESCENDING), ("livyId", DESCENDING)]
