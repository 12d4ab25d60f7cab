"""The driver's network: its ports, its headless Service and its executors' NetworkPolicy. Pure.

As Spark's DriverServiceFeatureStep and NetworkPolicyFeatureStep make them: the Service
(named after the submission, or `spark-<id>-driver-svc` when that is too long for a DNS
label) is how executors reach the driver (`spark.driver.host`); the NetworkPolicy lets only
the application's own pods reach its executors.
"""

from dataclasses import dataclass
from typing import Any

from lighter_common.backends.kubernetes.driver_conf import NotNative
from lighter_common.backends.kubernetes.driver_names import MAX_NAME
from lighter_common.backends.kubernetes.pod_templates import KubeObject

_APP_PROTOCOLS = {"spark-connect": "grpc"}
# The keys that move a port, and each port's default, as Spark's DriverServiceFeatureStep and
# BasicDriverFeatureStep read them. 0 asks Spark for a free port, which a Service cannot name:
# left to spark-submit.
_PORT_KEYS = {
    "driver-rpc-port": ("spark.driver.port", 7078),
    "blockmanager": ("spark.driver.blockManager.port", 7079),
    "spark-ui": ("spark.ui.port", 4040),
    "spark-connect": ("spark.connect.grpc.binding.port", 15002),
}


@dataclass(frozen=True)
class DriverPorts:
    """The driver's ports, by their name in the pod and the Service."""

    by_name: dict[str, int]

    @classmethod
    def of(cls, conf: dict[str, str]) -> "DriverPorts":
        by_name: dict[str, int] = {}
        for name, (key, default) in _PORT_KEYS.items():
            text = conf.get(key, str(default))
            if not text.isdigit() or not 0 < int(text) < 65536:
                raise NotNative(f"{key} {text!r}")
            by_name[name] = int(text)
        return cls(by_name)

    def container_ports(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "containerPort": port, "protocol": "TCP"}
            for name, port in self.by_name.items()
        ]

    def service_ports(self) -> list[dict[str, Any]]:
        ports = []
        for name, port in self.by_name.items():
            entry: dict[str, Any] = {
                "name": name,
                "port": port,
                "targetPort": port,
                "protocol": "TCP",
            }
            if name in _APP_PROTOCOLS:
                entry["appProtocol"] = _APP_PROTOCOLS[name]
            ports.append(entry)
        return ports


def service_name(prefix: str, service_id: str) -> str:
    preferred = f"{prefix}-driver-svc"
    return preferred if len(preferred) <= MAX_NAME else f"spark-{service_id}-driver-svc"


def service_properties(name: str, namespace: str, ports: DriverPorts) -> dict[str, str]:
    return {
        "spark.driver.host": f"{name}.{namespace}.svc",
        "spark.driver.port": str(ports.by_name["driver-rpc-port"]),
        "spark.driver.blockManager.port": str(ports.by_name["blockmanager"]),
    }


def driver_service(
    *,
    name: str,
    namespace: str,
    app_id: str,
    selector: dict[str, str],
    ports: DriverPorts,
    labels: dict[str, str],
    annotations: dict[str, str],
) -> KubeObject:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": {**labels, "spark-app-selector": app_id},
    }
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"clusterIP": "None", "selector": selector, "ports": ports.service_ports()},
    }


def executor_network_policy(*, name: str, namespace: str, app_id: str) -> KubeObject:
    app = {"spark-app-selector": app_id}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": app},
        "spec": {
            "podSelector": {"matchLabels": {"spark-role": "executor", **app}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": app}}]}],
            "policyTypes": ["Ingress"],
        },
    }
