"""Health and Prometheus metrics endpoints, shared by every service."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

HealthCheck = Callable[[], Awaitable[None]]
CHECK_TIMEOUT_SECONDS = 3.0


def health_router(checks: Mapping[str, HealthCheck]) -> APIRouter:
    """`GET /health` runs every named check (e.g. store, bus); 503 when one fails."""
    router = APIRouter()

    @router.get("/health", tags=["health"])
    async def health() -> JSONResponse:
        results = {name: await _run(check) for name, check in checks.items()}
        healthy = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable", "checks": results},
            status_code=200 if healthy else 503,
        )

    @router.get("/metrics", tags=["health"])
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _run(check: HealthCheck) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # a failing check is reported, not raised
        return f"error: {type(error).__name__}: {error}"
    return "ok"
