"""A session's kernel secret on a real API server: a Secret owned by its driver pod, on both
submission paths, in nothing a driver can read, and out of reach of the shipped driver role
and of the pods a driver may create (deploy/k8s/base/rbac.yaml, driver-admission.yaml)."""

import base64
import json
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.kubernetes.kernel_secret import SECRET_KEY
from lighter_common.domain.application import Application, ApplicationType, new_kernel_secret
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import Settings
from lighter_submitter.launch import launch_context

from tests.harness.kubernetes import ROOT, KubeCluster, kubectl_binary, shared_cluster

pytestmark = pytest.mark.kubernetes
IMAGE = "registry.example.org/spark:4.3.0"
BASE = ROOT / "deploy" / "k8s" / "base"
FALLBACK_CONF = {"spark.blockManager.port": "7090"}  # a key only spark-submit builds


@dataclass
class Env:
    cluster: KubeCluster
    namespace: str
    settings: Settings
    backend: KubernetesBackend

    def get(self, kind: str, name: str | None = None) -> Any:
        found = self.cluster.kubectl(
            "get", kind, *([name] if name else []), "-n", self.namespace, "-o", "json"
        )
        return json.loads(found)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    cluster = shared_cluster()
    namespace = cluster.new_namespace()
    settings = cluster.settings(
        namespace,
        tmp_path / "data",
        kubernetes_image=IMAGE,
        kubernetes_submit="native",
        kernel_url="http://lighter-session-manager:8081",
    )
    backend = KubernetesBackend(settings)
    yield Env(cluster, namespace, settings, backend)
    await backend.close()


def session(**conf: str) -> Application:
    return Application(
        type=ApplicationType.SESSION,
        kind="pyspark",
        submit_params=SubmitParams(conf=conf),
        kernel_secret=new_kernel_secret(),
    )


@pytest.mark.parametrize("conf", [{}, FALLBACK_CONF], ids=["native", "spark-submit"])
async def test_a_sessions_secret_is_a_secret_owned_by_its_pod_and_nowhere_else(
    env: Env, conf: dict[str, str]
) -> None:
    app = session(**conf)
    secret = app.kernel_secret
    assert secret

    launched = await env.backend.launch(app, launch_context(app, env.settings))

    pod = env.get("pod", launched.backend_ref)
    (made,) = env.get("secrets")["items"]
    assert made["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": pod["metadata"]["name"],
            "uid": pod["metadata"]["uid"],
            "controller": True,
        }
    ]
    assert base64.b64decode(made["data"][SECRET_KEY]).decode() == secret
    volumes = pod["spec"]["volumes"]
    assert {"secretName": made["metadata"]["name"]} in [
        {"secretName": v["secret"]["secretName"]} for v in volumes if "secret" in v
    ]
    for readable in ("pods", "configmaps", "services", "networkpolicies"):
        assert secret not in json.dumps(env.get(readable)), readable


async def test_the_secret_is_removed_when_spark_submit_makes_no_pod(env: Env) -> None:
    app = session(**FALLBACK_CONF, **{"spark.kubernetes.driver.label.team": "a b"})

    with pytest.raises(RuntimeError, match="created no driver pod"):
        await env.backend.launch(app, launch_context(app, env.settings))

    assert env.get("secrets")["items"] == []


def apply_base(cluster: KubeCluster, namespace: str, file: str, kinds: set[str]) -> None:
    """The objects of `kinds` in deploy/k8s/base/`file`, in `namespace`."""
    for document in yaml.safe_load_all((BASE / file).read_text()):
        if not document or document["kind"] not in kinds:
            continue
        if document["kind"] == "RoleBinding":
            for subject in document["subjects"]:
                subject["namespace"] = namespace
        cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document))


def allowed(cluster: KubeCluster, namespace: str, verb: str, resource: str) -> bool:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": f"system:serviceaccount:{namespace}:spark",
            "groups": [
                "system:serviceaccounts",
                f"system:serviceaccounts:{namespace}",
                "system:authenticated",
            ],
            "resourceAttributes": {"namespace": namespace, "verb": verb, "resource": resource},
        },
    }
    answer = json.loads(
        cluster.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(review))
    )
    return bool(answer["status"].get("allowed", False))


