"""A write the server refused because SQLite was locked is sent again; other errors are not."""

import pytest
from lighter_common.store.base import StoreUnavailable
from lighter_common.store.mongo import busy as mongo_busy
from lighter_common.store.mongo.busy import BUSY_ATTEMPTS, busy_retried
from pymongo.errors import DuplicateKeyError, OperationFailure

LOCKED = (
    "[collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)"
)


class Writes:
    def __init__(self, *answers: Exception | str) -> None:
        self.answers = list(answers)
        self.sent = 0

    async def __call__(self) -> str:
        self.sent += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_busy, "FIRST_PAUSE", 0.0)


async def test_a_busy_write_is_sent_again_until_it_is_done() -> None:
    write = Writes(OperationFailure(LOCKED, 1), OperationFailure(LOCKED, 1), "done")

    assert await busy_retried(write) == "done"
    assert write.sent == 3


async def test_a_database_that_stays_busy_is_unavailable() -> None:
    write = Writes(*[OperationFailure(LOCKED, 1)] * BUSY_ATTEMPTS)

    with pytest.raises(StoreUnavailable, match="stayed busy"):
        await busy_retried(write)
    assert write.sent == BUSY_ATTEMPTS


async def test_other_refusals_are_not_sent_again() -> None:
    write = Writes(DuplicateKeyError("E11000 duplicate key", 11000), "never")

    with pytest.raises(DuplicateKeyError):
        await busy_retried(write)
    assert write.sent == 1
