"""The session-manager as its own process (`lighter session-manager`): the worker, and the
kernel endpoint served on `session_manager_port` with /health and /metrics."""

from fastapi import FastAPI
from lighter_common.bus import open_bus
from lighter_common.service.health import health_router
from lighter_common.service.runner import serve
from lighter_common.settings import Settings
from lighter_common.store import open_store

from lighter_session_manager.kernel_endpoint import kernel_router
from lighter_session_manager.worker import SessionManager


async def run(settings: Settings) -> None:
    store = await open_store(settings)
    bus = await open_bus(settings)
    session_manager = SessionManager(store=store, bus=bus, settings=settings)
    app = FastAPI(title="Lighter session-manager")
    app.include_router(health_router({"store": store.ping, "bus": bus.ping}))
    app.include_router(
        kernel_router(store=store, dispatcher=session_manager.dispatcher, settings=settings)
    )

    async def stop() -> None:
        await session_manager.stop()
        await bus.close()
        await store.close()

    await serve(
        app,
        host=settings.host,
        port=settings.session_manager_port,
        on_start=session_manager.start,
        on_stop=stop,
    )
