"""Writes sent again while the server answers "database is locked".

FerretDB keeps its data in SQLite, which answers SQLITE_BUSY when two writers meet for longer
than its busy timeout; MongoDB never does. Such a write did nothing, so sending it again is
safe, and doing it here keeps a crowd of writers from turning into failed requests.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.errors import OperationFailure

from lighter_common.store.base import StoreUnavailable

T = TypeVar("T")

BUSY_ATTEMPTS = 8
FIRST_PAUSE = 0.01  # seconds, doubled after each busy answer (1.3 s in all)


def is_busy(error: OperationFailure) -> bool:
    return "SQLITE_BUSY" in str(error) or "database is locked" in str(error)


async def busy_retried(write: Callable[[], Awaitable[T]]) -> T:
    """`write()`, again while the database is busy; StoreUnavailable if it stays busy."""
    pause = FIRST_PAUSE
    for _ in range(BUSY_ATTEMPTS - 1):
        try:
            return await write()
        except OperationFailure as error:
            if not is_busy(error):
                raise
        await asyncio.sleep(pause)
        pause *= 2
    try:
        return await write()
    except OperationFailure as error:
        if is_busy(error):
            raise StoreUnavailable(f"the database stayed busy: {error}") from error
        raise
