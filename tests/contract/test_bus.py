"""The Bus contract (lighter_common/bus/base.py), run against every adapter."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from lighter_common.bus import BusError, Handler, MemoryBus, RabbitMQBus, open_bus
from lighter_common.bus.rabbitmq import DEAD_LETTER_SUFFIX
from lighter_common.messages import (
    SUBMITTER_QUEUE,
    TRACKER_QUEUE,
    CancelStatement,
    Command,
    KillApplication,
    LaunchApplication,
    SessionFinished,
    StatementSubmitted,
    TrackApplication,
    encode,
)
from lighter_common.settings import BusSettings, Settings

from tests.harness.rabbitmq import RabbitMQServer, queue_prefix

AnyBus = MemoryBus | RabbitMQBus
DELIVERY_TIMEOUT = 15.0


class MemoryBuses:
    """One in-process bus plays the broker: every `open` returns it."""

    def __init__(self) -> None:
        self.bus = MemoryBus()

    async def open(self) -> AnyBus:
        return self.bus

    async def dead_letters(self, queue: str, count: int) -> list[bytes]:
        await self.bus.drain()
        return [letter.body for letter in self.bus.dead_letters if letter.queue == queue]

    async def close(self) -> None:
        await self.bus.close()


class RabbitMQBuses:
    """A connection per `open`, like service replicas; queue names carry a per-test prefix."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = queue_prefix("test-")
        self._opened: list[RabbitMQBus] = []
        self._used: set[str] = set()

    async def open(self) -> AnyBus:
        bus = await RabbitMQBus.connect(self.url, prefix=self.prefix, publish_timeout=60)
        self._opened.append(bus)
        return bus

    async def dead_letters(self, queue: str, count: int) -> list[bytes]:
        bodies: list[bytes] = []
        async with await aio_pika.connect(self.url) as connection:
            channel = await connection.channel()
            dead = await channel.get_queue(self.prefix + queue + DEAD_LETTER_SUFFIX)
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                while len(bodies) < count:
                    message = await dead.get(fail=False)
                    if message is None:
                        await asyncio.sleep(0.05)
                        continue
                    bodies.append(message.body)
                    await message.ack()
        return bodies

    async def close(self) -> None:
        for bus in self._opened:
            await bus.close()
        async with await aio_pika.connect(self.url) as connection:
            channel = await connection.channel()
            for queue in (SUBMITTER_QUEUE, TRACKER_QUEUE):
                name = self.prefix + queue
                await channel.queue_delete(name)
                await channel.queue_delete(name + DEAD_LETTER_SUFFIX)


Buses = MemoryBuses | RabbitMQBuses


@pytest.fixture(params=["memory", "rabbitmq"])
async def buses(request: pytest.FixtureRequest) -> AsyncIterator[Buses]:
    made: Buses = (
        MemoryBuses()
        if request.param == "memory"
        else RabbitMQBuses(request.getfixturevalue("rabbitmq_url"))
    )
    yield made
    await made.close()


