"""Failed logins, counted per user name and per client address, in this process's memory.

Past `limit` failures within the window, a key is locked until its oldest failure leaves the
window; callers ask before checking a password, so a locked key costs no Argon2 hash. The
counts are per process: behind N replicas a guesser gets up to N times the limit, which
still turns thousands of guesses a minute into a handful. A success does not clear an
address's failures, so one known password cannot reset the count for guessing others.
"""

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    failures: int
    window_seconds: float


class FailureWindow:
    """Failure times per key within one window; bounded, dropping the stalest keys first."""

    MAX_KEYS = 100_000

    def __init__(self, limit: Limit, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self._limit.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may try again, or None when it may now."""
        now = self._clock()
        times = self._recent(key, now)
        if times is None or len(times) < self._limit.failures:
            return None
        return times[-self._limit.failures] + self._limit.window_seconds - now

    def fail(self, key: str) -> None:
        now = self._clock()
        times = self._recent(key, now)
        if times is None:
            if len(self._failures) >= self.MAX_KEYS:
                self._forget_stalest()
            times = self._failures[key] = deque(maxlen=self._limit.failures)
        times.append(now)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def _forget_stalest(self) -> None:
        by_last = sorted(self._failures, key=lambda k: self._failures[k][-1])
        for key in by_last[: len(by_last) // 2 + 1]:
            del self._failures[key]


class LoginThrottle:
    def __init__(
        self,
        *,
        per_user: Limit,
        per_address: Limit,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = FailureWindow(per_user, clock)
        self._addresses = FailureWindow(per_address, clock)

    def _windows(
        self, user: str | None, address: str | None
    ) -> Iterable[tuple[FailureWindow, str]]:
        if user is not None:
            yield self._users, user
        if address is not None:
            yield self._addresses, address

    def retry_after(self, *, user: str | None, address: str | None) -> float | None:
        """Seconds until this user from this address may try a password again, or None."""
        waits = [
            w for window, key in self._windows(user, address) if (w := window.retry_after(key))
        ]
        return max(waits) if waits else None

    def failed(self, *, user: str | None, address: str | None) -> None:
        for window, key in self._windows(user, address):
            window.fail(key)

    def succeeded(self, *, user: str) -> None:
        self._users.forget(user)
