from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.session_timeouts import expiry_reason, idle_timeout_seconds
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DEFAULT = 90 * 60.0


def session(
    *,
    idle_minutes: float,
    state: ApplicationState = ApplicationState.IDLE,
    type: ApplicationType = ApplicationType.SESSION,
    touched: bool = True,
    **params: Any,
) -> Application:
    since = NOW - timedelta(minutes=idle_minutes)
    return Application(
        type=type,
        state=state,
        submit_params=SubmitParams(**params),
        created_at=since if not touched else NOW - timedelta(days=1),
        last_activity_at=since if touched else None,
    )


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (session(idle_minutes=89), None),
        (session(idle_minutes=91), "idle timeout: no activity for 90m"),
        (session(idle_minutes=91, touched=False), "idle timeout: no activity for 90m"),
        (session(idle_minutes=11, idle_timeout="10m"), "idle timeout: no activity for 10m"),
        (session(idle_minutes=11, ttl="2h"), None),
        (session(idle_minutes=121, ttl="2h"), "idle timeout: no activity for 2h"),
        (session(idle_minutes=5, idle_timeout="4m", ttl="1h"), "idle timeout: no activity for 4m"),
        (session(idle_minutes=1, idle_timeout="45s"), "idle timeout: no activity for 45s"),
        (session(idle_minutes=91, state=ApplicationState.BUSY), None),
        (
            session(idle_minutes=91, state=ApplicationState.STARTING),
            "idle timeout: no activity for 90m",
        ),
        (session(idle_minutes=91, state=ApplicationState.NOT_STARTED), None),
        (session(idle_minutes=91, state=ApplicationState.DEAD), None),
        (session(idle_minutes=91, state=ApplicationState.SHUTTING_DOWN), None),
        (session(idle_minutes=91, type=ApplicationType.PERMANENT_SESSION), None),
        (session(idle_minutes=91, permanent=True), None),
        (
            session(idle_minutes=91, type=ApplicationType.BATCH, state=ApplicationState.RUNNING),
            None,
        ),
        (
            session(idle_minutes=2, heartbeat_timeout_in_second=60),
            "heartbeat timeout: no client contact for 60s",
        ),
        (
            session(idle_minutes=2, heartbeat_timeout_in_second=60, state=ApplicationState.BUSY),
            "heartbeat timeout: no client contact for 60s",
        ),
        (session(idle_minutes=0.5, heartbeat_timeout_in_second=60), None),
        (session(idle_minutes=60, heartbeat_timeout_in_second=0), None),
    ],
)
def test_expiry_reason(app: Application, expected: str | None) -> None:
    assert expiry_reason(app, NOW, default_idle_timeout=DEFAULT) == expected


def test_a_recent_heartbeat_keeps_a_session_alive() -> None:
    app = session(idle_minutes=2, heartbeat_timeout_in_second=60)
    app.heartbeat_at = NOW - timedelta(seconds=30)
    assert expiry_reason(app, NOW, default_idle_timeout=DEFAULT) is None
    app.heartbeat_at = NOW - timedelta(seconds=90)
    assert expiry_reason(app, NOW, default_idle_timeout=DEFAULT) is not None


def test_a_heartbeat_is_no_activity() -> None:
    app = session(idle_minutes=91)
    app.heartbeat_at = NOW
    assert expiry_reason(app, NOW, default_idle_timeout=DEFAULT) == (
        "idle timeout: no activity for 90m"
    )


def test_a_session_asked_to_die_is_not_expired_again() -> None:
    app = session(idle_minutes=200).model_copy(update={"kill_requested": True})
    assert expiry_reason(app, NOW, default_idle_timeout=DEFAULT) is None


def test_a_zero_default_never_expires() -> None:
    assert expiry_reason(session(idle_minutes=10**5), NOW, default_idle_timeout=0) is None


@pytest.mark.parametrize(
    ("params", "seconds"),
    [
        (SubmitParams(), DEFAULT),
        (SubmitParams(ttl="30m"), 1800),
        (SubmitParams(idle_timeout="10s", ttl="30m"), 10),
    ],
)
def test_idle_timeout_seconds(params: SubmitParams, seconds: float) -> None:
    assert idle_timeout_seconds(params, DEFAULT) == seconds
