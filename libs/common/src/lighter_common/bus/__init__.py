"""The Bus port and its adapters; `open_bus` picks one from the settings."""

from lighter_common.bus.base import Bus, BusError, Handler
from lighter_common.bus.memory import DeadLetter, MemoryBus
from lighter_common.bus.rabbitmq import RabbitMQBus
from lighter_common.settings import Settings


async def open_bus(settings: Settings) -> Bus:
    """RabbitMQ when `rabbitmq_url` is set, otherwise the in-process bus."""
    if settings.bus.rabbitmq_url:
        return await RabbitMQBus.connect(
            settings.bus.rabbitmq_url, prefix=settings.bus.queue_prefix
        )
    return MemoryBus()


__all__ = ["Bus", "BusError", "DeadLetter", "Handler", "MemoryBus", "RabbitMQBus", "open_bus"]
