"""What sparklyr does over Livy, without R: open a `spark` session, send Scala that defines
its helpers and uses `spark`, read the printed results back from `text/plain`."""

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.harness.lighter import LighterFactory, LighterProcesses

pytestmark = pytest.mark.spark

TIMEOUT = 300.0
HELPERS = """\
object Bridge {
  def rows(n: Long): Long = spark.range(n).count()
  def version: String = spark.version
}
"""


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("standalone")
    yield processes
    processes.stop_all()


def wait_for_state(http: httpx.Client, path: str, states: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        body: dict[str, Any] = http.get(path).json()
        if body["state"] in states:
            return body
        assert time.monotonic() < deadline, f"{path} stayed {body['state']}"
        time.sleep(0.5)


def run(http: httpx.Client, session: str, code: str) -> dict[str, Any]:
    created = http.post(f"{session}/statements", json={"code": code})
    assert created.status_code == 201, created.text
    statement = created.headers["Location"]
    output: dict[str, Any] = wait_for_state(http, statement, {"available", "cancelled"})["output"]
    return output


def test_a_scala_session_runs_what_sparklyr_sends(lighter: LighterProcesses) -> None:
    with httpx.Client(base_url=lighter.url, timeout=60) as http:
        created = http.post("/livy/sessions", json={"kind": "spark"})
        assert created.status_code == 201, created.text
        assert created.json()["kind"] == "spark"
        session = created.headers["Location"]
        assert session == f"/livy/sessions/{created.json()['id']}"
        wait_for_state(http, session, {"idle"})

        defined = run(http, session, HELPERS)
        assert defined["status"] == "ok", defined
        assert "object Bridge" in defined["data"]["text/plain"]
        counted = run(http, session, "Bridge.rows(42)")
        assert re.fullmatch(r"res\d+: Long = 42\n", counted["data"]["text/plain"]), counted
        printed = run(http, session, 'println("spark " + Bridge.version)')
        assert printed["data"]["text/plain"].startswith("spark 4."), printed
        failed = run(http, session, "Bridge.missing")
        assert failed["status"] == "error"
        assert failed["ename"] == "Error"
        assert "missing" in failed["evalue"] + "".join(failed["traceback"])

        completion = http.post(
            f"{session}/completion", json={"code": "Bridge.ro", "kind": "spark", "cursor": 9}
        )
        assert completion.status_code == 200
        assert "rows" in completion.json()["candidates"]
        assert http.delete(session).json() == {"msg": "deleted"}
