"""The SQLite adapter of the Store port, for standalone mode (store.py)."""

from lighter_common.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
