"""Every Lighter driver pod of a namespace, kept current by one watch.

One list, then one watch from the list's resourceVersion, resumed from the last version seen
when the connection drops (an API server restart, a load balancer's idle timeout), and a fresh
list when the server answers 410 Gone (the version is older than it keeps). A pod that a fresh
list no longer has was deleted while nobody watched. Deleted pods are kept for a while as
their last state, so an application's end is seen even when its pod went at once.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, cast

import aiohttp
from kubernetes_asyncio import client

from lighter_common.backends.kubernetes.labels import DRIVER_SELECTOR, driver_key
from lighter_common.backends.kubernetes.pod_state import Pod, PodObservation
from lighter_common.backends.kubernetes.raw_api import error_text
from lighter_common.background import BackgroundTasks
from lighter_common.domain.driver import DriverKey

_log = logging.getLogger(__name__)

WATCH_SECONDS = 240  # the server ends each watch after this; it is then resumed
_READ_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=WATCH_SECONDS + 30)
_FIRST_SYNC_SECONDS = 30.0
_RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
_DELETED_KEPT_SECONDS = 3600.0

Listener = Callable[[PodObservation | None, PodObservation], None]


class WatchGone(Exception):
    """The resourceVersion is too old for the server: list again."""


class PodCache:
    def __init__(
        self, core: client.CoreV1Api, namespace: str, on_change: Listener | None = None
    ) -> None:
        self._core = core
        self._namespace = namespace
        self._on_change = on_change
        self._pods: dict[str, PodObservation] = {}
        self._names: dict[DriverKey, str] = {}
        self._deleted_at: dict[str, float] = {}
        self._synced = asyncio.Event()
        self._background = BackgroundTasks()
        self._last_error: BaseException | None = None
        self.lists = 0  # how many times the pods were listed (the first, then after each 410)
        self.version: str | None = None  # the resourceVersion the watch resumes from

    def start(self) -> None:
        self._background.start("kubernetes-pod-watch", self._run)

    async def stop(self) -> None:
        await self._background.stop()

    async def synced(self) -> None:
        """Returns once the first list is in; raises when the API server cannot be reached."""
        if self._synced.is_set():
            return
        try:
            await asyncio.wait_for(self._synced.wait(), _FIRST_SYNC_SECONDS)
        except TimeoutError:
            raise RuntimeError(
                f"cannot list driver pods in namespace {self._namespace!r}: {self._last_error}"
            ) from self._last_error

    def find(self, key: DriverKey) -> PodObservation | None:
        name = self._names.get(key)
        return self._pods.get(name) if name is not None else None

    def live(self) -> list[tuple[DriverKey, Pod]]:
        alive = []
        for key, name in self._names.items():
            seen = self._pods[name]
            pod = seen.pod
            if not seen.deleted and not pod.is_terminal and pod.metadata.deletion_timestamp is None:
                alive.append((key, pod))
        return alive

    def existing(self) -> list[Pod]:
        """Pods that still exist and are not being deleted, ended or not."""
        return [
            seen.pod
            for seen in self._pods.values()
            if not seen.deleted and seen.pod.metadata.deletion_timestamp is None
        ]

    # The loop.

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                if self.version is None:
                    self.version = await self._list()
                await self._watch()
                failures = 0
            except asyncio.CancelledError:
                raise
            except WatchGone:
                self.version = None
            except Exception as error:
                self._last_error = error
                delay = _RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)]
                failures += 1
                _log.warning(
                    "watching driver pods failed (%s); again in %.1fs", error_text(error), delay
                )
                await asyncio.sleep(delay)

    async def _list(self) -> str:
        response = await self._raw(label_selector=DRIVER_SELECTOR)
        async with response:
            body: dict[str, Any] = await response.json()
            if response.status >= 300:
                raise RuntimeError(f"listing pods: {response.status} {body.get('message')}")
        self.lists += 1
        listed = {}
        for raw in body.get("items", []):
            pod = Pod.model_validate(raw)
            listed[pod.metadata.name] = pod
        for name, seen in list(self._pods.items()):
            if name not in listed and not seen.deleted:
                self._put(PodObservation(seen.pod, deleted=True))
        for pod in listed.values():
            self._put(PodObservation(pod))
        self._forget_old_deletions()
        self._synced.set()
        return str(body.get("metadata", {}).get("resourceVersion", ""))

    async def _watch(self) -> None:
        response = await self._raw(
            label_selector=DRIVER_SELECTOR,
            watch=True,
            allow_watch_bookmarks=True,
            resource_version=self.version,
            timeout_seconds=WATCH_SECONDS,
            _request_timeout=_READ_TIMEOUT,
        )
        async with response:
            if response.status == 410:
                raise WatchGone()
            if response.status >= 300:
                raise RuntimeError(f"watching pods: {response.status} {await response.text()}")
            async for line in response.content:
                if line.strip():
                    self.version = self._apply(json.loads(line)) or self.version

    async def _raw(self, **params: Any) -> aiohttp.ClientResponse:
        """The pods' JSON as the server sends it, unparsed (the watch reads it line by line)."""
        response = await self._core.list_namespaced_pod(
            self._namespace, _preload_content=False, **params
        )
        return cast(aiohttp.ClientResponse, response)

    def _apply(self, event: dict[str, Any]) -> str | None:
        kind = event.get("type")
        raw = event.get("object") or {}
        if kind == "ERROR":
            if raw.get("code") == 410:
                raise WatchGone()
            raise RuntimeError(f"watch error: {raw.get('message')}")
        version = raw.get("metadata", {}).get("resourceVersion")
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            self._put(PodObservation(Pod.model_validate(raw), deleted=kind == "DELETED"))
        return str(version) if version else None

    def _put(self, seen: PodObservation) -> None:
        pod = seen.pod
        key = driver_key(pod.metadata.labels, pod.metadata.annotations)
        if key is None:
            return
        name = pod.metadata.name
        before = self._pods.get(name)
        self._pods[name] = seen
        self._names[key] = name
        if seen.deleted:
            self._deleted_at.setdefault(name, time.monotonic())
        else:
            self._deleted_at.pop(name, None)
        if self._on_change is not None:
            self._on_change(before, seen)

    def _forget_old_deletions(self) -> None:
        horizon = time.monotonic() - _DELETED_KEPT_SECONDS
        for name, deleted_at in list(self._deleted_at.items()):
            if deleted_at < horizon:
                seen = self._pods.pop(name)
                del self._deleted_at[name]
                key = driver_key(seen.pod.metadata.labels, seen.pod.metadata.annotations)
                if key is not None and self._names.get(key) == name:
                    del self._names[key]
