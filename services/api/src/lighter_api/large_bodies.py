"""Requests with large bodies are handled one at a time, once their body has arrived whole.

Parsing and validating a body of a megabyte holds the event loop for tens of milliseconds
(the JSON decoder keeps the interpreter's lock, so no thread helps). Several at once, all from
one client, would keep every other request waiting behind them, `/health` included. So a
request whose body is over `threshold` bytes is read whole first (bounded by the body limit,
which sits outside this middleware), and only then waits its turn; a client that sends its
body slowly holds up nobody else. After each, the turn rests as long as the request took (at
most MAX_REST_SECONDS), so that large bodies take about half of the loop at most, however
many arrive. Small requests never wait here.
"""

import asyncio
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_THRESHOLD = 64 * 1024
MAX_REST_SECONDS = 0.25


class LargeBodyGate:
    def __init__(self, app: ASGIApp, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.app = app
        self.threshold = threshold
        self._turn = asyncio.Semaphore(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._large(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async with self._turn:
            started = time.monotonic()
            try:
                await self.app(scope, replay, send)
            finally:
                # As long again before the next large body: they take at most about half of
                # the loop's time, however many arrive, and the rest is left to other requests.
                await asyncio.sleep(min(time.monotonic() - started, MAX_REST_SECONDS))

    def _large(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                return not value.isdigit() or int(value) > self.threshold
            if name == b"transfer-encoding":
                return True  # chunked: its size is known only once read
        return False
