"""Issue 15, item 6: the server's files are its own account's alone, whatever the umask.

The SQLite store's directory is 0700, its database and WAL files 0600, also when an earlier
run left them wider; `users.json` is 0600 even when a `.partial` of another mode was left.
"""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from lighter_api.auth import users
from lighter_common.settings import ServerSettings, Settings
from lighter_common.store import open_store
from lighter_common.store.sqlite import SqliteStore

from tests.harness.in_process import new_batch


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: every mode below is the server's own choice."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _use(store: SqliteStore) -> None:
    await store.insert_application(new_batch())


@pytest.mark.usefixtures("open_umask")
async def test_the_data_directory_and_database_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = await open_store(Settings(server=ServerSettings(data_dir=data_dir)))
    try:
        assert isinstance(store, SqliteStore)
        await _use(store)
        files = sorted(data_dir.iterdir())
        modes = {path.name: _mode(path) for path in files}
    finally:
        await store.close()

    assert _mode(data_dir) == 0o700
    assert {"lighter.db", "lighter.db-wal", "lighter.db-shm"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600)


@pytest.mark.usefixtures("open_umask")
async def test_wide_files_left_by_an_earlier_run_are_narrowed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    earlier = await SqliteStore.open(data_dir / "lighter.db")
    await _use(earlier)
    for path in (data_dir, *data_dir.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    # The earlier process died with its WAL files in place.
    wal_files = [data_dir / "lighter.db-wal", data_dir / "lighter.db-shm"]
    assert all(path.exists() for path in wal_files)

    store = await SqliteStore.open(data_dir / "lighter.db")
    try:
        await _use(store)
        modes = {path.name: _mode(path) for path in data_dir.iterdir()}
    finally:
        await store.close()
        await earlier.close()

    assert _mode(data_dir) == 0o700
    assert modes == dict.fromkeys(modes, 0o600)


@pytest.mark.usefixtures("open_umask")
def test_users_file_is_private_even_over_a_leftover_partial(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    leftover = tmp_path / "users.json.partial"
    leftover.write_text("{}")
    leftover.chmod(0o644)

    users.add_user(path, "alice", groups=[], password="alice-pw")

    assert _mode(path) == 0o600
