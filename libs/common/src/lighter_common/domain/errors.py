"""Errors the domain raises on purpose, each meaning one kind of refusal.

The API answers each with the status its class (or the nearest parent) maps to in
`lighter_api/errors.py`:

LighterError                 the base; anything else the domain refuses (400)
 ├── NotFound                an application or statement that does not exist, or that the
 │                           caller may not see (404)
 ├── Conflict                an id already taken, an idempotency key reused for another
 │    │                      request (409)
 │    └── InvalidTransition  a state change the lifecycle does not allow (409)
 ├── InvalidRequest          input that breaks a rule the models cannot express (400)
 ├── Forbidden               an action the caller is known but not allowed to take (403)
 └── QuotaExceeded           a limit the caller reached; worth retrying after
                             `retry_after_seconds` (429 with Retry-After)
"""


class LighterError(Exception):
    """Base of all errors the domain raises on purpose."""

    # Seconds after which trying again may succeed; None: the same request will fail again.
    retry_after_seconds: int | None = None


class NotFound(LighterError):
    pass


class Conflict(LighterError):
    pass


class InvalidTransition(Conflict):
    pass


class InvalidRequest(LighterError):
    pass


class Forbidden(LighterError):
    pass


class QuotaExceeded(LighterError):
    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
