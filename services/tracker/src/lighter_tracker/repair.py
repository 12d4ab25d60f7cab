"""Finishing documents that a crash, or a server's non-atomic write, left behind their log.

Reads of one document catch up by themselves, and every compare-and-set does; lists do not.
Each pass repairs what changed since the previous one (with an overlap, for writers whose
clocks run behind), so lists never show a stale state for longer than a pass.
"""

import logging
from datetime import datetime, timedelta

from lighter_common.domain.application import utcnow
from lighter_common.store.base import Store
from prometheus_client import Counter

logger = logging.getLogger(__name__)

REPAIRED = Counter(
    "lighter_tracker_documents_repaired_total", "Documents found behind their transition log"
)
FIRST_LOOK_BACK = timedelta(hours=1)
OVERLAP = timedelta(seconds=30)


class LogRepair:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._last_pass: datetime | None = None

    async def run_once(self) -> int:
        """One pass; returns how many documents were behind."""
        now = utcnow()
        since = (self._last_pass or now - FIRST_LOOK_BACK) - OVERLAP
        repaired = await self._store.repair(since)
        self._last_pass = now
        if repaired:
            logger.warning("documents were behind their transition log", extra={"count": repaired})
            REPAIRED.inc(repaired)
        return repaired
