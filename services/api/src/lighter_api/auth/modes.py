"""The authenticator LIGHTER_AUTH_MODE names."""

from lighter_api.auth.authenticators import (
    Anonymous,
    Authenticator,
    BasicAuthenticator,
    BearerAuthenticator,
    HeaderAuthenticator,
)
from lighter_api.auth.oidc import OidcAuthenticator
from lighter_api.auth.settings import AuthSettings
from lighter_api.auth.users import UsersSource


def authenticator_for(auth: AuthSettings) -> Authenticator:
    if auth.mode in ("basic", "bearer"):
        assert auth.users_file is not None  # startup_problem refuses to start without it
        source = UsersSource(auth.users_file)
        return BasicAuthenticator(source) if auth.mode == "basic" else BearerAuthenticator(source)
    if auth.mode == "header":
        return HeaderAuthenticator(auth)
    if auth.mode == "oidc":
        return OidcAuthenticator(auth)
    return Anonymous()


def login_checker(auth: AuthSettings) -> BasicAuthenticator | None:
    """What checks the UI's login form: a user's password or token, from the users file."""
    if auth.mode in ("basic", "bearer") and auth.users_file is not None:
        return BasicAuthenticator(UsersSource(auth.users_file))
    return None
