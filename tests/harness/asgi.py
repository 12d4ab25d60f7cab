"""An httpx client on the API's ASGI app, from a client address of the test's choosing."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def client_of(
    app: FastAPI, *, client_host: str = "127.0.0.1", **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(client_host, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://lighter", **options) as c:
        yield c
