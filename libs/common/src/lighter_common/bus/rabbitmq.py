"""The RabbitMQ Bus: durable queues, persistent messages, publisher confirms, manual acks.

Every queue `<q>` has a dead-letter queue `<q>.dead`, bound to the `lighter.dead-letter`
exchange, which receives the messages its handlers raised on or could not decode.

The connection and its channels are robust: after a broker restart aio-pika reconnects,
re-declares the queues and restarts the consumers, while `publish` waits for the channel to
come back (up to `publish_timeout`) instead of failing at once.
"""

import asyncio
import contextlib
import logging
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aio_pika.exceptions import (
    AMQPError,
    ChannelInvalidStateError,
    ChannelPreconditionFailed,
    DeliveryError,
    PublishError,
)

from lighter_common.bus.base import BusError, Handler
from lighter_common.messages import Command, decode, encode

logger = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "lighter.dead-letter"
DEAD_LETTER_SUFFIX = ".dead"

# What a lost connection raises from a publish or an ack: worth waiting for the robust
# connection to come back. Refusals by the broker are caught before these.
_CONNECTION_LOSS = (ConnectionError, ChannelInvalidStateError, TimeoutError, AMQPError)
_REFUSALS = (DeliveryError, ChannelPreconditionFailed)
_RETRY_PAUSE = 0.2
# How long to wait for the broker to answer an ack or a consumer cancel: these wait for a
# connection that may be gone (an ack queued on a lost connection never completes).
_REPLY_TIMEOUT = 5.0


class RabbitMQBus:
    def __init__(
        self,
        connection: AbstractRobustConnection,
        publisher: AbstractRobustChannel,
        *,
        prefix: str,
        prefetch: int,
        publish_timeout: float,
    ) -> None:
        self._connection = connection
        self._publisher = publisher
        self._prefix = prefix
        self._prefetch = prefetch
        self._publish_timeout = publish_timeout
        self._declared: set[str] = set()
        self._declare_lock = asyncio.Lock()
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._handlers: set[asyncio.Task[None]] = set()

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        prefix: str = "",
        prefetch: int = 64,
        publish_timeout: float = 30.0,
        connect_timeout: float = 30.0,
        reconnect_interval: float = 1.0,
    ) -> "RabbitMQBus":
        """Connect, retrying for `connect_timeout` so a service may start before its broker.

        `prefix` goes before every queue name, so that test runs sharing a broker stay apart.
        """
        deadline = asyncio.get_running_loop().time() + connect_timeout
        while True:
            try:
                connection = await aio_pika.connect_robust(
                    url, reconnect_interval=reconnect_interval
                )
                break
            except _CONNECTION_LOSS as error:
                if asyncio.get_running_loop().time() >= deadline:
                    raise BusError(f"RabbitMQ unreachable at {_redact(url)}: {error}") from error
                logger.warning("RabbitMQ unreachable (%s); retrying", error)
                await asyncio.sleep(reconnect_interval)
        publisher = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return cls(
            connection,
            publisher,
            prefix=prefix,
            prefetch=prefetch,
            publish_timeout=publish_timeout,
        )

    async def publish(self, queue: str, command: Command) -> None:
        await self.publish_raw(queue, encode(command))

    async def publish_raw(self, queue: str, body: bytes) -> None:
        """Publish an already encoded body, as a foreign producer could."""
        name = self._prefix + queue
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._publish_timeout
        while True:
            try:
                # Bounded as a whole: a robust channel waits for its connection unasked.
                async with asyncio.timeout_at(max(deadline, loop.time() + _RETRY_PAUSE)):
                    await self._declare(name)
                    await self._publisher.default_exchange.publish(
                        message, routing_key=name, mandatory=True
                    )
                return
            except PublishError as error:
                raise BusError(f"RabbitMQ could not route a message to {name}") from error
            except _REFUSALS as error:
                raise BusError(f"RabbitMQ refused a message to {name}: {error!r}") from error
            except _CONNECTION_LOSS as error:
                if loop.time() >= deadline:
                    raise BusError(
                        f"RabbitMQ unreachable for {self._publish_timeout:g}s; "
                        f"could not publish to {name}"
                    ) from error
                logger.warning("Publishing to %s failed (%r); retrying", name, error)
                await self._wait_for_publisher(deadline)

    async def consume(self, queue: str, handler: Handler) -> None:
        name = self._prefix + queue
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        declared = await _declare_queue(channel, name)

        async def on_message(message: AbstractIncomingMessage) -> None:
            # A task of our own, so that losing the channel does not cancel a running handler.
            task = asyncio.create_task(self._deliver(name, message, handler))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)

        tag = await declared.consume(on_message)
        self._consumers.append((declared, tag))

    async def ping(self) -> None:
        if self._connection.is_closed:
            raise BusError("RabbitMQ connection is closed")
        try:
            await asyncio.wait_for(self._publisher.ready(), timeout=5)
        except TimeoutError as error:
            raise BusError("RabbitMQ is unreachable") from error

    async def close(self) -> None:
        await asyncio.gather(*(_cancel(queue, tag) for queue, tag in self._consumers))
        self._consumers.clear()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._connection.close()

    async def _declare(self, name: str) -> None:
        if name in self._declared:
            return
        async with self._declare_lock:
            if name not in self._declared:
                await _declare_queue(self._publisher, name)
                self._declared.add(name)

    async def _wait_for_publisher(self, deadline: float) -> None:
        # ready() returns at once while the loss is not yet noticed, hence the pause.
        await asyncio.sleep(_RETRY_PAUSE)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(deadline):
                await self._publisher.ready()

    async def _deliver(
        self, queue: str, message: AbstractIncomingMessage, handler: Handler
    ) -> None:
        try:
            command = decode(message.body)
        except ValueError as error:
            logger.error(
                "Dead-lettering an undecodable message on %s (%r): %s",
                queue,
                message.body[:200],
                error,
            )
            await _settle(message, ack=False)
            return
        try:
            await handler(command)
        except Exception:
            logger.exception("Handler failed on %s; dead-lettering %r", queue, command)
            await _settle(message, ack=False)
            return
        await _settle(message, ack=True)


async def _declare_queue(channel: AbstractRobustChannel, name: str) -> AbstractQueue:
    dead_letters = await channel.declare_exchange(
        DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True
    )
    dead = await channel.declare_queue(name + DEAD_LETTER_SUFFIX, durable=True)
    await dead.bind(dead_letters, routing_key=name)
    arguments: dict[str, Any] = {
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": name,
    }
    return await channel.declare_queue(name, durable=True, arguments=arguments)


async def _cancel(queue: AbstractQueue, tag: str) -> None:
    try:
        await asyncio.wait_for(queue.cancel(tag), timeout=_REPLY_TIMEOUT)
    except _CONNECTION_LOSS as error:
        logger.warning("Could not cancel the consumer of %s: %r", queue.name, error)


async def _settle(message: AbstractIncomingMessage, *, ack: bool) -> None:
    try:
        settling = message.ack() if ack else message.reject(requeue=False)
        await asyncio.wait_for(settling, timeout=_REPLY_TIMEOUT)
    except _CONNECTION_LOSS as error:
        # The broker requeues what the lost channel held: the message comes again.
        logger.warning("Could not settle a message (%r); it will be redelivered", error)


def _redact(url: str) -> str:
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://***@{tail}" if at else url
