"""A YARN application, as the ResourceManager reports it -> the driver's status, with a reason
a person can act on. Pure: no client.

`YarnApplication` reads only the fields the mapping and the client need from the RM's JSON
(`GET /ws/v1/cluster/apps`); everything else is ignored, so any Hadoop 3 RM's answer parses.

| state                         | finalStatus | driver                                     |
|-------------------------------|-------------|--------------------------------------------|
| NEW, NEW_SAVING, SUBMITTED    | any         | starting                                   |
| ACCEPTED                      | any         | starting: "waiting in queue <queue>"       |
| RUNNING                       | any         | running (the AM may be unregistering)      |
| FINISHED                      | SUCCEEDED   | succeeded                                  |
| FINISHED                      | KILLED      | killed                                     |
| FINISHED                      | FAILED, UNDEFINED | failed: YARN's diagnostics           |
| FAILED                        | any         | failed: YARN's diagnostics                 |
| KILLED                        | any         | killed: YARN's diagnostics                 |
"""

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

from lighter_common.backends.driver_log import last_error_line
from lighter_common.domain.driver import DriverPhase, DriverStatus

STARTING_STATES = frozenset({"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED"})
ENDED_STATES = frozenset({"FINISHED", "FAILED", "KILLED"})

# The scheduler's ACCEPTED diagnostics end in a dump of the queue's numbers; the first
# sentence is the part a person reads.
_SCHEDULER_DETAILS = re.compile(r"\s*(Last Node which was processed|Details\s*:).*", re.DOTALL)
_TIMESTAMP = re.compile(r"^\[[^\]]*\]\s*")
_HADOOP_HINT = re.compile(
    r"\s*For more detailed output, check the application tracking page:?\s*\S*\s*"
    r"Then click on links to logs of each attempt\.?"
)
_MAX_REASON = 1000
_MAX_STUTTER = 500


class YarnApplication(BaseModel):
    """One application of the ResourceManager's REST API (`app` in `/ws/v1/cluster/apps`)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    id: str
    name: str = ""
    user: str = ""
    queue: str = ""
    state: str = "NEW"
    final_status: str = "UNDEFINED"
    diagnostics: str = ""
    tracking_url: str | None = None
    application_type: str = ""
    application_tags: tuple[str, ...] = ()
    am_container_logs: str | None = None  # http://<node>/node/containerlogs/<container>/<user>
    am_host_http_address: str | None = None  # the AM's NodeManager web address
    started_time: int = 0  # ms since the epoch
    finished_time: int = 0

    @field_validator("application_tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        # The RM answers with one comma-separated string.
        if isinstance(value, str):
            return tuple(tag for tag in value.split(",") if tag)
        return value

    @field_validator("diagnostics", mode="before")
    @classmethod
    def _no_null_diagnostics(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def am_container_id(self) -> str | None:
        """The ApplicationMaster's (the driver's, in cluster mode) container, when it has one."""
        if not self.am_container_logs:
            return None
        parts = urlsplit(self.am_container_logs).path.rstrip("/").split("/")
        for part in parts:
            if part.startswith("container_"):
                return part
        return None


def driver_status(
    app: YarnApplication, *, log_tail: str | None = None, resource_manager_url: str | None = None
) -> DriverStatus:
    """The driver's status from its application. `log_tail`, when given, names a failure's cause.

    A running driver's UI is the RM's proxy to it (its tracking URL); where that URL has no
    usable address (a web proxy configured on port 0, as in a MiniYARNCluster), it is the
    proxy that the ResourceManager at `resource_manager_url` serves itself.

    A PySpark driver's own output, its traceback included, is its container's `stdout`; the
    JVM's log is `stderr`: a tail of both, stdout last, finds the exception.
    """
    found: dict[str, Any] = {"spark_app_id": app.id}
    state = app.state.upper()
    final = app.final_status.upper()
    if state in ("NEW", "NEW_SAVING"):
        return DriverStatus(DriverPhase.STARTING, **found)
    if state == "SUBMITTED":
        return DriverStatus(
            DriverPhase.STARTING, reason=f"submitted to queue {_queue(app)}", **found
        )
    if state == "ACCEPTED":
        reason = _with(f"waiting in queue {_queue(app)}", _scheduler_message(app.diagnostics))
        return DriverStatus(DriverPhase.STARTING, reason=reason, **found)
    if state == "RUNNING":
        ui_url = _ui_url(app.tracking_url)
        if ui_url is None and app.tracking_url and resource_manager_url:
            ui_url = _ui_url(f"{resource_manager_url.rstrip('/')}/proxy/{app.id}/")
        return DriverStatus(DriverPhase.RUNNING, spark_ui_url=ui_url, **found)
    if state == "KILLED" or (state == "FINISHED" and final == "KILLED"):
        return DriverStatus(DriverPhase.KILLED, reason=_diagnostics(app) or "killed", **found)
    if state == "FINISHED" and final == "SUCCEEDED":
        return DriverStatus(DriverPhase.SUCCEEDED, **found)
    if state in ("FINISHED", "FAILED"):
        return DriverStatus(DriverPhase.FAILED, reason=_failure(app, log_tail), **found)
    return DriverStatus(
        DriverPhase.RUNNING, reason=f"YARN reports an unknown state {app.state!r}", **found
    )


def _failure(app: YarnApplication, log_tail: str | None) -> str:
    reason = _diagnostics(app)
    if not reason:
        reason = (
            "the application ended without a final status"
            if app.final_status.upper() == "UNDEFINED"
            else "the application failed (YARN gives no diagnostics)"
        )
    cause = (last_error_line(log_tail or "") or "").strip()
    # Spark's AM logs its own diagnostics as an ERROR line: that one adds nothing.
    if cause and cause not in reason and reason not in cause:
        reason = f"{reason}: {cause}"
    return _bounded(reason)


def _diagnostics(app: YarnApplication) -> str:
    text = _HADOOP_HINT.sub("", _TIMESTAMP.sub("", app.diagnostics.strip()))
    return _bounded(_without_stutter(text.strip()))


def _without_stutter(text: str) -> str:
    """The RM's refusals repeat their start ("Application … by user u" followed by
    "Application … by user u to unknown queue: q"): the second, longer one says it all."""
    for length in range(min(len(text) // 2, _MAX_STUTTER), 15, -1):
        if text.startswith(text[:length], length):
            return text[length:]
    return text


def _scheduler_message(diagnostics: str) -> str:
    text = _SCHEDULER_DETAILS.sub("", _TIMESTAMP.sub("", diagnostics.strip()))
    return _bounded(text.strip())


def _queue(app: YarnApplication) -> str:
    return app.queue or "(unknown)"


def _ui_url(tracking_url: str | None) -> str | None:
    """The RM's proxy to the driver's UI; nothing unless it is an http(s) URL one can open."""
    if not tracking_url:
        return None
    try:
        parts = urlsplit(tracking_url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        return None
    return tracking_url


def _with(reason: str, message: str) -> str:
    return f"{reason}: {message}" if message else reason


def _bounded(text: str) -> str:
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"
