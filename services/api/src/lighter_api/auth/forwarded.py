"""What a trusted proxy says about a request it forwards: whether the browser used https, and
the address the request came from.

Only proxies in LIGHTER_AUTH_TRUSTED_PROXIES are believed: anyone else could claim https (or
deny it), or name any address in `X-Forwarded-For`. A browser that reached Lighter over https,
directly or through such a proxy saying `X-Forwarded-Proto: https`, gets its login cookie
marked Secure, as it does whenever LIGHTER_PUBLIC_URL is an https address.
"""

import ipaddress
from collections.abc import Iterable

from lighter_common.settings import Settings
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection

from lighter_api.auth.settings import AuthSettings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_trusted_proxy(host: str | None, networks: Iterable[IPNetwork]) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def browser_uses_https(
    connection: HTTPConnection, *, settings: Settings, auth: AuthSettings
) -> bool:
    if settings.base_url.startswith("https://") or connection.url.scheme == "https":
        return True
    client = connection.client.host if connection.client else None
    if not is_trusted_proxy(client, auth.proxy_networks):
        return False
    # A chain of proxies appends; the first value is what the browser used.
    claimed = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return claimed == "https"


def originating_address(
    headers: Headers, peer: str | None, networks: list[IPNetwork]
) -> str | None:
    """The client behind the trusted proxies: `X-Forwarded-For` read from the right, past the
    addresses of trusted proxies, so that entries a client wrote itself are never reached."""
    if not is_trusted_proxy(peer, networks):
        return peer
    forwarded = [
        hop.strip() for value in headers.getlist("x-forwarded-for") for hop in value.split(",")
    ]
    for hop in reversed(forwarded):
        if hop and not is_trusted_proxy(hop, networks):
            return hop
    return peer
