"""A YARN driver's log: its container's stderr and stdout while YARN has them, and Lighter's
copy, kept under `<data dir>/yarn-logs/` once the application has ended (YARN forgets
applications, NodeManagers delete logs); before YARN has the application, spark-submit's own
output, kept beside them.
"""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import httpx

from lighter_common.backends.kubernetes.driver_log_files import read_tail, tail, write_file
from lighter_common.backends.yarn.app_state import YarnApplication
from lighter_common.backends.yarn.resource_manager import ResourceManager
from lighter_common.backends.yarn.tags import app_tag
from lighter_common.domain.driver import DriverKey

_log = logging.getLogger(__name__)

LOGS_DIR = "yarn-logs"
FAILURE_TAIL_BYTES = 64 * 1024
SAVED_LOG_BYTES = 4 * 1024 * 1024
_SUBMIT_LOG_SUFFIX = ".submit.log"


class DriverLogs:
    """The logs of one backend's drivers, read through `resource_manager()`."""

    def __init__(self, data_dir: Path, resource_manager: Callable[[], ResourceManager]) -> None:
        self._dir = data_dir / LOGS_DIR
        self._resource_manager = resource_manager
        self._failure_tails: dict[str, str | None] = {}  # YARN id -> its log's tail, once failed
        self._kept: set[str] = set()

    async def live(self, yarn_app: YarnApplication, max_bytes: int) -> str | None:
        """The driver container's stderr (the JVM's log) then stdout (a PySpark driver's own
        output, its traceback included): their last `max_bytes`, stdout's first."""
        rm = self._resource_manager()
        try:
            stdout = await rm.container_log(yarn_app, "stdout", tail_bytes=max_bytes)
            stderr = await rm.container_log(yarn_app, "stderr", tail_bytes=max_bytes)
        except httpx.HTTPError as error:
            _log.debug("no log from YARN application %s: %r", yarn_app.id, error)
            return None
        if stdout is None and stderr is None:
            return None
        return tail(f"{stderr or ''}{stdout or ''}", max_bytes)

    async def kept(self, yarn_id: str, max_bytes: int) -> str | None:
        return await asyncio.to_thread(read_tail, self._dir / yarn_id, max_bytes)

    async def keep(self, yarn_app: YarnApplication, text: str | None = None) -> None:
        """Keep an ended driver's log (once per application); `text` when already read whole."""
        path = self._dir / yarn_app.id
        if yarn_app.id in self._kept or path.exists():
            return
        if text is None:
            text = await self.live(yarn_app, SAVED_LOG_BYTES)
        if text is not None:
            self._kept.add(yarn_app.id)
            await asyncio.to_thread(write_file, path, text)

    async def keep_quietly(self, yarn_app: YarnApplication) -> None:
        try:
            await self.keep(yarn_app)
        except Exception as error:  # kept on the next status or read instead
            _log.warning("could not keep the log of YARN application %s: %r", yarn_app.id, error)

    async def failure_tail(self, yarn_app: YarnApplication) -> str | None:
        """The tail of a failed driver's log, read once."""
        if yarn_app.id not in self._failure_tails:
            text = await self.live(yarn_app, FAILURE_TAIL_BYTES)
            if text is None:
                text = await self.kept(yarn_app.id, FAILURE_TAIL_BYTES)
            self._failure_tails[yarn_app.id] = text
        return self._failure_tails[yarn_app.id]

    async def submit_output(self, key: DriverKey, max_bytes: int) -> str | None:
        return await asyncio.to_thread(read_tail, self._submit_log(key), max_bytes)

    async def keep_submit_output(self, key: DriverKey, output: str) -> None:
        await asyncio.to_thread(write_file, self._submit_log(key), output)

    def _submit_log(self, key: DriverKey) -> Path:
        return self._dir / f"{app_tag(key.app_id)}-{key.generation}{_SUBMIT_LOG_SUFFIX}"
