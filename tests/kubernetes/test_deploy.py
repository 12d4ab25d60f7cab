"""deploy/k8s is accepted by a real API server (a server-side dry run: every object is
validated, defaulted and admitted, nothing is stored)."""

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness.kubernetes import ROOT, shared_cluster

pytestmark = pytest.mark.kubernetes


def with_operator_secrets(tmp_path: Path) -> Path:
    """A copy of deploy/k8s whose example overlay has the secrets its comments say to make."""
    shutil.copytree(ROOT / "deploy" / "k8s", tmp_path / "k8s")
    overlay = tmp_path / "k8s" / "overlays" / "example"
    password = secrets.token_hex(24)
    url = f"mongodb://lighter:{password}@lighter-mongodb:27017/?authSource=admin"
    (overlay / "mongodb.env").write_text(f"username=lighter\npassword={password}\nurl={url}\n")
    password = secrets.token_hex(24)
    url = f"amqp://lighter:{password}@lighter-rabbitmq:5672/"
    (overlay / "rabbitmq.env").write_text(f"username=lighter\npassword={password}\nurl={url}\n")
    (overlay / "ui-login.env").write_text(f"secret={secrets.token_hex(32)}\n")
    return overlay


def test_the_example_overlay_applies_cleanly_in_a_server_side_dry_run(tmp_path: Path) -> None:
    cluster = shared_cluster()
    overlay = with_operator_secrets(tmp_path)
    # The namespace must exist for a dry run of the objects in it.
    cluster.kubectl(
        "apply", "-f", "-", input="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lighter\n"
    )

    applied = cluster.kubectl("apply", "--dry-run=server", "-k", str(overlay))

    kinds = {line.split("/")[0] for line in applied.splitlines()}
    assert {
        "deployment.apps",
        "statefulset.apps",
        "service",
        "ingress.networking.k8s.io",
        "poddisruptionbudget.policy",
        "role.rbac.authorization.k8s.io",
        "rolebinding.rbac.authorization.k8s.io",
        "configmap",
        "secret",
        "serviceaccount",
        "networkpolicy.networking.k8s.io",
        "validatingadmissionpolicy.admissionregistration.k8s.io",
        "validatingadmissionpolicybinding.admissionregistration.k8s.io",
    } <= kinds
    assert sum(1 for line in applied.splitlines() if line.startswith("deployment.apps/")) == 4


def test_every_secret_a_workload_names_is_one_the_overlay_makes(tmp_path: Path) -> None:
    # kustomize suffixes a generated Secret's name with a hash of its contents and renames the
    # references to it, but only within one namespace: a miss leaves pods naming no Secret.
    built = shared_cluster().kubectl("kustomize", str(with_operator_secrets(tmp_path)))
    objects = [doc for doc in yaml.safe_load_all(built) if doc]
    made = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    named = set(_secret_names([o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]))
    assert named, "the workloads take their credentials from Secrets"
    assert named <= made, f"named but not made: {sorted(named - made)}"
    assert all(
        o["metadata"].get("namespace") == "lighter" for o in objects if o["kind"] == "Secret"
    )


def _secret_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("secretKeyRef", "secretRef") and isinstance(value, dict):
                yield value["name"]
            elif key == "secret" and isinstance(value, dict) and "secretName" in value:
                yield value["secretName"]
            else:
                yield from _secret_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _secret_names(item)
