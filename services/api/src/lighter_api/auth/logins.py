"""The web UI's login: a signed cookie (itsdangerous) naming the user who logged in.

Browsers do not forget HTTP Basic credentials on request, so the UI logs in with a form
instead; the cookie is HttpOnly and SameSite=Strict, and a request that changes something
on the strength of the cookie alone must also carry the UI's own header (which a page on
another site cannot add).
"""

import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from lighter_common.domain.access import Principal

COOKIE = "lighter_login"
UI_HEADER = "x-lighter-ui"


class Logins:
    def __init__(self, secret: str | None, *, max_age_seconds: int) -> None:
        # Without a configured secret, logins last as long as this process.
        self._serializer = URLSafeTimedSerializer(
            secret or secrets.token_urlsafe(32), salt="lighter-ui-login"
        )
        self.max_age_seconds = max_age_seconds

    def cookie_for(self, principal: Principal) -> str:
        return self._serializer.dumps({"user": principal.name, "groups": sorted(principal.groups)})

    def principal(self, cookie: str | None) -> Principal | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:  # also an expired one
            return None
        if not isinstance(data, dict) or not isinstance(data.get("user"), str):
            return None
        return Principal(name=data["user"], groups=frozenset(data.get("groups", [])))
