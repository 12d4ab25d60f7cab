"""A real MongoDB-protocol server for the tests (a pytest plugin).

Where the server comes from, first match wins:
1. `LIGHTER_TEST_MONGO_URL`;
2. FerretDB v1 with its SQLite backend, started here in a temporary directory on a free port
   (`ferretdb` on the PATH, or in ~/go/bin) and stopped at the end of the session;
3. a `mongo` container through testcontainers, when Docker runs.
Otherwise the session fails, saying how to get one.

Fixtures: `mongo_url` (session), `mongo_is_ferretdb` (session), `mongo_store` (a MongoStore on
a fresh database, dropped afterwards) and `sqlite_store` (a SqliteStore in a fresh file).
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from lighter_common.store.mongo import MongoStore
from lighter_common.store.sqlite import SqliteStore
from pymongo import AsyncMongoClient, MongoClient

from tests.harness.processes import docker_runs, ferretdb_executable, running_ferretdb

FERRETDB_VERSION = "v1.24.2"
CONTAINER_IMAGE = "mongo:7"
STARTUP_TIMEOUT = 30.0
# `go install …/cmd/ferretdb@v1.24.2` builds a binary that panics at start for want of
# build/version/version.txt, a file FerretDB's release tooling writes; this builds it with one.
FERRETDB_BUILD = (
    'd=$(mktemp -d) && cp -r "$(go mod download -json '
    f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION} "
    '| sed -n \'s/^\\t"Dir": "\\(.*\\)",$/\\1/p\')"/. "$d" && chmod -R u+w "$d" '
    f'&& echo {FERRETDB_VERSION} > "$d/build/version/version.txt" '
    '&& (cd "$d" && go build -o ~/go/bin/ferretdb ./cmd/ferretdb) && rm -rf "$d"'
)
HOW_TO_GET_ONE = (
    "No MongoDB-protocol server for the tests. Either set LIGHTER_TEST_MONGO_URL=mongodb://…, "
    f"install FerretDB {FERRETDB_VERSION} as ~/go/bin/ferretdb (the tests start it): "
    f"`{FERRETDB_BUILD}`, or run Docker so testcontainers can start a container."
)


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("LIGHTER_TEST_MONGO_URL")
    if url:
        yield url
        return
    executable = ferretdb_executable()
    if executable is not None:
        yield from _ferretdb(executable, tmp_path_factory.mktemp("ferretdb"))
        return
    yield from _container()


@pytest.fixture(scope="session")
def mongo_is_ferretdb(mongo_url: str) -> bool:
    """True when the server is FerretDB, whose updates are not atomic (see test_store.py)."""
    client: MongoClient[dict[str, object]]
    with MongoClient(mongo_url) as client:
        return "ferretdbVersion" in client.admin.command("buildInfo")


@pytest.fixture
async def mongo_store(mongo_url: str) -> AsyncIterator[MongoStore]:
    database = f"lighter_test_{uuid.uuid4().hex[:12]}"
    store = await MongoStore.connect(mongo_url, database)
    try:
        yield store
    finally:
        await store.close()
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
        try:
            await client.drop_database(database)
        finally:
            await client.close()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "lighter.db")
    try:
        yield store
    finally:
        await store.close()


def _ferretdb(executable: Path, directory: Path) -> Iterator[str]:
    try:
        with running_ferretdb(executable, directory) as (url, _):
            yield url
    except RuntimeError as error:
        pytest.fail(f"{error}\n{HOW_TO_GET_ONE}")


def _container() -> Iterator[str]:
    """The last resort: a container, when Docker runs."""
    if not docker_runs():
        pytest.fail(HOW_TO_GET_ONE)
    from testcontainers.mongodb import MongoDbContainer

    with MongoDbContainer(CONTAINER_IMAGE) as container:
        yield container.get_connection_url()
