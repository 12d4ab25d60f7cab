"""One server-side conf policy, checked at submission and again before any driver runs.

The attack: `spark.kubernetes.executor.podTemplateFile=/path` made the planner read a file of
the server into a ConfigMap the user's driver mounts; a hostPath volume of `/`, the driver's
service account, the namespace, the master, keytabs were all the user's to set.
"""

from pathlib import Path
from typing import Any

import httpx
import pytest
from lighter_common.backends.simulated import SimulatedBackend
from lighter_common.bus.memory import MemoryBus
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_submitter.launch import claim, launch

from .conftest import AppFactory, basic, client_of

REFUSED = {
    "spark.kubernetes.executor.podTemplateFile": "/var/run/secrets/token",
    "spark.kubernetes.driver.podTemplateFile": "/etc/lighter/users.json",
    "spark.kubernetes.driver.volumes.hostPath.root.mount.path": "/host",
    "spark.kubernetes.executor.volumes.hostPath.root.options.path": "/",
    "spark.kubernetes.authenticate.driver.serviceAccountName": "lighter",
    "spark.kubernetes.authenticate.submission.oauthToken": "x",
    "spark.kubernetes.namespace": "kube-system",
    "spark.master": "k8s://https://elsewhere",
    "spark.submit.deployMode": "client",
    "spark.kerberos.keytab": "/etc/krb5.keytab",
    "spark.yarn.principal": "hdfs@REALM",
    "spark.kerberos.principal": "hdfs@REALM",
    "spark.yarn.keytab": "/etc/lighter/lighter.keytab",
    "spark.kerberos.access.hadoopFileSystems": "hdfs://elsewhere",
    "spark.kubernetes.driver.secrets.lighter-mongo": "/mnt",
    "spark.kubernetes.executor.secretKeyRef.TOKEN": "lighter-mongo:password",
    "spark.kubernetes.driver.pod.featureSteps": "org.evil.Step",
    "spark.jars.ivySettings": "/etc/shadow",
    "spark.launcher.port": "1",
    "spark.kubernetes.driverEnv.LIGHTER_KERNEL_SECRET": "known",
    "SPARK.KUBERNETES.NAMESPACE": "default",
    "spark.driver.extraJavaOptions": "-Xss4m -Dspark.kubernetes.namespace=kube-system",
}


async def post(app: Any, body: dict[str, Any], user: str = "alice") -> httpx.Response:
    async with client_of(app) as client:
        return await client.post("/livy/batches", json=body, auth=basic(user))


@pytest.mark.parametrize(("key", "value"), REFUSED.items())
async def test_denied_keys_are_refused_naming_the_key(
    secure_app: AppFactory, key: str, value: str
) -> None:
    response = await post(secure_app(), {"file": "s3a://j/a.py", "conf": {key: value}})
    assert response.status_code == 400, response.text
    assert key in response.json()["msg"]


async def test_ordinary_keys_pass(secure_app: AppFactory) -> None:
    conf = {
        "spark.executor.instances": 2,
        "spark.sql.shuffle.partitions": "8",
        "spark.kubernetes.driver.label.team": "data",
        "spark.kubernetes.executor.volumes.persistentVolumeClaim.d.mount.path": "/data",
        "spark.driver.extraJavaOptions": "-Xss4m -Dlog4j.configuration=x",
    }
    response = await post(secure_app(), {"file": "s3a://j/a.py", "conf": conf})
    assert response.status_code == 201, response.text


async def test_the_operator_extends_and_lifts_the_deny_list(secure_app: AppFactory) -> None:
    app = secure_app(
        settings={
            "conf_deny": "spark.kubernetes.node.selector.*, spark.executor.instances",
            "conf_allow": "spark.kubernetes.driver.volumes.hostPath.*",
        }
    )
    selector = await post(
        app, {"file": "s3a://j/a.py", "conf": {"spark.kubernetes.node.selector.x": "y"}}
    )
    instances = await post(app, {"file": "s3a://j/a.py", "conf": {"spark.executor.instances": 9}})
    lifted = await post(
        app,
        {
            "file": "s3a://j/a.py",
            "conf": {"spark.kubernetes.driver.volumes.hostPath.d.mount.path": "/d"},
        },
    )
    still = await post(
        app,
        {
            "file": "s3a://j/a.py",
            "conf": {"spark.kubernetes.executor.volumes.hostPath.d.mount.path": "/d"},
        },
    )
    assert selector.status_code == 400 and instances.status_code == 400
    assert lifted.status_code == 201, lifted.text
    assert still.status_code == 400


async def test_superusers_pass_only_where_the_operator_says_so(secure_app: AppFactory) -> None:
    body = {"file": "s3a://j/a.py", "conf": {"spark.kubernetes.namespace": "team-b"}}
    closed = await post(secure_app(), body, user="root")
    opened = await post(
        secure_app(settings={"conf_policy_exempts_superusers": True}), body, user="root"
    )
    not_alice = await post(secure_app(settings={"conf_policy_exempts_superusers": True}), body)
    assert closed.status_code == 400
    assert opened.status_code == 201, opened.text
    assert not_alice.status_code == 400


async def test_a_document_that_bypassed_the_api_is_refused_before_its_driver_runs(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    settings = Settings(server=ServerSettings(data_dir=tmp_path, backend="simulated"))
    backend = SimulatedBackend(settings)
    params = SubmitParams(
        file="s3a://j/a.py", conf={"spark.kubernetes.executor.podTemplateFile": "/etc/shadow"}
    )
    app = await store.insert_application(
        Application(type=ApplicationType.BATCH, submit_params=params)
    )
    claimed = await claim(store, app)
    assert claimed is not None

    await launch(store=store, bus=bus, backend=backend, settings=settings, app=claimed)

    ended = await store.get_application(app.id)
    assert ended is not None and ended.state == ApplicationState.ERROR
    assert "spark.kubernetes.executor.podTemplateFile" in (ended.state_reason or "")
    assert await backend.drivers() == []
