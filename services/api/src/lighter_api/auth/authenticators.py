"""One authenticator per mode: each turns a request's headers into a Principal, or refuses.

A refusal is an AuthenticationFailed carrying the challenge for `WWW-Authenticate`; it never
names the secret that was presented.
"""

import asyncio
import base64
import binascii
import hashlib
import math
import time
from dataclasses import dataclass
from typing import Protocol

from lighter_common.domain.access import ANONYMOUS, Principal, names
from starlette.datastructures import Headers

from lighter_api.auth import users as users_file
from lighter_api.auth.forwarded import IPNetwork, is_trusted_proxy, originating_address
from lighter_api.auth.settings import AuthSettings
from lighter_api.auth.throttle import LoginThrottle

REALM = 'realm="Lighter"'


class AuthenticationFailed(Exception):
    def __init__(self, message: str, *, reason: str, user: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = (
            reason  # for metrics: missing, malformed, wrong, expired, untrusted, throttled
        )
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


class TooManyFailures(AuthenticationFailed):
    """Too many failed logins for this user or address: 429 with `Retry-After`."""

    def __init__(self, retry_after: float, *, user: str | None) -> None:
        super().__init__("Too many failed logins; try again later", reason="throttled", user=user)
        self.retry_after_seconds = max(1, math.ceil(retry_after))


@dataclass(frozen=True)
class Verified:
    principal: Principal
    credential: str  # the fingerprint of the stored secret that matched (users.fingerprint)


class BasicAuthenticator:
    """HTTP Basic: a user's password, or one of their tokens as the password.

    With `passwords=False` (the UI form of the bearer mode) only tokens are accepted. A token,
    or a password verified in the last minute, is recognised without cost and is let through
    even while its user or address is locked out, so a guesser cannot lock a working client
    out; anything else meets the throttle before Argon2.
    """

    challenge = f"Basic {REALM}"

    def __init__(
        self,
        source: users_file.UsersSource,
        throttle: LoginThrottle,
        *,
        proxies: list[IPNetwork],
        passwords: bool = True,
    ) -> None:
        self._source = source
        self._throttle = throttle
        self._proxies = proxies
        self._passwords = passwords
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
        address = originating_address(headers, client_host, self._proxies)
        return (await self.verify(name, secret, address)).principal

    async def verify(self, name: str, secret: str, address: str | None) -> Verified:
        """`secret` checked as `name`'s; `address` is the client's, behind any trusted proxy."""
        users = self._source.current()
        user = users.find(name)
        if user is not None and users_file.token_owner(users, secret) is user:
            return _verified(user, users_file.hash_token(secret))
        key = self._verified.key(user, secret) if user is not None else ""
        if self._passwords and user is not None and self._verified.holds(key):
            return _verified(user, users_file.password_fingerprint(user))
        wait = self._throttle.retry_after(user=name, address=address)
        if wait is not None:
            raise TooManyFailures(wait, user=name)
        # Argon2 takes tens of milliseconds of CPU: off the event loop.
        if self._passwords and await asyncio.to_thread(users_file.password_matches, user, secret):
            assert user is not None
            self._verified.remember(key)
            self._throttle.succeeded(user=name)
            return _verified(user, users_file.password_fingerprint(user))
        self._throttle.failed(user=name, address=address)
        wrong = "Wrong user name or password" if self._passwords else "Wrong user name or token"
        raise AuthenticationFailed(wrong, reason="wrong", user=name)


def _verified(user: users_file.User, credential: str) -> Verified:
    return Verified(Principal(name=user.name, groups=frozenset(user.groups)), credential)


class BearerAuthenticator:
    """`Authorization: Bearer <token>`, a token `lighter users add --token` printed."""

    challenge = f"Bearer {REALM}"

    def __init__(
        self, source: users_file.UsersSource, throttle: LoginThrottle, *, proxies: list[IPNetwork]
    ) -> None:
        self._source = source
        self._throttle = throttle
        self._proxies = proxies

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        token = credentials(headers, "Bearer")
        user = users_file.token_owner(self._source.current(), token)
        if user is not None:
            return Principal(name=user.name, groups=frozenset(user.groups))
        address = originating_address(headers, client_host, self._proxies)
        wait = self._throttle.retry_after(user=None, address=address)
        if wait is not None:
            raise TooManyFailures(wait, user=None)
        self._throttle.failed(user=None, address=address)
        raise AuthenticationFailed("Unknown or revoked token", reason="wrong")


class HeaderAuthenticator:
    """An authenticating proxy (oauth2-proxy) names the user in one header and the groups in
    another; only proxies at the configured addresses are believed, and a header that comes
    more than once (the client's beside the proxy's) is refused rather than chosen from."""

    def __init__(self, settings: AuthSettings) -> None:
        self._networks = settings.proxy_networks
        self._user_header = settings.the_user_header
        self._groups_header = settings.the_groups_header
        self.challenge = f"{self._user_header} {REALM}"

    def _trusted(self, host: str | None) -> bool:
        return is_trusted_proxy(host, self._networks)

    def _one(self, headers: Headers, name: str) -> str | None:
        values = headers.getlist(name)
        if len(values) > 1:
            raise AuthenticationFailed(f"{name} was sent more than once", reason="malformed")
        return values[0].strip() if values and values[0].strip() else None

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        user = self._one(headers, self._user_header)
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
        return Principal(name=user, groups=names(self._one(headers, self._groups_header) or ""))
