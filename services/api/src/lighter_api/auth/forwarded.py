"""What a trusted proxy says about a request it forwards: here, whether the browser used https.

A browser that reached Lighter over https, directly or through a proxy in
LIGHTER_AUTH_TRUSTED_PROXIES that says `X-Forwarded-Proto: https`, gets its login cookie
marked Secure, as it does whenever LIGHTER_PUBLIC_URL is an https address. The header is
believed only from those proxies: anyone else could claim https, or deny it.
"""

from lighter_common.settings import Settings
from starlette.requests import HTTPConnection

from lighter_api.auth.authenticators import is_trusted_proxy
from lighter_api.auth.settings import AuthSettings


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
