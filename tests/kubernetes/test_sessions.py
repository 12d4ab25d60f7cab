"""A session on Kubernetes: Lighter's spark-submit makes the driver pod, the driver runs the
kernel, which calls home to the session-manager at the configured address and answers
statements.

Lighter runs distributed (its four services, MongoDB, RabbitMQ) with the kubernetes backend
against the test API server; kwok runs the pod as far as the API server can tell, and the
pod's container runs here as a local process (tests/harness/driver_pod.py).
"""

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.kubernetes.labels import APP_ID_LABEL
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.kernel import KERNEL_ARCHIVE_ROUTE, KERNEL_FILE_ROUTE, KERNEL_PATH

from tests.harness.driver_pod import running_driver
from tests.harness.kubernetes import KWOK_NODE, KubeCluster, shared_cluster
from tests.harness.lighter import (
    LighterProcesses,
    base_env,
    free_port,
    wait_for,
    wait_for_statement,
)
from tests.harness.rabbitmq import queue_prefix

pytestmark = pytest.mark.kubernetes
SESSION_START_TIMEOUT = 240.0  # spark-submit, then a JVM and Spark on a loaded machine
STATEMENT_TIMEOUT = 120.0


class KubernetesLighter:
    def __init__(self, processes: LighterProcesses, cluster: KubeCluster, namespace: str):
        self.processes = processes
        self.cluster = cluster
        self.namespace = namespace

    def driver_pod(self, session_id: str) -> str:
        """The name of the session's driver pod, once spark-submit has made it."""
        deadline = time.monotonic() + SESSION_START_TIMEOUT
        while time.monotonic() < deadline:
            names = self.cluster.kubectl(
                "get",
                "pods",
                "-n",
                self.namespace,
                "-l",
                f"{APP_ID_LABEL}={session_id}",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ).split()
            if names:
                return names[0]
            time.sleep(0.5)
        raise AssertionError(f"no driver pod for {session_id}:\n{self.processes.log('submitter')}")


@pytest.fixture(scope="module")
def lighter(
    tmp_path_factory: pytest.TempPathFactory, mongo_url: str, rabbitmq_url: str
) -> Iterator[KubernetesLighter]:
    cluster = shared_cluster()
    namespace = cluster.new_namespace()
    data_dir = tmp_path_factory.mktemp("lighter-k8s-sessions")
    template = data_dir / "driver-template.yaml"
    template.write_text(f"apiVersion: v1\nkind: Pod\nspec:\n  nodeName: {KWOK_NODE}\n")
    session_manager_port = free_port()
    env = base_env(
        data_dir,
        "kubernetes",
        {
            "LIGHTER_MONGO_URL": mongo_url,
            "LIGHTER_MONGO_DATABASE": f"lighter_{uuid.uuid4().hex[:10]}",
            "LIGHTER_RABBITMQ_URL": rabbitmq_url,
            "LIGHTER_QUEUE_PREFIX": queue_prefix(),
            "LIGHTER_KUBERNETES_KUBECONFIG": str(cluster.kubeconfig),
            "LIGHTER_KUBERNETES_NAMESPACE": namespace,
            "LIGHTER_KUBERNETES_IMAGE": "registry.example.org/spark:4.0.1",
            "LIGHTER_KUBERNETES_DRIVER_POD_TEMPLATE": str(template),
            "LIGHTER_KUBERNETES_SUBMIT_TIMEOUT": "300",
            # What deploy/k8s sets to the session-manager's Service.
            "LIGHTER_KERNEL_URL": f"http://127.0.0.1:{session_manager_port}",
        },
    )
    processes = LighterProcesses(mode="distributed", data_dir=data_dir, env=env)
    processes.ports["session-manager"] = session_manager_port
    try:
        processes.start_all()
        yield KubernetesLighter(processes, cluster, namespace)
    finally:
        processes.stop_all()
        cluster.kubectl("delete", "pods", "--all", "-n", namespace, "--grace-period=0", "--force")


@pytest.fixture
def client(lighter: KubernetesLighter) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lighter.processes.url + "/lighter/api", timeout=30) as client:
        yield client


def test_a_session_driver_pod_runs_the_kernel_and_answers_statements(
    lighter: KubernetesLighter, client: httpx.Client, tmp_path: Path
) -> None:
    created = client.post(
        "/sessions", json={"kind": "pyspark", "conf": {"spark.ui.enabled": "false"}}
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    pod = lighter.driver_pod(session_id)
    container_args = lighter.cluster.kubectl(
        "get", "pod", pod, "-n", lighter.namespace, "-o", "jsonpath={.spec.containers[0].args}"
    )

    with running_driver(lighter.cluster, lighter.namespace, pod, tmp_path) as driver:
        path = f"/sessions/{session_id}"
        try:
            wait_for(client, path, lambda s: s["state"] == "idle", SESSION_START_TIMEOUT)
        except AssertionError:
            raise AssertionError((tmp_path / "driver.log").read_text()[-4000:]) from None
        posted = client.post(
            f"{path}/statements", json={"code": "spark.range(5).count() * 2 + 1"}
        ).json()
        answered = wait_for_statement(client, path, posted["id"], STATEMENT_TIMEOUT)

        deleted = client.delete(path)
        ended = _exit_code(driver, timeout=120)

    # The pod cannot read Lighter's disk: it fetches the kernel from where it calls home (its
    # package too: the driver ran, and nothing but the fetched archive holds lighter_kernel).
    kernel_url = lighter.processes.env["LIGHTER_KERNEL_URL"]
    assert f"{kernel_url}{KERNEL_FILE_ROUTE}" in json.loads(container_args)
    assert answered["state"] == "available", json.dumps(answered)
    assert answered["output"]["data"]["text/plain"] == "11"
    assert deleted.status_code == 200
    assert ended == 0, "the kernel did not end cleanly once its session was deleted"


async def test_a_session_needs_the_address_its_driver_pod_calls_home_to(tmp_path: Path) -> None:
    cluster = shared_cluster()
    backend = KubernetesBackend(cluster.settings(cluster.new_namespace(), tmp_path))
    session = Application(
        type=ApplicationType.SESSION, kind="pyspark", submit_params=SubmitParams()
    )
    context = LaunchContext(
        kernel_file=str(KERNEL_PATH),
        kernel_file_url=f"http://127.0.0.1:8081{KERNEL_FILE_ROUTE}",
        kernel_archive_url=f"http://127.0.0.1:8081{KERNEL_ARCHIVE_ROUTE}",
    )
    try:
        with pytest.raises(RuntimeError, match="LIGHTER_KERNEL_URL"):
            await backend.launch(session, context)
    finally:
        await backend.close()


def _exit_code(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
