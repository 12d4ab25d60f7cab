"""Authentication for every request but a few open paths, as ASGI middleware.

A request is authenticated by the UI's login cookie, else by the mode's authenticator. A
refusal is a 401 with `WWW-Authenticate` in the dialect of the path (a UI page redirects to
the login form instead); an authenticated caller whom the access rules do not allow at all
gets a 403. The caller is then set for the application service (auth/context.py).
"""

from collections.abc import Collection
from urllib.parse import quote

from lighter_common.domain.access import ANONYMOUS, Principal
from lighter_common.store.base import StoreUnavailable
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lighter_api.auth import context
from lighter_api.auth.authenticators import AuthenticationFailed, Authenticator, TooManyFailures
from lighter_api.auth.failures import record_failure
from lighter_api.auth.logins import COOKIE, UI_HEADER, Logins
from lighter_api.auth.oidc import IdentityProviderUnavailable
from lighter_api.auth.settings import AuthSettings
from lighter_api.errors import error_body

UI_PREFIX = "/lighter/ui"
LOGIN_PATH = f"{UI_PREFIX}/login"
LOGOUT_PATH = f"{UI_PREFIX}/logout"  # it ends the login its cookie names
# Open whatever the mode: health, the UI's login and assets, and what Spark drivers fetch and
# call (the kernel file, and the kernel endpoint, which checks each session's own secret).
ALWAYS_OPEN = ("/health", "/favicon.ico", LOGIN_PATH, LOGOUT_PATH, f"{UI_PREFIX}/static/")
DRIVER_PATHS = ("/lighter/jobs/", "/kernel/")
DOC_PATHS = ("/docs", "/redoc", "/openapi.json")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Who an open path serves when authentication is on: nobody, who owns and sees nothing (the
# anonymous principal of the `none` mode may do everything).
NOBODY = Principal(name="")


def open_paths(auth: AuthSettings) -> tuple[str, ...]:
    paths: tuple[str, ...] = (*ALWAYS_OPEN, *DRIVER_PATHS)
    if auth.open_metrics:
        paths += ("/metrics",)
    if auth.open_docs:
        paths += DOC_PATHS
    return paths


def _is_open(path: str, paths: Collection[str]) -> bool:
    return path == "/" or any(path == p or (p.endswith("/") and path.startswith(p)) for p in paths)


class AuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        auth: AuthSettings,
        authenticator: Authenticator,
        logins: Logins,
        login_url: str,
    ) -> None:
        self.app = app
        self._auth = auth
        self._policy = auth.policy
        self._authenticator = authenticator
        self._logins = logins
        self._login_url = login_url
        self._open = open_paths(auth)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        principal: Principal | None = ANONYMOUS
        if self._auth.enabled and _is_open(connection.url.path, self._open):
            principal = NOBODY
        elif self._auth.enabled:
            principal, refusal = await self._authenticate(connection)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            assert principal is not None
            if not self._policy.may_use(principal):
                message = f"User '{principal.name}' is not allowed to use Lighter"
                body = error_body(connection.url.path, message)
                await JSONResponse(body, status_code=403)(scope, receive, send)
                return
        assert principal is not None
        scope.setdefault("state", {})["principal"] = principal
        token = context.enter(context.Access(principal, self._policy))
        try:
            await self.app(scope, receive, send)
        finally:
            context.leave(token)

    async def _authenticate(
        self, connection: HTTPConnection
    ) -> tuple[Principal | None, Response | None]:
        cookie = connection.cookies.get(COOKIE)
        if cookie and (
            connection.scope["method"] in _SAFE_METHODS or connection.headers.get(UI_HEADER)
        ):
            try:
                from_cookie = await self._logins.principal(cookie)
            except StoreUnavailable:
                return None, _unavailable(connection, "The store is unavailable; try again shortly")
            if from_cookie is not None:
                return from_cookie, None
        client = connection.client.host if connection.client else None
        try:
            return await self._authenticator.authenticate(connection.headers, client), None
        except AuthenticationFailed as failure:
            record_failure(
                mode=self._auth.mode,
                reason=failure.reason,
                user=failure.user,
                client=client,
                path=connection.url.path,
            )
            return None, self._refusal(connection, failure)
        except IdentityProviderUnavailable:
            message = "The identity provider's keys cannot be fetched; try again shortly"
            return None, _unavailable(connection, message)

    def _refusal(self, connection: HTTPConnection, failure: AuthenticationFailed) -> Response:
        path = connection.url.path
        if isinstance(failure, TooManyFailures):
            retry = {"Retry-After": str(failure.retry_after_seconds)}
            return JSONResponse(error_body(path, failure.message), status_code=429, headers=retry)
        if path.startswith(UI_PREFIX) and connection.scope["method"] == "GET":
            target = quote(path + (f"?{connection.url.query}" if connection.url.query else ""))
            return RedirectResponse(f"{self._login_url}?next={target}", status_code=303)
        headers = {"WWW-Authenticate": self._authenticator.challenge}
        return JSONResponse(error_body(path, failure.message), status_code=401, headers=headers)


def _unavailable(connection: HTTPConnection, message: str) -> Response:
    body = error_body(connection.url.path, message)
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
