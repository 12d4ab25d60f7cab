"""Running a service: its workers beside an HTTP server, until a signal stops both."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, Protocol

import uvicorn
from fastapi import APIRouter, FastAPI

from lighter_common.backends import open_backend
from lighter_common.backends.base import Backend
from lighter_common.bus import open_bus
from lighter_common.bus.base import Bus
from lighter_common.service.health import health_router
from lighter_common.service.logs import configure_logging
from lighter_common.settings import Settings
from lighter_common.store import open_store
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn's server, except that it does not raise the stop signal again once it has shut
    down: that would end the process before `serve` stops the workers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()


async def serve(
    app: FastAPI,
    *,
    settings: Settings,
    port: int,
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start the workers, serve HTTP until SIGINT/SIGTERM, then stop the workers."""
    host = settings.server.host
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        # Idle keep-alive connections outlive any client's poll interval (pylivy waits exactly
        # uvicorn's default of 5 s, then reuses a socket the server is closing).
        timeout_keep_alive=settings.server.http_keep_alive,
        # The peer address stays the peer's: header authentication believes only configured
        # proxy addresses, which X-Forwarded-For must not be able to stand in for.
        proxy_headers=False,
    )
    server = _Server(config)
    if on_start is not None:
        await on_start()
    try:
        logger.info("listening", extra={"host": host, "port": port})
        await server.serve()
    finally:
        if on_stop is not None:
            await on_stop()
        logger.info("stopped")


class Worker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def serve_worker(
    worker: Worker,
    *,
    name: str,
    port: int,
    settings: Settings,
    store: Store,
    bus: Bus,
    routers: Sequence[APIRouter] = (),
    closers: Sequence[Callable[[], Awaitable[None]]] = (),
) -> None:
    """A worker service's process: the worker, /health and /metrics (and `routers`) on `port`."""
    app = FastAPI(title=f"Lighter {name}")
    app.include_router(health_router({"store": store.ping, "bus": bus.ping}))
    for router in routers:
        app.include_router(router)

    async def stop() -> None:
        await worker.stop()
        for close in (bus.close, *closers, store.close):
            await close()

    await serve(app, settings=settings, port=port, on_start=worker.start, on_stop=stop)


class BackendWorker(Protocol):
    """A worker class that drives applications through a backend (submitter, tracker)."""

    def __call__(
        self, *, store: Store, bus: Bus, backend: Backend, settings: Settings
    ) -> Worker: ...


async def serve_backend_worker(
    worker: BackendWorker, *, name: str, port: int, settings: Settings
) -> None:
    """A worker service's process whose worker needs the store, the bus and the backend."""
    store = await open_store(settings)
    bus = await open_bus(settings)
    backend = open_backend(settings)
    await serve_worker(
        worker(store=store, bus=bus, backend=backend, settings=settings),
        name=name,
        port=port,
        settings=settings,
        store=store,
        bus=bus,
        closers=[backend.close],
    )


def run_service(service: str, run: Callable[[Settings], Coroutine[Any, Any, None]]) -> None:
    """A service's process: settings from the environment, logging, run until a signal."""
    settings = Settings()
    configure_logging(
        service, log_format=settings.server.log_format, level=settings.server.log_level
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
