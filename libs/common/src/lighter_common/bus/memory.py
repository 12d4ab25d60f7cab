"""The in-process Bus of standalone mode: asyncio queues inside one event loop.

Bodies are encoded on publish and decoded on delivery, as on the broker, so a command that
would not survive RabbitMQ does not survive here either.
"""

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from lighter_common.bus.base import BusError, Handler
from lighter_common.messages import Command, decode, encode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    body: bytes
    error: str


class MemoryBus:
    def __init__(self, *, concurrency: int = 64, dead_letter_limit: int = 1000) -> None:
        # The newest dead letters, for inspection; a long-lived process must not grow forever.
        self.dead_letters: deque[DeadLetter] = deque(maxlen=dead_letter_limit)
        self._concurrency = concurrency
        self._queues: dict[str, asyncio.Queue[bytes]] = {}
        self._consumers: set[asyncio.Task[None]] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._unsettled = 0
        self._settled = asyncio.Condition()
        self._closing = False
        self._closed = False

    async def publish(self, queue: str, command: Command) -> None:
        await self.publish_raw(queue, encode(command))

    async def publish_raw(self, queue: str, body: bytes) -> None:
        """Enqueue an already encoded body, as a foreign producer could."""
        if self._closed:
            raise BusError("the bus is closed")
        self._unsettled += 1
        self._queue(queue).put_nowait(body)

    async def consume(self, queue: str, handler: Handler) -> None:
        if self._closing:
            raise BusError("the bus is closed")
        task = asyncio.create_task(
            self._consume_loop(queue, handler), name=f"memory-bus-consumer:{queue}"
        )
        self._consumers.add(task)

    async def ping(self) -> None:
        if self._closed:
            raise BusError("the bus is closed")

    async def drain(self) -> None:
        """Wait until every message published so far, and any they lead to, is settled.

        A message on a queue that nobody consumes keeps it waiting.
        """
        async with self._settled:
            await self._settled.wait_for(lambda: self._unsettled == 0)

    async def close(self) -> None:
        self._closing = True
        for consumer in self._consumers:
            consumer.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)
        self._consumers.clear()
        # Handlers in progress may still publish their follow-up commands.
        await asyncio.gather(*self._handlers, return_exceptions=True)
        self._closed = True

    def _queue(self, name: str) -> asyncio.Queue[bytes]:
        return self._queues.setdefault(name, asyncio.Queue())

    async def _consume_loop(self, queue: str, handler: Handler) -> None:
        slots = asyncio.Semaphore(self._concurrency)
        messages = self._queue(queue)
        while True:
            await slots.acquire()
            try:
                body = await messages.get()
            except asyncio.CancelledError:
                slots.release()
                raise
            task = asyncio.create_task(self._deliver(queue, body, handler))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
            task.add_done_callback(lambda _: slots.release())

    async def _deliver(self, queue: str, body: bytes, handler: Handler) -> None:
        try:
            command = decode(body)
        except ValueError as error:
            logger.error("Dead-lettering an undecodable message on %s: %s", queue, error)
            self.dead_letters.append(DeadLetter(queue, body, str(error)))
        else:
            try:
                await handler(command)
            except Exception as error:
                logger.exception("Handler failed on %s; dead-lettering %r", queue, command)
                self.dead_letters.append(DeadLetter(queue, body, repr(error)))
        finally:
            await self._settle()

    async def _settle(self) -> None:
        async with self._settled:
            self._unsettled -= 1
            self._settled.notify_all()
