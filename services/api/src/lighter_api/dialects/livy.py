"""The Livy dialect (/livy): integer ids, `msg` errors, logs as lists of lines.

A statement whose code raised is `available` with `output.status: "error"`: Livy's
`Session.execute` always moves a statement from running to available, and its clients
(sparkmagic, sparklyr, Hue, Zeppelin) wait for `available` and then read the output.
"""

from typing import Any

from lighter_common.domain.application import Application
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import StatementState

from lighter_api.dialects.logs import LogPage
from lighter_api.dialects.statements import statement_body

PREFIX = "/livy"
LIVY_VERSION = "0.8.0-incubating"
LOG_LINES = 100


def render_session(app: Application, log: list[str] | None = None) -> dict[str, Any]:
    params = app.submit_params
    return {
        "id": app.livy_id,
        "name": params.name,
        "appId": app.app_id,
        "owner": app.owner,
        "proxyUser": params.proxy_user,
        "state": app.state.value,
        "kind": app.kind,
        "appInfo": app.app_info.model_dump(by_alias=True),
        "log": log or [],
        "ttl": params.ttl,
        "idleTimeout": params.idle_timeout,
        "driverMemory": params.driver_memory,
        "driverCores": params.driver_cores,
        "executorMemory": params.executor_memory,
        "executorCores": params.executor_cores,
        "conf": params.redacted().conf,
        "archives": params.archives,
        "files": params.files,
        "heartbeatTimeoutInSecond": params.heartbeat_timeout_in_second or 0,
        "jars": params.jars,
        "numExecutors": params.num_executors,
        "pyFiles": params.py_files,
        "queue": params.queue,
    }


def render_batch(app: Application, log: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": app.livy_id,
        "name": app.submit_params.name,
        "owner": app.owner,
        "proxyUser": app.submit_params.proxy_user,
        "state": app.state.value,
        "appId": app.app_id,
        "appInfo": app.app_info.model_dump(by_alias=True),
        "log": log or [],
    }


def render_application(app: Application, log: list[str] | None = None) -> dict[str, Any]:
    """A session or a batch, each in its own shape."""
    if app.type.is_session:
        return render_session(app, log)
    return render_batch(app, log)


def render_state(app: Application) -> dict[str, Any]:
    return {"id": app.livy_id, "state": app.state.value}


def render_page(apps: list[Application], *, offset: int, total: int) -> dict[str, Any]:
    # Livy lists batches under `sessions` too.
    return {"from": offset, "total": total, "sessions": [render_application(a) for a in apps]}


def render_log(app: Application, page: LogPage) -> dict[str, Any]:
    return {"id": app.livy_id, "from": page.offset, "total": page.total, "log": page.lines}


def statement_state(state: StatementState) -> StatementState:
    """Livy's statement state: code that raised still ends `available`."""
    return StatementState.AVAILABLE if state is StatementState.ERROR else state


def render_statement(statement: Statement) -> dict[str, Any]:
    return statement_body(statement, state=statement_state(statement.state))


def render_statements(statements: list[Statement], *, total: int) -> dict[str, Any]:
    return {"total_statements": total, "statements": [render_statement(s) for s in statements]}


def render_error(message: str) -> dict[str, Any]:
    return {"msg": message}
