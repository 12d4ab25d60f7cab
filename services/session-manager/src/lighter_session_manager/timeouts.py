"""Ending sessions left alone too long (the rule is domain/session_timeouts.py).

The session is marked `kill_requested` with the reason, by a compare-and-set so that one
replica wins, and the submitter is asked to kill it.
"""

import logging
from datetime import datetime

from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.session_timeouts import expiry_reason
from lighter_common.domain.states import ALIVE_STATES
from lighter_common.domain.transitions import TIMEOUT_KILL_REQUESTABLE
from lighter_common.messages import SUBMITTER_QUEUE, KillApplication
from lighter_common.store.base import ApplicationQuery, Store
from prometheus_client import Counter

logger = logging.getLogger(__name__)

EXPIRED = Counter("lighter_sessions_expired_total", "Sessions ended for inactivity")


async def end_expired_sessions(
    *, store: Store, bus: Bus, now: datetime, default_idle_timeout: float
) -> list[str]:
    """Ask for the end of every session expired at `now`; returns their ids."""
    sessions = await store.find_applications(
        ApplicationQuery(
            types=(ApplicationType.SESSION,),
            states=tuple(ALIVE_STATES),
            kill_requested=False,
            oldest_first=True,
            limit=None,
        )
    )
    ended = []
    for session in sessions:
        reason = expiry_reason(session, now, default_idle_timeout=default_idle_timeout)
        if reason is not None and await _end(store, bus, session, reason):
            ended.append(session.id)
    return ended


async def _end(store: Store, bus: Bus, session: Application, reason: str) -> bool:
    marked = await store.update_application(
        session.id,
        {"kill_requested": True, "state_reason": reason},
        expected=TIMEOUT_KILL_REQUESTABLE,
        only_if={"kill_requested": False},
    )
    if marked is None:
        return False
    logger.info("ending an inactive session", extra={"session": session.id, "reason": reason})
    EXPIRED.inc()
    await bus.publish(SUBMITTER_QUEUE, KillApplication(app_id=session.id))
    return True
