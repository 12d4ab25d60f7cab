"""The client of the API server, doing per request only what Lighter's requests need.

kubernetes_asyncio's HTTP session trusts the environment, so before every request aiohttp
looks for a proxy in the environment and for credentials in `~/.netrc`, each in a thread:
two thread hops per call, eight per native launch, a large share of what a launch costs on
the client's side. Here the environment's proxy for the API server is read once, as aiohttp
would read it, and the per-request look-ups are turned off. The API server's credentials
come from the kubeconfig or the service account, never from netrc.

The client also walks every request body to turn its model objects into JSON; a `JsonBody`,
which Lighter builds as JSON from the start, is sent as it is.
"""

import os
from contextlib import suppress
from pathlib import Path
from typing import Any

from aiohttp.helpers import get_env_proxy_for_url
from kubernetes_asyncio import client, config
from yarl import URL

_SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class JsonBody(dict[str, Any]):
    """A request body made of JSON values only."""


class _JsonApiClient(client.ApiClient):
    def sanitize_for_serialization(self, obj: Any) -> Any:
        return obj if isinstance(obj, JsonBody) else super().sanitize_for_serialization(obj)


def api_client(configuration: client.Configuration) -> client.ApiClient:
    """A client of the API server `configuration` names, using the environment's proxy."""
    if not configuration.proxy and configuration.host:
        with suppress(LookupError):
            proxy, proxy_auth = get_env_proxy_for_url(URL(configuration.host))
            configuration.proxy = str(proxy)
            if proxy_auth is not None:
                configuration.proxy_headers = {"Proxy-Authorization": proxy_auth.encode()}
    api = _JsonApiClient(configuration)
    # The session offers no public way to stop trusting the environment once made.
    api.rest_client.pool_manager._trust_env = False
    return api


async def load_configuration(kubeconfig: Path | None) -> client.Configuration:
    """The API server and credentials `kubeconfig` names, else the default kubeconfig, else
    the pod's service account."""
    configuration = client.Configuration()
    kubeconfig = kubeconfig or _default_kubeconfig()
    if kubeconfig is not None:
        await config.load_kube_config(
            config_file=str(kubeconfig), client_configuration=configuration
        )
    else:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return configuration


def _default_kubeconfig() -> Path | None:
    """KUBECONFIG, else ~/.kube/config; None inside a pod that has no kubeconfig."""
    named = os.environ.get("KUBECONFIG")
    if named:
        return Path(named.split(os.pathsep)[0])
    home = Path.home() / ".kube" / "config"
    if home.exists() or not _SERVICE_ACCOUNT_TOKEN.exists():
        return home
    return None
