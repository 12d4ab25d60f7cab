"""How a Spark driver's pod is built: the objects `spark-submit` creates in cluster mode. Pure.

From the resolved submission (driver_conf.py) and the names Spark would generate
(`DriverIdentity`), `driver_objects` returns the four objects Spark SPARK_VERSION's
KubernetesDriverBuilder creates: the driver pod, its ConfigMap (`spark.properties`), its
headless Service and the NetworkPolicy for its executors, as the API's JSON. Each `_step`
mirrors one of Spark's feature steps (basic, service, secrets as volumes and as env, the
Python command, local dirs, the conf map); the parity test
(tests/kubernetes/test_driver_objects_parity.py) holds them equal to `spark-submit`'s on a
real API server. The ConfigMap, Service and NetworkPolicy are owned by the pod, which the
caller creates first.
"""

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lighter_common.backends.kubernetes import java_properties
from lighter_common.backends.kubernetes.driver_conf import (
    SPARK_VERSION,
    SubmittedConf,
    Unsupported,
)

KubeObject = dict[str, Any]

DRIVER_CONTAINER = "spark-kubernetes-driver"
CONF_DIR = "/opt/spark/conf"
CONF_FILE = "spark.properties"
_CONF_VOLUME = "spark-conf-volume-driver"
_LOCAL_DIR_VOLUME = "spark-local-dir-1"
_DRIVER_PORT, _BLOCK_MANAGER_PORT, _UI_PORT, _CONNECT_PORT = 7078, 7079, 4040, 15002
_MAX_NAME = 63  # a DNS label: a Service's name, a label's value
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


def unique_id(now_ms: int) -> str:
    """Spark's resource id: three random bytes, then the clock's low 40 bits, in hex."""
    return secrets.token_hex(3) + format(now_ms & 0xFFFFFFFFFF, "x")


@dataclass(frozen=True)
class DriverIdentity:
    """The names and ids Spark generates for one submission."""

    spark_app_id: str
    resource_id: str  # in the NetworkPolicy's (and a default pod's and Service's) name
    config_map_id: str
    service_id: str  # the Service's name when the preferred one is too long
    local_dir_id: str
    submit_time_ms: int

    @classmethod
    def new(cls, now_ms: int | None = None) -> "DriverIdentity":
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return cls(
            spark_app_id=f"spark-{uuid.uuid4().hex}",
            resource_id=unique_id(now),
            config_map_id=unique_id(now),
            service_id=unique_id(now),
            local_dir_id=str(uuid.uuid4()),
            submit_time_ms=now,
        )


@dataclass(frozen=True)
class PodTemplates:
    """The pod template files the conf names, read by the caller: the driver's parsed, the
    executors' as text (the driver reads that one itself, from a ConfigMap)."""

    driver: KubeObject | None = None
    executor_text: str | None = None


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

    def owned(self, pod_uid: str) -> list[KubeObject]:
        """The ConfigMap, Service and NetworkPolicy, owned by the created pod."""
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
    except _NotNative as error:
        return Unsupported(str(error), "value")


class _NotNative(Exception):
    pass


def resource_name_prefix(app_name: str, resource_id: str) -> str:
    prefix = f"{app_name}-{resource_id}".strip().lower()
    prefix = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", prefix))
    return re.sub(r"^[0-9]", "x", re.sub(r"^-", "", prefix))


def app_name_label(app_name: str) -> str:
    label = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", app_name.strip().lower()))
    return label.strip("-")[:_MAX_NAME].strip("-")


def memory_mib(text: str, *, default_unit: str = "m") -> int:
    """A Spark byte string (`2g`, `512m`, `1024`) in whole MiB, as Spark rounds it."""
    match = _BYTE_STRING.fullmatch(text.strip().lower())
    if match is None or (match.group(2) or default_unit) not in _BYTE_UNITS:
        raise _NotNative(f"memory size {text!r}")
    unit = _BYTE_UNITS[match.group(2) or default_unit]
    return int(match.group(1)) * unit // 2**20


