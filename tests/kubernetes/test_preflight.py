"""What the drivers need from the cluster, asked at start-up by a dry run (preflight.py), and a
launch that the API server refuses, in the API server's own words."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams

from tests.harness.kubernetes import KubeCluster, shared_cluster

pytestmark = pytest.mark.kubernetes
IMAGE = "registry.example.org/spark:4.3.0"


@pytest.fixture
def cluster() -> KubeCluster:
    return shared_cluster()


@pytest.fixture
async def backends() -> AsyncIterator[list[KubernetesBackend]]:
    made: list[KubernetesBackend] = []
    yield made
    for backend in made:
        await backend.close()


def backend_in(
    cluster: KubeCluster, namespace: str, data_dir: Path, made: list[KubernetesBackend]
) -> KubernetesBackend:
    settings = cluster.settings(namespace, data_dir, kubernetes_image=IMAGE)
    made.append(KubernetesBackend(settings))
    return made[-1]


def pods(cluster: KubeCluster, namespace: str) -> str:
    return cluster.kubectl("get", "pods", "-n", namespace, "-o", "name").strip()


async def test_a_namespace_with_the_service_account_can_launch(
    cluster: KubeCluster, tmp_path: Path, backends: list[KubernetesBackend]
) -> None:
    namespace = cluster.new_namespace()
    assert await backend_in(cluster, namespace, tmp_path, backends).launch_problem() is None
    assert pods(cluster, namespace) == ""  # a dry run creates nothing


async def test_a_missing_service_account_is_named_at_start_up_and_in_each_launch(
    cluster: KubeCluster, tmp_path: Path, backends: list[KubernetesBackend]
) -> None:
    namespace = cluster.new_namespace(service_account="someone-else")
    backend = backend_in(cluster, namespace, tmp_path, backends)

    problem = await backend.launch_problem()

    assert problem is not None
    assert "LIGHTER_KUBERNETES_SERVICE_ACCOUNT" in problem
    assert 'serviceaccount "spark" not found' in problem
    assert "HTTP response headers" not in problem
    app = Application(
        type=ApplicationType.BATCH, submit_params=SubmitParams(file="local:///opt/job.py")
    )
    with pytest.raises(RuntimeError) as failed:
        await backend.launch(app, LaunchContext())
    assert 'serviceaccount "spark" not found' in str(failed.value)
    assert "HTTP response headers" not in str(failed.value)


async def test_a_missing_namespace_is_named(
    cluster: KubeCluster, tmp_path: Path, backends: list[KubernetesBackend]
) -> None:
    problem = await backend_in(cluster, "no-such-namespace", tmp_path, backends).launch_problem()
    assert problem is not None
    assert "LIGHTER_KUBERNETES_NAMESPACE" in problem
    assert 'namespaces "no-such-namespace" not found' in problem
