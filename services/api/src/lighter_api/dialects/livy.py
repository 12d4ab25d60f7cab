"""The Livy dialect's JSON: integer ids, `msg` errors, logs as lists of lines."""

from typing import Any

from lighter_common.domain.application import Application

from lighter_api.dialects.logs import LogPage

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


def render_log(app: Application, page: LogPage) -> dict[str, Any]:
    return {"id": app.livy_id, "from": page.offset, "total": page.total, "log": page.lines}
