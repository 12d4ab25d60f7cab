"""header mode (an authenticating proxy) and oidc mode (JWTs checked against a JWKS this test
serves on loopback, found through the issuer's discovery document)."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .conftest import client_of

BATCH = {"file": "/jobs/pi.py"}


async def test_header_mode_believes_only_the_configured_proxy(auth_app: Any) -> None:
    app = auth_app(mode="header", trusted_proxies="127.0.0.1/32")
    user = {"X-Auth-Request-User": "alice", "X-Auth-Request-Groups": "ops,analysts"}
    async with client_of(app) as proxy:
        created = await proxy.post("/lighter/api/batches", json=BATCH, headers=user)
        missing = await proxy.get("/lighter/api/batches")
    async with client_of(app, client_host="10.1.2.3") as elsewhere:
        forged = await elsewhere.get("/lighter/api/batches", headers=user)

    assert created.status_code == 201 and created.json()["owner"] == "alice"
    assert missing.status_code == 401 and "www-authenticate" in missing.headers
    assert forged.status_code == 401 and "10.1.2.3" in forged.json()["message"]
    assert forged.headers["www-authenticate"] == missing.headers["www-authenticate"]


KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """An identity provider's discovery document and key set, on loopback."""
    jwk = {**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "use": "sig"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            _, port = cast(tuple[str, int], self.server.server_address)
            base = f"http://127.0.0.1:{port}"
            documents = {
                "/.well-known/openid-configuration": {"issuer": base, "jwks_uri": f"{base}/jwks"},
                "/jwks": {"keys": [jwk]},
            }
            body = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def token(issuer: str, *, key: Any = KEY, expires_in: float = 300, **claims: Any) -> str:
    body = {
        "iss": issuer,
        "aud": "lighter",
        "exp": int(time.time() + expires_in),
        "preferred_username": "alice",
        "roles": ["ops"],
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


async def test_oidc_takes_the_user_and_groups_from_a_valid_token(
    auth_app: Any, issuer: str
) -> None:
    app = auth_app(
        mode="oidc",
        oidc_issuer=issuer,
        oidc_audience="lighter",
        oidc_user_claim="preferred_username",
        oidc_groups_claim="roles",
    )
    good = {"Authorization": f"Bearer {token(issuer)}"}
    refused = {
        "expired": token(issuer, expires_in=-3600),
        "signed by another key": token(issuer, key=OTHER_KEY),
        "for another audience": token(issuer, aud="someone-else"),
        "from another issuer": token(issuer, iss="http://elsewhere"),
        "without the user claim": token(issuer, preferred_username=None),
        "symmetric": jwt.encode({"preferred_username": "alice"}, "s" * 32, algorithm="HS256"),
        "malformed": "not.a.jwt",
    }
    async with client_of(app) as client:
        created = await client.post("/lighter/api/batches", json=BATCH, headers=good)
        sees_all = await client.get("/livy/batches", headers=good)
        answers = {
            why: await client.get("/lighter/api/batches", headers={"Authorization": f"Bearer {t}"})
            for why, t in refused.items()
        }

    assert created.status_code == 201 and created.json()["owner"] == "alice"
    assert sees_all.status_code == 200
    for why, response in answers.items():
        assert response.status_code == 401, (why, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer"), why
    assert "expired" in answers["expired"].json()["message"]
