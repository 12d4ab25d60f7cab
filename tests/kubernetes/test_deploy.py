"""deploy/k8s is accepted by a real API server (a server-side dry run: every object is
validated, defaulted and admitted, nothing is stored)."""

import pytest

from tests.harness.kubernetes import ROOT, shared_cluster

pytestmark = pytest.mark.kubernetes


def test_the_example_overlay_applies_cleanly_in_a_server_side_dry_run() -> None:
    cluster = shared_cluster()
    overlay = ROOT / "deploy" / "k8s" / "overlays" / "example"
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
