"""Authentication settings, from LIGHTER_AUTH_* environment variables."""

import ipaddress
from pathlib import Path
from typing import Literal

from lighter_common.domain.access import AccessPolicy, names
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

AuthMode = Literal["none", "basic", "bearer", "header", "oidc"]
LOOPBACK_HOSTS = ("localhost",)


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIGHTER_AUTH_", extra="ignore")

    mode: AuthMode = "none"
    # `none` on an address other machines reach must be asked for in so many words.
    allow_anonymous: bool = False
    # basic and bearer: users with hashed passwords and tokens (`lighter users add`).
    users_file: Path | None = None
    # Livy's access control, as comma-separated names.
    allowed_users: str = "*"
    view_groups: str = ""
    modify_groups: str = ""
    superusers: str = ""
    # header: an authenticating proxy in front (oauth2-proxy) names the user in exactly one
    # header and the groups in one other, which the proxy must set or strip on every request.
    # The proxies are also believed when they say X-Forwarded-Proto: https.
    trusted_proxies: str = "127.0.0.1/32,::1/128"
    user_header: str = Field(default="X-Auth-Request-User", pattern=r"^[A-Za-z0-9-]+$")
    groups_header: str = Field(default="X-Auth-Request-Groups", pattern=r"^[A-Za-z0-9-]+$")
    # The former lists (LIGHTER_AUTH_USER_HEADERS, _GROUPS_HEADERS): one name is taken as the
    # header above; a list is refused at start-up, since any of them would be believed.
    user_headers: str | None = None
    groups_headers: str | None = None
    # oidc: a JWT from the issuer, checked against its JWKS. Without an audience, a token the
    # issuer made for any other application would do, so that must be asked for in words.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_allow_any_audience: bool = False
    oidc_jwks_url: str | None = None  # discovered from the issuer when unset
    oidc_user_claim: str = "sub"
    oidc_groups_claim: str = "groups"
    # The web UI's login cookie is signed with this; replicas behind one address share it.
    session_secret: str | None = None
    session_hours: float = Field(default=12.0, gt=0)
    # Failed logins (Basic, bearer, the UI form) allowed per user name and per client address
    # within the window; past them, 429 until the oldest failure leaves the window.
    failed_logins_per_user: int = Field(default=5, ge=1)
    failed_logins_per_address: int = Field(default=20, ge=1)
    failed_logins_window_seconds: float = Field(default=60.0, gt=0)
    # /metrics and the OpenAPI document need authentication unless opened here.
    open_metrics: bool = False
    open_docs: bool = False

    @property
    def enabled(self) -> bool:
        return self.mode != "none"

    @property
    def policy(self) -> AccessPolicy:
        return AccessPolicy(
            allowed_users=names(self.allowed_users),
            view_groups=names(self.view_groups),
            modify_groups=names(self.modify_groups),
            superusers=names(self.superusers),
        )

    @property
    def the_user_header(self) -> str:
        return _single(self.user_headers) or self.user_header

    @property
    def the_groups_header(self) -> str:
        return _single(self.groups_headers) or self.groups_header

    @property
    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(net, strict=False) for net in names(self.trusted_proxies)]


def _single(listed: str | None) -> str | None:
    given = sorted(names(listed or ""))
    return given[0] if len(given) == 1 else None


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def startup_problem(auth: AuthSettings, host: str) -> str | None:
    """Why Lighter must not start with these settings on `host`, or None."""
    if auth.mode == "none" and not is_loopback(host) and not auth.allow_anonymous:
        return (
            f"LIGHTER_AUTH_MODE=none on {host}, an address other machines can reach, would let "
            "anyone run any code: choose an authentication mode (basic, bearer, header, oidc) "
            "or set LIGHTER_AUTH_ALLOW_ANONYMOUS=true to accept that"
        )
    if auth.mode in ("basic", "bearer") and auth.users_file is None:
        return f"LIGHTER_AUTH_MODE={auth.mode} needs LIGHTER_AUTH_USERS_FILE (lighter users add)"
    if auth.mode == "oidc" and not (auth.oidc_issuer or auth.oidc_jwks_url):
        return "LIGHTER_AUTH_MODE=oidc needs LIGHTER_AUTH_OIDC_ISSUER or LIGHTER_AUTH_OIDC_JWKS_URL"
    if auth.mode == "oidc" and not auth.oidc_audience and not auth.oidc_allow_any_audience:
        return (
            "LIGHTER_AUTH_MODE=oidc without LIGHTER_AUTH_OIDC_AUDIENCE would accept a token the "
            "issuer made for any application: set the audience Lighter's tokens carry, or "
            "LIGHTER_AUTH_OIDC_ALLOW_ANY_AUDIENCE=true to accept that"
        )
    for old, new, listed in (
        ("USER_HEADERS", "USER_HEADER", auth.user_headers),
        ("GROUPS_HEADERS", "GROUPS_HEADER", auth.groups_headers),
    ):
        if auth.mode == "header" and listed is not None and len(names(listed)) != 1:
            return (
                f"LIGHTER_AUTH_{old} lists {listed!r}: a client could send any header of a list "
                f"that the proxy does not set. Name the one header the proxy sets in "
                f"LIGHTER_AUTH_{new}, and unset LIGHTER_AUTH_{old}"
            )
    return None
