import asyncio

from lighter_common.background import BackgroundTasks


async def test_a_task_runs_once_and_stops_with_the_others() -> None:
    started: list[str] = []
    stopped: list[str] = []

    async def forever(name: str) -> None:
        started.append(name)
        try:
            await asyncio.Event().wait()
        finally:
            stopped.append(name)

    background = BackgroundTasks()
    background.start("watch", lambda: forever("watch"))
    background.start("watch", lambda: forever("second watch"))
    background.start("loop", lambda: forever("loop"))
    await asyncio.sleep(0)

    await background.stop()

    assert started == ["watch", "loop"]
    assert sorted(stopped) == ["loop", "watch"]


async def test_an_ended_task_starts_again_and_can_be_waited_for() -> None:
    runs: list[int] = []

    async def once() -> None:
        runs.append(len(runs))

    background = BackgroundTasks()
    background.start("copy", once)
    await background.finished("copy")
    background.start("copy", once)
    await background.finished("copy")
    await background.finished("never started")

    assert runs == [0, 1]
