"""The authenticator LIGHTER_AUTH_MODE names, and what checks the UI's login form."""

from lighter_api.auth.authenticators import (
    Anonymous,
    Authenticator,
    BasicAuthenticator,
    BearerAuthenticator,
    HeaderAuthenticator,
)
from lighter_api.auth.oidc import OidcAuthenticator
from lighter_api.auth.settings import AuthSettings
from lighter_api.auth.throttle import Limit, LoginThrottle
from lighter_api.auth.users import UsersSource


def throttle_for(auth: AuthSettings) -> LoginThrottle:
    window = auth.failed_logins_window_seconds
    return LoginThrottle(
        per_user=Limit(auth.failed_logins_per_user, window),
        per_address=Limit(auth.failed_logins_per_address, window),
    )


def authenticator_for(
    auth: AuthSettings, *, source: UsersSource | None, throttle: LoginThrottle
) -> Authenticator:
    if auth.mode in ("basic", "bearer"):
        assert source is not None  # startup_problem refuses to start without a users file
        if auth.mode == "basic":
            return BasicAuthenticator(source, throttle, proxies=auth.proxy_networks)
        return BearerAuthenticator(source, throttle, proxies=auth.proxy_networks)
    if auth.mode == "header":
        return HeaderAuthenticator(auth)
    if auth.mode == "oidc":
        return OidcAuthenticator(auth)
    return Anonymous()


def login_checker(
    auth: AuthSettings, *, source: UsersSource | None, throttle: LoginThrottle
) -> BasicAuthenticator | None:
    """What checks the UI's login form, from the users file: a password or a token in the
    basic mode, only a token in the bearer mode (whose API takes no passwords either)."""
    if auth.mode in ("basic", "bearer") and source is not None:
        return BasicAuthenticator(
            source, throttle, proxies=auth.proxy_networks, passwords=auth.mode == "basic"
        )
    return None
