"""Rendering the UI's pages and fragments with Jinja2 (autoescaped)."""

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from lighter_common.domain.application import utcnow
from lighter_common.domain.states import ApplicationState, StatementState
from starlette.responses import HTMLResponse

from lighter_api.ui.format import clock, since

_environment = Environment(
    loader=PackageLoader("lighter_api.ui", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["clock"] = clock
_environment.globals["since"] = since
_environment.globals["states"] = [state.value for state in ApplicationState]
_environment.globals["finished_statement_states"] = [
    state.value for state in StatementState if state.is_finished
]


def page(template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    now: datetime = utcnow()
    html = _environment.get_template(template).render(now=now, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
