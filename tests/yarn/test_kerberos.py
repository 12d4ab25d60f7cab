"""Kerberos on YARN, against a real KDC: Hadoop's MiniKdc, and a MiniYARNCluster whose web
endpoints (the ResourceManager's REST API, the NodeManager's logs) ask for SPNEGO. RPC stays
unauthenticated: a YARN whose RPC is Kerberized needs the LinuxContainerExecutor, root and
much more, so spark-submit's own login from the keytab is not exercised here (it is given
`--principal/--keytab`, libs/common/tests/backends/yarn/test_submission.py, and ships the
keytab with the application).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lighter_common.backends.yarn.backend import YarnBackend
from lighter_common.settings import ServerSettings, Settings, YarnSettings

from tests.harness.lighter import LighterFactory, LighterProcesses, wait_for
from tests.harness.yarn_cluster import EXAMPLES, SMALL, YarnCluster

pytestmark = [pytest.mark.yarn, pytest.mark.timeout(900)]

ENDS_WITHIN = 600.0
FINISHED = {"success", "error", "dead", "killed"}


@pytest.fixture
def krb5_conf(kerberos_cluster: YarnCluster, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KRB5_CONFIG", str(kerberos_cluster.krb5_conf))
    return kerberos_cluster.krb5_conf


def backend(cluster: YarnCluster, data_dir: Path, **kerberos: Any) -> YarnBackend:
    yarn = YarnSettings(hadoop_conf_dir=cluster.conf_dir, **kerberos)
    return YarnBackend(
        Settings(server=ServerSettings(data_dir=data_dir, backend="yarn"), yarn=yarn)
    )


async def test_without_credentials_the_start_up_check_says_the_cluster_asks_for_kerberos(
    kerberos_cluster: YarnCluster, krb5_conf: Path, tmp_path: Path
) -> None:
    yarn = backend(kerberos_cluster, tmp_path)

    problem = await yarn.launch_problem()
    await yarn.close()

    assert problem is not None
    assert "HTTP 401: it asks for Kerberos (SPNEGO) authentication" in problem, problem
    assert "LIGHTER_YARN_KERBEROS_PRINCIPAL and LIGHTER_YARN_KERBEROS_KEYTAB" in problem


async def test_with_lighter_s_keytab_the_backend_reads_the_resource_manager(
    kerberos_cluster: YarnCluster, krb5_conf: Path, tmp_path: Path
) -> None:
    yarn = backend(
        kerberos_cluster,
        tmp_path,
        kerberos_principal=kerberos_cluster.principal,
        kerberos_keytab=kerberos_cluster.keytab,
    )

    problem = await yarn.launch_problem()
    drivers = await yarn.drivers()
    await yarn.close()

    assert problem is None
    assert isinstance(drivers, list)


async def test_a_keytab_that_is_not_the_principal_s_is_named_with_kerberos_s_reason(
    kerberos_cluster: YarnCluster, krb5_conf: Path, tmp_path: Path
) -> None:
    yarn = backend(
        kerberos_cluster,
        tmp_path,
        kerberos_principal="someone@EXAMPLE.COM",
        kerberos_keytab=kerberos_cluster.keytab,
    )

    problem = await yarn.launch_problem()
    await yarn.close()

    assert problem is not None
    assert "could not authenticate someone@EXAMPLE.COM" in problem, problem
    assert str(kerberos_cluster.keytab) in problem


@pytest.fixture(scope="module")
def lighter(
    kerberos_cluster: YarnCluster, lighter_factory: LighterFactory
) -> Iterator[LighterProcesses]:
    processes = kerberos_cluster.start_lighter(lighter_factory)
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def client(lighter: LighterProcesses) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as client:
        yield client


def test_a_batch_is_submitted_with_the_keytab_and_followed_through_spnego(
    client: httpx.Client,
) -> None:
    body = {"file": str(EXAMPLES / "pi.py"), "conf": SMALL, "numExecutors": 1}
    created = client.post("/batches", json=body)
    assert created.status_code == 201, created.text

    done = wait_for(
        client, f"/batches/{created.json()['id']}", lambda b: b["state"] in FINISHED, ENDS_WITHIN
    )

    log = client.get(f"/batches/{done['id']}/log", params={"size": 5000}).json()["log"]
    assert done["state"] == "success", (done, log[-3000:])
    assert str(done["appId"]).startswith("application_")
    assert "Pi is roughly 3." in log  # the driver's stdout, from its NodeManager, with SPNEGO


@pytest.mark.parametrize(
    "key",
    [
        "spark.kerberos.keytab",
        "spark.kerberos.principal",
        "spark.yarn.keytab",
        "spark.yarn.principal",
    ],
)
def test_a_user_s_own_keytab_or_principal_is_refused(client: httpx.Client, key: str) -> None:
    body = {"file": str(EXAMPLES / "pi.py"), "conf": {key: "/etc/lighter/lighter.keytab"}}

    refused = client.post("/batches", json=body)

    assert refused.status_code == 400, refused.text
    assert key in refused.text
