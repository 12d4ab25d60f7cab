"""The Livy dialect (/livy): integer ids, `msg` errors, logs as lists of lines.

A statement whose code raised is `available` with `output.status: "error"`: Livy's
`Session.execute` always moves a statement from running to available, and its clients
(sparkmagic, sparklyr, Hue, Zeppelin) wait for `available` and then read the output.
Likewise, as Livy 0.9.0 answers (shared/reference/): a statement cancelled while running
shows `output.status: "ok"` with empty text, a SQL result only its `application/json`, and
a session's unset `driverCores`, `executorCores` and `numExecutors` are 0.
"""

from datetime import UTC, datetime
from typing import Any

from lighter_common.domain.app_links import NO_TEMPLATES, LinkTemplates, app_links
from lighter_common.domain.application import Application
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import StatementState

from lighter_api.dialects.logs import LogPage
from lighter_api.dialects.statements import statement_body

PREFIX = "/livy"
LIVY_VERSION = "0.9.0-incubating"
LOG_LINES = 100
_STARTED = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_version() -> dict[str, str]:
    """`GET /version`: Livy's build fields; `date` is when this server started."""
    return {
        "url": "",
        "branch": "",
        "revision": "",
        "version": LIVY_VERSION,
        "date": _STARTED,
        "user": "",
    }


def location(segment: str, livy_id: int) -> str:
    """The `Location` of a created application: its path on this server."""
    return f"{PREFIX}/{segment}/{livy_id}"


def render_app_info(app: Application, templates: LinkTemplates) -> dict[str, Any]:
    """Livy's keys only (the History Server link is Lighter's)."""
    links = app_links(app, templates)
    return {
        "driverLogUrl": links.driver_log_url,
        "sparkUiUrl": links.spark_ui_url,
        "executorLogUrls": None,
    }


def render_session(
    app: Application, log: list[str] | None = None, templates: LinkTemplates = NO_TEMPLATES
) -> dict[str, Any]:
    params = app.submit_params
    return {
        "id": app.livy_id,
        "name": params.name,
        "appId": app.app_id,
        "owner": app.owner,
        "proxyUser": params.proxy_user,
        "state": app.state.value,
        "kind": app.kind,
        "appInfo": render_app_info(app, templates),
        "log": log or [],
        "ttl": params.ttl,
        "idleTimeout": params.idle_timeout,
        "driverMemory": params.driver_memory,
        "driverCores": params.driver_cores or 0,
        "executorMemory": params.executor_memory,
        "executorCores": params.executor_cores or 0,
        "conf": params.redacted().conf,
        "archives": params.archives,
        "files": params.files,
        "heartbeatTimeoutInSecond": params.heartbeat_timeout_in_second or 0,
        "jars": params.jars,
        "numExecutors": params.num_executors or 0,
        "pyFiles": params.py_files,
        "queue": params.queue,
    }


def render_batch(
    app: Application, log: list[str] | None = None, templates: LinkTemplates = NO_TEMPLATES
) -> dict[str, Any]:
    return {
        "id": app.livy_id,
        "name": app.submit_params.name,
        "owner": app.owner,
        "proxyUser": app.submit_params.proxy_user,
        "state": app.state.value,
        "appId": app.app_id,
        "appInfo": render_app_info(app, templates),
        "log": log or [],
    }


def render_application(
    app: Application, log: list[str] | None = None, templates: LinkTemplates = NO_TEMPLATES
) -> dict[str, Any]:
    """A session or a batch, each in its own shape."""
    if app.type.is_session:
        return render_session(app, log, templates)
    return render_batch(app, log, templates)


def render_state(app: Application) -> dict[str, Any]:
    return {"id": app.livy_id, "state": app.state.value}


def render_page(
    apps: list[Application], *, offset: int, total: int, templates: LinkTemplates = NO_TEMPLATES
) -> dict[str, Any]:
    # Livy lists batches under `sessions` too.
    shown = [render_application(a, templates=templates) for a in apps]
    return {"from": offset, "total": total, "sessions": shown}


def render_log(app: Application, page: LogPage) -> dict[str, Any]:
    return {"id": app.livy_id, "from": page.offset, "total": page.total, "log": page.lines}


def statement_state(state: StatementState) -> StatementState:
    """Livy's statement state: code that raised still ends `available`."""
    return StatementState.AVAILABLE if state is StatementState.ERROR else state


def render_statement(statement: Statement) -> dict[str, Any]:
    body = statement_body(statement, state=statement_state(statement.state))
    del body["kind"]  # Livy's statements do not show it
    body["output"] = livy_output(statement, body["output"])
    return body


def livy_output(statement: Statement, output: dict[str, Any] | None) -> dict[str, Any] | None:
    if statement.state is StatementState.CANCELLED:
        if statement.started_at is None:
            return None  # cancelled before it ran: Livy has no output for it
        return {"status": "ok", "execution_count": statement.id, "data": {"text/plain": ""}}
    data = output.get("data") if output is not None else None
    if output is not None and data and "application/json" in data and "text/plain" in data:
        # SQL results: clients such as sparkmagic render the data, not a text table.
        return {**output, "data": {k: v for k, v in data.items() if k != "text/plain"}}
    return output


def render_statements(statements: list[Statement], *, total: int) -> dict[str, Any]:
    return {"total_statements": total, "statements": [render_statement(s) for s in statements]}


def render_error(message: str) -> dict[str, Any]:
    return {"msg": message}
