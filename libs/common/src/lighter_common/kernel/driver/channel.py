"""The channel to the session-manager's kernel endpoint: JSON posted over HTTP.

Every request carries the session's secret and this driver's generation. The endpoint's
answers become three errors the loops act on: SessionOver (404/410: exit cleanly),
Rejected (refused for good) and Unavailable (try again).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .config import Config

POLL_HTTP_TIMEOUT = 90.0  # above any sensible server-side long-poll timeout
REQUEST_HTTP_TIMEOUT = 30.0


class SessionOver(Exception):
    """The endpoint no longer knows this driver: the session ended or was replaced."""


class Rejected(Exception):
    """The endpoint refused a request for good (a wrong secret, a malformed request)."""


class Unavailable(Exception):
    """The endpoint could not be reached, or failed; worth trying again."""


class Endpoint:
    """The session-manager's kernel endpoint, as this driver's session sees it."""

    def __init__(self, config: Config) -> None:
        self._base = f"{config.url}/kernel/sessions/{config.session_id}"
        self._headers = {
            "Authorization": f"Bearer {config.secret}",
            "Content-Type": "application/json",
        }
        self._generation = config.generation
        self._last_contact = time.monotonic()
        self._lock = threading.Lock()

    def silent_for(self) -> float:
        """Seconds since the endpoint last answered."""
        with self._lock:
            return time.monotonic() - self._last_contact

    def poll(self, *, busy: bool, app_id: str | None, ui_url: str | None) -> dict[str, Any]:
        body = {"busy": busy, "appId": app_id, "sparkUiUrl": ui_url}
        return self._post("/poll", body, POLL_HTTP_TIMEOUT)

    def progress(self, statement_id: int, progress: float) -> None:
        self._post(f"/statements/{statement_id}/progress", {"progress": progress})

    def result(self, statement_id: int, state: str, output: dict[str, Any]) -> None:
        self._post(f"/statements/{statement_id}/result", {"state": state, "output": output})

    def completion(self, completion_id: str, candidates: list[str]) -> None:
        self._post(f"/completions/{completion_id}", {"candidates": candidates})

    def _post(
        self, path: str, body: dict[str, Any], timeout: float = REQUEST_HTTP_TIMEOUT
    ) -> dict[str, Any]:
        data = json.dumps({"generation": self._generation, **body}).encode()
        request = urllib.request.Request(
            self._base + path, data=data, headers=self._headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            self._contacted()
            if error.code in (404, 410):
                raise SessionOver(f"{error.code} on {path}") from error
            if error.code >= 500 or error.code == 429:
                raise Unavailable(f"{error.code} on {path}") from error
            raise Rejected(f"{error.code} on {path}: {error.read()[:500]!r}") from error
        except (OSError, http.client.HTTPException) as error:
            raise Unavailable(f"{type(error).__name__}: {error}") from error
        self._contacted()
        return json.loads(text) if text else {}

    def _contacted(self) -> None:
        with self._lock:
            self._last_contact = time.monotonic()
