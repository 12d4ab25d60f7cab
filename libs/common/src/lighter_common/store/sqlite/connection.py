"""SQLite connections driven from threads of their own, so that no call blocks the event loop.

Writes run one at a time, in the order they were asked for, on one writing connection with a
thread of its own; reads (statements that begin with SELECT) run on a few read-only
connections with a thread each. In WAL mode readers never wait for the writer, so a write
held up by a lock (another process, a slow disk) holds up neither reads nor the loop, and a
read sees every write whose call returned before it began. Connections are in autocommit
mode: each statement is its own transaction, exactly as when they all ran on the loop. A
caller cancelled while its statement runs does not stop it: the statement completes or fails
as a whole, like a write to a server whose answer was lost.

The database file is created readable by its owner only, in a directory only its owner may
enter, whatever the process's umask; SQLite gives its `-wal` and `-shm` files the mode of the
database file, and any left by an earlier run are narrowed when the store opens.
"""

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Self, TypeVar

T = TypeVar("T")

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
READERS = 2
_COMPANIONS = ("-wal", "-shm", "-journal")


class SqliteConnection:
    def __init__(self, path: Path, writer: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self._path = path
        self._writer = writer
        self._writer_thread = thread
        self._readers: list[sqlite3.Connection] = []
        self._local = threading.local()
        self._reader_threads = ThreadPoolExecutor(
            max_workers=READERS, thread_name_prefix=f"sqlite-read-{path.name}"
        )

    @classmethod
    async def open(cls, path: Path, setup: Callable[[sqlite3.Connection], None]) -> Self:
        """Connections to the database file at `path`, after `setup` ran on the writing one."""
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{path.name}")
        try:
            writer = await asyncio.get_running_loop().run_in_executor(
                thread, partial(_connect, path, setup)
            )
        except BaseException:
            thread.shutdown(wait=False)
            raise
        return cls(path, writer, thread)

    async def query(self, sql: str, parameters: Iterable[Any] = ()) -> list[Any]:
        """Run one statement and fetch its rows: a SELECT on a reader, anything else on the
        writer."""
        values = tuple(parameters)
        if sql.lstrip()[:6].upper() == "SELECT":
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._reader_threads, self._read, sql, values)
        return await self.run(lambda db: db.execute(sql, values).fetchall())

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Call `work` with the writing connection on its thread; no other write meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_thread, work, self._writer)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer_thread, self._writer.close)
        finally:
            self._writer_thread.shutdown(wait=False)
            await asyncio.to_thread(self._reader_threads.shutdown, wait=True)
            for reader in self._readers:
                reader.close()

    def _read(self, sql: str, values: tuple[Any, ...]) -> list[Any]:
        reader: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = _connect_reader(self._path)
            self._readers.append(reader)
        return reader.execute(sql, values).fetchall()


def _connect(path: Path, setup: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    private_directory(path.parent)
    # Created here with the owner's mode: SQLite would create it 0644 less the umask.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    _narrow(path, FILE_MODE)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        setup(connection)
        for suffix in _COMPANIONS:
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                _narrow(companion, FILE_MODE)
    except BaseException:
        connection.close()
        raise
    return connection


def _connect_reader(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA query_only = ON")  # a write sent here by mistake fails loudly
    connection.execute("PRAGMA busy_timeout = 5000")
    return connection


def private_directory(path: Path) -> None:
    """Create `path` (and missing parents) for its owner only; narrow it when it is ours."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _narrow(path, DIRECTORY_MODE)


def _narrow(path: Path, mode: int) -> None:
    # What another account owns (an operator's shared directory) is left as it is.
    if path.stat().st_uid == os.getuid():
        os.chmod(path, mode)
