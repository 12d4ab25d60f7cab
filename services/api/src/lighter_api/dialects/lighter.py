"""The Lighter dialect (/lighter/api): its JSON, and sparkmagic's variants of it.

With `X-Compatibility-Mode: sparkmagic`, session lists use the key `sessions`, logs are
lists of lines and a session carries its last log lines: what sparkmagic expects when
pointed at /lighter/api. A statement whose code raised is `error` (the original Lighter's
rule).
"""

from collections.abc import Collection
from typing import Any

from lighter_common.domain.app_links import NO_TEMPLATES, LinkTemplates, app_links
from lighter_common.domain.application import Application
from lighter_common.domain.errors import InvalidRequest
from lighter_common.domain.milestones import Lifecycle
from lighter_common.domain.statement import Statement
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams

from lighter_api.dialects.logs import LogPage
from lighter_api.dialects.statements import statement_body
from lighter_api.dialects.timestamps import lighter_time

PREFIX = "/lighter/api"
SPARKMAGIC_HEADER = "x-compatibility-mode"
SPARKMAGIC_MODE = "sparkmagic"
SESSION_LOG_LINES = 100

_SESSION_ONLY = ("kind", "heartbeat_timeout_in_second", "ttl", "idle_timeout", "permanent")


def is_sparkmagic(header: str | None) -> bool:
    return (header or "").strip().lower() == SPARKMAGIC_MODE


def parse_states(values: Collection[str]) -> list[ApplicationState]:
    """`?state=a,b&state=c` as states; an unknown name is a 400 that lists the known ones."""
    states: list[ApplicationState] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            try:
                states.append(ApplicationState(name))
            except ValueError:
                allowed = ", ".join(s.value for s in ApplicationState)
                raise InvalidRequest(f"'{name}' is not a state; use one of {allowed}") from None
    return states


def render_submit_params(params: SubmitParams) -> dict[str, Any]:
    shown = params.redacted().model_dump(by_alias=True, exclude=set(_SESSION_ONLY))
    shown["mainClass"] = shown.pop("className")
    return shown


def render_lifecycle(lifecycle: Lifecycle) -> dict[str, Any]:
    shown = lifecycle.model_dump(by_alias=True)
    return {
        key: lighter_time(value) if key.endswith("At") else value for key, value in shown.items()
    }


def render_application(
    app: Application,
    *,
    log: list[str] | None = None,
    lifecycle: Lifecycle | None = None,
    templates: LinkTemplates = NO_TEMPLATES,
) -> dict[str, Any]:
    shown = {
        "id": app.id,
        "type": app.type.value,
        "state": app.state.value,
        "stateReason": app.state_reason,
        "name": app.name,
        "owner": app.owner,
        "proxyUser": app.submit_params.proxy_user,
        "appId": app.app_id,
        "appInfo": app_links(app, templates).model_dump(by_alias=True),
        "kind": app.kind,
        "log": log or [],
        "submitParams": render_submit_params(app.submit_params),
        "createdAt": lighter_time(app.created_at),
        "contactedAt": lighter_time(app.contacted_at),
        "finishedAt": lighter_time(app.finished_at),
    }
    if lifecycle is not None:
        shown["lifecycle"] = render_lifecycle(lifecycle)
    return shown


def render_state(app: Application) -> dict[str, Any]:
    return {"id": app.id, "state": app.state.value}


def render_page(
    apps: list[Application],
    *,
    offset: int,
    total: int,
    key: str = "applications",
    templates: LinkTemplates = NO_TEMPLATES,
) -> dict[str, Any]:
    shown = [render_application(a, templates=templates) for a in apps]
    return {"from": offset, "total": total, key: shown}


def render_log(app: Application, page: LogPage, *, as_lines: bool) -> dict[str, Any]:
    log: str | list[str] = page.lines if as_lines else "\n".join(page.lines)
    return {"id": app.id, "from": page.offset, "total": page.total, "log": log}


def render_permanent_session(app: Application) -> dict[str, Any]:
    """A permanent session as the configuration endpoint lists it."""
    return {
        "id": app.id,
        "state": app.state.value,
        "submitParams": render_submit_params(app.submit_params),
    }


def render_statement(statement: Statement) -> dict[str, Any]:
    return {
        **statement_body(statement, state=statement.state),
        "createdAt": lighter_time(statement.created_at),
    }


def render_statements(statements: list[Statement], *, offset: int, total: int) -> dict[str, Any]:
    shown = [render_statement(s) for s in statements]
    return {"from": offset, "total": total, "total_statements": total, "statements": shown}


def render_error(
    message: str, *, path: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "message": message,
        "path": path,
        "errors": details or [{"message": message, "details": {}}],
    }
