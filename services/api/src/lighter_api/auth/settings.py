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
    """Authentication and access (comma-separated names and groups)."""

    model_config = SettingsConfigDict(env_prefix="LIGHTER_AUTH_", extra="ignore")

    mode: AuthMode = Field(
        default="none",
        description="How callers are recognised: `none`, `basic`, `bearer`, `header` or `oidc`",
    )
    allow_anonymous: bool = Field(
        default=False,
        description="`none` on an address other machines reach must be asked for in so many words",
    )
    users_file: Path | None = Field(
        default=None,
        description="basic and bearer: users with hashed passwords and tokens (`lighter users "
        "add`)",
    )
    allowed_users: str = Field(
        default="*", description="Livy's access control: who may use Lighter at all"
    )
    view_groups: str = Field(default="", description="Groups whose members see every application")
    modify_groups: str = Field(
        default="", description="Groups whose members see and change every application"
    )
    superusers: str = Field(default="", description="Users who may do anything")
    trusted_proxies: str = Field(
        default="127.0.0.1/32,::1/128",
        description="header: the authenticating proxies (networks) believed for the user and "
        "groups headers, and for X-Forwarded-Proto: https",
    )
    user_header: str = Field(
        default="X-Auth-Request-User",
        pattern=r"^[A-Za-z0-9-]+$",
        description="header: the one header the proxy names the user in (it must set or strip "
        "it on every request)",
    )
    groups_header: str = Field(
        default="X-Auth-Request-Groups",
        pattern=r"^[A-Za-z0-9-]+$",
        description="header: the one header the proxy names the groups in",
    )
    user_headers: str | None = Field(
        default=None,
        description="Former name of USER_HEADER: one name is taken as that header; a list is "
        "refused at start-up, since any of them would be believed",
    )
    groups_headers: str | None = Field(
        default=None, description="Former name of GROUPS_HEADER, as USER_HEADERS"
    )
    oidc_issuer: str | None = Field(
        default=None, description="oidc: the issuer whose JWTs are accepted (checked by JWKS)"
    )
    oidc_audience: str | None = Field(
        default=None,
        description="oidc: the audience Lighter's tokens carry; required unless "
        "OIDC_ALLOW_ANY_AUDIENCE",
    )
    oidc_allow_any_audience: bool = Field(
        default=False,
        description="oidc: accept a token the issuer made for any application",
    )
    oidc_jwks_url: str | None = Field(
        default=None, description="oidc: the key set; discovered from the issuer when unset"
    )
    oidc_user_claim: str = Field(default="sub", description="oidc: the claim naming the user")
    oidc_groups_claim: str = Field(
        default="groups", description="oidc: the claim listing the groups"
    )
    session_secret: str | None = Field(
        default=None,
        description="Signs the web UI's login cookie; replicas behind one address share it",
    )
    session_hours: float = Field(default=12.0, gt=0, description="How long a UI login lasts")
    failed_logins_per_user: int = Field(
        default=5,
        ge=1,
        description="Failed logins (Basic, bearer, the UI form) allowed per user name within "
        "the window; past them, 429 until the oldest failure leaves it",
    )
    failed_logins_per_address: int = Field(
        default=20, ge=1, description="Failed logins allowed per client address within the window"
    )
    failed_logins_window_seconds: float = Field(
        default=60.0, gt=0, description="The window failed logins are counted in"
    )
    open_metrics: bool = Field(default=False, description="/metrics without authentication")
    open_docs: bool = Field(
        default=False, description="The OpenAPI document without authentication"
    )

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
