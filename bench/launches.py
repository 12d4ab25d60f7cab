"""Launches at capacity: many at once, as the submitter runs them, through any backend."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lighter_common.backends.base import Backend, LaunchContext
from lighter_common.domain.application import Application


@dataclass
class Launches:
    # seconds from a launch's turn to its driver launched (a pod, a YARN application), of those
    # that succeeded
    claim_to_launched: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.claim_to_launched) / self.wall_seconds if self.wall_seconds else 0.0


async def launches_at_capacity(
    backend: Backend,
    make_app: Callable[[], Application],
    total: int,
    concurrency: int,
    counted: tuple[type[Exception], ...],
) -> Launches:
    """`total` launches of `make_app()`, `concurrency` at a time, as the submitter runs them;
    errors of the `counted` types are recorded as failures instead of stopping the run."""
    slots = asyncio.Semaphore(concurrency)
    launches = Launches()

    async def launch() -> None:
        async with slots:
            claimed = time.monotonic()  # the submitter launches as soon as it has claimed
            try:
                await backend.launch(make_app(), LaunchContext())
            except counted as error:
                launches.failures.append(str(error))
                return
            launches.claim_to_launched.append(time.monotonic() - claimed)

    started = time.monotonic()
    await asyncio.gather(*(launch() for _ in range(total)))
    launches.wall_seconds = time.monotonic() - started
    return launches
