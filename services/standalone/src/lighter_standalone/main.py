"""Standalone mode: all four services in one process, SQLite, an in-process bus.

The same services as the distributed mode, given the standalone adapters: nothing in a
service knows which mode it runs in.
"""

import logging

from lighter_api.app import create_app
from lighter_api.idempotency import KeyExpiry
from lighter_common.backends import open_backend
from lighter_common.backends.readiness import refuse_unworkable
from lighter_common.bus.memory import MemoryBus
from lighter_common.service.runner import serve
from lighter_common.settings import Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_session_manager.kernel_endpoint import kernel_router
from lighter_session_manager.worker import SessionManager
from lighter_submitter.worker import Submitter
from lighter_tracker.worker import Tracker

logger = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    refuse_unworkable(settings)
    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    store = await SqliteStore.open(settings.server.data_dir / "lighter.db")
    bus = MemoryBus()
    backend = open_backend(settings)
    submitter = Submitter(store=store, bus=bus, backend=backend, settings=settings)
    tracker = Tracker(store=store, bus=bus, backend=backend, settings=settings)
    session_manager = SessionManager(store=store, bus=bus, settings=settings)
    app = create_app(store=store, bus=bus, settings=settings)
    key_expiry = KeyExpiry(store)
    app.include_router(
        kernel_router(store=store, dispatcher=session_manager.dispatcher, settings=settings)
    )

    async def start() -> None:
        await submitter.start()
        await tracker.start()
        await session_manager.start()
        await key_expiry.start()
        logger.info(
            "standalone Lighter ready",
            extra={
                "url": settings.base_url,
                "data_dir": str(settings.server.data_dir),
                "backend": settings.server.backend,
            },
        )

    async def stop() -> None:
        await key_expiry.stop()
        await session_manager.stop()
        await tracker.stop()
        await submitter.stop()
        await bus.close()
        await backend.close()
        await store.close()

    await serve(app, settings=settings, port=settings.server.port, on_start=start, on_stop=stop)