class Received:
    """What a handler was given, with a way to wait for it."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self._changed = asyncio.Condition()

    async def handler(self, command: Command) -> None:
        async with self._changed:
            self.commands.append(command)
            self._changed.notify_all()

    async def wait_for(self, count: int, within: float = DELIVERY_TIMEOUT) -> list[Command]:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.commands) >= count)
        return self.commands


def by_body(commands: list[Any]) -> list[bytes]:
    return sorted(encode(command) for command in commands)


EVERY_COMMAND: list[Command] = [
    LaunchApplication(app_id="a1"),
    KillApplication(app_id="a2"),
    TrackApplication(app_id="a3"),
    StatementSubmitted(session_id="s1", statement_id=0),
    CancelStatement(session_id="s1", statement_id=1),
    SessionFinished(session_id="s2"),
]


async def test_every_command_makes_the_round_trip(buses: Buses) -> None:
    bus = await buses.open()
    received = Received()
    await bus.consume(SUBMITTER_QUEUE, received.handler)

    for command in EVERY_COMMAND:
        await bus.publish(SUBMITTER_QUEUE, command)

    assert by_body(await received.wait_for(len(EVERY_COMMAND))) == by_body(EVERY_COMMAND)


async def test_queues_are_separate(buses: Buses) -> None:
    bus = await buses.open()
    submitter, tracker = Received(), Received()
    await bus.consume(SUBMITTER_QUEUE, submitter.handler)
    await bus.consume(TRACKER_QUEUE, tracker.handler)

    await bus.publish(TRACKER_QUEUE, TrackApplication(app_id="t"))
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="s"))

    assert await submitter.wait_for(1) == [LaunchApplication(app_id="s")]
    assert await tracker.wait_for(1) == [TrackApplication(app_id="t")]


async def test_a_failing_handler_dead_letters_the_message_once(buses: Buses) -> None:
    bus = await buses.open()
    calls: Counter[str] = Counter()
    received = Received()

    async def handler(command: Command) -> None:
        assert isinstance(command, LaunchApplication)
        calls[command.app_id] += 1
        if command.app_id == "poison":
            raise RuntimeError("boom")
        await received.handler(command)

    await bus.consume(SUBMITTER_QUEUE, handler)
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="poison"))

    dead = await buses.dead_letters(SUBMITTER_QUEUE, 1)
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="after"))
    await received.wait_for(1)

    assert dead == [encode(LaunchApplication(app_id="poison"))]
    assert calls == {"poison": 1, "after": 1}


async def test_an_undecodable_message_is_dead_lettered(buses: Buses) -> None:
    bus = await buses.open()
    received = Received()
    await bus.consume(SUBMITTER_QUEUE, received.handler)
    garbage = [b"not json", b'{"type": "launch"}', b'{"type": "unknown", "app_id": "x"}']

    for body in garbage:
        await bus.publish_raw(SUBMITTER_QUEUE, body)
    dead = await buses.dead_letters(SUBMITTER_QUEUE, len(garbage))
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="fine"))

    assert await received.wait_for(1) == [LaunchApplication(app_id="fine")]
    assert sorted(dead) == sorted(garbage)


async def test_two_consumers_share_a_queue_and_lose_nothing(buses: Buses) -> None:
    received = Received()
    first: list[Command] = []
    second: list[Command] = []

    def recording_in(shares: list[Command]) -> Handler:
        async def handler(command: Command) -> None:
            shares.append(command)
            await received.handler(command)

        return handler

    await (await buses.open()).consume(SUBMITTER_QUEUE, recording_in(first))
    await (await buses.open()).consume(SUBMITTER_QUEUE, recording_in(second))
    publisher = await buses.open()
    sent = [LaunchApplication(app_id=str(index)) for index in range(200)]

    await asyncio.gather(*(publisher.publish(SUBMITTER_QUEUE, command) for command in sent))

    assert by_body(await received.wait_for(len(sent))) == by_body(sent)
    assert first and second


async def test_messages_wait_for_a_consumer(buses: Buses) -> None:
    publisher = await buses.open()
    sent = [TrackApplication(app_id=str(index)) for index in range(5)]
    for command in sent:
        await publisher.publish(TRACKER_QUEUE, command)
    if isinstance(buses, RabbitMQBuses):
        await publisher.close()

    received = Received()
    await (await buses.open()).consume(TRACKER_QUEUE, received.handler)

    assert by_body(await received.wait_for(len(sent))) == by_body(sent)


async def test_handlers_run_concurrently(buses: Buses) -> None:
    bus = await buses.open()
    count = 10
    all_running = asyncio.Barrier(count)
    received = Received()

    async def handler(command: Command) -> None:
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            await all_running.wait()
        await received.handler(command)

    await bus.consume(SUBMITTER_QUEUE, handler)
    for index in range(count):
        await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=str(index)))

    assert len(await received.wait_for(count)) == count


async def test_close_waits_for_handlers_in_progress(buses: Buses) -> None:
    bus = await buses.open()
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[Command] = []

    async def handler(command: Command) -> None:
        started.set()
        await release.wait()
        finished.append(command)

    await bus.consume(SUBMITTER_QUEUE, handler)
    await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="slow"))
    async with asyncio.timeout(DELIVERY_TIMEOUT):
        await started.wait()

    closing = asyncio.create_task(bus.close())
    await asyncio.sleep(0.1)
    assert not closing.done()
    release.set()
    await closing

    assert finished == [LaunchApplication(app_id="slow")]


async def test_open_bus_follows_the_settings(rabbitmq_url: str) -> None:
    memory = await open_bus(Settings(bus=BusSettings(rabbitmq_url=None)))
    rabbitmq = await open_bus(Settings(bus=BusSettings(rabbitmq_url=rabbitmq_url)))
    try:
        assert isinstance(memory, MemoryBus)
        assert isinstance(rabbitmq, RabbitMQBus)
        await rabbitmq.ping()
    finally:
        await memory.close()
        await rabbitmq.close()


async def test_memory_bus_drain_waits_for_follow_up_commands() -> None:
    bus = MemoryBus()
    tracked = Received()

    async def launch(command: Command) -> None:
        assert isinstance(command, LaunchApplication)
        await asyncio.sleep(0.01)
        await bus.publish(TRACKER_QUEUE, TrackApplication(app_id=command.app_id))

    await bus.consume(SUBMITTER_QUEUE, launch)
    await bus.consume(TRACKER_QUEUE, tracked.handler)
    for app_id in ("a", "b"):
        await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=app_id))

    await bus.drain()

    assert by_body(tracked.commands) == by_body([TrackApplication(app_id=i) for i in "ab"])
    await bus.close()


async def test_a_closed_memory_bus_refuses_to_publish() -> None:
    bus = MemoryBus()
    await bus.close()

    with pytest.raises(BusError):
        await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="late"))


async def test_rabbitmq_clients_recover_from_a_broker_restart(rabbitmq: RabbitMQServer) -> None:
    """Publishing waits through the restart, the consumer resumes, and the message a handler
    held while the broker went away comes again (its ack was lost with the connection)."""
    buses = RabbitMQBuses(rabbitmq.url)
    try:
        bus = await buses.open()
        received = Received()
        holding, restarted = asyncio.Event(), asyncio.Event()

        async def handler(command: Command) -> None:
            assert isinstance(command, LaunchApplication)
            if command.app_id == "held":
                holding.set()
                await restarted.wait()
            await received.handler(command)

        await bus.consume(SUBMITTER_QUEUE, handler)
        await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="before"))
        await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="held"))
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            await holding.wait()

        await rabbitmq.stop()
        during = asyncio.create_task(
            bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="during"))
        )
        await rabbitmq.start()
        restarted.set()
        async with asyncio.timeout(60):
            await during
            await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id="after"))
        await received.wait_for(5, within=60)

        expected = ("before", "held", "held", "during", "after")
        assert by_body(received.commands) == by_body(
            [LaunchApplication(app_id=app_id) for app_id in expected]
        )
        async with asyncio.timeout(30):
            await bus.close()
    finally:
        await buses.close()
