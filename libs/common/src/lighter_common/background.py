"""Tasks a component runs beside its work (loops, watches), stopped together with it."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

Work = Callable[[], Coroutine[Any, Any, None]]


class BackgroundTasks:
    """Named tasks, each started once; `stop` cancels them all and waits until they end."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, work: Work) -> None:
        """Run `work()` as the task `name`, unless that task runs already."""
        running = self._tasks.get(name)
        if running is None or running.done():
            self._tasks[name] = asyncio.create_task(work(), name=name)

    async def finished(self, name: str) -> None:
        """Wait for the task `name` to end, if it was started."""
        task = self._tasks.get(name)
        if task is not None:
            await task

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
