"""Fixtures shared by every suite: the real services the tests talk to."""

pytest_plugins = [
    "tests.harness.mongo",
    "tests.harness.rabbitmq",
    "tests.harness.lighter",
]
