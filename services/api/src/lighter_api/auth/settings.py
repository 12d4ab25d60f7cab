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
    # header: an authenticating proxy in front (oauth2-proxy) names the user.
    trusted_proxies: str = "127.0.0.1/32,::1/128"
    user_headers: str = "X-Auth-Request-User,X-Forwarded-User"
    groups_headers: str = "X-Auth-Request-Groups,X-Forwarded-Groups"
    # oidc: a JWT from the issuer, checked against its JWKS.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None  # discovered from the issuer when unset
    oidc_user_claim: str = "sub"
    oidc_groups_claim: str = "groups"
    # The web UI's login cookie is signed with this; replicas behind one address share it.
    session_secret: str | None = None
    session_hours: float = Field(default=12.0, gt=0)
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
    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(net, strict=False) for net in names(self.trusted_proxies)]


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
    return None
