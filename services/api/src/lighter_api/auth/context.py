"""The caller of the request being served, and the rules that apply to them.

The authentication middleware sets it for each request; the application service reads it
when it records an owner, finds an application or lists them. Outside a request (and with
authentication off) it is the anonymous caller, who may do everything.
"""

from contextvars import ContextVar, Token
from dataclasses import dataclass

from lighter_common.domain.access import ANONYMOUS, AccessPolicy, Principal
from lighter_common.domain.application import Application
from lighter_common.domain.errors import Forbidden


@dataclass(frozen=True)
class Access:
    principal: Principal
    policy: AccessPolicy

    def may_view(self, app: Application) -> bool:
        return self.policy.may_view(self.principal, app)

    def may_modify(self, app: Application) -> bool:
        return self.policy.may_modify(self.principal, app)

    @property
    def is_superuser(self) -> bool:
        return self.policy.is_superuser(self.principal)

    @property
    def owner_filter(self) -> str | None:
        """The owner lists are limited to, or None when the caller sees all."""
        return None if self.policy.sees_all(self.principal) else self.principal.name

    def owner_of_new(self, proxy_user: str | None) -> str | None:
        """The owner of an application the caller submits; Forbidden when the caller may not
        run it as `proxy_user`."""
        problem = self.policy.proxy_user_problem(self.principal, proxy_user)
        if problem is not None:
            raise Forbidden(problem)
        return self.policy.owner_of_new(self.principal, proxy_user)


_UNAUTHENTICATED = Access(ANONYMOUS, AccessPolicy())
_current: ContextVar[Access | None] = ContextVar("lighter_access", default=None)


def current_access() -> Access:
    return _current.get() or _UNAUTHENTICATED


def enter(access: Access) -> Token[Access | None]:
    return _current.set(access)


def leave(token: Token[Access | None]) -> None:
    _current.reset(token)
