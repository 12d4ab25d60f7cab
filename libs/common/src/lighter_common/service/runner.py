"""Running a service: its workers beside an HTTP server, until a signal stops both."""

import logging
from collections.abc import Awaitable, Callable

import uvicorn
from fastapi import FastAPI

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
