"""The tracker as its own process: `lighter tracker`."""

from lighter_common.service.runner import serve_backend_worker
from lighter_common.settings import Settings

from lighter_tracker.worker import Tracker


async def run(settings: Settings) -> None:
    await serve_backend_worker(
        Tracker, name="tracker", port=settings.server.tracker_port, settings=settings
    )