def test_the_shipped_driver_role_cannot_read_secrets() -> None:
    cluster = shared_cluster()
    namespace = cluster.new_namespace()
    apply_base(cluster, namespace, "rbac.yaml", {"Role", "RoleBinding"})

    for verb in ("get", "list", "watch"):
        assert not allowed(cluster, namespace, verb, "secrets"), verb
    assert allowed(cluster, namespace, "list", "pods")  # the role is bound and in force
    assert allowed(cluster, namespace, "create", "pods")


def pod_with(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"spark-role": "executor"}},
        "spec": {"containers": [{"name": "executor", "image": IMAGE}], **spec},
    }


def create_as_driver(cluster: KubeCluster, namespace: str, pod: dict[str, Any]) -> str | None:
    """Why the API server refuses `pod` from the namespace's spark account, or None."""
    done = subprocess.run(
        [
            kubectl_binary(),
            "--kubeconfig",
            str(cluster.kubeconfig),
            f"--as=system:serviceaccount:{namespace}:spark",
            "create",
            "-n",
            namespace,
            "-f",
            "-",
        ],
        input=json.dumps(pod),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return None if done.returncode == 0 else done.stderr


def test_a_driver_cannot_start_a_pod_that_mounts_another_sessions_secret() -> None:
    cluster = shared_cluster()
    namespace = cluster.new_namespace()
    apply_base(cluster, namespace, "rbac.yaml", {"Role", "RoleBinding"})
    cluster.kubectl("create", "serviceaccount", "lighter", "-n", namespace)
    policies = admission_policy_for(namespace)
    for document in policies:
        cluster.kubectl("apply", "-f", "-", input=json.dumps(document))
    try:
        assert_the_policy_refuses_what_it_should(cluster, namespace)
    finally:
        for document in policies:
            kind, name = document["kind"].lower(), document["metadata"]["name"]
            cluster.kubectl("delete", kind, name, "--ignore-not-found")


def admission_policy_for(namespace: str) -> list[dict[str, Any]]:
    """driver-admission.yaml's policy, named for and bound to `namespace` only: the test
    cluster may be a real one (LIGHTER_TEST_KUBECONFIG), with Lighter's own policy in it."""
    documents = list(yaml.safe_load_all((BASE / "driver-admission.yaml").read_text()))
    name = f"lighter-spark-driver-pods-{namespace}"
    for document in documents:
        document["metadata"]["name"] = name
        if document["kind"] == "ValidatingAdmissionPolicyBinding":
            document["spec"]["policyName"] = name
            document["spec"]["matchResources"] = {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
            }
    return documents


def assert_the_policy_refuses_what_it_should(cluster: KubeCluster, namespace: str) -> None:
    stolen = {"name": "s", "secret": {"secretName": "lighter-kernel-0123456789abcdef"}}
    mount = {"name": "s", "mountPath": "/s"}
    container = {"name": "executor", "image": IMAGE, "volumeMounts": [mount]}

    refusal = None
    for _ in range(40):  # the API server compiles a new policy within a few seconds
        refusal = create_as_driver(
            cluster, namespace, pod_with("thief", volumes=[stolen], containers=[container])
        )
        if refusal is not None:
            break
        cluster.kubectl("delete", "pod", "thief", "-n", namespace, "--wait=false")
        time.sleep(0.5)

    assert refusal is not None and "may not mount Lighter's Secrets" in refusal
    as_lighter = pod_with("as-lighter", serviceAccountName="lighter")
    assert "spark or the default service account" in (
        create_as_driver(cluster, namespace, as_lighter) or ""
    )
    unlabelled = pod_with("unlabelled")
    unlabelled["metadata"]["labels"] = {"app.kubernetes.io/name": "lighter-api"}
    assert "spark-role" in (create_as_driver(cluster, namespace, unlabelled) or "")
    assert create_as_driver(cluster, namespace, pod_with("executor")) is None
