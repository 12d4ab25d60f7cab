"""pylivy (`livy` on PyPI), unchanged, against Lighter's `/livy` endpoint."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from livy import LivyBatch, LivySession, SessionKind, SessionState
from livy.client import LivyClient
from livy.models import SparkRuntimeError, StatementKind, StatementState, Version

from tests.harness.lighter import LighterFactory, LighterProcesses

pytestmark = pytest.mark.spark

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("standalone")
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def livy_url(lighter: LighterProcesses) -> str:
    return lighter.url + "/livy"


def test_a_session_runs_code_and_hands_back_dataframes(livy_url: str) -> None:
    client = LivyClient(livy_url)
    assert client.server_version() >= Version("0.5.0")
    assert not client.legacy_server()

    with LivySession.create(livy_url, kind=SessionKind.PYSPARK, name="pylivy") as session:
        assert isinstance(session.session_id, int)
        assert session.state == SessionState.IDLE
        listed = client.list_sessions()
        assert session.session_id in [s.session_id for s in listed]

        assert session.run("1 + 1").text == "2"
        printed = session.run("for n in range(3):\n    print(n)")
        assert printed.text == "0\n1\n2"  # Livy drops the last newline

        with pytest.raises(SparkRuntimeError) as raised:
            session.run("1 / 0")
        assert raised.value.ename == "ZeroDivisionError"
        assert raised.value.traceback and any(
            "ZeroDivisionError" in line for line in raised.value.traceback
        )

        session.run("df = spark.createDataFrame([(1, 'a'), (2, 'b')], ['n', 'letter'])")
        frame = session.download("df")
        assert frame.to_dict("records") == [{"n": 1, "letter": "a"}, {"n": 2, "letter": "b"}]

        statement = client.create_statement(
            session.session_id, "SELECT n FROM VALUES (7), (8) AS t(n)", StatementKind.SQL
        )
        while statement.state in (StatementState.WAITING, StatementState.RUNNING):
            statement = client.get_statement(session.session_id, statement.statement_id)
        assert statement.state == StatementState.AVAILABLE
        assert statement.output is not None and statement.output.json is not None
        assert statement.output.json["data"] == [[7], [8]]

        statements = client.list_statements(session.session_id)
        assert [s.statement_id for s in statements] == list(range(len(statements)))
        session_id = session.session_id

    # Leaving the block deleted the session.
    assert client.get_session(session_id) is None
    client.close()


def test_batches_run_to_success_and_failure_with_their_logs(livy_url: str) -> None:
    pi = LivyBatch.create(livy_url, file=str(EXAMPLES / "pi.py"), args=["2"], name="pylivy-pi")
    failing = LivyBatch.create(livy_url, file=str(EXAMPLES / "fail.py"), name="pylivy-fail")
    assert isinstance(pi.batch_id, int) and pi.batch_id != failing.batch_id

    assert pi.wait() == SessionState.SUCCESS
    assert any("Pi is roughly" in line for line in pi.log(from_=0, size=100_000))
    assert len(pi.log(from_=0, size=3)) == 3
    assert failing.wait() in (SessionState.ERROR, SessionState.DEAD)
    assert any("ValueError" in line for line in failing.log())

    batch = pi.client.get_batch(pi.batch_id)
    assert batch is not None and str(batch.app_id).startswith("local-")
    assert pi.batch_id in [b.batch_id for b in pi.client.list_batches()]
    pi.kill()
    assert LivyClient(livy_url).get_batch(pi.batch_id) is None
