"""A real Kubernetes API server for the tests: etcd, kube-apiserver and kwok as the node.

Where the cluster comes from:
1. `LIGHTER_TEST_KUBECONFIG`: a real cluster (the tests then make their own namespaces in it,
   and skip nothing: the tests that drive a pod's status by hand need the `manual` node
   they create, which a real cluster's kubelets leave alone);
2. `scripts/k8s-test-cluster.sh start`, from the binaries `scripts/k8s-test-cluster.sh build`
   cached under ~/.cache/lighter/k8s/<version>/. Without them the tests fail, saying so.

One cluster serves the whole test process; it is stopped when the process exits.

Two nodes exist: `kwok-node`, which kwok runs like a kubelet (pods bound to it go Running at
once, pods labelled `lighter-test-outcome=succeeded` complete 2 s later, deleted pods go
away), and `manual-node`, which nothing runs: a test binds a pod there and writes its status
as a kubelet would. Every container's log, as the pod log API serves it through kwok, is the
cluster's `pod.log`, which `write_log` sets.
"""

import atexit
import os
import secrets
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from lighter_common.settings import Settings

from tests.harness.settings import settings_of

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "k8s-test-cluster.sh"
KWOK_NODE = "kwok-node"
MANUAL_NODE = "manual-node"
SUCCEEDS_LABEL = "lighter-test-outcome"
HOW_TO_GET_ONE = (
    "No Kubernetes API server for the tests. Build the test binaries once with "
    "`scripts/k8s-test-cluster.sh build` (kube-apiserver and kubectl from the Go module proxy, "
    "kwok, Debian's etcd-server; cached under ~/.cache/lighter/k8s/), or point "
    "LIGHTER_TEST_KUBECONFIG at a cluster."
)


@dataclass
class KubeCluster:
    kubeconfig: Path
    state_dir: Path | None  # None: a cluster the tests did not start

    def kubectl(self, *args: str, input: str | None = None) -> str:
        done = subprocess.run(
            [kubectl_binary(), "--kubeconfig", str(self.kubeconfig), *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def settings(self, namespace: str, data_dir: Path, **overrides: Any) -> Settings:
        """Lighter's settings for the Kubernetes backend, its drivers in `namespace` here."""
        return settings_of(
            data_dir=data_dir,
            backend="kubernetes",
            kubernetes_kubeconfig=self.kubeconfig,
            kubernetes_namespace=namespace,
            **overrides,
        )

    def new_namespace(self, service_account: str = "spark") -> str:
        """A fresh namespace with the service account drivers run as."""
        name = f"t-{secrets.token_hex(4)}"
        self.kubectl("create", "namespace", name)
        self.kubectl("create", "serviceaccount", service_account, "-n", name)
        self.kubectl("create", "serviceaccount", "default", "-n", name)
        return name

    def write_log(self, text: str) -> None:
        """What the pod log API returns for every container (kwok's ClusterLogs file).

        kwok reads the file as a kubelet reads a container runtime's log: CRI lines.
        """
        if self.state_dir is None:
            raise AssertionError("logs can only be written on the cluster the tests started")
        lines = (f"2026-01-01T00:00:00.000000000Z stdout F {line}\n" for line in text.splitlines())
        (self.state_dir / "pod.log").write_text("".join(lines))

    def restart_api_server(self) -> None:
        if self.state_dir is None:
            raise AssertionError("only the cluster the tests started can be restarted")
        _script("restart-apiserver", str(self.state_dir))

    def stop(self) -> None:
        if self.state_dir is not None:
            _script("stop", str(self.state_dir))
            shutil.rmtree(self.state_dir, ignore_errors=True)


def kubectl_binary() -> str:
    built = Path(_script("bin-dir").strip()) / "kubectl"
    return str(built) if built.exists() else "kubectl"


def _script(*args: str) -> str:
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=180, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


_lock = threading.Lock()
_cluster: KubeCluster | None = None


def shared_cluster() -> KubeCluster:
    """The test process's cluster, started on first use."""
    global _cluster
    with _lock:
        if _cluster is None:
            _cluster = _open_cluster()
            atexit.register(_cluster.stop)
        return _cluster


def _open_cluster() -> KubeCluster:
    external = os.environ.get("LIGHTER_TEST_KUBECONFIG")
    if external:
        cluster = KubeCluster(Path(external), None)
    else:
        state = Path(mkdtemp(prefix="lighter-k8s-"))
        try:
            kubeconfig = _script("start", str(state)).strip().splitlines()[-1]
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{HOW_TO_GET_ONE}") from None
        cluster = KubeCluster(Path(kubeconfig), state)
    _ensure_manual_node(cluster)
    return cluster


def _ensure_manual_node(cluster: KubeCluster) -> None:
    cluster.kubectl(
        "apply",
        "-f",
        "-",
        input=f"""
apiVersion: v1
kind: Node
metadata:
  name: {MANUAL_NODE}
  labels: {{type: manual}}
spec: {{}}
""",
    )
