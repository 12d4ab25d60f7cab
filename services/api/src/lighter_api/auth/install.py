"""Authentication on the API app: refuse unsafe settings, then guard every request."""

import logging
from urllib.parse import urlsplit

from fastapi import FastAPI
from lighter_common.settings import Settings

from lighter_api.auth.isolation import isolation_warning
from lighter_api.auth.logins import Logins
from lighter_api.auth.middleware import LOGIN_PATH, AuthMiddleware
from lighter_api.auth.modes import authenticator_for, login_checker, throttle_for
from lighter_api.auth.settings import AuthSettings, startup_problem
from lighter_api.auth.users import UsersSource

logger = logging.getLogger(__name__)


class UnsafeAuthSettings(SystemExit):
    """Lighter will not start with these settings; the message says why and what to do."""


def public_prefix(settings: Settings) -> str:
    """The path an ingress serves Lighter under (LIGHTER_PUBLIC_URL's path), or ''."""
    return urlsplit(settings.base_url).path.rstrip("/")


def install_auth(app: FastAPI, *, auth: AuthSettings, settings: Settings) -> None:
    problem = startup_problem(auth, settings.server.host)
    if problem is not None:
        raise UnsafeAuthSettings(problem)
    warning = isolation_warning(auth_mode=auth.mode, backend=settings.server.backend)
    if warning is not None:
        logger.warning(warning)
    source = UsersSource(auth.users_file) if auth.users_file is not None else None
    throttle = throttle_for(auth)
    logins = Logins(
        auth.session_secret,
        max_age_seconds=int(auth.session_hours * 3600),
        records=app.state.services.store.logins,
        users=source,
    )
    app.state.auth = auth
    app.state.logins = logins
    # One throttle for the API and the form: a guesser gains nothing by switching.
    app.state.login_checker = login_checker(auth, source=source, throttle=throttle)
    app.add_middleware(
        AuthMiddleware,
        auth=auth,
        authenticator=authenticator_for(auth, source=source, throttle=throttle),
        logins=logins,
        login_url=public_prefix(settings) + LOGIN_PATH,
    )
