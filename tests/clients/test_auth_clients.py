"""The clients people already have, unchanged, with credentials: sparkmagic's Basic_Access,
pylivy and Airflow's LivyHook with HTTP Basic, and a curl-like httpx with a bearer token. Users come from the
`lighter users add` command.

Most run on the simulated backend (they are about authentication); one notebook runs real
Spark through sparkmagic with Basic_Access, end to end.
"""

import argparse
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lighter_common.domain.states import FINISHED_STATES
from livy import LivyBatch, SessionState
from livy.client import LivyClient
from requests import HTTPError
from sparkmagic.auth.basic import Basic
from sparkmagic.livyclientlib.command import Command
from sparkmagic.livyclientlib.endpoint import Endpoint
from sparkmagic.livyclientlib.exceptions import HttpClientException
from sparkmagic.livyclientlib.livyreliablehttpclient import LivyReliableHttpClient
from sparkmagic.livyclientlib.sparkcontroller import SparkController

from tests.clients.airflow_livy import airflow_process, batch_state, livy_connection, post_batch
from tests.clients.test_sparkmagic import Display, configure_sparkmagic, ipython_shell
from tests.harness.lighter import LighterFactory, LighterProcesses
from tests.harness.sse import collect

__all__ = ["ipython_shell"]  # sparkmagic patches IPython's shell, which the fixture provides

PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2"}
SIMULATED_BATCH = {"lighter.simulated.runSeconds": "1"}


def lighter_users(users_file: Path, *args: str, password: str | None = None) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lighter_standalone",
            "users",
            "add",
            *args,
            "--file",
            str(users_file),
        ],
        input=None if password is None else password + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "users.json"
    for name, password in PASSWORDS.items():
        lighter_users(path, name, "--password-stdin", password=password)
    return path


@pytest.fixture(scope="module")
def alice_token(users_file: Path) -> str:
    return lighter_users(users_file, "alice", "--token")


def start(factory: LighterFactory, users_file: Path, mode: str, backend: str) -> LighterProcesses:
    return factory.start(
        "standalone",
        backend=backend,
        extra={
            "LIGHTER_AUTH_MODE": mode,
            "LIGHTER_AUTH_USERS_FILE": str(users_file),
            # The simulated backend reads no file: any directory does.
            "LIGHTER_ALLOWED_LOCAL_DIRS": "/",
        },
    )


@pytest.fixture(scope="module")
def basic_lighter(lighter_factory: LighterFactory, users_file: Path) -> Iterator[LighterProcesses]:
    processes = start(lighter_factory, users_file, "basic", "simulated")
    yield processes
    processes.stop_all()


def sparkmagic_endpoint(url: str, user: str, password: str) -> Endpoint:
    # As `%spark add -s name -l python -u URL -t Basic_Access -a USER -p PASSWORD` makes it.
    attributes = argparse.Namespace(user=user, password=password, url=url, auth="Basic_Access")
    return Endpoint(url, Basic(attributes))


def test_sparkmagic_basic_access_sees_only_its_own_sessions(
    basic_lighter: LighterProcesses,
) -> None:
    configure_sparkmagic({})
    url = basic_lighter.url + "/livy"
    alice = LivyReliableHttpClient.from_endpoint(
        sparkmagic_endpoint(url, "alice", PASSWORDS["alice"])
    )
    bob = LivyReliableHttpClient.from_endpoint(sparkmagic_endpoint(url, "bob", PASSWORDS["bob"]))
    intruder = LivyReliableHttpClient.from_endpoint(sparkmagic_endpoint(url, "alice", "guess"))

    session = alice.post_session({"kind": "pyspark", "name": "alices"})
    assert session["owner"] == "alice"
    assert session["id"] in [s["id"] for s in alice.get_sessions()["sessions"]]
    assert bob.get_sessions()["sessions"] == []
    with pytest.raises(HttpClientException, match="404"):
        bob.get_session(session["id"])
    with pytest.raises(HttpClientException, match="401"):
        intruder.get_sessions()
    alice.delete_session(session["id"])


