"""The submitter as its own process: `lighter submitter`."""

from fastapi import FastAPI
from lighter_common.backends import open_backend
from lighter_common.bus import open_bus
from lighter_common.service.health import health_router
from lighter_common.service.runner import serve
from lighter_common.settings import Settings
from lighter_common.store import open_store

from lighter_submitter.worker import Submitter


async def run(settings: Settings) -> None:
    store = await open_store(settings)
    bus = await open_bus(settings)
    backend = open_backend(settings)
    submitter = Submitter(store=store, bus=bus, backend=backend, settings=settings)
    app = FastAPI(title="Lighter submitter")
    app.include_router(health_router({"store": store.ping, "bus": bus.ping}))

    async def stop() -> None:
        await submitter.stop()
        await bus.close()
        await backend.close()
        await store.close()

    await serve(
        app,
        host=settings.host,
        port=settings.submitter_port,
        on_start=submitter.start,
        on_stop=stop,
    )
