"""Domain errors.

LighterError
 ├── NotFound            an application or statement that does not exist (404)
 ├── Conflict            an id already taken, or an action the state forbids (409 / 400)
 │    └── InvalidTransition
 ├── InvalidRequest      input that breaks a rule the models cannot express (400)
 ├── Forbidden           an action the caller may not take (403)
 └── QuotaExceeded       a limit the caller reached; try again later (429, Retry-After)
"""


class LighterError(Exception):
    """Base of all errors the domain raises on purpose."""


class NotFound(LighterError):
    pass


class Conflict(LighterError):
    pass


class InvalidTransition(Conflict):
    pass


class InvalidRequest(LighterError):
    pass


class Forbidden(LighterError):
    """An action the caller is known but not allowed to take (403)."""


class QuotaExceeded(LighterError):
    """The caller holds as much as a limit allows; worth retrying after `retry_after_seconds`."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
