"""Pod templates: the driver's, merged into its pod, and the executors', passed on. Pure.

Spark takes the driver template's pod as the start of the driver pod: its metadata and spec
stay, the Spark container (the one named by
spark.kubernetes.driver.podTemplateContainerName, else the first) gets Spark's additions, and
the other containers stay before it. The executors' template goes to the driver in a ConfigMap
of its own, mounted at EXECUTOR_TEMPLATE_DIR.
"""

from dataclasses import dataclass
from typing import Any

from lighter_common.backends.kubernetes.driver_conf import NotNative
from lighter_common.backends.kubernetes.driver_volumes import LOCAL_DIR_VOLUME_PREFIX

KubeObject = dict[str, Any]

EXECUTOR_TEMPLATE_VOLUME = "pod-template-volume"
EXECUTOR_TEMPLATE_KEY = "podspec-configmap-key"
EXECUTOR_TEMPLATE_DIR = "/opt/spark/pod-template"
EXECUTOR_TEMPLATE_FILE = "pod-spec-template.yml"


def split_template(
    template: KubeObject | None, container_name: str | None
) -> tuple[KubeObject, dict[str, Any], list[dict[str, Any]]]:
    """The template pod (without containers), its Spark container, and its other containers."""
    if template is None:
        return {"spec": {}}, {}, []
    if not isinstance(template, dict) or template.get("kind", "Pod") != "Pod":
        raise NotNative("the driver's pod template is not a Pod")
    metadata = {
        key: value
        for key, value in (template.get("metadata") or {}).items()
        if key not in ("name", "namespace")
    }
    spec = dict(template.get("spec") or {})
    containers = list(spec.pop("containers", None) or [])
    if spec.get("serviceAccount") or any(
        str(volume.get("name", "")).startswith(LOCAL_DIR_VOLUME_PREFIX)
        for volume in spec.get("volumes", [])
    ):
        raise NotNative("a driver pod template with a service account or local dirs of its own")
    index = 0
    if container_name is not None:
        names = [container.get("name") for container in containers]
        if names.count(container_name) != 1:
            raise NotNative(f"the pod template has no single container {container_name}")
        index = names.index(container_name)
    spark = containers.pop(index) if containers else {}
    if spark.get("securityContext"):
        raise NotNative("a security context on the template's Spark container")
    return {"metadata": metadata, "spec": spec}, spark, containers


@dataclass(frozen=True)
class PodTemplates:
    """The pod template files the conf names, read by the caller: the driver's parsed, the
    executors' as text (the driver reads that one itself, from a ConfigMap)."""

    driver: KubeObject | None = None
    executor_text: str | None = None
