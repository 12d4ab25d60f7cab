"""The failed-login throttle on a clock the test moves: per key limits, the wait it reports,
the window sliding past old failures, and a success clearing only the user's count."""

from lighter_api.auth.throttle import FailureWindow, Limit, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock) -> LoginThrottle:
    return LoginThrottle(per_user=Limit(3, 60), per_address=Limit(5, 60), clock=clock)


def test_a_user_is_locked_after_the_limit_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    limits = throttle(clock)
    for _ in range(3):
        assert limits.retry_after(user="ada", address="10.0.0.1") is None
        limits.failed(user="ada", address="10.0.0.1")
        clock.now += 10

    assert limits.retry_after(user="ada", address="10.0.0.2") == 30.0
    assert limits.retry_after(user="bob", address="10.0.0.1") is None
    clock.now += 30
    assert limits.retry_after(user="ada", address="10.0.0.2") is None


def test_an_address_is_locked_whatever_names_it_tries() -> None:
    clock = Clock()
    limits = throttle(clock)
    for name in ("a", "b", "c", "d", "e"):
        limits.failed(user=name, address="10.0.0.1")

    assert limits.retry_after(user="f", address="10.0.0.1") == 60.0
    assert limits.retry_after(user="f", address="10.0.0.2") is None


def test_a_success_clears_the_users_failures_but_not_the_addresss() -> None:
    clock = Clock()
    limits = throttle(clock)
    for _ in range(3):
        limits.failed(user="ada", address="10.0.0.1")
    limits.failed(user="bob", address="10.0.0.1")
    limits.failed(user="bob", address="10.0.0.1")

    limits.succeeded(user="ada")

    assert limits.retry_after(user="ada", address="10.0.0.9") is None
    assert limits.retry_after(user="carol", address="10.0.0.1") == 60.0


def test_the_number_of_keys_is_bounded() -> None:
    clock = Clock()
    window = FailureWindow(Limit(3, 60), clock)
    window.MAX_KEYS = 10
    for i in range(25):
        clock.now += 1
        window.fail(f"user{i}")

    assert window.retry_after("user24") is None  # one failure: not locked, but remembered
    assert len(window._failures) <= 10
