"""Parity: the driver objects Lighter builds equal the ones the real `spark-submit` creates.

For each case of the corpus, the same spark-submit arguments go two ways into two fresh
namespaces of the test API server: through pyspark's `spark-submit` (cluster mode, the JVM),
and through `driver_conf` + `driver_objects`, created with kubectl so that the API server
applies its defaults to both alike. The pod, ConfigMap (`spark.properties` compared as
properties), Service and NetworkPolicy read back from each namespace must be equal field by
field once the values Spark generates afresh for every submission are replaced by
placeholders: the Spark application id, the resource, ConfigMap and Service ids, the local
dir's UUID, the submit time, and the API server's own ids, versions and timestamps.
"""

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyspark
import pytest
from lighter_common.backends.kubernetes import java_properties
from lighter_common.backends.kubernetes.driver_conf import SPARK_VERSION, Unsupported
from lighter_common.backends.kubernetes.driver_objects import CONF_FILE
from lighter_common.backends.kubernetes.kernel_secret import KernelSecret
from lighter_common.backends.kubernetes.native_submit import plan
from lighter_common.backends.spark_submit import spark_submit_args
from lighter_common.domain.driver import DriverKey
from lighter_common.domain.submit_params import SubmitParams

from tests.harness.kubernetes import KubeCluster, shared_cluster

pytestmark = pytest.mark.kubernetes
IMAGE = "registry.example.org/spark:4.3.0"
KINDS = "pods,configmaps,services,networkpolicies"
VOLUMES = "spark.kubernetes.driver.volumes"


@dataclass(frozen=True)
class Case:
    id: str
    params: dict[str, Any]
    conf: dict[str, str] = field(default_factory=dict)  # the backend's own, as backend.py adds
    files: dict[str, str] = field(default_factory=dict)  # written to {files} before submitting

    def argv(self, master: str, namespace: str, files: Path) -> list[str]:
        for name, text in self.files.items():
            (files / name).write_text(text)
        return [arg.replace("{files}", str(files)) for arg in self._argv(master, namespace)]

    def _argv(self, master: str, namespace: str) -> list[str]:
        conf = {
            "spark.kubernetes.submission.waitAppCompletion": "false",
            "spark.kubernetes.namespace": namespace,
            "spark.kubernetes.container.image": IMAGE,
            "spark.kubernetes.authenticate.driver.serviceAccountName": "spark",
            # The JVM's client gives up connecting after 10 s by default: too soon on a busy CI.
            "spark.kubernetes.submission.connectionTimeout": "120000",
            "spark.kubernetes.submission.requestTimeout": "120000",
            **self.conf,
        }
        params = SubmitParams.model_validate(self.params)
        return spark_submit_args(
            params, name="lighter-app", master=master, deploy_mode="cluster", extra_conf=conf
        )


LIGHTER_CONF = {
    "spark.kubernetes.driver.pod.name": "lighter-0f3e-0-1a2b3c4d",
    "spark.kubernetes.driver.label.lighter-app-id": "0f3e",
    "spark.kubernetes.executor.label.lighter-app-id": "0f3e",
    "spark.kubernetes.driver.label.lighter-generation": "0",
    "spark.kubernetes.driver.annotation.lighter/app-id": "0f3e",
    "spark.kubernetes.driverEnv.LIGHTER_SESSION_URL": "http://lighter:8080/kernel",
    # A session's kernel Secret, mounted the same way on both paths (kernel_secret.py).
    **KernelSecret.of(DriverKey("0f3e", 0), "ns", "not-in-the-conf").conf(),
}

