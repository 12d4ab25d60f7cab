"""The Lighter dialect's JSON: applications, pages, logs (and sparkmagic's variants)."""

from typing import Any

from lighter_common.domain.application import Application
from lighter_common.domain.submit_params import SubmitParams

from lighter_api.dialects.logs import LogPage
from lighter_api.dialects.timestamps import lighter_time

SPARKMAGIC_HEADER = "x-compatibility-mode"
SPARKMAGIC_MODE = "sparkmagic"

_SESSION_ONLY = ("kind", "heartbeat_timeout_in_second", "ttl", "idle_timeout", "permanent")


def render_submit_params(params: SubmitParams) -> dict[str, Any]:
    shown = params.redacted().model_dump(by_alias=True, exclude=set(_SESSION_ONLY))
    shown["mainClass"] = shown.pop("className")
    return shown


def render_application(app: Application, *, log: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": app.id,
        "type": app.type.value,
        "state": app.state.value,
        "stateReason": app.state_reason,
        "name": app.name,
        "owner": app.owner,
        "proxyUser": app.submit_params.proxy_user,
        "appId": app.app_id,
        "appInfo": app.app_info.model_dump(by_alias=True),
        "kind": app.kind,
        "log": log or [],
        "submitParams": render_submit_params(app.submit_params),
        "createdAt": lighter_time(app.created_at),
        "contactedAt": lighter_time(app.contacted_at),
        "finishedAt": lighter_time(app.finished_at),
    }


def render_page(
    apps: list[Application], *, offset: int, total: int, key: str = "applications"
) -> dict[str, Any]:
    return {"from": offset, "total": total, key: [render_application(a) for a in apps]}


def render_log(app_id: str, page: LogPage, *, as_lines: bool) -> dict[str, Any]:
    log: str | list[str] = page.lines if as_lines else "\n".join(page.lines)
    return {"id": app_id, "from": page.offset, "total": page.total, "log": log}
