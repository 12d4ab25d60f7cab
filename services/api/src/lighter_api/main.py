"""The API as its own process: `lighter api`."""

from lighter_common.bus import open_bus
from lighter_common.service.runner import serve
from lighter_common.settings import Settings
from lighter_common.store import open_store

from lighter_api.app import create_app
from lighter_api.idempotency import KeyExpiry


async def run(settings: Settings) -> None:
    store = await open_store(settings)
    bus = await open_bus(settings)
    app = create_app(store=store, bus=bus, settings=settings)
    key_expiry = KeyExpiry(store)

    async def stop() -> None:
        await key_expiry.stop()
        await bus.close()
        await store.close()

    await serve(
        app, settings=settings, port=settings.server.port, on_start=key_expiry.start, on_stop=stop
    )
