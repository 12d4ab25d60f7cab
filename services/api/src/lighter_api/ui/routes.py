"""The UI's pages, the fragments its script refreshes, and its login.

Pages read through the application service, so a user sees exactly what the API shows them;
changes (submit, kill, delete) are made by the script through the API itself.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from lighter_common.domain.access import Principal
from lighter_common.domain.app_links import app_links
from lighter_common.domain.application import Application
from lighter_common.domain.errors import NotFound
from lighter_common.settings import Settings
from starlette.responses import RedirectResponse, Response

from lighter_api import applications
from lighter_api.applications import BATCHES, SESSIONS, Resource
from lighter_api.auth.authenticators import AuthenticationFailed, TooManyFailures
from lighter_api.auth.context import current_access
from lighter_api.auth.failures import record_failure
from lighter_api.auth.forwarded import browser_uses_https, originating_address
from lighter_api.auth.install import public_prefix
from lighter_api.auth.logins import COOKIE, Logins
from lighter_api.auth.middleware import LOGIN_PATH, LOGOUT_PATH, UI_PREFIX
from lighter_api.deps import SettingsDep, StoreDep
from lighter_api.dialects import lighter
from lighter_api.queue_position import lifecycle_of
from lighter_api.routes import inputs
from lighter_api.ui.pages import page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
_RESOURCES = {"batches": BATCHES, "sessions": SESSIONS}
_EVENT_TYPES = {"batches": ["BATCH"], "sessions": ["SESSION", "PERMANENT_SESSION"]}
Text = Annotated[str | None, Query()]


def _common(request: Request, settings: Settings) -> dict[str, Any]:
    principal: Principal | None = request.scope.get("state", {}).get("principal")
    auth = getattr(request.app.state, "auth", None)
    return {
        "prefix": public_prefix(settings),
        "user": None if principal is None or principal.anonymous else principal.name,
        "logged_in": COOKIE in request.cookies,
        "auth_mode": auth.mode if auth is not None else "none",
    }


@router.get("/")
async def root(settings: SettingsDep) -> Response:
    return RedirectResponse(f"{public_prefix(settings)}{UI_PREFIX}/", status_code=307)


@router.get(UI_PREFIX)
async def ui_root(settings: SettingsDep) -> Response:
    return RedirectResponse(f"{public_prefix(settings)}{UI_PREFIX}/", status_code=307)


@dataclass
class _Filters:
    """What a listing shows, from the query of its page and of its rows fragment."""

    state: Text = None
    search: Text = None
    owner: Text = None
    start: Annotated[int, Query(alias="from", ge=0, le=inputs.MAX_INTEGER)] = 0


FiltersDep = Annotated[_Filters, Depends()]


async def _rows(store: StoreDep, segment: str, filters: _Filters) -> dict[str, Any]:
    states = lighter.parse_states([filters.state] if filters.state else [])
    apps, total = await applications.list_page(
        store,
        _RESOURCES[segment],
        states=states,
        search=filters.search,
        owner=filters.owner or None,
        offset=filters.start,
        limit=PAGE_SIZE,
    )
    return {"apps": apps, "total": total, "start": filters.start, "segment": segment}


@router.get(f"{UI_PREFIX}/fragments/{{segment}}/rows")
async def rows(
    request: Request, store: StoreDep, settings: SettingsDep, filters: FiltersDep, segment: str
) -> Response:
    if segment not in _RESOURCES:
        return _not_found(request, settings, f"No page {segment}")
    context = await _rows(store, segment, filters)
    return page("rows.html", **_common(request, settings), **context)


async def _find(store: StoreDep, resource: Resource, app_id: str) -> Application:
    """The application as `applications.find` gives it, except that a deleted one is still
    shown: a page that killed it goes on showing how it ended."""
    app = await store.get_application(app_id)
    if app is None or app.type not in resource.types or not current_access().may_view(app):
        raise NotFound(f"{resource.noun} '{app_id}' not found")
    return app


async def _application(
    store: StoreDep, settings: Settings, resource: Resource, app_id: str
) -> dict[str, Any]:
    app = await _find(store, resource, app_id)
    return {
        "app": app,
        "shown": lighter.render_application(app, templates=settings.link_templates),
        "life": await lifecycle_of(store, app),
        "links": app_links(app, settings.link_templates),
    }


async def _statements(store: StoreDep, session: Application) -> list[dict[str, Any]]:
    found, _ = await store.list_statements(session.id)
    return [lighter.render_statement(s) for s in found]


async def _application_page(
    request: Request,
    store: StoreDep,
    settings: Settings,
    segment: str,
    app_id: str,
    *,
    template: str,
    with_statements: bool = False,
) -> Response:
    """One application's page or panel; a session's full page lists its statements too."""
    if segment not in _RESOURCES:
        return _not_found(request, settings, f"No page {segment}")
    try:
        context = await _application(store, settings, _RESOURCES[segment], app_id)
    except NotFound as missing:
        return _not_found(request, settings, str(missing))
    if with_statements:
        context["statements"] = await _statements(store, context["app"])
    return page(template, **_common(request, settings), **context, segment=segment)


@router.get(f"{UI_PREFIX}/fragments/{{segment}}/{{app_id}}/panel")
async def panel(
    request: Request, store: StoreDep, settings: SettingsDep, segment: str, app_id: str
) -> Response:
    return await _application_page(request, store, settings, segment, app_id, template="panel.html")


@router.get(f"{UI_PREFIX}/fragments/sessions/{{app_id}}/statements")
async def statements(
    request: Request, store: StoreDep, settings: SettingsDep, app_id: str
) -> Response:
    try:
        session = await _find(store, SESSIONS, app_id)
    except NotFound as missing:
        return _not_found(request, settings, str(missing))
    listed = await _statements(store, session)
    return page("statements.html", **_common(request, settings), statements=listed)


@router.get(f"{UI_PREFIX}/submit")
async def submit_form(request: Request, settings: SettingsDep) -> Response:
    return page("submit.html", **_common(request, settings))


@router.get(LOGIN_PATH)
async def login_form(request: Request, settings: SettingsDep, next: Text = None) -> Response:
    return page("login.html", **_common(request, settings), next=_safe_next(next), error=None)


@router.post(LOGIN_PATH)
async def login(request: Request, settings: SettingsDep) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    name, password = form.get("name", ""), form.get("password", "")
    target = _safe_next(form.get("next"))
    checker = request.app.state.login_checker
    common = _common(request, settings)
    if checker is None:
        return page("login.html", **common, next=target, error="This server has no login form")
    peer = request.client.host if request.client else None
    client = originating_address(request.headers, peer, request.app.state.auth.proxy_networks)
    try:
        verified = await checker.verify(name, password, client)
    except AuthenticationFailed as failure:
        record_failure(
            mode="ui", reason=failure.reason, user=name or None, client=client, path=LOGIN_PATH
        )
        status = 429 if isinstance(failure, TooManyFailures) else 401
        refused = page(
            "login.html", status_code=status, **common, next=target, error=failure.message
        )
        if isinstance(failure, TooManyFailures):
            refused.headers["Retry-After"] = str(failure.retry_after_seconds)
        return refused
    logins: Logins = request.app.state.logins
    cookie = await logins.start(verified.principal, credential=verified.credential)
    response = RedirectResponse(f"{common['prefix']}{target}", status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=logins.max_age_seconds,
        path=f"{common['prefix']}/" if common["prefix"] else "/",
        httponly=True,
        samesite="strict",
        secure=browser_uses_https(request, settings=settings, auth=request.app.state.auth),
    )
    return response


@router.post(LOGOUT_PATH)
async def logout(request: Request, settings: SettingsDep) -> Response:
    logins: Logins | None = getattr(request.app.state, "logins", None)
    if logins is not None:
        await logins.end(request.cookies.get(COOKIE))
    prefix = public_prefix(settings)
    response = RedirectResponse(f"{prefix}{LOGIN_PATH}", status_code=303)
    response.delete_cookie(COOKIE, path=f"{prefix}/" if prefix else "/")
    return response


# Pages named by a parameter come last, after the fixed paths they would otherwise match.


@router.get(f"{UI_PREFIX}/")
@router.get(f"{UI_PREFIX}/{{segment}}")
async def listing(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    filters: FiltersDep,
    segment: str = "batches",
) -> Response:
    if segment not in _RESOURCES:
        return _not_found(request, settings, f"No page {segment}")
    shown = {
        "state": filters.state or "",
        "search": filters.search or "",
        "owner": filters.owner or "",
    }
    return page(
        "list.html",
        **_common(request, settings),
        **await _rows(store, segment, filters),
        filters=shown,
        query=str(request.url.query),
        event_types=_EVENT_TYPES[segment],
    )


@router.get(f"{UI_PREFIX}/{{segment}}/{{app_id}}")
async def application(
    request: Request, store: StoreDep, settings: SettingsDep, segment: str, app_id: str
) -> Response:
    return await _application_page(
        request,
        store,
        settings,
        segment,
        app_id,
        template="application.html",
        with_statements=segment == "sessions",
    )


def _safe_next(value: str | None) -> str:
    """Where to go after logging in: a UI page of this server, never another site."""
    if value and value.startswith(f"{UI_PREFIX}/") and "//" not in value:
        return value
    return f"{UI_PREFIX}/"


def _not_found(request: Request, settings: Settings, message: str) -> Response:
    return page("not_found.html", status_code=404, **_common(request, settings), message=message)
