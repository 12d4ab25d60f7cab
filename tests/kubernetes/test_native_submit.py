"""LIGHTER_KUBERNETES_SUBMIT=native: the backend launches drivers without spark-submit, and
leaves to spark-submit what the native path cannot build, counting it.

That the objects are spark-submit's own is proven in test_driver_objects_parity.py; here the
backend's launch is checked end to end against the test API server.
"""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio.client.exceptions import ApiException
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.kubernetes import protobuf_answer, raw_api
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.kubernetes.labels import driver_pod_name
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey
from lighter_common.domain.submit_params import SubmitParams
from prometheus_client import REGISTRY

from tests.harness.kubernetes import KubeCluster, shared_cluster

pytestmark = pytest.mark.kubernetes
IMAGE = "registry.example.org/spark:4.3.0"


@dataclass
class Env:
    cluster: KubeCluster
    namespace: str
    backend: KubernetesBackend

    def objects(self) -> dict[str, list[dict[str, Any]]]:
        listed = json.loads(
            self.cluster.kubectl(
                "get",
                "pods,configmaps,services,networkpolicies",
                "-n",
                self.namespace,
                "-o",
                "json",
            )
        )
        found: dict[str, list[dict[str, Any]]] = {}
        for item in listed["items"]:
            if item["metadata"]["name"] != "kube-root-ca.crt":
                found.setdefault(item["kind"], []).append(item)
        return found


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    cluster = shared_cluster()
    namespace = cluster.new_namespace()
    settings = cluster.settings(
        namespace, tmp_path / "data", kubernetes_image=IMAGE, kubernetes_submit="native"
    )
    backend = KubernetesBackend(settings)
    yield Env(cluster, namespace, backend)
    await backend.close()


def counted(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def batch(**params: Any) -> Application:
    return Application(type=ApplicationType.BATCH, submit_params=SubmitParams(**params))


async def test_a_native_launch_creates_the_driver_and_its_owned_objects(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = batch(file="local:///opt/job.py", args=["10"], conf={"spark.sql.shuffle.partitions": 4})
    native_before = counted("lighter_kubernetes_submissions_total", {"path": "native"})
    read_in_protobuf: list[str] = []

    def object_uid(answer: bytes) -> str:
        read_in_protobuf.append(protobuf_answer.object_uid(answer))
        return read_in_protobuf[-1]

    monkeypatch.setattr(raw_api, "object_uid", object_uid)

    launched = await env.backend.launch(app, LaunchContext())
    again = await env.backend.launch(app, LaunchContext())

    objects = env.objects()
    assert sorted(objects) == ["ConfigMap", "NetworkPolicy", "Pod", "Service"]
    assert all(len(items) == 1 for items in objects.values())
    pod = objects["Pod"][0]
    assert launched.backend_ref == driver_pod_name(DriverKey.of(app)) == pod["metadata"]["name"]
    assert launched.spark_app_id == pod["metadata"]["labels"]["spark-app-selector"]
    assert again == launched  # a second launch finds the first driver
    assert pod["spec"]["containers"][0]["args"][-2:] == ["local:///opt/job.py", "10"]
    for kind in ("ConfigMap", "Service", "NetworkPolicy"):
        (owner,) = objects[kind][0]["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["uid"]) == ("Pod", pod["metadata"]["uid"])
    # The API server answered the four creates in protobuf, the cheap encoding for it.
    assert len(read_in_protobuf) == 4
    assert read_in_protobuf[0] == pod["metadata"]["uid"]
    assert counted("lighter_kubernetes_submissions_total", {"path": "native"}) == native_before + 1


async def test_conf_the_native_path_does_not_build_goes_through_spark_submit(env: Env) -> None:
    app = batch(file="local:///opt/job.py", conf={"spark.blockManager.port": 7090})
    fallbacks_before = counted("lighter_kubernetes_native_fallbacks_total", {"kind": "conf"})
    submits_before = counted("lighter_kubernetes_submissions_total", {"path": "spark-submit"})

    launched = await env.backend.launch(app, LaunchContext())

    objects = env.objects()
    (pod,) = objects["Pod"]
    assert pod["metadata"]["name"] == launched.backend_ref
    (config_map,) = objects["ConfigMap"]
    assert "spark.blockManager.port=7090" in config_map["data"]["spark.properties"]
    assert counted("lighter_kubernetes_native_fallbacks_total", {"kind": "conf"}) == (
        fallbacks_before + 1
    )
    assert counted("lighter_kubernetes_submissions_total", {"path": "spark-submit"}) == (
        submits_before + 1
    )


async def test_a_driver_the_api_server_refuses_fails_with_the_reason_it_gives(env: Env) -> None:
    app = batch(file="local:///opt/job.py", conf={"spark.kubernetes.driver.label.team": "a b"})

    with pytest.raises(RuntimeError) as failed:
        await env.backend.launch(app, LaunchContext())

    # Asked for in protobuf, the refusal still reaches the application's reason as JSON.
    refused = failed.value.__cause__
    assert isinstance(refused, ApiException)
    assert refused.status == 422
    assert refused.body is not None
    answer = json.loads(refused.body)
    assert (answer["kind"], answer["reason"], answer["code"]) == ("Status", "Invalid", 422)
    assert 'metadata.labels: Invalid value: "a b"' in answer["message"]
    # The application's reason: the API server's message, not the response's headers.
    reason = str(failed.value)
    assert reason.startswith("422 ") and reason.endswith(f": {answer['message']}")
    assert env.objects() == {}
