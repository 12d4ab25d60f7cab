"""deploy/k8s keeps users' Spark pods away from secrets and from Lighter's backing services,
checked by reading the manifests (tests/kubernetes/test_kernel_secret.py holds the RBAC and
the admission policy against an API server): the driver role has no access to Secrets, no
credential is in a ConfigMap (drivers read ConfigMaps), MongoDB asks for a password, and
network policies let drivers reach only the session-manager's kernel port."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
EXAMPLE = ROOT / "deploy" / "k8s" / "overlays" / "example"
LIGHTER_SERVICES = {
    "lighter-api",
    "lighter-submitter",
    "lighter-tracker",
    "lighter-session-manager",
}
DRIVER_ACCOUNT = "spark"


def documents() -> list[dict[str, Any]]:
    listed = yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    found = []
    for name in listed:
        found += [doc for doc in yaml.safe_load_all((BASE / name).read_text()) if doc]
    return found


def one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def rules_of(account: str) -> list[dict[str, Any]]:
    """The rules of every Role bound to the service account `account`."""
    bound = {
        binding["roleRef"]["name"]
        for binding in documents()
        if binding["kind"] == "RoleBinding"
        and any(s["kind"] == "ServiceAccount" and s["name"] == account for s in binding["subjects"])
    }
    assert bound, f"no role bound to {account}"
    assert not any(d["kind"] == "ClusterRoleBinding" for d in documents())
    return [rule for name in bound for rule in one("Role", name)["rules"]]


def allows(rules: list[dict[str, Any]], resource: str, verb: str) -> bool:
    return any(
        "" in rule["apiGroups"]
        and ({resource, "*"} & set(rule["resources"]))
        and ({verb, "*"} & set(rule["verbs"]))
        for rule in rules
    )


def test_the_driver_role_has_no_access_to_secrets_and_keeps_what_executors_need() -> None:
    rules = rules_of(DRIVER_ACCOUNT)

    for verb in ("get", "list", "watch", "create", "update", "patch", "delete"):
        assert not allows(rules, "secrets", verb), verb
    for resource in ("pods", "services", "configmaps", "persistentvolumeclaims"):
        assert allows(rules, resource, "create"), resource
    config = one("ConfigMap", "lighter-config")
    assert config["data"]["LIGHTER_KUBERNETES_SERVICE_ACCOUNT"] == DRIVER_ACCOUNT


def test_lighter_may_create_give_away_and_delete_the_kernel_secrets_but_not_read_them() -> None:
    rules = rules_of("lighter")

    for verb in ("create", "patch", "delete"):
        assert allows(rules, "secrets", verb), verb
    for verb in ("get", "list", "watch"):
        assert not allows(rules, "secrets", verb), verb


def test_no_credential_is_in_the_config_map_drivers_can_read() -> None:
    data = one("ConfigMap", "lighter-config")["data"]

    assert "LIGHTER_MONGO_URL" not in data
    assert not any("password" in key.lower() or "secret" in key.lower() for key in data)


def lighter_deployments() -> list[dict[str, Any]]:
    return [
        d
        for d in documents()
        if d["kind"] == "Deployment" and d["metadata"]["name"] in LIGHTER_SERVICES
    ]


def test_every_lighter_service_reads_the_mongo_url_from_the_secret() -> None:
    deployments = lighter_deployments()

    assert {d["metadata"]["name"] for d in deployments} == LIGHTER_SERVICES
    for deployment in deployments:
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {variable["name"]: variable for variable in container.get("env", [])}
        assert env["LIGHTER_MONGO_URL"]["valueFrom"] == {
            "secretKeyRef": {"name": "lighter-mongodb", "key": "url"}
        }, deployment["metadata"]["name"]


def test_mongodb_runs_with_a_root_user_from_the_secret() -> None:
    (container,) = one("StatefulSet", "lighter-mongodb")["spec"]["template"]["spec"]["containers"]
    env = {variable["name"]: variable["valueFrom"] for variable in container["env"]}

    assert env == {
        "MONGO_INITDB_ROOT_USERNAME": {
            "secretKeyRef": {"name": "lighter-mongodb", "key": "username"}
        },
        "MONGO_INITDB_ROOT_PASSWORD": {
            "secretKeyRef": {"name": "lighter-mongodb", "key": "password"}
        },
    }


def test_the_example_overlay_makes_the_mongodb_secret_from_a_file_the_operator_writes() -> None:
    text = (EXAMPLE / "kustomization.yaml").read_text()
    overlay = yaml.safe_load(text)
    (generator,) = [g for g in overlay["secretGenerator"] if g["name"] == "lighter-mongodb"]
    (env_file,) = generator["envs"]

    # The recipe in the comment writes the user, a fresh password and the URL holding both.
    assert "openssl rand -hex" in text
    assert "url=mongodb://lighter:%s@lighter-mongodb:27017/?authSource=admin" in text
    # Credentials are never part of the repository.
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(EXAMPLE / env_file)], cwd=EXAMPLE, check=False
    )
    assert ignored.returncode == 0


def policy_for(name: str) -> dict[str, Any]:
    (policy,) = [
        d
        for d in documents()
        if d["kind"] == "NetworkPolicy"
        and d["spec"]["podSelector"].get("matchLabels") == {"app.kubernetes.io/name": name}
    ]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    return policy


def selects_lighter_services_only(peer: dict[str, Any]) -> bool:
    """A peer of Lighter's services' pods, none of which a Spark pod can be."""
    selector = peer["podSelector"]
    expressions = selector.get("matchExpressions", [])
    names = {"key": "app.kubernetes.io/name", "operator": "In", "values": sorted(LIGHTER_SERVICES)}
    not_spark = {"key": "spark-role", "operator": "DoesNotExist"}
    named = [{**e, "values": sorted(e.get("values", []))} for e in expressions]
    return set(peer) == {"podSelector"} and names in named and not_spark in expressions


@pytest.mark.parametrize(("name", "port"), [("lighter-mongodb", 27017), ("lighter-rabbitmq", 5672)])
def test_the_backing_services_answer_lighters_services_only(name: str, port: int) -> None:
    (rule,) = policy_for(name)["spec"]["ingress"]

    assert rule["ports"] == [{"protocol": "TCP", "port": port}]
    assert len(rule["from"]) == 1
    assert selects_lighter_services_only(rule["from"][0])


def test_drivers_reach_the_session_managers_kernel_port_only() -> None:
    (rule,) = policy_for("lighter-session-manager")["spec"]["ingress"]
    drivers = {
        "podSelector": {
            "matchLabels": {"spark-role": "driver"},
            "matchExpressions": [{"key": "lighter-app-id", "operator": "Exists"}],
        }
    }

    assert rule["ports"] == [{"protocol": "TCP", "port": 8081}]
    assert drivers in rule["from"]
    others = [peer for peer in rule["from"] if peer != drivers]
    assert len(others) == 1 and selects_lighter_services_only(others[0])


def test_pods_a_driver_creates_are_held_by_the_admission_policy() -> None:
    policy = one("ValidatingAdmissionPolicy", "lighter-spark-driver-pods")
    binding = one("ValidatingAdmissionPolicyBinding", "lighter-spark-driver-pods")

    assert binding["spec"]["validationActions"] == ["Deny"]
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]
    (condition,) = policy["spec"]["matchConditions"]
    assert f":{DRIVER_ACCOUNT}'" in condition["expression"]
    namespace = one("Namespace", "lighter")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
