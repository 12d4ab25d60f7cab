"""The driver's network: its ports, its headless Service and its executors' NetworkPolicy. Pure.

As Spark's DriverServiceFeatureStep and NetworkPolicyFeatureStep make them: the Service
(named after the submission, or `spark-<id>-driver-svc` when that is too long for a DNS
label) is how executors reach the driver (`spark.driver.host`); the NetworkPolicy lets only
the application's own pods reach its executors.
"""

from typing import Any

from lighter_common.backends.kubernetes.driver_names import MAX_NAME
from lighter_common.backends.kubernetes.pod_templates import KubeObject

DRIVER_PORT, BLOCK_MANAGER_PORT, UI_PORT, CONNECT_PORT = 7078, 7079, 4040, 15002
_PORTS = (
    ("driver-rpc-port", DRIVER_PORT),
    ("blockmanager", BLOCK_MANAGER_PORT),
    ("spark-ui", UI_PORT),
    ("spark-connect", CONNECT_PORT),
)
_APP_PROTOCOLS = {"spark-connect": "grpc"}


def container_ports() -> list[dict[str, Any]]:
    return [{"name": name, "containerPort": port, "protocol": "TCP"} for name, port in _PORTS]


def service_name(prefix: str, service_id: str) -> str:
    preferred = f"{prefix}-driver-svc"
    return preferred if len(preferred) <= MAX_NAME else f"spark-{service_id}-driver-svc"


def service_properties(name: str, namespace: str) -> dict[str, str]:
    return {
        "spark.driver.host": f"{name}.{namespace}.svc",
        "spark.driver.port": str(DRIVER_PORT),
        "spark.driver.blockManager.port": str(BLOCK_MANAGER_PORT),
    }


def driver_service(
    *,
    name: str,
    namespace: str,
    app_id: str,
    selector: dict[str, str],
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
    ports = []
    for port_name, port in _PORTS:
        entry: dict[str, Any] = {
            "name": port_name,
            "port": port,
            "targetPort": port,
            "protocol": "TCP",
        }
        if port_name in _APP_PROTOCOLS:
            entry["appProtocol"] = _APP_PROTOCOLS[port_name]
        ports.append(entry)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"clusterIP": "None", "selector": selector, "ports": ports},
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
