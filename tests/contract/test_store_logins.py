"""The LoginRecords contract (store/logins/base.py), per adapter."""

from datetime import UTC, datetime, timedelta

import pytest
from lighter_common.store.base import Store
from lighter_common.store.logins.base import LoginRecord

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(params=["mongo", "sqlite"])
def store(request: pytest.FixtureRequest) -> Store:
    adapter: Store = request.getfixturevalue(f"{request.param}_store")
    return adapter


def login(login_id: str, user: str = "alice", *, hours: float = 12) -> LoginRecord:
    return LoginRecord(
        id=login_id,
        user=user,
        credential="sha256:abc",
        created_at=T0,
        expires_at=T0 + hours * HOUR,
    )


async def test_a_login_is_found_by_its_id_until_it_expires(store: Store) -> None:
    await store.logins.add(login("l1"))

    assert await store.logins.get("l1", now=T0 + HOUR) == login("l1")
    assert await store.logins.get("l1", now=T0 + 12 * HOUR) is None
    assert await store.logins.get("other", now=T0) is None


async def test_logout_ends_one_login_and_leaves_the_others(store: Store) -> None:
    await store.logins.add(login("l1"))
    await store.logins.add(login("l2"))

    await store.logins.remove("l1")
    await store.logins.remove("never-there")

    assert await store.logins.get("l1", now=T0) is None
    assert await store.logins.get("l2", now=T0) is not None


async def test_every_login_of_a_user_can_be_ended(store: Store) -> None:
    await store.logins.add(login("l1", "alice"))
    await store.logins.add(login("l2", "alice"))
    await store.logins.add(login("l3", "bob"))

    assert await store.logins.remove_user("alice") == 2

    assert await store.logins.get("l1", now=T0) is None
    assert await store.logins.get("l2", now=T0) is None
    assert await store.logins.get("l3", now=T0) is not None


async def test_expired_logins_are_forgotten(store: Store) -> None:
    await store.logins.add(login("short", hours=1))
    await store.logins.add(login("long", hours=12))

    assert await store.logins.forget_expired(T0 + 2 * HOUR) == 1

    assert await store.logins.remove_user("alice") == 1


async def test_adding_an_id_again_replaces_the_record(store: Store) -> None:
    await store.logins.add(login("l1", hours=1))
    await store.logins.add(login("l1", hours=12))

    assert await store.logins.get("l1", now=T0 + 2 * HOUR) == login("l1", hours=12)
