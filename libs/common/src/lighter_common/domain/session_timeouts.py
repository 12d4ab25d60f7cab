"""When a session has been left alone too long, and why it ends.

Two clocks:
- the idle timeout (`idleTimeout`, else `ttl`, else the service default), from the last
  activity: a statement submitted or finished, else the session's creation. It does not run
  while a statement is executing;
- Livy's heartbeat (`heartbeatTimeoutInSecond`, when above zero), from the last contact of a
  client: a heartbeat or any activity, else the creation. It runs even while busy, since it
  means the client that owned the session is gone.
Permanent sessions never time out.
"""

from datetime import datetime

from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams, parse_duration


def idle_timeout_seconds(params: SubmitParams, default: float) -> float:
    """The idle timeout a session asked for, else `default`; zero or less means never."""
    asked = params.idle_timeout or params.ttl
    return parse_duration(asked) if asked else default


def expiry_reason(app: Application, now: datetime, *, default_idle_timeout: float) -> str | None:
    """Why `app` should be ended at `now`, or None while it may live on."""
    if not _may_expire(app):
        return None
    last_activity = app.last_activity_at or app.created_at
    idle_for = (now - last_activity).total_seconds()
    heartbeat = app.submit_params.heartbeat_timeout_in_second or 0
    last_contact = max(last_activity, app.heartbeat_at or last_activity)
    if heartbeat > 0 and (now - last_contact).total_seconds() > heartbeat:
        return f"heartbeat timeout: no client contact for {heartbeat}s"
    timeout = idle_timeout_seconds(app.submit_params, default_idle_timeout)
    if timeout > 0 and idle_for > timeout and app.state is not ApplicationState.BUSY:
        return f"idle timeout: no activity for {_seconds_text(timeout)}"
    return None


def _may_expire(app: Application) -> bool:
    return (
        app.type is ApplicationType.SESSION
        and not app.submit_params.permanent
        and app.state.is_alive
        and app.state is not ApplicationState.SHUTTING_DOWN
        and not app.kill_requested
        and not app.deleted
    )


def _seconds_text(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
