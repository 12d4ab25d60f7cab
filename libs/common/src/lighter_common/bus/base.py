"""The Bus port: publish a command to a named queue; consume it with an acknowledgement.

Contract (every adapter passes tests/contract/test_bus.py):
- `publish` returns once the broker has the message (publisher confirm), or raises.
- `consume` delivers each message to `handler`; the message is acknowledged when the handler
  returns and dead-lettered (never redelivered in a loop) when it raises. A message that
  cannot be decoded is dead-lettered too. Delivery is at least once: handlers must be
  idempotent, which the store's compare-and-set makes them.
- Several consumers of one queue (replicas) share its messages.
- `close` stops consuming and waits for handlers in progress.
"""

from collections.abc import Awaitable, Callable
from typing import Protocol

from lighter_common.messages import Command

Handler = Callable[[Command], Awaitable[None]]


class BusError(Exception):
    """The bus did not take a message: refused by the broker, or unreachable for too long."""


class Bus(Protocol):
    async def publish(self, queue: str, command: Command) -> None: ...

    async def consume(self, queue: str, handler: Handler) -> None:
        """Start delivering the queue's messages to `handler` in the background."""

    async def ping(self) -> None:
        """Raise when the broker cannot be reached."""

    async def close(self) -> None: ...
