"""Response headers that keep browsers from running, framing or sniffing what Lighter serves.

The UI's pages may load only the UI's own script, stylesheet and icon, and talk only to this
server: a `Content-Security-Policy` without inline script or style, so that markup a user or
a driver got into a page cannot run. No page may be framed (clickjacking a Kill button), no
response is sniffed into another type, and no Referer leaves for another site. API answers
get a policy that allows nothing at all; the interactive docs, which load their script from
a CDN, keep FastAPI's defaults and are off unless the operator opens them.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lighter_api.auth.middleware import DOC_PATHS, UI_PREFIX

UI_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def policy_for(path: str) -> str | None:
    """The Content-Security-Policy for a response to `path`, or None for none."""
    if path == "/" or path == UI_PREFIX or path.startswith(f"{UI_PREFIX}/"):
        return UI_POLICY
    if any(path == p or path.startswith(f"{p}/") for p in DOC_PATHS):
        return None
    return API_POLICY


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                if policy is not None:
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
