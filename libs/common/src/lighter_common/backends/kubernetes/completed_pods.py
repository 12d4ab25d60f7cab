"""Driver pods that ended are deleted `LIGHTER_KUBERNETES_COMPLETED_POD_TTL` after they ended.

Their log is saved first (the backend reads it from there once the pod is gone), and the
tracker copied it into the store when it saw the end, seconds after it. A pod whose driver
Lighter has given up on while the pod itself goes on (an image that cannot be pulled, a pod
never scheduled or never started) counts as ended from when it was first seen so. Every
process that watches the pods reaps; a pod deleted twice is a 404, which is no error.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from lighter_common.backends.kubernetes.pod_cache import PodCache
from lighter_common.backends.kubernetes.pod_state import Pod
from lighter_common.backends.kubernetes.raw_api import RAW, error_text, succeeded
from lighter_common.background import BackgroundTasks

_log = logging.getLogger(__name__)

_LONGEST_PAUSE = 60.0


def ended_at(pod: Pod) -> datetime | None:
    """When the pod ended: its containers' last finish, else its conditions' last change."""
    finished = [
        status.state.terminated.finished_at
        for status in pod.status.container_statuses
        if status.state.terminated is not None and status.state.terminated.finished_at
    ]
    if finished:
        return max(finished)
    changed = [c.last_transition_time for c in pod.status.conditions if c.last_transition_time]
    return max(changed) if changed else None


def due(pod: Pod, *, first_seen_ended: datetime, now: datetime, ttl: float) -> bool:
    """Whether an ended pod has been kept `ttl` seconds (counted from when it was first seen
    ended when the pod itself does not say, or goes on)."""
    ended = ended_at(pod) if pod.is_terminal else None
    return now - (ended or first_seen_ended) >= timedelta(seconds=ttl)


class CompletedPodReaper:
    def __init__(
        self,
        core: client.CoreV1Api,
        namespace: str,
        cache: PodCache,
        *,
        ttl: float,
        keep_log: Callable[[str], Awaitable[None]],
        given_up: Callable[[Pod], bool],
    ) -> None:
        self._core = core
        self._namespace = namespace
        self._cache = cache
        self._ttl = ttl
        self._keep_log = keep_log
        self._given_up = given_up
        self._first_seen_ended: dict[str, datetime] = {}
        self._background = BackgroundTasks()

    def start(self) -> None:
        self._background.start("kubernetes-completed-pods", self._run)

    async def stop(self) -> None:
        await self._background.stop()

    async def _run(self) -> None:
        pause = min(max(self._ttl / 2, 1.0), _LONGEST_PAUSE)
        while True:
            try:
                await self.reap()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                _log.warning("deleting completed driver pods failed: %s", error_text(error))
            await asyncio.sleep(pause)

    async def reap(self) -> list[str]:
        """Delete the ended pods whose time is up; returns their names."""
        now = datetime.now(UTC)
        ended = [pod for pod in self._cache.existing() if pod.is_terminal or self._given_up(pod)]
        names = {pod.metadata.name for pod in ended}
        for name in set(self._first_seen_ended) - names:
            del self._first_seen_ended[name]
        deleted = []
        for pod in ended:
            name = pod.metadata.name
            first_seen = self._first_seen_ended.setdefault(name, now)
            if due(pod, first_seen_ended=first_seen, now=now, ttl=self._ttl):
                await self._keep_log(name)
                await self._delete(name)
                deleted.append(name)
        return deleted

    async def _delete(self, name: str) -> None:
        try:
            await succeeded(self._core.delete_namespaced_pod(name, self._namespace, **RAW))
        except ApiException as error:
            if error.status != 404:
                raise
        _log.info("deleted completed driver pod %s", name)
