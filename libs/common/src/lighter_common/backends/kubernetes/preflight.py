"""Whether the cluster lets Lighter launch drivers: asked at start-up, not learnt from every
launch's failure.

A server-side dry run of creating a small pod, in the drivers' namespace and as their service
account, goes through what a driver pod goes through (authentication, RBAC, admission: the
namespace exists, the service account exists, pod security) and creates nothing. It needs only
the right to create pods, which the submitter has anyway; reading the namespace or the service
account would need rights its Role has no other use for. The answer is the API server's own
message (`serviceaccount "spark" not found`).
"""

from typing import Any

import aiohttp
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from lighter_common.backends.kubernetes.raw_api import create_dry_run, error_text

PROBE_NAME_PREFIX = "lighter-preflight-"
_PROBE_IMAGE = "lighter-preflight"  # never pulled: nothing is created


def probe_pod(namespace: str, service_account: str, image: str | None) -> dict[str, Any]:
    """A pod that runs as the drivers do and asks for little, so that only what would stop a
    driver stops it (it complies with the `restricted` pod security standard)."""
    container = {
        "name": "probe",
        "image": image or _PROBE_IMAGE,
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
            "runAsUser": 185,  # Spark images' user
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": PROBE_NAME_PREFIX, "namespace": namespace},
        "spec": {
            "serviceAccountName": service_account,
            "restartPolicy": "Never",
            "containers": [container],
        },
    }


async def launch_problem(
    api: client.ApiClient, *, namespace: str, service_account: str, image: str | None
) -> str | None:
    """Why no driver pod can be created now, naming the setting involved; None if one can."""
    try:
        await create_dry_run(api, probe_pod(namespace, service_account, image))
    except ApiException as error:
        return (
            f"driver pods cannot be created in namespace {namespace!r} "
            f"(LIGHTER_KUBERNETES_NAMESPACE) as service account {service_account!r} "
            f"(LIGHTER_KUBERNETES_SERVICE_ACCOUNT): {error_text(error)}"
        )
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        host = api.configuration.host
        return f"the Kubernetes API server at {host} cannot be reached: {error or type(error).__name__}"
    return None
