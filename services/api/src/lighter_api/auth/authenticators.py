"""One authenticator per mode: each turns a request's headers into a Principal, or refuses.

A refusal is an AuthenticationFailed carrying the challenge for `WWW-Authenticate`; it never
names the secret that was presented.
"""

import asyncio
import base64
import binascii
import hashlib
import ipaddress
import time
from typing import Protocol

from lighter_common.domain.access import ANONYMOUS, Principal, names
from starlette.datastructures import Headers

from lighter_api.auth import users as users_file
from lighter_api.auth.settings import AuthSettings

REALM = 'realm="Lighter"'


class AuthenticationFailed(Exception):
    def __init__(self, message: str, *, reason: str, user: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # a label for metrics: missing, malformed, wrong, expired, untrusted
        self.user = user


class Authenticator(Protocol):
    @property
    def challenge(self) -> str:
        """The `WWW-Authenticate` value of a refusal."""

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal: ...


def credentials(headers: Headers, scheme: str) -> str:
    """The credentials of `Authorization: <scheme> <credentials>`."""
    value = headers.get("authorization")
    if not value:
        raise AuthenticationFailed("Authentication is required", reason="missing")
    given, _, rest = value.partition(" ")
    if given.lower() != scheme.lower() or not rest.strip():
        raise AuthenticationFailed(f"Use the {scheme} authentication scheme", reason="malformed")
    return rest.strip()


class Anonymous:
    challenge = ""

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        return ANONYMOUS


class _VerifiedPasswords:
    """Recently verified name/password pairs, so that a client polling every second does
    not pay an Argon2 hash per request. Keyed by a digest, never by the password."""

    TTL_SECONDS = 60.0
    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    @staticmethod
    def key(user: users_file.User, password: str) -> str:
        material = "\0".join((user.name, user.password_hash or "", password))
        return hashlib.sha256(material.encode()).hexdigest()

    def holds(self, key: str) -> bool:
        return self._until.get(key, 0.0) > time.monotonic()

    def remember(self, key: str) -> None:
        if len(self._until) >= self.MAX_ENTRIES:
            self._until.clear()
        self._until[key] = time.monotonic() + self.TTL_SECONDS


class BasicAuthenticator:
    """HTTP Basic: a user's password, or one of their tokens as the password."""

    challenge = f"Basic {REALM}"

    def __init__(self, source: users_file.UsersSource) -> None:
        self._source = source
        self._verified = _VerifiedPasswords()

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        encoded = credentials(headers, "Basic")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationFailed("Malformed Basic credentials", reason="malformed") from None
        name, separator, secret = decoded.partition(":")
        if not separator:
            raise AuthenticationFailed("Malformed Basic credentials", reason="malformed")
        users = self._source.current()
        user = users.find(name)
        if user is not None and users_file.token_owner(users, secret) is user:
            return Principal(name=user.name, groups=frozenset(user.groups))
        if user is not None and self._verified.holds(self._verified.key(user, secret)):
            return Principal(name=user.name, groups=frozenset(user.groups))
        # Argon2 takes tens of milliseconds of CPU: off the event loop.
        if await asyncio.to_thread(users_file.password_matches, user, secret):
            assert user is not None
            self._verified.remember(self._verified.key(user, secret))
            return Principal(name=user.name, groups=frozenset(user.groups))
        raise AuthenticationFailed("Wrong user name or password", reason="wrong", user=name)


class BearerAuthenticator:
    """`Authorization: Bearer <token>`, a token `lighter users add --token` printed."""

    challenge = f"Bearer {REALM}"

    def __init__(self, source: users_file.UsersSource) -> None:
        self._source = source

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        token = credentials(headers, "Bearer")
        user = users_file.token_owner(self._source.current(), token)
        if user is None:
            raise AuthenticationFailed("Unknown or revoked token", reason="wrong")
        return Principal(name=user.name, groups=frozenset(user.groups))


class HeaderAuthenticator:
    """An authenticating proxy (oauth2-proxy) names the user in a header; only proxies at
    the configured addresses are believed."""

    def __init__(self, settings: AuthSettings) -> None:
        self._networks = settings.proxy_networks
        self._user_headers = sorted(names(settings.user_headers))
        self._groups_headers = sorted(names(settings.groups_headers))
        self.challenge = f"{self._user_headers[0] if self._user_headers else 'Header'} {REALM}"

    def _trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in network for network in self._networks)

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        user = next((headers[h] for h in self._user_headers if headers.get(h)), None)
        if user is None:
            raise AuthenticationFailed(
                "Authentication is required (through the authenticating proxy)", reason="missing"
            )
        if not self._trusted(client_host):
            raise AuthenticationFailed(
                f"User headers are accepted only from the authenticating proxy, not from "
                f"{client_host}",
                reason="untrusted",
                user=user,
            )
        groups = next((headers[h] for h in self._groups_headers if headers.get(h)), "")
        return Principal(name=user.strip(), groups=names(groups))
