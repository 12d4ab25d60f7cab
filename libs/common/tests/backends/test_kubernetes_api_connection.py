"""The API server's client reads the environment's proxy once, and nothing per request."""

import base64

import pytest
from kubernetes_asyncio import client
from lighter_common.backends.kubernetes.api_connection import JsonBody, api_client

API_SERVER = "https://10.96.0.1:443"


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


async def connected(host: str = API_SERVER) -> client.Configuration:
    configuration = client.Configuration(host=host)
    api = api_client(configuration)
    try:
        assert not api.rest_client.pool_manager.trust_env
        return configuration
    finally:
        await api.close()


async def test_the_environments_proxy_is_used_with_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://lighter:s3cret@proxy.example:3128")

    configuration = await connected()

    assert configuration.proxy == "http://proxy.example:3128"
    expected = "Basic " + base64.b64encode(b"lighter:s3cret").decode()
    assert configuration.proxy_headers == {"Proxy-Authorization": expected}


async def test_a_host_the_environment_exempts_goes_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "10.96.0.1")

    assert not (await connected()).proxy


async def test_without_a_proxy_in_the_environment_it_goes_direct() -> None:
    assert not (await connected()).proxy


async def test_a_proxy_the_kubeconfig_names_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    configuration = client.Configuration(host=API_SERVER)
    configuration.proxy = "http://kubeconfig-proxy.example:8080"
    api = api_client(configuration)
    await api.close()

    assert configuration.proxy == "http://kubeconfig-proxy.example:8080"


async def test_a_json_body_is_sent_as_built_and_a_model_is_still_serialized() -> None:
    api = api_client(client.Configuration(host=API_SERVER))
    try:
        body = JsonBody({"metadata": {"name": "driver", "labels": {"spark-role": "driver"}}})
        assert api.sanitize_for_serialization(body) is body
        model = client.V1ObjectMeta(name="driver", labels={"spark-role": "driver"})
        assert api.sanitize_for_serialization(model) == body["metadata"]
    finally:
        await api.close()
