"""SPNEGO to the ResourceManager (spnego.py) against a fake Kerberized endpoint; the real one
(a MiniKdc and a MiniYARNCluster behind SPNEGO) is in tests/yarn/test_kerberos.py."""

import base64

import httpx
import pytest
from lighter_common.backends.yarn.resource_manager import (
    ResourceManager,
    ResourceManagerAuthError,
)
from lighter_common.backends.yarn.spnego import SpnegoAuth, SpnegoError

TOKEN = b"\x60\x82kerberos-token"
COOKIE = "hadoop.auth"


class KerberizedEndpoint:
    """Answers 401 Negotiate unless a request carries TOKEN (then sets Hadoop's cookie) or the
    cookie."""

    def __init__(self) -> None:
        self.seen: list[httpx.Headers] = []  # each request's, as it came

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers.copy())
        if COOKIE in request.headers.get("cookie", ""):
            return httpx.Response(200, json={"apps": None})
        if request.headers.get("authorization") == f"Negotiate {base64.b64encode(TOKEN).decode()}":
            return httpx.Response(
                200,
                json={"apps": None},
                headers={"WWW-Authenticate": "Negotiate b2s=", "Set-Cookie": f"{COOKIE}=u=lighter"},
            )
        return httpx.Response(401, headers={"WWW-Authenticate": "Negotiate"}, text="<html>")


def resource_manager(endpoint: KerberizedEndpoint, auth: httpx.Auth | None) -> ResourceManager:
    client = httpx.AsyncClient(transport=httpx.MockTransport(endpoint), auth=auth)
    return ResourceManager(base_urls=["http://rm.test:8088"], client=client)


async def test_a_negotiate_challenge_is_answered_with_a_token_for_the_host_then_the_cookie() -> (
    None
):
    endpoint = KerberizedEndpoint()
    hosts: list[str] = []

    def token_for(host: str) -> bytes:
        hosts.append(host)
        return TOKEN

    rm = resource_manager(endpoint, SpnegoAuth(token_for))

    assert await rm.applications() == []
    assert await rm.applications() == []

    assert hosts == ["rm.test"]
    assert [h.get("authorization", "")[:9] for h in endpoint.seen] == ["", "Negotiate", ""]
    assert COOKIE in endpoint.seen[-1]["cookie"]


async def test_without_credentials_the_refusal_says_kerberos_is_asked_for() -> None:
    with pytest.raises(ResourceManagerAuthError) as refused:
        await resource_manager(KerberizedEndpoint(), None).applications()
    assert "HTTP 401: it asks for Kerberos (SPNEGO) authentication" in str(refused.value)


async def test_a_token_the_server_refuses_is_said_so() -> None:
    with pytest.raises(ResourceManagerAuthError) as refused:
        await resource_manager(
            KerberizedEndpoint(), SpnegoAuth(lambda host: b"other")
        ).applications()
    assert "did not accept Lighter's Kerberos (SPNEGO) token" in str(refused.value)


async def test_no_token_to_be_had_is_an_authentication_error_naming_the_cause() -> None:
    def no_kdc(host: str) -> bytes:
        raise SpnegoError(f"Kerberos could not authenticate lighter to HTTP@{host}: no KDC")

    with pytest.raises(ResourceManagerAuthError) as refused:
        await resource_manager(KerberizedEndpoint(), SpnegoAuth(no_kdc)).applications()
    assert "HTTP@rm.test: no KDC" in str(refused.value)


async def test_an_endpoint_that_asks_for_nothing_gets_no_token() -> None:
    def open_endpoint(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers
        return httpx.Response(200, json={"apps": None})

    def never(host: str) -> bytes:
        raise AssertionError("no token is made unasked")

    client = httpx.AsyncClient(transport=httpx.MockTransport(open_endpoint), auth=SpnegoAuth(never))
    rm = ResourceManager(base_urls=["http://rm.test:8088"], client=client)
    assert await rm.applications() == []


def test_the_synchronous_flow_answers_the_challenge_too() -> None:
    endpoint = KerberizedEndpoint()
    with httpx.Client(
        transport=httpx.MockTransport(endpoint), auth=SpnegoAuth(lambda h: TOKEN)
    ) as c:
        assert c.get("http://rm.test:8088/ws/v1/cluster/apps").status_code == 200
