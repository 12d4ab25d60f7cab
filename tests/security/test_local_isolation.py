"""The local backend runs every user's driver as the server's own OS account: with
authentication on, the operator is told so at start-up (issue 15, item 5)."""

import logging
from collections.abc import Iterator

import pytest

from tests.security.conftest import AppFactory

LOGGER = "lighter_api.auth.install"


@pytest.fixture(autouse=True)
def enabled_logger() -> Iterator[None]:
    # A client library an earlier suite imports (sparkmagic) configures logging with
    # disable_existing_loggers, which silences every logger made before it.
    logger = logging.getLogger(LOGGER)
    was_disabled, logger.disabled = logger.disabled, False
    yield
    logger.disabled = was_disabled


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelname == "WARNING"]


def test_authentication_on_the_local_backend_warns_that_drivers_share_an_account(
    secure_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)

    secure_app(settings={"backend": "local"})

    (warning,) = warnings_of(caplog)
    assert "LIGHTER_BACKEND=local" in warning
    assert "own OS account" in warning


@pytest.mark.parametrize(
    ("settings", "auth"),
    [({"backend": "kubernetes"}, {}), ({"backend": "local"}, {"mode": "none"})],
)
def test_no_warning_where_it_would_not_apply(
    secure_app: AppFactory,
    caplog: pytest.LogCaptureFixture,
    settings: dict[str, str],
    auth: dict[str, str],
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)

    secure_app(settings=settings, **auth)

    assert warnings_of(caplog) == []
