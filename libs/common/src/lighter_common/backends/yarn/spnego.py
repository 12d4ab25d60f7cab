"""Kerberos (SPNEGO) for the ResourceManager's and the NodeManagers' REST APIs: an `httpx.Auth`.

A Kerberized Hadoop web endpoint answers `401` with `WWW-Authenticate: Negotiate`; the request
is sent again with `Authorization: Negotiate <token>`, a GSSAPI (SPNEGO) token for the service
`HTTP@<the URL's host>` (the Kerberos library maps it to `HTTP/<host>@REALM`, per krb5.conf).
Hadoop then sets its `hadoop.auth` cookie, which the client sends on, so the handshake is
repeated only when the cookie expires. Nothing is sent before the server asks.

The credentials (`GssapiTokens`): from Lighter's keytab into a ticket cache in memory (the
Kerberos library logs in again from the keytab when the ticket expires), or from the default
ticket cache (`KRB5CCNAME`) that `kinit` keeps. The GSSAPI calls block (they may ask the KDC),
so the async flow makes them in a thread. `gssapi` is imported only when a token is made: it
is an optional dependency (the `kerberos` extra).
"""

import asyncio
import base64
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx

from lighter_common.backends.yarn.kerberos import INSTALL_HINT, KeytabLogin

_SPNEGO_OID = "1.3.6.1.5.5.2"
_SCHEME = "negotiate"


class SpnegoError(httpx.HTTPError):
    """No Kerberos token could be made: no credentials, an unknown service, no KDC, …"""


class SpnegoAuth(httpx.Auth):
    """Answers a `401 WWW-Authenticate: Negotiate` with `token_for(host)`."""

    def __init__(self, token_for: Callable[[str], bytes]) -> None:
        self._token_for = token_for

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        response = yield request
        if _asks_negotiate(response):
            _authorize(request, self._token_for(request.url.host))
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        response = yield request
        if _asks_negotiate(response):
            token = await asyncio.to_thread(self._token_for, request.url.host)
            _authorize(request, token)
            yield request


def _asks_negotiate(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    offers = response.headers.get_list("www-authenticate", split_commas=True)
    return any(offer.strip().split(" ", 1)[0].lower() == _SCHEME for offer in offers)


def _authorize(request: httpx.Request, token: bytes) -> None:
    request.headers["Authorization"] = f"Negotiate {base64.b64encode(token).decode('ascii')}"


class GssapiTokens:
    """SPNEGO tokens for `HTTP@host`, as `login`'s principal (from its keytab) or, without one,
    as the default ticket cache's."""

    def __init__(self, login: KeytabLogin | None) -> None:
        self._login = login
        self._lock = threading.Lock()
        self._credentials: Any = None

    @property
    def who(self) -> str:
        if self._login is None:
            return "the ticket cache's principal"
        return f"{self._login.principal} (keytab {self._login.keytab})"

    def __call__(self, host: str) -> bytes:
        gssapi = _gssapi()
        try:
            return self._first_token(gssapi, host)
        except gssapi.exceptions.GSSError:
            self._forget()  # expired or revoked: a fresh login, once
        try:
            return self._first_token(gssapi, host)
        except gssapi.exceptions.GSSError as error:
            raise SpnegoError(
                f"Kerberos could not authenticate {self.who} to HTTP@{host}: {error.gen_message()}"
            ) from None

    def _first_token(self, gssapi: Any, host: str) -> bytes:
        context = gssapi.SecurityContext(
            name=gssapi.Name(f"HTTP@{host}", gssapi.NameType.hostbased_service),
            creds=self._credentials_now(gssapi),
            mech=gssapi.OID.from_int_seq(_SPNEGO_OID),
            usage="initiate",
        )
        token = context.step()
        if not token:
            raise SpnegoError(f"Kerberos gave no token for HTTP@{host}")
        return bytes(token)

    def _credentials_now(self, gssapi: Any) -> Any:
        with self._lock:
            if self._credentials is None:
                self._credentials = self._acquire(gssapi)
            return self._credentials

    def _acquire(self, gssapi: Any) -> Any:
        if self._login is None:
            return gssapi.Credentials(usage="initiate")
        return gssapi.Credentials(
            name=gssapi.Name(self._login.principal, gssapi.NameType.kerberos_principal),
            usage="initiate",
            store={
                "client_keytab": str(self._login.keytab),
                "ccache": f"MEMORY:lighter-{id(self):x}",
            },
        )

    def _forget(self) -> None:
        with self._lock:
            self._credentials = None


def _gssapi() -> Any:
    try:
        import gssapi
    except ImportError as error:
        raise SpnegoError(f"{INSTALL_HINT}: {error}") from None
    return gssapi
