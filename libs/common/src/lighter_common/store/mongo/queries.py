"""A described query (store/queries.py) as MongoDB asks it: a filter, a sort and a page.

Filters use equality, `$in`, `$ne: null`, `$lt`/`$lte`/`$gt`/`$gte`, `$or` and a `$regex`
with the `i` option: operators MongoDB and FerretDB v1 both implement.
"""

import re
from collections.abc import Iterable
from typing import Any

from pymongo import ASCENDING, DESCENDING

from lighter_common.store import queries as q

Document = dict[str, Any]

_OPERATORS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def mongo_filter(where: Iterable[q.Condition]) -> Document:
    """One filter document; `$and` only when two conditions name the same key."""
    clauses = [_clause(condition) for condition in where]
    merged: Document = {}
    for clause in clauses:
        if merged.keys() & clause.keys():
            return {"$and": clauses}
        merged.update(clause)
    return merged


def mongo_sort(order: Iterable[q.Order]) -> list[tuple[str, int]]:
    return [(item.key, ASCENDING if item.ascending else DESCENDING) for item in order]


def _clause(condition: q.Condition) -> Document:
    match condition:
        case q.Equals(key, value):
            return {key: value}
        case q.OneOf(key, values):
            return {key: {"$in": list(values)}}
        case q.IsNull(key, null):
            return {key: None} if null else {key: {"$ne": None}}
        case q.Compare(key, operator, value):
            return {key: {_OPERATORS[operator]: value}}
        case q.Contains(keys, text):
            pattern = {"$regex": re.escape(text), "$options": "i"}
            return {"$or": [{key: pattern} for key in keys]}
    raise TypeError(f"not a condition: {condition!r}")
