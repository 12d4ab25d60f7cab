"""Running a service: its workers beside an HTTP server, until a signal stops both."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import uvicorn
from fastapi import FastAPI

from lighter_common.service.logs import configure_logging
from lighter_common.settings import Settings

logger = logging.getLogger(__name__)


async def serve(
    app: FastAPI,
    *,
    host: str,
    port: int,
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start the workers, serve HTTP until SIGINT/SIGTERM, then stop the workers."""
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    if on_start is not None:
        await on_start()
    try:
        logger.info("listening", extra={"host": host, "port": port})
        await server.serve()
    finally:
        if on_stop is not None:
            await on_stop()
        logger.info("stopped")


def run_service(service: str, run: Callable[[Settings], Coroutine[Any, Any, None]]) -> None:
    """A service's process: settings from the environment, logging, run until a signal."""
    settings = Settings()
    configure_logging(service, log_format=settings.log_format, level=settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
