"""Domain errors answer with the status their class, or its nearest parent, maps to."""

import pytest
from fastapi import FastAPI
from lighter_api.errors import install_error_handlers, status_of
from lighter_common.domain.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    InvalidTransition,
    LighterError,
    NotFound,
    QuotaExceeded,
)

from tests.harness.asgi import client_of


class UnlistedRefusal(LighterError):
    pass


class MissingSession(NotFound):
    pass


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("x"), 404),
        (MissingSession("x"), 404),
        (Conflict("x"), 409),
        (InvalidTransition("x"), 409),
        (InvalidRequest("x"), 400),
        (Forbidden("x"), 403),
        (QuotaExceeded("x", retry_after_seconds=7), 429),
        (UnlistedRefusal("x"), 400),
    ],
)
def test_each_domain_error_has_the_status_of_its_nearest_listed_class(
    error: LighterError, status: int
) -> None:
    assert status_of(error) == status


async def test_a_quota_answers_429_with_retry_after_in_each_dialect() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/lighter/api/quota")
    @app.get("/livy/quota")
    async def _quota() -> None:
        raise QuotaExceeded("user alice holds 3 of 3", retry_after_seconds=7)

    async with client_of(app) as client:
        lighter = await client.get("/lighter/api/quota")
        livy = await client.get("/livy/quota")
    assert (lighter.status_code, lighter.headers["retry-after"]) == (429, "7")
    assert lighter.json()["message"] == "user alice holds 3 of 3"
    assert (livy.status_code, livy.headers["retry-after"]) == (429, "7")
    assert livy.json() == {"msg": "user alice holds 3 of 3"}
