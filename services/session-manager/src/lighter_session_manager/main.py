"""The session-manager as its own process (`lighter session-manager`): the worker, and the
kernel endpoint served on `session_manager_port` with /health and /metrics."""

from lighter_common.bus import open_bus
from lighter_common.service.runner import serve_worker
from lighter_common.settings import Settings
from lighter_common.store import open_store

from lighter_session_manager.kernel_endpoint import kernel_router
from lighter_session_manager.worker import SessionManager


async def run(settings: Settings) -> None:
    store = await open_store(settings)
    bus = await open_bus(settings)
    session_manager = SessionManager(store=store, bus=bus, settings=settings)
    await serve_worker(
        session_manager,
        name="session-manager",
        port=settings.server.session_manager_port,
        settings=settings,
        store=store,
        bus=bus,
        routers=[
            kernel_router(store=store, dispatcher=session_manager.dispatcher, settings=settings)
        ],
    )
