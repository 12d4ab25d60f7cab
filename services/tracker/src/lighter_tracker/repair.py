"""The transition log's upkeep: finishing documents that a crash, or a server's non-atomic
write, left behind their log, and forgetting records older than the retention.

Reads of one document catch up by themselves, and every compare-and-set does; lists do not.
Each pass repairs what changed since the previous one (with an overlap, for writers whose
clocks run behind), so lists never show a stale state for longer than a pass. Old records
are deleted once an hour; several trackers doing so is harmless (a delete by age).
"""

import logging
import time
from datetime import datetime, timedelta

from lighter_common.domain.application import utcnow
from lighter_common.store.base import Store
from prometheus_client import Counter

logger = logging.getLogger(__name__)

REPAIRED = Counter(
    "lighter_tracker_documents_repaired_total", "Documents found behind their transition log"
)
FORGOTTEN = Counter(
    "lighter_tracker_transitions_forgotten_total", "Transition records older than the retention"
)
FIRST_LOOK_BACK = timedelta(hours=1)
OVERLAP = timedelta(seconds=30)
FORGET_EVERY_SECONDS = 3600.0


class LogRepair:
    def __init__(
        self, store: Store, *, retention: float, forget_every: float = FORGET_EVERY_SECONDS
    ) -> None:
        self._store = store
        self._retention = timedelta(seconds=retention)
        self._forget_every = forget_every
        self._last_pass: datetime | None = None
        self._next_forget = 0.0

    async def run_once(self) -> int:
        """One pass; returns how many documents were behind."""
        now = utcnow()
        since = (self._last_pass or now - FIRST_LOOK_BACK) - OVERLAP
        repaired = await self._store.repair(since)
        self._last_pass = now
        if repaired:
            logger.warning("documents were behind their transition log", extra={"count": repaired})
            REPAIRED.inc(repaired)
        if time.monotonic() >= self._next_forget:
            self._next_forget = time.monotonic() + self._forget_every
            forgotten = await self._store.forget_transitions(now - self._retention)
            if forgotten:
                logger.info("old transition records deleted", extra={"count": forgotten})
                FORGOTTEN.inc(forgotten)
        return repaired
