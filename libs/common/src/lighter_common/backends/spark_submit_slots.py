"""How many spark-submit JVMs a process runs at once: each takes ~9 CPU-seconds to start and
submit (measured against the test YARN cluster and the Kubernetes API server), so a burst of
launches on a small submitter would otherwise share its cores until every one of them misses
its timeout. Beyond the bound, launches wait for a slot; a launch's own timeout starts once it
has one.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SparkSubmitSlots:
    """At most `size` spark-submits at once; the others wait their turn, in order."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("at least one spark-submit must be able to run")
        self.size = size
        self._semaphore = asyncio.Semaphore(size)
        self.running = 0
        self.waiting = 0
        self.peak = 0  # the most that ever ran at once (tests, metrics)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            self.running -= 1
            self._semaphore.release()
