"""OIDC: a JWT signed by the issuer, checked with PyJWT against the issuer's JWKS.

The key set comes from LIGHTER_AUTH_OIDC_JWKS_URL, or from the issuer's discovery document.
PyJWT's JWKS client fetches with blocking I/O and caches keys, so lookups run on a thread.
Only asymmetric algorithms are accepted: a token can never choose `none` or an HMAC keyed
with the public key.
"""

import asyncio
import json
import urllib.request
from typing import Any

import jwt
from lighter_common.domain.access import Principal, names
from starlette.datastructures import Headers

from lighter_api.auth.authenticators import REALM, AuthenticationFailed, credentials
from lighter_api.auth.settings import AuthSettings

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
FETCH_TIMEOUT_SECONDS = 10


class IdentityProviderUnavailable(Exception):
    """The issuer's keys cannot be fetched: the server's problem, not the caller's."""


class OidcAuthenticator:
    challenge = f"Bearer {REALM}"

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()

    async def authenticate(self, headers: Headers, client_host: str | None) -> Principal:
        token = credentials(headers, "Bearer")
        try:
            claims = await self._claims(token)
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("The token has expired", reason="expired") from None
        except (jwt.PyJWKClientConnectionError, OSError) as error:
            raise IdentityProviderUnavailable(str(error)) from error
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
            raise AuthenticationFailed(f"Invalid token: {error}", reason="malformed") from None
        user = claims.get(self._settings.oidc_user_claim)
        if not isinstance(user, str) or not user:
            raise AuthenticationFailed(
                f"The token has no '{self._settings.oidc_user_claim}' claim", reason="malformed"
            )
        return Principal(name=user, groups=_groups(claims.get(self._settings.oidc_groups_claim)))

    async def _claims(self, token: str) -> dict[str, Any]:
        jwks = await self._client()
        key = await asyncio.to_thread(jwks.get_signing_key_from_jwt, token)
        options = {"require": ["exp"], "verify_aud": self._settings.oidc_audience is not None}
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=self._settings.oidc_audience,
            issuer=self._settings.oidc_issuer,
            options=options,  # type: ignore[arg-type]
            leeway=30,
        )
        return claims

    async def _client(self) -> jwt.PyJWKClient:
        async with self._lock:
            if self._jwks is None:
                url = self._settings.oidc_jwks_url
                if url is None:
                    issuer = str(self._settings.oidc_issuer)
                    url = await asyncio.to_thread(_discover_jwks_url, issuer)
                self._jwks = jwt.PyJWKClient(url, cache_keys=True, timeout=FETCH_TIMEOUT_SECONDS)
            return self._jwks


def _discover_jwks_url(issuer: str) -> str:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        document = json.load(response)
    return str(document["jwks_uri"])


def _groups(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return names(value)
    if isinstance(value, list):
        return frozenset(str(item) for item in value)
    return frozenset()
