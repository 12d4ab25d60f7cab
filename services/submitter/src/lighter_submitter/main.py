"""The submitter as its own process: `lighter submitter`."""

from lighter_common.backends import open_backend
from lighter_common.bus import open_bus
from lighter_common.service.runner import serve_worker
from lighter_common.settings import Settings
from lighter_common.store import open_store

from lighter_submitter.worker import Submitter


async def run(settings: Settings) -> None:
    store = await open_store(settings)
    bus = await open_bus(settings)
    backend = open_backend(settings)
    await serve_worker(
        Submitter(store=store, bus=bus, backend=backend, settings=settings),
        name="submitter",
        port=settings.submitter_port,
        settings=settings,
        store=store,
        bus=bus,
        closers=[backend.close],
    )