CORPUS = [
    Case("pyspark-file-with-args", {"file": "local:///opt/job.py", "args": ["a", "b c", ""]}),
    Case(
        "jar-with-class-name",
        {
            "file": "local:///opt/app.jar",
            "className": "org.example.Main",
            "jars": ["local:///opt/dep.jar"],
            "args": ["--in", "x"],
        },
        LIGHTER_CONF,
    ),
    Case(
        "cores-memory-overhead-executors",
        {
            "file": "local:///opt/job.py",
            "driverCores": 2,
            "driverMemory": "2g",
            "executorCores": 3,
            "executorMemory": "3g",
            "numExecutors": 4,
            "conf": {
                "spark.driver.memoryOverhead": "512m",
                "spark.executor.memoryOverhead": "600m",
                "spark.kubernetes.driver.request.cores": "500m",
                "spark.kubernetes.driver.limit.cores": "3",
            },
        },
    ),
    Case(
        "overhead-factors",
        {
            "file": "local:///opt/app.jar",
            "className": "org.example.Main",
            "driverMemory": "3000m",
            "conf": {"spark.driver.memoryOverheadFactor": "0.25"},
        },
    ),
    Case(
        "driver-image-memory-units-factor-unicode-name",
        {
            "file": "local:///opt/job.py",
            "name": "Données d'été 2026",
            "driverMemory": "1536",
            "driverCores": 3,
            "conf": {
                "spark.kubernetes.driver.container.image": "registry.example.org/driver:1",
                "spark.kubernetes.memoryOverheadFactor": "0.3",
                "spark.kubernetes.driverEnv.GREETING": "grüß dich = ok",
            },
        },
    ),
    Case(
        "labels-annotations-node-selectors",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.kubernetes.driver.label.team": "data",
                "spark.kubernetes.driver.label.example.org/tier": "gold",
                "spark.kubernetes.driver.annotation.note": "hello world",
                "spark.kubernetes.node.selector.disk": "ssd",
                "spark.kubernetes.driver.node.selector.zone": "a",
                "spark.kubernetes.executor.node.selector.pool": "spot",
            },
        },
        LIGHTER_CONF,
    ),
    Case(
        "secrets-as-env-and-volumes",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.kubernetes.driver.secrets.db-cert": "/etc/db",
                "spark.kubernetes.driver.secrets.api": "/etc/api",
                "spark.kubernetes.driver.secretKeyRef.DB_PASSWORD": "db:password",
                "spark.kubernetes.driver.secretKeyRef.API_TOKEN": "api:token",
                "spark.kubernetes.executor.secrets.db-cert": "/etc/db",
            },
        },
    ),
    Case(
        "service-labels-annotations-scheduler-submission-conf",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.kubernetes.driver.service.label.exposed": "no",
                "spark.kubernetes.driver.service.annotation.example.org/scrape": "true",
                "spark.kubernetes.scheduler.name": "batch-scheduler",
                "spark.kubernetes.executor.scheduler.name": "executor-scheduler",
                "spark.kubernetes.submission.requestTimeout": "30000",
            },
        },
    ),
    Case(
        "volumes-from-conf",
        {
            "file": "local:///opt/job.py",
            "conf": {
                f"{VOLUMES}.hostPath.logs.mount.path": "/var/log/app",
                f"{VOLUMES}.hostPath.logs.mount.readOnly": "true",
                f"{VOLUMES}.hostPath.logs.options.path": "/mnt/logs",
                f"{VOLUMES}.hostPath.logs.options.type": "DirectoryOrCreate",
                f"{VOLUMES}.emptyDir.scratch.mount.path": "/scratch",
                f"{VOLUMES}.emptyDir.scratch.options.medium": "Memory",
                f"{VOLUMES}.emptyDir.scratch.options.sizeLimit": "1Gi",
                f"{VOLUMES}.nfs.shared.mount.path": "/shared",
                f"{VOLUMES}.nfs.shared.options.path": "/exports/shared",
                f"{VOLUMES}.nfs.shared.options.server": "nfs.example.org",
                f"{VOLUMES}.persistentVolumeClaim.data.mount.path": "/data",
                f"{VOLUMES}.persistentVolumeClaim.data.mount.subPath": "team-a",
                f"{VOLUMES}.persistentVolumeClaim.data.options.claimName": "warehouse",
                f"{VOLUMES}.persistentVolumeClaim.ro.mount.path": "/ref",
                f"{VOLUMES}.persistentVolumeClaim.ro.mount.readOnly": "true",
                f"{VOLUMES}.persistentVolumeClaim.ro.options.claimName": "reference",
                "spark.kubernetes.executor.volumes.emptyDir.scratch.mount.path": "/scratch",
            },
        },
    ),
    Case(
        "service-account-pull-secrets-pull-policy",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.kubernetes.container.image.pullSecrets": "regcred, other",
                "spark.kubernetes.container.image.pullPolicy": "Always",
            },
        },
        {"spark.kubernetes.authenticate.driver.serviceAccountName": "etl-runner"},
    ),
    Case(
        "conf-with-secrets-and-odd-characters",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.hadoop.fs.s3a.secret.key": "s3cr=t:#!",
                "spark.myapp.password": "  leading spaces",
                "spark.myapp.note": "héllo wörld \\ end",
                "spark.sql.shuffle.partitions": 7,
                "spark.eventLog.enabled": True,
                "not.a.spark.key": "dropped",
            },
        },
    ),
    Case(
        "long-name-starting-with-a-digit",
        {"file": "local:///opt/job.py", "name": "3F2a9c1e-Weird_Name.v2-" + "a" * 70},
    ),
    Case(
        "py-files-files-archives-python-conf",
        {
            "file": "local:///opt/job.py",
            "name": "With Files!",
            "pyFiles": ["local:///opt/dep.py", "local:///opt/lib.zip"],
            "files": ["local:///opt/data.txt"],
            "archives": ["local:///opt/env.tgz#env"],
            "conf": {"spark.pyspark.python": "python3.11"},
        },
    ),
    Case(
        # Remote files the driver fetches itself: spark-submit passes them on untouched.
        "remote-main-py-files-files-jars",
        {
            "file": "https://repo.example.org/jobs/job.py",
            "pyFiles": ["https://repo.example.org/libs/dep.py", "http://repo.example.org/lib.zip"],
            "files": ["https://repo.example.org/data.csv#input.csv", "local:///opt/data.txt"],
            "jars": ["https://repo.example.org/jars/dep.jar"],
            "args": ["--input", "input.csv"],
        },
        LIGHTER_CONF,
    ),
    Case(
        "proxy-user-queue-dynamic-allocation",
        {
            "file": "local:///opt/job.py",
            "proxyUser": "alice",
            "queue": "etl",
            "conf": {
                "spark.dynamicAllocation.enabled": "true",
                "spark.dynamicAllocation.shuffleTracking.enabled": "true",
                "spark.dynamicAllocation.maxExecutors": "5",
                "spark.pyspark.driver.python": "python3",
            },
        },
        LIGHTER_CONF,
    ),
    Case(
        "local-dir-in-memory",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.local.dir": "/scratch/spark",
                "spark.kubernetes.local.dirs.tmpfs": "true",
            },
        },
    ),
    Case(
        "driver-ports-moved",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.driver.port": "7777",
                "spark.driver.blockManager.port": "7780",
                "spark.ui.port": "4050",
                "spark.connect.grpc.binding.port": "15010",
                "spark.connect.grpc.arrow.maxBatchSize": "8m",
            },
        },
    ),
    Case(
        "session-kernel-over-http",
        {"file": "local:///unused.py", "kind": "pyspark"},
        {**LIGHTER_CONF, "spark.kubernetes.driverEnv.LIGHTER_SESSION_SECRET": "k3y"},
    ),
]


