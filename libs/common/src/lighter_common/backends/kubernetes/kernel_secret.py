"""Where a session driver's kernel secret lives on Kubernetes: a Secret of its own pod. Pure.

The secret must be in nothing another driver can read: drivers may list pods (to run their
executors), so not the pod's spec nor its environment; not the driver's ConfigMap of Spark
conf; not spark-submit's argv. Each driver pod gets a Secret named after the pod, and so one
per driver generation, as the secret itself is (ending.py). It is mounted through Spark's
own `spark.kubernetes.driver.secrets.<name>=<dir>` (MountSecretsFeatureStep), so the native
and spark-submit paths build the same volume; the kernel reads the file that
LIGHTER_KERNEL_SECRET_FILE names. The driver's service account has no access to Secrets
(deploy/k8s/base/rbac.yaml). The Secret is owned by its pod, so deleting the pod deletes it.

The file keeps Kubernetes' default mode (0644) inside the driver's own pod: Spark's images run
as a non-root user, who could not read a root-owned 0400 file, and no other pod mounts it.
"""

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lighter_common.backends.kubernetes.labels import driver_labels, driver_pod_name
from lighter_common.domain.driver import DriverKey

KERNEL_SECRET_VARIABLE = "LIGHTER_KERNEL_SECRET"
KERNEL_SECRET_FILE_VARIABLE = "LIGHTER_KERNEL_SECRET_FILE"
SECRET_DIR = "/opt/lighter/kernel"
SECRET_KEY = "secret"
SECRET_FILE = f"{SECRET_DIR}/{SECRET_KEY}"
SECRET_NAME_PREFIX = "lighter-kernel-"
COMPONENT_LABEL = "app.kubernetes.io/component"
COMPONENT = "lighter-kernel-secret"


def secret_name(pod_name: str) -> str:
    """The Secret of the driver pod `pod_name`; short, for Spark names its volume `<name>-volume`
    and a volume's name is a DNS label (63 characters)."""
    return SECRET_NAME_PREFIX + hashlib.sha256(pod_name.encode()).hexdigest()[:16]


def pod_owner(pod_name: str, pod_uid: str) -> dict[str, Any]:
    """The ownerReference that makes an object go with its driver pod."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "name": pod_name,
        "uid": pod_uid,
        "controller": True,
    }


@dataclass(frozen=True)
class KernelSecret:
    """The kernel secret of one driver pod, and the conf that mounts it there."""

    name: str
    namespace: str
    value: str
    labels: Mapping[str, str]

    @classmethod
    def of(cls, key: DriverKey, namespace: str, value: str) -> "KernelSecret":
        return cls(
            name=secret_name(driver_pod_name(key)),
            namespace=namespace,
            value=value,
            labels={**driver_labels(key), COMPONENT_LABEL: COMPONENT},
        )

    def conf(self) -> dict[str, str]:
        """Spark conf for the driver: the Secret mounted and its file named, not its value."""
        return {
            f"spark.kubernetes.driver.secrets.{self.name}": SECRET_DIR,
            f"spark.kubernetes.driverEnv.{KERNEL_SECRET_FILE_VARIABLE}": SECRET_FILE,
        }

    def object(self, owner: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The Secret, owned by `owner` (pod_owner) when given."""
        metadata: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "labels": dict(self.labels),
        }
        if owner is not None:
            metadata["ownerReferences"] = [dict(owner)]
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata,
            "type": "Opaque",
            "immutable": True,
            "data": {SECRET_KEY: base64.b64encode(self.value.encode()).decode()},
        }


def without_secret(env: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """A launch's driver environment without the kernel secret, and the secret (or None)."""
    rest = dict(env)
    return rest, rest.pop(KERNEL_SECRET_VARIABLE, None)