def _prefixed(conf: dict[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in sorted(conf.items()) if k.startswith(prefix)}


_TEMPLATE_VOLUME = "pod-template-volume"
_TEMPLATE_KEY = "podspec-configmap-key"
_TEMPLATE_DIR = "/opt/spark/pod-template"
_TEMPLATE_FILE = "pod-spec-template.yml"


def _split_template(
    template: KubeObject | None, container_name: str | None
) -> tuple[KubeObject, dict[str, Any], list[dict[str, Any]]]:
    """The template pod (without containers), its Spark container, and its other containers."""
    if template is None:
        return {"spec": {}}, {}, []
    if not isinstance(template, dict) or template.get("kind", "Pod") != "Pod":
        raise _NotNative("the driver's pod template is not a Pod")
    metadata = {
        key: value
        for key, value in (template.get("metadata") or {}).items()
        if key not in ("name", "namespace")
    }
    spec = dict(template.get("spec") or {})
    containers = list(spec.pop("containers", None) or [])
    if spec.get("serviceAccount") or any(
        str(volume.get("name", "")).startswith("spark-local-dir-")
        for volume in spec.get("volumes", [])
    ):
        raise _NotNative("a driver pod template with a service account or local dirs of its own")
    index = 0
    if container_name is not None:
        names = [container.get("name") for container in containers]
        if names.count(container_name) != 1:
            raise _NotNative(f"the pod template has no single container {container_name}")
        index = names.index(container_name)
    spark = containers.pop(index) if containers else {}
    if spark.get("securityContext"):
        raise _NotNative("a security context on the template's Spark container")
    return {"metadata": metadata, "spec": spec}, spark, containers


_VOLUMES_PREFIX = "spark.kubernetes.driver.volumes."
# Per volume type: its options (options.<name>) and where each goes in the volume's source.
_VOLUME_SOURCES = {
    "hostPath": ("hostPath", {"path": "path", "type": "type"}, ("path",)),
    "emptyDir": ("emptyDir", {"medium": "medium", "sizeLimit": "sizeLimit"}, ()),
    "nfs": ("nfs", {"path": "path", "server": "server"}, ("path", "server")),
    "persistentVolumeClaim": ("persistentVolumeClaim", {"claimName": "claimName"}, ("claimName",)),
}
_MOUNT_OPTIONS = {"mount.path", "mount.readOnly", "mount.subPath", "mount.subPathExpr"}


def _conf_volume(
    kind: str, name: str, options: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One volume of spark.kubernetes.driver.volumes.<kind>.<name>.*, and its mount."""
    if kind not in _VOLUME_SOURCES:
        raise _NotNative(f"volume type {kind}")
    field_name, known, required = _VOLUME_SOURCES[kind]
    source: dict[str, Any] = {}
    for option, value in options.items():
        if option in _MOUNT_OPTIONS:
            continue
        key = option.removeprefix("options.")
        if key == option or key not in known:
            raise _NotNative(f"volume option {kind}.{name}.{option}")
        if value:  # Spark's empty defaults are what the API leaves out
            source[known[key]] = value
    missing = [key for key in required if key not in source]
    if "mount.path" not in options or missing:
        raise _NotNative(f"volume {kind}.{name} lacks {missing or 'mount.path'}")
    if "mount.subPath" in options and "mount.subPathExpr" in options:
        raise _NotNative(f"volume {kind}.{name}: subPath and subPathExpr together")
    size = source.get("sizeLimit", "x")
    if size.isdigit() and int(size) < 1024:
        raise _NotNative(f"volume {kind}.{name}: size {size} without a unit")
    read_only = options.get("mount.readOnly", "false").lower()
    if read_only not in ("true", "false"):
        raise _NotNative(f"volume {kind}.{name}: readOnly {read_only!r}")
    if kind == "persistentVolumeClaim":
        if source["claimName"] == "OnDemand" or "OnDemand" in source["claimName"]:
            raise _NotNative("a claim made on demand (spark-submit creates it)")
        if read_only == "true":
            source["readOnly"] = True
    mount: dict[str, Any] = {"name": name, "mountPath": options["mount.path"]}
    if read_only == "true":
        mount["readOnly"] = True
    for option in ("subPath", "subPathExpr"):
        if options.get(f"mount.{option}"):
            mount[option] = options[f"mount.{option}"]
    return {"name": name, field_name: source}, mount


def _double(conf: dict[str, str], key: str, default: float) -> float:
    try:
        return float(conf[key]) if key in conf else default
    except ValueError:
        raise _NotNative(f"{key} {conf[key]!r} is not a number") from None


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
        preferred_service = f"{self.prefix}-driver-svc"
        self.service_name = (
            preferred_service
            if len(preferred_service) <= _MAX_NAME
            else f"spark-{identity.service_id}-driver-svc"
        )
        self.config_map_name = f"spark-drv-{identity.config_map_id}-conf-map"
        self.labels = {
            **_prefixed(self.conf, "spark.kubernetes.driver.label."),
            "spark-app-name": app_name_label(submitted.app_name),
            "spark-app-selector": identity.spark_app_id,
            "spark-role": "driver",
            "spark-version": SPARK_VERSION,
        }
        self.template_pod, self.template_container, self.sidecars = _split_template(
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
            raise _NotNative(f"spark.driver.cores {cores!r}")
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
                for name, value in _prefixed(conf, "spark.kubernetes.driverEnv.").items()
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
            "ports": [
                *template.get("ports", []),
                {"name": "driver-rpc-port", "containerPort": _DRIVER_PORT, "protocol": "TCP"},
                {"name": "blockmanager", "containerPort": _BLOCK_MANAGER_PORT, "protocol": "TCP"},
                {"name": "spark-ui", "containerPort": _UI_PORT, "protocol": "TCP"},
                {"name": "spark-connect", "containerPort": _CONNECT_PORT, "protocol": "TCP"},
            ],
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
            **_prefixed(conf, "spark.kubernetes.node.selector."),
            **_prefixed(conf, "spark.kubernetes.driver.node.selector."),
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
            **_prefixed(conf, "spark.kubernetes.driver.annotation."),
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
            raise _NotNative("the executors' pod template was not read")
        name = f"{self.prefix}-driver-podspec-conf-map"
        self.volumes.append(
            {
                "name": _TEMPLATE_VOLUME,
                "configMap": {
                    "name": name,
                    "items": [{"key": _TEMPLATE_KEY, "path": _TEMPLATE_FILE}],
                },
            }
        )
        self.mounts.append({"name": _TEMPLATE_VOLUME, "mountPath": _TEMPLATE_DIR})
        self.properties["spark.kubernetes.executor.podTemplateFile"] = (
            f"{_TEMPLATE_DIR}/{_TEMPLATE_FILE}"
        )
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": self.namespace},
            "immutable": True,
            "data": {_TEMPLATE_KEY: text},
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

    # DriverServiceFeatureStep and the NetworkPolicy step

    def _service_properties(self) -> None:
        self.properties.update(
            {
                "spark.driver.host": f"{self.service_name}.{self.namespace}.svc",
                "spark.driver.port": str(_DRIVER_PORT),
                "spark.driver.blockManager.port": str(_BLOCK_MANAGER_PORT),
            }
        )

    def _service(self) -> KubeObject:
        def port(name: str, number: int) -> dict[str, Any]:
            return {"name": name, "port": number, "targetPort": number, "protocol": "TCP"}

        metadata: dict[str, Any] = {
            "name": self.service_name,
            "namespace": self.namespace,
            "labels": {
                **_prefixed(self.conf, "spark.kubernetes.driver.service.label."),
                "spark-app-selector": self.identity.spark_app_id,
            },
        }
        annotations = _prefixed(self.conf, "spark.kubernetes.driver.service.annotation.")
        if annotations:
            metadata["annotations"] = annotations
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata,
            "spec": {
                "clusterIP": "None",
                "selector": self.labels,
                "ports": [
                    port("driver-rpc-port", _DRIVER_PORT),
                    port("blockmanager", _BLOCK_MANAGER_PORT),
                    port("spark-ui", _UI_PORT),
                    {**port("spark-connect", _CONNECT_PORT), "appProtocol": "grpc"},
                ],
            },
        }

    def _network_policy(self) -> KubeObject:
        app = {"spark-app-selector": self.identity.spark_app_id}
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {
                "name": f"{self.prefix}-policy",
                "namespace": self.namespace,
                "labels": app,
            },
            "spec": {
                "podSelector": {"matchLabels": {"spark-role": "executor", **app}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": app}}]}],
                "policyTypes": ["Ingress"],
            },
        }

    # MountSecretsFeatureStep, EnvSecretsFeatureStep

    def _secret_volumes(self) -> None:
        for secret, path in _prefixed(self.conf, "spark.kubernetes.driver.secrets.").items():
            volume = f"{secret}-volume"
            self.volumes.append({"name": volume, "secret": {"secretName": secret}})
            self.mounts.append({"name": volume, "mountPath": path})

    def _secret_env(self) -> None:
        refs = _prefixed(self.conf, "spark.kubernetes.driver.secretKeyRef.")
        for name, ref in refs.items():
            secret, colon, key = ref.partition(":")
            if not colon:
                raise _NotNative(f"secretKeyRef {name}={ref} is not secret:key")
            self.env.append(
                {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
            )

    # MountVolumesFeatureStep

    def _conf_volumes(self) -> None:
        by_volume: dict[tuple[str, str], dict[str, str]] = {}
        for key, value in _prefixed(self.conf, _VOLUMES_PREFIX).items():
            kind, _, rest = key.partition(".")
            name, _, option = rest.partition(".")
            by_volume.setdefault((kind, name), {})[option] = value
        for (kind, name), options in sorted(by_volume.items()):
            volume, mount = _conf_volume(kind, name, options)
            self.volumes.append(volume)
            self.mounts.append(mount)
        paths = [mount["mountPath"] for mount in self.mounts]
        if len(set(paths)) != len(paths):
            raise _NotNative("two volumes mounted at one path")

    # LocalDirsFeatureStep

    def _local_dirs(self) -> None:
        path = f"/var/data/spark-{self.identity.local_dir_id}"
        self.env.append({"name": "SPARK_LOCAL_DIRS", "value": path})
        self.volumes.append({"name": _LOCAL_DIR_VOLUME, "emptyDir": {}})
        self.mounts.append({"name": _LOCAL_DIR_VOLUME, "mountPath": path})

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
