"""Submissions a client may repeat: the `Idempotency-Key` header (Stripe's convention, the
IETF draft's header).

A key belongs to one route (`POST /livy/batches`, …) and names one request: the route and
the parsed body, hashed as canonical JSON (the fingerprint). The first request with a key
claims it in the store for the application id it is about to create; exactly one of racing
requests wins the claim. A later request with the same key gets that application back, or
a 409 when its body differs. Keys are kept at least IDEMPOTENCY_KEY_TTL.
"""

import asyncio
import hashlib
import json
import logging

from lighter_common.background import BackgroundTasks
from lighter_common.domain.application import utcnow
from lighter_common.domain.errors import Conflict
from lighter_common.domain.idempotency import IDEMPOTENCY_KEY_TTL, IdempotencyKey
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.store.base import Store, StoreUnavailable

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
FORGET_EVERY_SECONDS = 3600.0


def fingerprint(route: str, params: SubmitParams) -> str:
    """What makes two requests the same request: the route and the parsed body."""
    body = params.model_dump(mode="json", by_alias=True)
    canonical = json.dumps([route, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(store: Store, *, route: str, key: str, params: SubmitParams, app_id: str) -> str:
    """The application id the key stands for: `app_id` when this request claimed it first.

    Raises Conflict when the key was used for a different request.
    """
    wanted = IdempotencyKey(
        key=f"{route} {key}",
        fingerprint=fingerprint(route, params),
        app_id=app_id,
        created_at=utcnow(),
    )
    holder = await store.claim_idempotency_key(wanted)
    if holder.fingerprint != wanted.fingerprint:
        raise Conflict(
            f"{HEADER} '{key}' was already used for a different request to {route}; "
            "send a new key with a new request"
        )
    return holder.app_id


async def forget_expired_keys(store: Store) -> int:
    """Forget the keys older than IDEMPOTENCY_KEY_TTL; returns how many."""
    return await store.forget_idempotency_keys(utcnow() - IDEMPOTENCY_KEY_TTL)


class KeyExpiry:
    """Forgets, every hour, the keys older than IDEMPOTENCY_KEY_TTL.

    Each API replica runs one; several doing so is harmless (a delete by age).
    """

    def __init__(self, store: Store, *, every: float = FORGET_EVERY_SECONDS) -> None:
        self._store = store
        self._every = every
        self._background = BackgroundTasks()

    async def start(self) -> None:
        self._background.start("idempotency-key-expiry", self._loop)

    async def stop(self) -> None:
        await self._background.stop()

    async def _loop(self) -> None:
        while True:
            try:
                forgotten = await forget_expired_keys(self._store)
                if forgotten:
                    logger.info("idempotency keys forgotten", extra={"count": forgotten})
            except StoreUnavailable:
                logger.warning("idempotency keys not forgotten: the database is unreachable")
            await asyncio.sleep(self._every)
