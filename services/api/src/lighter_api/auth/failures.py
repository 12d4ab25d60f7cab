"""Refused credentials: counted for Prometheus and logged, never with the secret."""

import logging

from prometheus_client import Counter

logger = logging.getLogger("lighter_api.auth")

FAILED_LOGINS = Counter(
    "lighter_api_failed_logins_total",
    "Requests refused for missing, malformed, wrong or expired credentials, or throttled",
    ["mode", "reason"],
)


def record_failure(
    *, mode: str, reason: str, user: str | None, client: str | None, path: str
) -> None:
    FAILED_LOGINS.labels(mode, reason).inc()
    logger.warning(
        "authentication failed",
        extra={"mode": mode, "reason": reason, "user": user, "client": client, "path": path},
    )
