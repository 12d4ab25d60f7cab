"""Who may do what: Livy's access-control model (allowed, view, modify, superusers).

- Allowed users (`*` for everyone) may use Lighter at all; others are refused (403).
- Everyone sees and changes their own applications.
- Members of a `view` group see every application; of a `modify` group, see and change
  every one; superusers see and change every one and may impersonate.
- `proxyUser` may differ from the caller only for superusers (Livy's impersonation rule).

Without authentication every caller is the anonymous principal, who may do everything, as
Lighter did before authentication existed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from lighter_common.domain.application import Application

ANYONE = "*"


@dataclass(frozen=True)
class Principal:
    """The caller, as authentication established it."""

    name: str
    groups: frozenset[str] = frozenset()
    anonymous: bool = False


ANONYMOUS = Principal(name="anonymous", anonymous=True)


def names(value: str | Iterable[str]) -> frozenset[str]:
    """A set of names from `a,b , c` (or an iterable), without blanks."""
    parts = value.split(",") if isinstance(value, str) else value
    return frozenset(part.strip() for part in parts if part.strip())


@dataclass(frozen=True)
class AccessPolicy:
    allowed_users: frozenset[str] = frozenset({ANYONE})
    view_groups: frozenset[str] = frozenset()
    modify_groups: frozenset[str] = frozenset()
    superusers: frozenset[str] = frozenset()

    def is_superuser(self, who: Principal) -> bool:
        return who.anonymous or who.name in self.superusers

    def may_use(self, who: Principal) -> bool:
        """Whether the caller may use Lighter at all."""
        return (
            self.is_superuser(who) or ANYONE in self.allowed_users or who.name in self.allowed_users
        )

    def sees_all(self, who: Principal) -> bool:
        """Whether lists show the caller every application, not only their own."""
        return self.is_superuser(who) or bool(who.groups & (self.view_groups | self.modify_groups))

    def may_view(self, who: Principal, app: Application) -> bool:
        return app.owner == who.name or self.sees_all(who)

    def may_modify(self, who: Principal, app: Application) -> bool:
        return (
            app.owner == who.name or self.is_superuser(who) or bool(who.groups & self.modify_groups)
        )

    def proxy_user_problem(self, who: Principal, proxy_user: str | None) -> str | None:
        """Why the caller may not run as `proxy_user`, or None when they may."""
        if proxy_user is None or proxy_user == who.name or self.is_superuser(who):
            return None
        return (
            f"User '{who.name}' may not run applications as proxyUser '{proxy_user}': "
            "only superusers (LIGHTER_AUTH_SUPERUSERS) may impersonate another user"
        )

    def owner_of_new(self, who: Principal, proxy_user: str | None) -> str | None:
        """The owner a new application records: the caller, or without authentication the
        proxyUser it names (Lighter's behaviour before authentication)."""
        return proxy_user if who.anonymous else who.name
