"""The MongoDB adapter of the Store port, on PyMongo's async client (store.py)."""

from lighter_common.store.mongo.store import MongoStore

__all__ = ["MongoStore"]
