"""The web UI's login: a signed cookie (itsdangerous) naming a login record in the store.

Browsers do not forget HTTP Basic credentials on request, so the UI logs in with a form
instead; the cookie is HttpOnly and SameSite=Strict, and a request that changes something
on the strength of the cookie alone must also carry the UI's own header (which a page on
another site cannot add).

The cookie carries a random login id, not the user's groups. Each request finds the login's
record in the store (shared by replicas, so a logout ends it everywhere) and the user in the
users file as it is now: a removed user, a changed password or a revoked token ends the
logins made with it, and groups changed since the login apply at once.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from lighter_common.domain.access import Principal
from lighter_common.store.logins.base import LoginRecord, LoginRecords

from lighter_api.auth.users import UsersSource, holds_credential

COOKIE = "lighter_login"
UI_HEADER = "x-lighter-ui"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Logins:
    def __init__(
        self,
        secret: str | None,
        *,
        max_age_seconds: int,
        records: LoginRecords,
        users: UsersSource | None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        # Without a configured secret, logins last as long as this process.
        self._serializer = URLSafeTimedSerializer(
            secret or secrets.token_urlsafe(32), salt="lighter-ui-login"
        )
        self.max_age_seconds = max_age_seconds
        self._records = records
        self._users = users
        self._clock = clock

    async def start(self, principal: Principal, *, credential: str) -> str:
        """Record a login of `principal` with the secret `credential` names; its cookie."""
        login = secrets.token_urlsafe(32)
        now = self._clock()
        await self._records.forget_expired(now)
        await self._records.add(
            LoginRecord(
                id=_record_id(login),
                user=principal.name,
                credential=credential,
                created_at=now,
                expires_at=now + timedelta(seconds=self.max_age_seconds),
            )
        )
        return self._serializer.dumps({"login": login})

    async def principal(self, cookie: str | None) -> Principal | None:
        """The user a cookie's login is for, with their groups as they are now; None when the
        login ended, expired or no longer matches the users file."""
        login = self._login(cookie)
        if login is None:
            return None
        record = await self._records.get(_record_id(login), now=self._clock())
        if record is None:
            return None
        # Only the basic and bearer modes log in through the form; the others have no users.
        user = self._users.current().find(record.user) if self._users is not None else None
        if user is None or not holds_credential(user, record.credential):
            return None
        return Principal(name=user.name, groups=frozenset(user.groups))

    async def end(self, cookie: str | None) -> None:
        login = self._login(cookie)
        if login is not None:
            await self._records.remove(_record_id(login))

    def _login(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:  # also an expired one
            return None
        if not isinstance(data, dict) or not isinstance(data.get("login"), str):
            return None
        login: str = data["login"]
        return login


def _record_id(login: str) -> str:
    # The store holds a digest: a copy of the database does not yield working cookies.
    return hashlib.sha256(login.encode()).hexdigest()
