"""The Store port and its adapters; `open_store` picks one from the settings."""

from lighter_common.settings import Settings
from lighter_common.store.base import ApplicationQuery, Store, StoreUnavailable
from lighter_common.store.mongo import MongoStore
from lighter_common.store.sqlite import SqliteStore

__all__ = [
    "ApplicationQuery",
    "MongoStore",
    "SqliteStore",
    "Store",
    "StoreUnavailable",
    "open_store",
]


async def open_store(settings: Settings) -> Store:
    """MongoDB when `mongo_url` is set, else the embedded SQLite file in the data directory."""
    if settings.store.mongo_url:
        return await MongoStore.connect(
            settings.store.mongo_url,
            settings.store.mongo_database,
            server_timeout=settings.store.mongo_timeout,
        )
    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    return await SqliteStore.open(settings.server.data_dir / "lighter.db")
