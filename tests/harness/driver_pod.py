"""A driver pod's container run as a local process, the way Spark's image would run it.

The test cluster has no container runtime (kwok plays the node), so a test that needs the
driver to really run reads the pod Lighter's spark-submit created from the API server and
does what the Spark image's entrypoint does with it: `driver ARGS` becomes
`spark-submit --deploy-mode client --conf spark.driver.bindAddress=<pod IP> ARGS`, with
the properties file from the pod's ConfigMap and the environment from its spec; the files of
the Secrets it mounts (a session's kernel secret) are written under the work dir, and a
variable naming a file in one of them names the written file. Only what ties the driver to a
pod changes: Spark's home is this machine's pyspark, the pod's address is 127.0.0.1, and the
master is `local[1]` instead of the cluster (no executor pods).
"""

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lighter_common.backends.spark_home import pyspark_home

from tests.harness.kubernetes import KubeCluster

_PROPERTIES_OPTION = "--properties-file"
# Variables that name places inside the Spark image, or the pod's own address.
_POD_ONLY_VARIABLES = ("SPARK_CONF_DIR", "SPARK_LOCAL_DIRS", "SPARK_DRIVER_BIND_ADDRESS")
LOCAL_ADDRESS = "127.0.0.1"


def driver_command(
    cluster: KubeCluster, namespace: str, pod_name: str, work_dir: Path
) -> tuple[list[str], dict[str, str]]:
    """The local command and environment that run the pod's driver container."""
    pod: dict[str, Any] = json.loads(
        cluster.kubectl("get", "pod", pod_name, "-n", namespace, "-o", "json")
    )
    container = pod["spec"]["containers"][0]
    args: list[str] = list(container["args"])
    if args[:1] != ["driver"]:
        raise AssertionError(f"not a Spark driver container: {args}")
    args = args[1:]
    if _PROPERTIES_OPTION in args:
        at = args.index(_PROPERTIES_OPTION) + 1
        args[at] = str(_copy_properties(cluster, namespace, pod, args[at], work_dir))
    spark_home = pyspark_home()
    command = [
        str(spark_home / "bin" / "spark-submit"),
        "--deploy-mode",
        "client",
        "--master",
        "local[1]",
        "--conf",
        f"spark.driver.bindAddress={LOCAL_ADDRESS}",
        "--conf",
        f"spark.driver.host={LOCAL_ADDRESS}",
        *args,
    ]
    env = {name: value for name, value in os.environ.items() if not name.startswith("LIGHTER_")}
    secret_dirs = _copy_secrets(cluster, namespace, pod, work_dir)
    for variable in container.get("env", []):
        if "value" in variable and variable["name"] not in _POD_ONLY_VARIABLES:
            env[variable["name"]] = _local_path(variable["value"], secret_dirs)
    env["SPARK_HOME"] = str(spark_home)
    env["SPARK_LOCAL_IP"] = LOCAL_ADDRESS
    # The image's Python has pyspark; here that is the interpreter running the tests.
    env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return command, env


@contextlib.contextmanager
def running_driver(
    cluster: KubeCluster, namespace: str, pod_name: str, work_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The pod's driver as a local process, its output in `work_dir/driver.log`."""
    command, env = driver_command(cluster, namespace, pod_name, work_dir)
    with (work_dir / "driver.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=work_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop_group(process)


def _copy_properties(
    cluster: KubeCluster, namespace: str, pod: dict[str, Any], path: str, work_dir: Path
) -> Path:
    """The pod's properties file, from the ConfigMap volume mounted where the file is."""
    directory, _, file_name = path.rpartition("/")
    mounts = pod["spec"]["containers"][0].get("volumeMounts", [])
    volume_name = next(m["name"] for m in mounts if m["mountPath"].rstrip("/") == directory)
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == volume_name)
    config_map = json.loads(
        cluster.kubectl(
            "get", "configmap", volume["configMap"]["name"], "-n", namespace, "-o", "json"
        )
    )
    local = work_dir / file_name
    local.write_text(config_map["data"][file_name])
    return local


def _copy_secrets(
    cluster: KubeCluster, namespace: str, pod: dict[str, Any], work_dir: Path
) -> dict[str, Path]:
    """The Secret volumes the container mounts, written out: mount path -> local directory."""
    secrets = {
        v["name"]: v["secret"]["secretName"] for v in pod["spec"]["volumes"] if "secret" in v
    }
    copied = {}
    for mount in pod["spec"]["containers"][0].get("volumeMounts", []):
        name = secrets.get(mount["name"])
        if name is None:
            continue
        secret = json.loads(cluster.kubectl("get", "secret", name, "-n", namespace, "-o", "json"))
        local = work_dir / "secrets" / mount["name"]
        local.mkdir(parents=True, exist_ok=True)
        for key, value in secret.get("data", {}).items():
            (local / key).write_bytes(base64.b64decode(value))
        copied[mount["mountPath"].rstrip("/")] = local
    return copied


def _local_path(value: str, mounted: dict[str, Path]) -> str:
    for mount_path, local in mounted.items():
        if value.startswith(f"{mount_path}/"):
            return str(local / value.removeprefix(f"{mount_path}/"))
    return value


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """spark-submit, its JVM and the kernel's Python: the session the driver leads."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
