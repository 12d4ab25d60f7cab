"""A server that cannot be reached, as the Store port says it: StoreUnavailable."""

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from pymongo.errors import ConnectionFailure

from lighter_common.store.base import StoreUnavailable

S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")


def unavailable_when_unreachable(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """`method`, raising StoreUnavailable where PyMongo finds no server to answer."""

    async def translated(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(self, *args, **kwargs)
        except ConnectionFailure as error:  # AutoReconnect, timeouts, no server selected
            raise unavailable(error) from error

    functools.update_wrapper(translated, method)
    return translated


def unavailable(error: ConnectionFailure) -> StoreUnavailable:
    return StoreUnavailable(f"the database is unreachable: {error}")
