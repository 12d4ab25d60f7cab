"""Keeping the stored logs of running applications fresh without rewriting unchanged ones."""

import time

from lighter_common.backends.base import Backend
from lighter_common.domain.application import Application
from lighter_common.ending import capture_log
from lighter_common.store.base import Store


class LogRefresher:
    """Copies a running driver's log into the store at most every `interval` seconds."""

    def __init__(self, *, store: Store, backend: Backend, interval: float, max_bytes: int) -> None:
        self._store = store
        self._backend = backend
        self._interval = interval
        self._max_bytes = max_bytes
        self._last_copy: dict[str, float] = {}
        self._last_size: dict[str, int] = {}

    async def refresh(self, apps: list[Application]) -> None:
        now = time.monotonic()
        live = {app.id for app in apps}
        for app_id in list(self._last_copy):
            if app_id not in live:
                self._last_copy.pop(app_id, None)
                self._last_size.pop(app_id, None)
        for app in apps:
            if now - self._last_copy.get(app.id, 0.0) < self._interval:
                continue
            self._last_copy[app.id] = now
            text = await self._backend.logs(app, self._max_bytes)
            if text is not None and len(text) != self._last_size.get(app.id):
                self._last_size[app.id] = len(text)
                await self._store.put_log(app.id, text)
                await self._keep_final_log(app)

    async def _keep_final_log(self, app: Application) -> None:
        """The copy just written was read while the driver ran; if the application finished
        meanwhile, its final log (written by whichever service finished it) may have landed
        first and been overwritten: take the final log again."""
        current = await self._store.get_application(app.id)
        if current is not None and current.state.is_finished:
            await capture_log(self._store, self._backend, current, self._max_bytes)

    def forget(self, app_id: str) -> None:
        self._last_copy.pop(app_id, None)
        self._last_size.pop(app_id, None)


__all__ = ["LogRefresher", "capture_log"]
