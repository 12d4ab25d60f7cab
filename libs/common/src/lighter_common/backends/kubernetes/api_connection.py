"""The client of the API server, with the environment read once rather than per request.

kubernetes_asyncio's HTTP session trusts the environment, so before every request aiohttp
looks for a proxy in the environment and for credentials in `~/.netrc`, each in a thread:
two thread hops per call, which at capacity cost the launching process more CPU than the
call itself. Here the environment's proxy for the API server is read once, as aiohttp would
read it, and the per-request look-ups are turned off. The API server's credentials come from
the kubeconfig or the service account, never from netrc.
"""

from contextlib import suppress

from aiohttp.helpers import get_env_proxy_for_url
from kubernetes_asyncio import client
from yarl import URL


def api_client(configuration: client.Configuration) -> client.ApiClient:
    """A client of the API server `configuration` names, using the environment's proxy."""
    if not configuration.proxy and configuration.host:
        with suppress(LookupError):
            proxy, proxy_auth = get_env_proxy_for_url(URL(configuration.host))
            configuration.proxy = str(proxy)
            if proxy_auth is not None:
                configuration.proxy_headers = {"Proxy-Authorization": proxy_auth.encode()}
    api = client.ApiClient(configuration)
    # The session offers no public way to stop trusting the environment once made.
    api.rest_client.pool_manager._trust_env = False
    return api