DRIVER_TEMPLATE = """\
apiVersion: v1
kind: Pod
metadata:
  name: ignored
  labels: {team: data}
  annotations: {owner: alice}
spec:
  serviceAccountName: from-template
  nodeSelector: {pool: spark}
  tolerations:
  - {key: dedicated, operator: Equal, value: spark, effect: NoSchedule}
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions:
          - {key: disk, operator: In, values: [ssd]}
  securityContext: {runAsUser: 185, fsGroup: 185}
  initContainers:
  - {name: init, image: busybox, command: ["true"]}
  containers:
  - {name: sidecar, image: "fluent-bit:1"}
  - name: spark
    image: ignored:1
    env:
    - {name: FROM_TEMPLATE, value: "yes"}
    ports:
    - {name: metrics, containerPort: 9090}
    resources:
      requests: {ephemeral-storage: 1Gi}
      limits: {cpu: "2"}
    volumeMounts:
    - {name: extra, mountPath: /extra}
  volumes:
  - name: extra
    emptyDir: {}
"""
EXECUTOR_TEMPLATE = """\
apiVersion: v1
kind: Pod
spec:
  tolerations:
  - key: spot
    operator: Exists
"""
CORPUS.append(
    Case(
        "pod-templates-with-tolerations",
        {
            "file": "local:///opt/job.py",
            "conf": {
                "spark.kubernetes.driver.podTemplateFile": "{files}/driver.yaml",
                "spark.kubernetes.driver.podTemplateContainerName": "spark",
                "spark.kubernetes.executor.podTemplateFile": "{files}/executor.yaml",
                "spark.kubernetes.driver.label.tier": "gold",
                "spark.kubernetes.node.selector.disk": "ssd",
            },
        },
        files={"driver.yaml": DRIVER_TEMPLATE, "executor.yaml": EXECUTOR_TEMPLATE},
    )
)
CORPUS.append(
    Case(
        "a-bare-pod-template",
        {"file": "local:///opt/app.jar", "className": "org.example.Main"},
        {**LIGHTER_CONF, "spark.kubernetes.driver.podTemplateFile": "{files}/driver.yaml"},
        files={"driver.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: false\n"},
    )
)


