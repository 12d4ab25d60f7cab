"""How a Spark driver's pod is built: the objects `spark-submit` creates in cluster mode. Pure.

From the resolved submission (driver_conf.py), the names Spark would generate
(driver_names.py) and the pod templates the conf names (pod_templates.py), `driver_objects`
returns what Spark SPARK_VERSION's KubernetesDriverBuilder creates, as the API's JSON: the
driver pod, its ConfigMap (`spark.properties`), its headless Service and its executors'
NetworkPolicy (driver_network.py), and the executors' pod template ConfigMap when there is
one. Each `_step` of the builder mirrors one of Spark's feature steps (basic, service,
secrets as volumes and as env, volumes from conf (driver_volumes.py), the Python command, pod
templates, local dirs, the conf map). tests/kubernetes/test_driver_objects_parity.py holds
them equal to `spark-submit`'s on a real API server. The other objects are owned by the pod,
which the caller creates first.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lighter_common.backends.kubernetes import java_properties
from lighter_common.backends.kubernetes.driver_conf import (
    SPARK_VERSION,
    NotNative,
    SubmittedConf,
    Unsupported,
    prefixed,
)
from lighter_common.backends.kubernetes.driver_names import (
    DriverIdentity,
    app_name_label,
    resource_name_prefix,
)
from lighter_common.backends.kubernetes.driver_network import (
    DriverPorts,
    driver_service,
    executor_network_policy,
    service_name,
    service_properties,
)
from lighter_common.backends.kubernetes.driver_volumes import (
    LOCAL_DIR_VOLUME_PREFIX,
    VOLUMES_PREFIX,
    conf_volume,
)
from lighter_common.backends.kubernetes.pod_state import DRIVER_CONTAINER
from lighter_common.backends.kubernetes.pod_templates import (
    EXECUTOR_TEMPLATE_DIR,
    EXECUTOR_TEMPLATE_FILE,
    EXECUTOR_TEMPLATE_KEY,
    EXECUTOR_TEMPLATE_VOLUME,
    KubeObject,
    PodTemplates,
    split_template,
)

__all__ = ["DriverIdentity", "DriverObjects", "KubeObject", "PodTemplates", "driver_objects"]

CONF_DIR = "/opt/spark/conf"
CONF_FILE = "spark.properties"
_CONF_VOLUME = "spark-conf-volume-driver"
_MIN_OVERHEAD_MIB = 384
_NON_JVM_OVERHEAD_FACTOR = 0.4
_JVM_OVERHEAD_FACTOR = 0.1
_BYTE_UNITS = {
    "b": 1,
    "k": 2**10,
    "kb": 2**10,
    "m": 2**20,
    "mb": 2**20,
    "g": 2**30,
    "gb": 2**30,
    "t": 2**40,
    "tb": 2**40,
    "p": 2**50,
    "pb": 2**50,
}
_BYTE_STRING = re.compile(r"([0-9]+)([a-z]+)?")


@dataclass(frozen=True)
class DriverObjects:
    pod: KubeObject
    config_map: KubeObject
    service: KubeObject
    network_policy: KubeObject
    properties: dict[str, str] = field(default_factory=dict)  # spark.properties, parsed
    executor_template: KubeObject | None = None  # a ConfigMap, when the conf names a template

    @property
    def pod_name(self) -> str:
        return str(self.pod["metadata"]["name"])

    @property
    def spark_app_id(self) -> str:
        return self.properties["spark.app.id"]

    def owned(self, pod_uid: str) -> list[KubeObject]:
        """The other objects, owned by the created pod (deleting it deletes them)."""
        owner = {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": self.pod_name,
            "uid": pod_uid,
            "controller": True,
        }
        owned = [self.config_map, self.service, self.network_policy]
        if self.executor_template is not None:
            owned.append(self.executor_template)
        return [{**o, "metadata": {**o["metadata"], "ownerReferences": [owner]}} for o in owned]


def driver_objects(
    submitted: SubmittedConf,
    identity: DriverIdentity,
    *,
    spark_user: str,
    templates: PodTemplates | None = None,
) -> DriverObjects | Unsupported:
    """The objects spark-submit would create for `submitted`; `spark_user` is who submits."""
    try:
        return _Builder(submitted, identity, spark_user, templates or PodTemplates()).build()
    except NotNative as error:
        return Unsupported(str(error), "value")


def memory_mib(text: str, *, default_unit: str = "m") -> int:
    """A Spark byte string (`2g`, `512m`, `1024`) in whole MiB, as Spark rounds it."""
    match = _BYTE_STRING.fullmatch(text.strip().lower())
    if match is None or (match.group(2) or default_unit) not in _BYTE_UNITS:
        raise NotNative(f"memory size {text!r}")
    unit = _BYTE_UNITS[match.group(2) or default_unit]
    return int(match.group(1)) * unit // 2**20


def _double(conf: dict[str, str], key: str, default: float) -> float:
    try:
        return float(conf[key]) if key in conf else default
    except ValueError:
        raise NotNative(f"{key} {conf[key]!r} is not a number") from None


def _java_double(value: float) -> str:
    return repr(value)  # as Java's Double.toString for the factors people write (0.1, 0.4)


class _Builder:
    def __init__(
        self,
        submitted: SubmittedConf,
        identity: DriverIdentity,
        user: str,
        templates: PodTemplates,
    ) -> None:
        self.submitted = submitted
        self.templates = templates
        self.identity = identity
        self.conf = submitted.conf
        self.user = submitted.proxy_user or user
        self.namespace = self.conf.get("spark.kubernetes.namespace", "default")
        self.prefix = resource_name_prefix(submitted.app_name, identity.resource_id)
        self.pod_name = self.conf.get("spark.kubernetes.driver.pod.name", f"{self.prefix}-driver")
        self.service_name = service_name(self.prefix, identity.service_id)
        self.config_map_name = f"spark-drv-{identity.config_map_id}-conf-map"
        self.ports = DriverPorts.of(self.conf)
        self.labels = {
            **prefixed(self.conf, "spark.kubernetes.driver.label."),
            "spark-app-name": app_name_label(submitted.app_name),
            "spark-app-selector": identity.spark_app_id,
            "spark-role": "driver",
            "spark-version": SPARK_VERSION,
        }
        self.template_pod, self.template_container, self.sidecars = split_template(
            templates.driver, self.conf.get("spark.kubernetes.driver.podTemplateContainerName")
        )
        self.env: list[dict[str, Any]] = list(self.template_container.get("env", []))
        self.mounts: list[dict[str, Any]] = list(self.template_container.get("volumeMounts", []))
        self.volumes: list[dict[str, Any]] = list(self.template_pod["spec"].get("volumes", []))
        self.properties: dict[str, str] = dict(self.conf)

    def build(self) -> DriverObjects:
        container = self._basic_container()
        self._service_properties()
        self._secret_volumes()
        self._secret_env()
        self._conf_volumes()
        self._python_env()
        executor_template = self._executor_template()
        self._local_dirs()
        self._conf_volume()
        container["env"] = self.env
        container["volumeMounts"] = self.mounts
        pod = self._pod(container)
        properties = self.properties
        config_map = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": self.config_map_name, "namespace": self.namespace},
            "immutable": True,
            "data": {
                CONF_FILE: java_properties.dumps(properties, comments=self._conf_comments()),
                "spark.kubernetes.namespace": self.namespace,
            },
        }
        return DriverObjects(
            pod=pod,
            config_map=config_map,
            service=self._service(),
            network_policy=self._network_policy(),
            properties=properties,
            executor_template=executor_template,
        )

    # BasicDriverFeatureStep

    def _basic_container(self) -> dict[str, Any]:
        conf = self.conf
        image = conf.get("spark.kubernetes.driver.container.image") or conf.get(
            "spark.kubernetes.container.image"
        )
        cores = conf.get("spark.driver.cores", "1")
        if not cores.isdigit():
            raise NotNative(f"spark.driver.cores {cores!r}")
        cpu_request = conf.get("spark.kubernetes.driver.request.cores", cores)
        memory = memory_mib(conf.get("spark.driver.memory", "1g"))
        default_factor = _double(
            conf,
            "spark.kubernetes.memoryOverheadFactor",
            _NON_JVM_OVERHEAD_FACTOR if self.submitted.is_python else _JVM_OVERHEAD_FACTOR,
        )
        factor = _double(conf, "spark.driver.memoryOverheadFactor", default_factor)
        overhead_text = conf.get("spark.driver.memoryOverhead")
        overhead = (
            memory_mib(overhead_text)
            if overhead_text is not None
            else max(int(factor * memory), _MIN_OVERHEAD_MIB)
        )
        total = f"{memory + overhead}Mi"
        limits: dict[str, str] = {}
        if "spark.kubernetes.driver.limit.cores" in conf:
            limits["cpu"] = conf["spark.kubernetes.driver.limit.cores"]
        limits["memory"] = total
        self.env += [
            {"name": "SPARK_USER", "value": self.user},
            {"name": "SPARK_APPLICATION_ID", "value": self.identity.spark_app_id},
            *(
                {"name": name, "value": value}
                for name, value in prefixed(conf, "spark.kubernetes.driverEnv.").items()
            ),
            {
                "name": "SPARK_DRIVER_BIND_ADDRESS",
                "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}},
            },
        ]
        self.properties.update(
            {
                "spark.kubernetes.driver.pod.name": self.pod_name,
                "spark.app.id": self.identity.spark_app_id,
                "spark.kubernetes.submitInDriver": "true",
                "spark.kubernetes.memoryOverheadFactor": _java_double(default_factor),
                "spark.app.submitTime": str(self.identity.submit_time_ms),
            }
        )
        template = self.template_container
        resources = template.get("resources", {})
        return {
            **template,
            "name": template.get("name", DRIVER_CONTAINER),
            "image": image,
            "imagePullPolicy": conf.get(
                "spark.kubernetes.container.image.pullPolicy", "IfNotPresent"
            ),
            "args": self._args(),
            "ports": [*template.get("ports", []), *self.ports.container_ports()],
            "resources": {
                **resources,
                "requests": {
                    **resources.get("requests", {}),
                    "cpu": cpu_request,
                    "memory": total,
                },
                "limits": {**resources.get("limits", {}), **limits},
            },
            "securityContext": {"allowPrivilegeEscalation": False},
        }

    def _pod(self, container: dict[str, Any]) -> KubeObject:
        conf = self.conf
        template_spec = self.template_pod["spec"]
        spec: dict[str, Any] = {
            **template_spec,
            "restartPolicy": "Never",
            # The Spark container goes after the template's others, as spark-submit adds it.
            "containers": [*self.sidecars, container],
            "volumes": self.volumes,
        }
        node_selector = {
            **template_spec.get("nodeSelector", {}),
            **prefixed(conf, "spark.kubernetes.node.selector."),
            **prefixed(conf, "spark.kubernetes.driver.node.selector."),
        }
        if node_selector:
            spec["nodeSelector"] = node_selector
        pull_secrets = conf.get("spark.kubernetes.container.image.pullSecrets", "")
        names = [name.strip() for name in pull_secrets.split(",") if name.strip()]
        if names:
            spec["imagePullSecrets"] = [
                *template_spec.get("imagePullSecrets", []),
                *({"name": name} for name in names),
            ]
        account = conf.get("spark.kubernetes.authenticate.driver.serviceAccountName")
        if account:
            spec["serviceAccountName"] = account
        scheduler = conf.get("spark.kubernetes.driver.scheduler.name") or conf.get(
            "spark.kubernetes.scheduler.name"
        )
        if scheduler:
            spec["schedulerName"] = scheduler
        template_metadata = self.template_pod.get("metadata", {})
        metadata: dict[str, Any] = {
            **template_metadata,
            "name": self.pod_name,
            "namespace": self.namespace,
            "labels": {**template_metadata.get("labels", {}), **self.labels},
        }
        annotations = {
            **template_metadata.get("annotations", {}),
            **prefixed(conf, "spark.kubernetes.driver.annotation."),
        }
        if annotations:
            metadata["annotations"] = annotations
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}

    # PodTemplateConfigMapStep

    def _executor_template(self) -> KubeObject | None:
        if "spark.kubernetes.executor.podTemplateFile" not in self.conf:
            return None
        text = self.templates.executor_text
        if text is None:
            raise NotNative("the executors' pod template was not read")
        name = f"{self.prefix}-driver-podspec-conf-map"
        self.volumes.append(
            {
                "name": EXECUTOR_TEMPLATE_VOLUME,
                "configMap": {
                    "name": name,
                    "items": [{"key": EXECUTOR_TEMPLATE_KEY, "path": EXECUTOR_TEMPLATE_FILE}],
                },
            }
        )
        self.mounts.append({"name": EXECUTOR_TEMPLATE_VOLUME, "mountPath": EXECUTOR_TEMPLATE_DIR})
        self.properties["spark.kubernetes.executor.podTemplateFile"] = (
            f"{EXECUTOR_TEMPLATE_DIR}/{EXECUTOR_TEMPLATE_FILE}"
        )
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": self.namespace},
            "immutable": True,
            "data": {EXECUTOR_TEMPLATE_KEY: text},
        }

    # DriverCommandFeatureStep

    def _args(self) -> list[str]:
        submitted = self.submitted
        args = ["driver"]
        if submitted.proxy_user is not None:
            args += ["--proxy-user", submitted.proxy_user]
        return [
            *args,
            "--properties-file",
            f"{CONF_DIR}/{CONF_FILE}",
            "--class",
            submitted.main_class,
            submitted.main_resource,
            *submitted.app_args,
        ]

    def _python_env(self) -> None:
        if not self.submitted.is_python:
            return
        python = self.conf.get("spark.pyspark.python")
        driver_python = self.conf.get("spark.pyspark.driver.python", python)
        if python is not None:
            self.env.append({"name": "PYSPARK_PYTHON", "value": python})
        if driver_python is not None:
            self.env.append({"name": "PYSPARK_DRIVER_PYTHON", "value": driver_python})

    # DriverServiceFeatureStep and the NetworkPolicy step (driver_network.py)

    def _service_properties(self) -> None:
        self.properties.update(service_properties(self.service_name, self.namespace, self.ports))

    def _service(self) -> KubeObject:
        return driver_service(
            name=self.service_name,
            namespace=self.namespace,
            app_id=self.identity.spark_app_id,
            selector=self.labels,
            ports=self.ports,
            labels=prefixed(self.conf, "spark.kubernetes.driver.service.label."),
            annotations=prefixed(self.conf, "spark.kubernetes.driver.service.annotation."),
        )

    def _network_policy(self) -> KubeObject:
        return executor_network_policy(
            name=f"{self.prefix}-policy",
            namespace=self.namespace,
            app_id=self.identity.spark_app_id,
        )

    # MountSecretsFeatureStep, EnvSecretsFeatureStep

    def _secret_volumes(self) -> None:
        for secret, path in prefixed(self.conf, "spark.kubernetes.driver.secrets.").items():
            volume = f"{secret}-volume"
            self.volumes.append({"name": volume, "secret": {"secretName": secret}})
            self.mounts.append({"name": volume, "mountPath": path})

    def _secret_env(self) -> None:
        refs = prefixed(self.conf, "spark.kubernetes.driver.secretKeyRef.")
        for name, ref in refs.items():
            secret, colon, key = ref.partition(":")
            if not colon:
                raise NotNative(f"secretKeyRef {name}={ref} is not secret:key")
            self.env.append(
                {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
            )

    # MountVolumesFeatureStep

    def _conf_volumes(self) -> None:
        by_volume: dict[tuple[str, str], dict[str, str]] = {}
        for key, value in prefixed(self.conf, VOLUMES_PREFIX).items():
            kind, _, rest = key.partition(".")
            name, _, option = rest.partition(".")
            by_volume.setdefault((kind, name), {})[option] = value
        for (kind, name), options in sorted(by_volume.items()):
            volume, mount = conf_volume(kind, name, options)
            self.volumes.append(volume)
            self.mounts.append(mount)
        paths = [mount["mountPath"] for mount in self.mounts]
        if len(set(paths)) != len(paths):
            raise NotNative("two volumes mounted at one path")

    # LocalDirsFeatureStep

    def _local_dirs(self) -> None:
        if any(volume["name"].startswith(LOCAL_DIR_VOLUME_PREFIX) for volume in self.volumes):
            raise NotNative("a volume of the conf serving as a local dir")
        configured = self.conf.get("spark.local.dir")
        if configured is not None and (not configured or "," in configured):
            # Spark shuffles several dirs before naming their volumes: no one answer to mirror.
            raise NotNative(f"spark.local.dir {configured!r}: one directory is built natively")
        path = configured or f"/var/data/spark-{self.identity.local_dir_id}"
        tmpfs = self.conf.get("spark.kubernetes.local.dirs.tmpfs", "false").strip().lower()
        if tmpfs not in ("true", "false"):
            raise NotNative(f"spark.kubernetes.local.dirs.tmpfs {tmpfs!r}")
        name = f"{LOCAL_DIR_VOLUME_PREFIX}1"
        self.env.append({"name": "SPARK_LOCAL_DIRS", "value": path})
        self.volumes.append(
            {"name": name, "emptyDir": {"medium": "Memory"} if tmpfs == "true" else {}}
        )
        self.mounts.append({"name": name, "mountPath": path})
        mounted = [mount["mountPath"] for mount in self.mounts]
        if len(set(mounted)) != len(mounted):
            raise NotNative("a local dir where another volume is mounted")

    # The conf map spark-submit's Client mounts last

    def _conf_volume(self) -> None:
        self.env.append({"name": "SPARK_CONF_DIR", "value": CONF_DIR})
        self.volumes.append(
            {
                "name": _CONF_VOLUME,
                "configMap": {
                    "name": self.config_map_name,
                    "items": [{"key": CONF_FILE, "path": CONF_FILE, "mode": 0o644}],
                },
            }
        )
        self.mounts.append({"name": _CONF_VOLUME, "mountPath": CONF_DIR})

    def _conf_comments(self) -> list[str]:
        when = datetime.fromtimestamp(self.identity.submit_time_ms / 1000, UTC)
        return [
            f"Java properties built from Kubernetes config map with name: {self.config_map_name}",
            when.strftime("%a %b %d %H:%M:%S UTC %Y"),
        ]