def test_pylivy_runs_a_batch_with_http_basic(basic_lighter: LighterProcesses) -> None:
    url = basic_lighter.url + "/livy"
    auth = ("alice", PASSWORDS["alice"])
    batch = LivyBatch.create(
        url, file="job.py", auth=auth, name="pylivy", spark_conf=SIMULATED_BATCH
    )

    assert batch.wait() == SessionState.SUCCESS
    listed = LivyClient(url, auth=auth).list_batches()
    assert batch.batch_id in [b.batch_id for b in listed]
    assert LivyClient(url, auth=("bob", PASSWORDS["bob"])).list_batches() == []
    with pytest.raises(HTTPError, match="401"):
        LivyClient(url, auth=("alice", "wrong")).list_batches()
    batch.kill()


def test_airflow_livy_hook_runs_a_batch_with_http_basic(
    basic_lighter: LighterProcesses, tmp_path: Path
) -> None:
    connections = {
        "lighter_alice": livy_connection(basic_lighter.url, "alice", PASSWORDS["alice"]),
        "lighter_wrong": livy_connection(basic_lighter.url, "alice", "wrong"),
    }
    with airflow_process(tmp_path / "airflow", connections) as airflow:
        batch_id = airflow.submit(
            post_batch, "lighter_alice", "job.py", "airflow", SIMULATED_BATCH
        ).result()
        deadline = time.monotonic() + 120
        state = airflow.submit(batch_state, "lighter_alice", batch_id).result()
        while state not in FINISHED_STATES and time.monotonic() < deadline:
            time.sleep(0.25)
            state = airflow.submit(batch_state, "lighter_alice", batch_id).result()
        refused = airflow.submit(post_batch, "lighter_wrong", "job.py", "nope", SIMULATED_BATCH)
        with pytest.raises(RuntimeError, match="Status code: 401"):
            refused.result()

    assert state == "success"
    with httpx.Client(base_url=basic_lighter.url + "/livy", timeout=30) as http:
        batch = http.get(f"/batches/{batch_id}", auth=("alice", PASSWORDS["alice"])).json()
        names = [
            b["name"]
            for b in http.get("/batches", auth=("alice", PASSWORDS["alice"])).json()["sessions"]
        ]
    assert batch["owner"] == "alice"
    assert "nope" not in names


def test_a_bearer_token_submits_and_streams_only_its_owners_events(
    lighter_factory: LighterFactory, users_file: Path, alice_token: str
) -> None:
    lighter = start(lighter_factory, users_file, "bearer", "simulated")
    bob_token = lighter_users(users_file, "bob", "--token")
    alice = {"Authorization": f"Bearer {alice_token}"}
    bob = {"Authorization": f"Bearer {bob_token}"}
    try:
        with (
            httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as http,
            http.stream("GET", "/events", headers=alice) as alices_events,
            http.stream("GET", "/events", headers=bob) as bobs_events,
        ):
            body = {"file": "job.py", "conf": SIMULATED_BATCH}
            mine = http.post("/batches", json=body, headers=alice).json()["id"]
            theirs = http.post("/batches", json=body, headers=bob).json()["id"]
            seen_by_alice = collect(
                alices_events, lambda e: any(m.data and m.data["state"] == "success" for m in e)
            )
            seen_by_bob = collect(
                bobs_events, lambda e: any(m.data and m.data["state"] == "success" for m in e)
            )
            anonymous = http.get("/batches")
    finally:
        lighter.stop_all()
    assert {m.data["id"] for m in seen_by_alice if m.data} == {mine}
    assert {m.data["id"] for m in seen_by_bob if m.data} == {theirs}
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="Lighter"'


@pytest.mark.spark
def test_a_notebook_with_basic_access_runs_spark(
    lighter_factory: LighterFactory, users_file: Path
) -> None:
    lighter = start(lighter_factory, users_file, "basic", "local")
    try:
        configure_sparkmagic({})
        controller = SparkController(Display())
        endpoint = sparkmagic_endpoint(lighter.url + "/livy", "alice", PASSWORDS["alice"])
        controller.add_session("secured", endpoint, False, {"kind": "pyspark"})
        session = controller.get_session_by_name_or_default("secured")
        assert controller.run_command(Command("1+1")) == (True, "2", "text/plain")
        controller.delete_session_by_id(endpoint, session.id)
        session._stop_heartbeat_thread()
    finally:
        lighter.stop_all()