def test_the_mirrored_spark_is_the_one_pyspark_ships() -> None:
    assert pyspark.__version__ == SPARK_VERSION, (
        f"pyspark {pyspark.__version__} but the driver builder mirrors Spark {SPARK_VERSION}: "
        "check parity (this file) and update driver_conf.SPARK_VERSION"
    )


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_native_driver_objects_equal_spark_submits(case: Case, tmp_path: Path) -> None:
    cluster = shared_cluster()
    master = f"k8s://{_server(cluster)}"
    by_spark = cluster.new_namespace()
    by_lighter = cluster.new_namespace()
    cluster.kubectl("create", "serviceaccount", "etl-runner", "-n", by_spark)
    cluster.kubectl("create", "serviceaccount", "etl-runner", "-n", by_lighter)

    argv = _with_kernel(case, case.argv(master, by_spark, tmp_path))
    _spark_submit(cluster, argv, tmp_path)
    expected = _normalised(_objects(cluster, by_spark), by_spark)

    built = plan(
        _with_kernel(case, case.argv(master, by_lighter, tmp_path)),
        spark_home=Path(pyspark.__file__).parent,
    )
    assert not isinstance(built, Unsupported), built
    created = json.loads(
        cluster.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(built.pod))
    )
    for owned in built.owned(created["metadata"]["uid"]):
        cluster.kubectl("create", "-f", "-", input=json.dumps(owned))
    actual = _normalised(_objects(cluster, by_lighter), by_lighter)

    assert sorted(actual) == sorted(expected)
    for kind in expected:
        assert actual[kind] == expected[kind], kind


def _with_kernel(case: Case, argv: list[str]) -> list[str]:
    """A session runs the kernel, which a pod fetches from Lighter over HTTP."""
    if case.params.get("kind"):
        index = argv.index("local:///unused.py")
        argv[index] = "http://lighter-session-manager:8080/lighter/jobs/kernel.py"
    return argv


