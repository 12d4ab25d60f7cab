"""Telling the workers about a change already saved in the store.

The store is the truth: once a document is saved, the request has succeeded. A command the
bus does not take is logged and counted, never answered with a 5xx; each worker's sweep
finds the document (a batch not_started, an application kill_requested, a statement
waiting) and does the work anyway.
"""

import logging

from lighter_common.bus.base import Bus
from lighter_common.messages import Command
from prometheus_client import Counter

logger = logging.getLogger(__name__)

UNANNOUNCED = Counter(
    "lighter_api_unpublished_commands_total",
    "Commands the bus did not take after their document was saved (left to the sweeps)",
    ["command"],
)


async def announce(bus: Bus, queue: str, command: Command) -> None:
    try:
        await bus.publish(queue, command)
    # BusError, or whatever a broker client raises when its connection is gone.
    except Exception:
        UNANNOUNCED.labels(type(command).__name__).inc()
        logger.warning(
            "command not published; the sweep will act on the saved document",
            exc_info=True,
            extra={"queue": queue, "command": type(command).__name__},
        )
