"""A submission may not make the server read its own files and ship them to a user's driver.

The attack: `/etc/shadow` as a `pyFiles` entry, which spark-submit reads on the submitting
machine and uploads to the driver (the local backend runs it in place).
"""

from pathlib import Path
from typing import Any

import httpx
import pytest
from lighter_api.app import create_app
from lighter_common.bus.memory import MemoryBus
from lighter_common.settings import ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore

from .conftest import AppFactory, basic, client_of

SERVER_FILES: list[dict[str, Any]] = [
    {"file": "/etc/passwd"},
    {"file": "examples/pi.py"},
    {"file": "file:///etc/passwd"},
    {"file": "local:///etc/passwd"},  # the local backend's "image" is the server itself
    {"file": "s3a://jobs/a.py", "pyFiles": ["/etc/shadow"]},
    {"file": "s3a://jobs/a.py", "files": ["../../etc/hosts"]},
    {"file": "s3a://jobs/a.py", "jars": ["file:/etc/ssl/private/key.jar"]},
    {"file": "s3a://jobs/a.py", "archives": ["/root/.kube/config#kube"]},
    {"file": "s3a://jobs/a.py", "conf": {"spark.jars": "s3a://x.jar,/etc/shadow"}},
    {"file": "s3a://jobs/a.py", "conf": {"spark.submit.pyFiles": "/etc/shadow"}},
    {"file": "s3a://jobs/a.py", "conf": {"spark.yarn.dist.files": "/etc/shadow"}},
]


async def post(app: Any, body: dict[str, Any], **options: Any) -> httpx.Response:
    async with client_of(app) as client:
        return await client.post("/lighter/api/batches", json=body, **options)


@pytest.mark.parametrize("body", SERVER_FILES)
async def test_with_authentication_no_server_path_is_read_until_the_operator_names_a_directory(
    secure_app: AppFactory, body: dict[str, Any]
) -> None:
    response = await post(secure_app(), body, auth=basic("alice"))
    assert response.status_code == 400, response.text
    assert "LIGHTER_ALLOWED_LOCAL_DIRS" in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"file": "s3a://jobs/a.py", "pyFiles": ["hdfs://nn/lib.zip"], "jars": ["https://x/y.jar"]},
        {"file": "gs://bucket/job.py", "files": ["abfss://c@a.dfs.core.windows.net/f"]},
    ],
)
async def test_remote_uris_are_allowed(secure_app: AppFactory, body: dict[str, Any]) -> None:
    response = await post(secure_app(), body, auth=basic("alice"))
    assert response.status_code == 201, response.text


async def test_local_uris_name_the_image_on_a_cluster_backend(secure_app: AppFactory) -> None:
    app = secure_app(settings={"backend": "kubernetes", "kubernetes_image": "spark:4"})
    response = await post(app, {"file": "local:///opt/spark/examples/pi.py"}, auth=basic("alice"))
    assert response.status_code == 201, response.text


async def test_paths_under_an_allowed_directory_and_nothing_that_resolves_outside(
    secure_app: AppFactory, tmp_path: Path
) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "pi.py").write_text("print(1)\n")
    (jobs / "escape.py").symlink_to("/etc/passwd")
    (tmp_path / "jobs-other").mkdir()
    app = secure_app(settings={"allowed_local_dirs": str(jobs)})

    inside = await post(app, {"file": str(jobs / "pi.py")}, auth=basic("alice"))
    as_uri = await post(app, {"file": f"file://{jobs}/pi.py"}, auth=basic("alice"))
    dotdot = await post(app, {"file": f"{jobs}/../../etc/passwd"}, auth=basic("alice"))
    symlink = await post(app, {"file": str(jobs / "escape.py")}, auth=basic("alice"))
    prefix = await post(app, {"file": f"{jobs}-other/x.py"}, auth=basic("alice"))

    assert inside.status_code == 201 and as_uri.status_code == 201, (inside.text, as_uri.text)
    for refused in (dotdot, symlink, prefix):
        assert refused.status_code == 400, refused.text


async def test_without_authentication_the_one_trusted_user_keeps_local_paths(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    # Lighter on the loopback without authentication: the README's `examples/pi.py` works.
    app = create_app(
        store=store, bus=bus, settings=Settings(server=ServerSettings(data_dir=tmp_path))
    )
    response = await post(app, {"file": "examples/pi.py", "pyFiles": ["lib/helpers.py"]})
    assert response.status_code == 201, response.text
