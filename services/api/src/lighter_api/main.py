"""The API as its own process: `lighter api`."""

from lighter_common.bus import open_bus
from lighter_common.service.runner import serve
from lighter_common.settings import Settings
from lighter_common.store import open_store

from lighter_api.app import create_app


async def run(settings: Settings) -> None:
    store = await open_store(settings)
    bus = await open_bus(settings)
    app = create_app(store=store, bus=bus, settings=settings)

    async def stop() -> None:
        await bus.close()
        await store.close()

    await serve(app, settings=settings, port=settings.port, on_stop=stop)