def _server(cluster: KubeCluster) -> str:
    return cluster.kubectl(
        "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"
    )


def _spark_submit(cluster: KubeCluster, argv: list[str], tmp_path: Path) -> None:
    home = Path(pyspark.__file__).parent
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "KUBECONFIG": str(cluster.kubeconfig),
    }
    done = subprocess.run(
        [str(home / "bin" / "spark-submit"), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    (tmp_path / "spark-submit.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr[-3000:]


def _objects(cluster: KubeCluster, namespace: str) -> dict[str, dict[str, Any]]:
    listed = json.loads(cluster.kubectl("get", KINDS, "-n", namespace, "-o", "json"))
    found: dict[str, dict[str, Any]] = {}
    for item in listed["items"]:
        if item["kind"] == "ConfigMap" and item["metadata"]["name"] == "kube-root-ca.crt":
            continue  # the API server's own, in every namespace
        kind = item["kind"]
        if item["metadata"]["name"].endswith("-driver-podspec-conf-map"):
            kind = "ConfigMap of the executors' pod template"
        assert kind not in found, f"two {kind}s in {namespace}"
        found[kind] = item
    return found


_GENERATED_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation")


def _normalised(objects: dict[str, dict[str, Any]], namespace: str) -> dict[str, Any]:
    """The objects with each value Spark or the API server generates replaced by its role."""
    pod = objects["Pod"]
    spark_container = pod["spec"]["containers"][-1]  # after a template's others
    env = {e["name"]: e.get("value") for e in spark_container["env"]}
    replacements = {
        pod["metadata"]["labels"]["spark-app-selector"]: "<spark-app-id>",
        objects["ConfigMap"]["metadata"]["name"]: "<conf-map>",
        str(env["SPARK_LOCAL_DIRS"]).removeprefix("/var/data/spark-"): "<local-dir>",
        namespace: "<namespace>",
    }
    policy_prefix = objects["NetworkPolicy"]["metadata"]["name"].removesuffix("-policy")
    replacements[policy_prefix[-16:]] = "<resource-id>"
    service_name = objects["Service"]["metadata"]["name"]
    if service_name.startswith("spark-") and not service_name.startswith(policy_prefix):
        replacements[service_name.removesuffix("-driver-svc").removeprefix("spark-")] = (
            "<service-id>"
        )
    normalised: dict[str, Any] = {}
    for kind, item in objects.items():
        item = json.loads(json.dumps(item))
        item.pop("status", None)
        for key in _GENERATED_METADATA:
            item["metadata"].pop(key, None)
        for owner in item["metadata"].get("ownerReferences", []):
            owner.pop("uid")
        if kind == "ConfigMap":  # spark.properties
            properties = java_properties.loads(item["data"][CONF_FILE])
            properties["spark.app.submitTime"] = "<submit-time>"
            item["data"][CONF_FILE] = properties
        if kind == "Pod":
            _normalise_pod(item)
        text = json.dumps(item, sort_keys=True)
        for generated, role in replacements.items():
            text = text.replace(generated, role)
        normalised[kind] = json.loads(text)
    return normalised


def _normalise_pod(pod: dict[str, Any]) -> None:
    """Lists Spark fills from hash maps are compared as sets; the API's token volume by role."""
    spec = pod["spec"]
    for volume in spec["volumes"]:
        volume["name"] = re.sub(r"^kube-api-access-\w+$", "kube-api-access", volume["name"])
    spec["volumes"].sort(key=lambda volume: volume["name"])
    for container in [*spec["containers"], *spec.get("initContainers", [])]:
        container.get("env", []).sort(key=lambda variable: variable["name"])
        for mount in container.get("volumeMounts", []):
            mount["name"] = re.sub(r"^kube-api-access-\w+$", "kube-api-access", mount["name"])
        container.get("volumeMounts", []).sort(key=lambda mount: mount["mountPath"])
